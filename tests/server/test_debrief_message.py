"""The debrief over the protocol (issue 12): the facilitator gets it at any round, players and
observers once the game is over; only the facilitator's has the timeline; it is the debrief the
offline tools make from the same database file; it is made off the event loop (the server answers
other messages meanwhile) and once per round and phase."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from district.server.debrief import SessionLog, build_debrief
from district.server.net import Server
from district.server.protocol_client import ProtocolClient

from tests.server.conftest import create, join, make_config, until


async def test_the_debrief_message_for_the_facilitator_at_any_round_and_for_all_at_the_end(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path)
    srv = Server(config)
    await srv.start()
    try:
        created, fac = await create(srv.url, seed=4, report_seconds=0, negotiation_seconds=30)
        sid, code = created["session"], created["code"]
        ada = await join(srv.url, code, "Ada")
        watcher = ProtocolClient(srv.url, code=code, observer=True)
        await watcher.connect()
        await fac.control("start")
        # a player and an observer before the end: refused, with why
        for who in (ada, watcher):
            no = await who.debrief()
            assert no["type"] == "error" and no["code"] == "wrong_phase", no
            assert "when the game is over" in no["message"]
        # the facilitator mid-game: answered while the server goes on answering others
        asked = time.perf_counter()
        pending = asyncio.ensure_future(fac.debrief())
        pong = await ada.ping()
        ping_done = time.perf_counter()
        mid = await pending
        assert pong["type"] == "pong" and ping_done < asked + 1.0
        assert mid["type"] == "debrief", mid
        assert (mid["round"], mid["phase"]) == (1, "negotiation")
        d = mid["debrief"]
        assert d["rounds"] == [0] and "timeline" in d
        # the timeline says who took a seat, with the server's time
        joined = [e for e in d["timeline"] if e["seat"] == ada.seat and e["kind"] == "control"]
        assert joined and isinstance(joined[0]["t"], float)
        # the same phase again: the same debrief, made once
        again = await fac.debrief()
        assert again["debrief"] == d
        assert list(srv.sessions[sid].debriefs.made) == [(1, "negotiation")]

        await ada.close()
        await fac.control("bot", seat=ada.seat)
        await until(lambda: fac.clock.get("status") == "ended", timeout=60)
        end = await fac.debrief()
        assert (end["round"], end["phase"]) == (3, "ended")
        full = end["debrief"]
        assert full["rounds"] == [0, 1, 2, 3] and "timeline" in full
        assert all(len(v) == 4 for v in full["boards"].values())
        assert full["baseline"] is not None
        info = (await fac.control("info"))["result"]
        assert full["session"]["final_hash"] == info["hash"]
        # what the offline tools make from the same file
        offline = build_debrief(SessionLog.from_store(config.db, code), baseline=True)
        assert offline == full
        # players and observers now: the same, without the timeline
        ada2 = ProtocolClient(srv.url, token=ada.token)
        await ada2.connect()
        mine = await ada2.debrief()
        seen = await watcher.debrief()
        for m in (mine, seen):
            assert m["type"] == "debrief", m
            assert "timeline" not in m["debrief"]
            assert m["debrief"] == {k: v for k, v in full.items() if k != "timeline"}
        await ada2.close()
        await watcher.close()
        await fac.close()
    finally:
        await srv.stop()
