"""kill -9 in the middle of a round: a restarted server on the same database brings the game back
exactly where it was, the clients reconnect, and the game ends as an uninterrupted run of the same
commands would. No acknowledged command is lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

from district.server.botclient import BotPlayer
from district.server.engine import Game
from district.server.engine.scenario_files import load_scenario
from district.server.store import SQLiteStore

from tests.server.conftest import SCENARIOS, ServerProcess, create, until


def cid_round(cid: str) -> int:
    return int(cid.rsplit(":", 3)[1])


async def engine_replay(db: Path, sid: str, seed: int) -> tuple[str, list[str]]:
    """The hash of the stored commands run through a fresh engine, and the stored cids."""
    game = Game(load_scenario(SCENARIOS / "server-test.toml"), seed)
    cids = []
    for e in await SQLiteStore(db).all_entries(sid):
        if e["k"] == "cmd":
            game.apply(e["seat"], e["cmd"])
            if "cid" in e:
                cids.append(e["cid"])
        elif e["k"] in ("resolve", "advance"):
            game.step((e["k"],))
    return game.hash(), cids


async def test_kill_9_mid_round_then_restart_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "district.sqlite3"
    first = ServerProcess(db)
    first.start()
    second = ServerProcess(db, first.port)
    try:
        created, fac = await create(first.url, seed=5, report_seconds=0)
        sid = created["session"]
        # the bots think for different times, so a round's commands are spread over a second
        players = [
            BotPlayer(first.url, created["code"], f"Bot {i}", think=0.05 + 0.15 * i)
            for i in range(7)
        ]
        tasks = [asyncio.create_task(p.play()) for p in players]
        await until(lambda: all(p.client.seat for p in players))
        await fac.control("start")

        def acked() -> list[str]:
            return [cid for p in players for cid in p.client.acked_cids]

        await until(lambda: sum(cid_round(c) == 2 for c in acked()) >= 3, timeout=30)
        deadline = fac.clock["deadline"] if fac.clock else None
        first.kill9()
        acked_before = acked()

        # mid-round: round 2 had begun and was not resolved; every acknowledged command is on disk
        stored = await SQLiteStore(db).all_entries(sid)
        kinds = [e["k"] for e in stored]
        assert kinds.count("advance") == 1 and kinds.count("resolve") == 1, kinds
        assert kinds[-1] in ("cmd", "bot_done")
        assert set(acked_before) <= {e.get("cid") for e in stored}
        assert any(cid_round(c) == 2 for c in acked_before)

        second.start()
        assert second.started_in < 10
        await asyncio.wait_for(asyncio.gather(*tasks), 90)
        await fac.reconnect()
        await until(lambda: fac.clock is not None and fac.clock["status"] == "ended")
        info = (await fac.control("info"))["result"]
        assert (info["status"], info["phase"], info["round"]) == ("ended", "ended", 3)

        h, cids = await engine_replay(db, sid, 5)
        assert h == info["hash"]
        everything_acked = acked()
        assert set(everything_acked) <= set(cids)
        assert len(cids) == len(set(cids))  # nothing re-sent after the restart was applied twice
        assert deadline is not None
        for p in players:
            assert p.client.gaps == 0
            assert sorted(p.acted) == [1, 2, 3]
        await fac.close()
    finally:
        first.stop()
        second.stop()


async def test_restart_rearms_the_clock_and_resumes_streams(tmp_path: Path) -> None:
    db = tmp_path / "district.sqlite3"
    first = ServerProcess(db)
    first.start()
    second = ServerProcess(db, first.port)
    try:
        created, fac = await create(first.url, seed=9, negotiation_seconds=3600, report_seconds=600)
        from tests.server.conftest import join

        a = await join(first.url, created["code"], "Ada")
        await fac.control("start", fill_bots=False)
        await until(lambda: a.clock is not None and a.clock["status"] == "running")
        deadline = a.clock["deadline"]
        await a.command({"type": "chat", "text": "one", "to": "public"}, cid="c1")
        await a.command({"type": "decide", "round": 1, "decisions": {"wage": 34}}, cid="c2")
        seen = a.last
        first.kill9()
        await until(lambda: not a.connected.is_set())
        second.start()
        a.clock = None
        await a.reconnect()
        await until(lambda: a.clock is not None)
        # the clock is the stored one, the stream continues where it was
        assert (
            a.clock is not None
            and a.clock["status"] == "running"
            and a.clock["deadline"] == deadline
        )
        assert a.last == seen
        r = await a.command({"type": "decide", "round": 1, "decisions": {"wage": 34}}, cid="c2")
        assert r["type"] == "ack" and r.get("duplicate") is True
        r = await a.command({"type": "chat", "text": "two", "to": "public"}, cid="c3")
        assert r["type"] == "ack" and a.last == seen + 1
        # a deadline that passed while the server was down is moved to a grace period after restart
        await fac.reconnect()
        await fac.control("extend", seconds=-3590)  # 10 s left
        await until(lambda: a.clock is not None and a.clock["remaining"] < 11)
        second.kill9()
        await asyncio.sleep(0.2)
        third = ServerProcess(db, first.port)
        third.start()
        try:
            a.clock = None
            await a.reconnect()
            await until(lambda: a.clock is not None)
            # the grace period (15 s) is later than what was left (about 10 s)
            assert (
                a.clock is not None and a.clock["status"] == "running" and a.clock["remaining"] > 12
            )
            assert a.view is not None and a.view["phase"] == "negotiation"
        finally:
            third.stop()
        await a.close()
        await fac.close()
    finally:
        first.stop()
        second.stop()
