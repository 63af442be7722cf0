"""The round cycle through the server: commands, the facilitator's controls, timers, streams,
catching up after a reconnect, and a whole bots game."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from district.server.botclient import BotPlayer, SeatClient
from district.server.engine import Game
from district.server.engine.scenario_files import load_scenario
from district.server.net import Server
from district.server.session import build_core

from tests.server.conftest import SCENARIOS, SERVER_FAULTS, create, fingerprint, join, until


def events(c: SeatClient, kind: str | None = None) -> list[dict[str, Any]]:
    return [
        m["event"]
        for m in c.received
        if m.get("type") == "event" and (kind is None or m["event"]["kind"] == kind)
    ]


def views(c: SeatClient) -> list[dict[str, Any]]:
    return [m for m in c.received if m.get("type") == "view"]


async def test_commands_are_refused_before_start_and_the_game_runs_after(server: Server) -> None:
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    before = await fingerprint(server, created["session"])
    r = await a.command({"type": "ready", "ready": True})
    assert r["code"] == "not_started"
    assert await fingerprint(server, created["session"]) == before
    r = await fac.control("start", fill_bots=False)
    assert r["type"] == "ack"
    await until(lambda: a.clock is not None and a.clock["status"] == "running")
    assert 470 < a.clock["remaining"] <= 480
    r = await a.command({"type": "decide", "round": 1, "decisions": {"wage": 33}})
    assert r["type"] == "ack"
    decided = events(a, "decided")
    assert decided and decided[-1]["decisions"] == {"wage": 33.0}
    assert r["seq"] == a.last  # the ack comes after the command's events
    r = await fac.control("start")
    assert r["code"] == "wrong_phase"
    await a.close()
    await fac.close()


async def test_refused_commands_name_the_problem_and_change_nothing(server: Server) -> None:
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    await fac.control("start", fill_bots=False)
    sid = created["session"]
    cases = [
        (
            {"type": "decide", "round": 1, "decisions": {"skill_pay": 5}},
            "out_of_range",
            "decisions.skill_pay",
        ),
        ({"type": "decide", "round": 2, "decisions": {"wage": 33}}, "stale", "round"),
        ({"type": "decide", "decisions": {"strike": None}}, "unknown_decision", "decisions.strike"),
        ({"type": "fly"}, "unknown_command", "type"),
        ({"type": "inject_event", "event": {"kind": "demand"}}, "forbidden", ""),
        ({"type": "chat", "text": "x" * 501, "to": "public"}, "too_long", "text"),
    ]
    for cmd, code, where in cases:
        before = await fingerprint(server, sid)
        r = await a.command(cmd)
        assert (r["type"], r["code"], r["where"]) == ("error", code, where), (cmd, r)
        assert r["message"]
        assert await fingerprint(server, sid) == before, cmd
    # protocol-level errors inside a command message
    before = await fingerprint(server, sid)
    for msg, code, where in [
        ({"type": "command", "command": {"ready": True}}, "bad_message", "command.type"),
        ({"type": "command", "command": "ready"}, "bad_message", "command"),
        ({"type": "command"}, "bad_message", "command"),
        ({"type": "command", "command": {"type": "ready"}, "seat": "union"}, "bad_message", "seat"),
        ({"type": "control", "action": "start"}, "forbidden", ""),
        ({"type": "launch"}, "unknown_message", "type"),
    ]:
        r = await a.request(msg)
        assert (r["type"], r["code"], r["where"]) == ("error", code, where), (msg, r)
    assert await fingerprint(server, sid) == before
    await a.close()
    await fac.close()


async def test_reconnect_mid_round_gets_exactly_the_missed_events(server: Server) -> None:
    created, fac = await create(server.url)
    code = created["code"]
    a = await join(server.url, code, "Ada")
    b = await join(server.url, code, "Bo")
    c = await join(server.url, code, "Cy")
    await fac.control("start", fill_bots=False)
    await until(lambda: a.clock is not None and a.clock["status"] == "running")
    await a.command({"type": "chat", "text": "before", "to": "public"})
    last = a.last
    await a.drop()  # the connection dies without a goodbye
    await until(
        lambda: (
            fac.roster is not None
            and not {s["id"]: s for s in fac.roster["seats"]}[a.seat]["connected"]
        )
    )
    # while Ada is away: public and private things happen
    await b.command({"type": "chat", "text": "hello all", "to": "public"})
    await b.command({"type": "decide", "round": 1, "decisions": {"wage": 35}})  # private to Bo
    await c.command({"type": "chat", "text": "psst", "to": a.seat})  # private to Ada
    await b.command({"type": "chat", "text": "just Cy", "to": c.seat})  # not for Ada
    await c.command({"type": "ready", "round": 1, "ready": True})
    await fac.command({"type": "chat", "text": "five minutes", "to": "public"})
    missed = [("chat", "hello all"), ("chat", "psst"), ("ready", c.seat), ("chat", "five minutes")]

    async def come_back(since: int) -> list[dict[str, Any]]:
        back = SeatClient(server.url, token=a.token, record=True)
        back.last = since
        w = await back.connect()
        await until(lambda: back.roster is not None)  # the catch-up comes before clock and roster
        got = [m for m in back.received if m["type"] in ("event", "view")]
        assert w["last_event"] == back.last
        await back.close()
        return got

    got = await come_back(last)
    assert [m["type"] for m in got] == ["event"] * len(missed)
    assert [m["seq"] for m in got] == list(range(last + 1, last + 1 + len(missed)))
    assert [
        (e["event"]["kind"], e["event"].get("text", e["event"].get("seat"))) for e in got
    ] == missed
    # the same request again gives the same messages; an older one (before the view) a fresh view
    assert await come_back(last) == got
    fresh = await come_back(0)
    assert [m["type"] for m in fresh] == ["view"] and fresh[0]["seq"] == got[-1]["seq"]
    texts = [m["text"] for m in fresh[0]["view"]["chat"]]
    assert {"before", "hello all", "psst", "five minutes"} <= set(texts) and "just Cy" not in texts
    for x in (b, c, fac):
        await x.close()


async def test_facilitator_controls_the_clock_and_the_phases(server: Server) -> None:
    created, fac = await create(server.url, report_seconds=0.3)
    a = await join(server.url, created["code"], "Ada")
    await fac.control("start", fill_bots=False)
    await until(lambda: a.clock is not None and a.clock["status"] == "running")
    deadline = a.clock["deadline"]
    # extend, pause (commands refused), resume with the time that was left
    assert (await fac.control("extend", seconds=60))["type"] == "ack"
    await until(lambda: abs(a.clock["deadline"] - (deadline + 60)) < 1e-6)
    assert (await fac.control("pause"))["type"] == "ack"
    await until(lambda: a.clock["status"] == "paused")
    assert a.clock["deadline"] is None and 530 < a.clock["remaining"] <= 540
    r = await a.command({"type": "ready", "round": 1, "ready": True})
    assert r["code"] == "paused"
    assert (await fac.control("pause"))["code"] == "wrong_phase"
    assert (await fac.control("resume"))["type"] == "ack"
    await until(lambda: a.clock["status"] == "running")
    assert 530 < a.clock["remaining"] <= 540
    # a negative extension ends the phase through the timer: report, then (0.3 s) round 2 by itself
    n_views = len(views(a))
    assert (await fac.control("extend", seconds=-10000))["type"] == "ack"
    await until(
        lambda: a.view is not None and a.view["round"] == 2 and a.view["phase"] == "negotiation"
    )
    vs = views(a)[n_views:]
    assert [(v["view"]["round"], v["view"]["phase"]) for v in vs] == [
        (1, "report"),
        (2, "negotiation"),
    ]
    phases = [(e["round"], e["phase"]) for e in events(a, "phase")]
    assert phases[-2:] == [(1, "report"), (2, "negotiation")]
    assert a.view["last_report"]["round"] == 1
    # advance ends negotiation at once
    assert (await fac.control("pause"))["type"] == "ack"
    assert (await fac.control("advance"))["type"] == "ack"
    await until(lambda: a.view["phase"] == "report")
    assert a.clock["status"] == "paused" and a.clock["remaining"] == 0.3
    assert (await fac.control("resume"))["type"] == "ack"
    await until(lambda: a.view["round"] == 3)
    # the facilitator ends the game
    assert (await fac.control("end"))["type"] == "ack"
    await until(lambda: a.clock["status"] == "ended")
    assert events(a, "phase")[-1] == {
        "kind": "phase",
        "round": 3,
        "phase": "ended",
        "by": "facilitator",
    }
    assert (await a.command({"type": "ready", "ready": True}))["code"] == "ended"
    assert (await fac.control("advance"))["code"] == "ended"
    info = (await fac.control("info"))["result"]
    assert info["status"] == "ended" and info["round"] == 3
    await a.close()
    await fac.close()


async def test_every_human_ready_ends_the_negotiation(server: Server) -> None:
    created, fac = await create(server.url, report_seconds=600)
    a = await join(server.url, created["code"], "Ada")
    b = await join(server.url, created["code"], "Bo")
    await fac.control("start", fill_bots=False)
    await until(lambda: b.clock is not None and b.clock["status"] == "running")
    await a.command({"type": "ready", "round": 1, "ready": True})
    await asyncio.sleep(0.1)
    assert a.view is not None and a.view["phase"] == "negotiation"  # Bo is not ready yet
    await b.command({"type": "ready", "round": 1, "ready": False})
    await b.command({"type": "ready", "round": 1, "ready": True})
    await until(lambda: a.view["phase"] == "report" and b.view["phase"] == "report")
    assert a.clock["phase"] == "report" and 590 < a.clock["remaining"] <= 600
    for x in (a, b, fac):
        await x.close()


async def test_facilitator_chat_events_mute_and_seats(server: Server) -> None:
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    await fac.control("start", fill_bots=False)
    r = await fac.command({"type": "chat", "text": "Welcome to the district", "to": "public"})
    assert r["type"] == "ack"
    r = await fac.command(
        {
            "type": "inject_event",
            "event": {
                "kind": "demand",
                "market": "export",
                "value": 1.5,
                "headline": "Export boom",
            },
        }
    )
    assert r["type"] == "ack"
    r = await fac.command({"type": "mute_chat", "muted": True})
    await until(lambda: len(events(a, "chat_muted")) == 1)
    assert [e["text"] for e in events(a, "chat")] == ["Welcome to the district"]
    assert [e["headline"] for e in events(a, "news")] == ["Export boom"]
    r = await a.command({"type": "chat", "text": "hey", "to": "public"})
    assert r["code"] == "muted"
    await fac.command({"type": "mute_chat", "muted": False})
    assert (await a.command({"type": "chat", "text": "hey", "to": "public"}))["type"] == "ack"

    # a bot takes Ada's seat (she watches) and acts at once; then she gets it back
    r = await fac.control("bot", seat=a.seat)
    assert r["type"] == "ack"
    await until(lambda: any(e["kind"] == "ready" and e["seat"] == a.seat for e in events(a)))
    assert any(e["kind"] == "decided" for e in events(a))  # the bot decided for her seat
    r = await a.command({"type": "chat", "text": "me?", "to": "public"})
    assert r["code"] == "bot_playing"
    await fac.control("unbot", seat=a.seat)
    assert (await a.command({"type": "chat", "text": "me!", "to": "public"}))["type"] == "ack"
    assert (await fac.control("bot", seat="firm:nobody"))["code"] == "unknown_seat"

    # assign reserves a seat and hands out its token; release takes it back
    r = await fac.control("assign", seat="government", name="Gina")
    token = r["result"]["token"]
    g = SeatClient(server.url, token=token, record=True)
    w = await g.connect()
    assert w["seat"] == "government" and w["name"] == "Gina"
    assert (await fac.control("assign", seat="government", name="Gus"))["code"] == "forbidden"
    await fac.control("release", seat="government")
    await until(lambda: g.bye is not None)
    assert g.bye["reason"] == "released"
    again = SeatClient(server.url, token=token)
    try:
        await again.connect()
        raise AssertionError("a released token still works")
    except Exception as e:
        assert getattr(e, "code", None) == "bad_token"
    await until(
        lambda: (
            fac.roster is not None
            and {s["id"]: s for s in fac.roster["seats"]}["government"]["controller"] == "bot"
        )
    )
    await a.close()
    await fac.close()


async def test_a_whole_bots_game_through_the_server(server: Server) -> None:
    created, fac = await create(server.url, seed=11, report_seconds=0)
    code = created["code"]
    players = [BotPlayer(server.url, code, f"Bot {i}", record=True) for i in range(7)]
    tasks = [asyncio.create_task(p.play()) for p in players]
    await until(lambda: all(p.client.seat for p in players))
    t0 = time.perf_counter()
    await fac.control("start")
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    elapsed = time.perf_counter() - t0
    info = (await fac.control("info"))["result"]
    assert info["status"] == "ended" and info["phase"] == "ended" and info["round"] == 3
    for p in players:
        c = p.client
        assert c.gaps == 0 and c.duplicates == 0
        assert sorted(p.acted) == [1, 2, 3]
        phases = [(v["view"]["round"], v["view"]["phase"]) for v in views(c)]
        phases = [
            x for i, x in enumerate(phases) if i == 0 or x != phases[i - 1]
        ]  # sync views repeat one
        assert phases == [
            (1, "negotiation"),
            (1, "report"),
            (2, "negotiation"),
            (2, "report"),
            (3, "negotiation"),
            (3, "report"),
            (3, "ended"),
        ]
        # bots race each other (a deal answered after it closed, a move after everyone was ready):
        # the engine refuses those; nothing may be refused by the server itself
        assert not [r for r in p.refused if r["code"] in SERVER_FAULTS], p.refused
    # the stored log replays to the same state, with and without the snapshots
    session = server.sessions[created["session"]]
    live = await session.call(lambda s: s.core.fingerprint())
    sc = load_scenario(SCENARIOS / "server-test.toml")
    stored = await server.store.load(created["session"])
    assert stored is not None and stored.snapshot is not None
    assert build_core(stored, sc).fingerprint() == live
    full = await server.store.load(created["session"], full=True)
    assert full is not None and build_core(full, sc).fingerprint() == live
    # and the engine alone, fed the same commands, ends with the same hash
    game = Game(sc, 11)
    for e in await server.store.all_entries(created["session"]):
        if e["k"] == "cmd":
            game.apply(e["seat"], e["cmd"])
        elif e["k"] in ("resolve", "advance"):
            game.step((e["k"],))
    assert game.hash() == info["hash"]
    assert elapsed < 30
    await fac.close()


async def test_ending_early_ends_the_game_on_every_screen_and_after_a_restart(
    tmp_path: Any,
) -> None:
    """A 60-minute class runs out of time in round 2: `end` must take every screen (players,
    projector, console, latecomers) to the end, not leave them on the round's report."""
    from district.server.net import Server as _Server

    from tests.server.conftest import make_config

    cfg = make_config(tmp_path)
    srv = _Server(cfg)
    await srv.start()
    try:
        created, fac = await create(srv.url, report_seconds=600)
        a = await join(srv.url, created["code"], "Ada")
        projector = SeatClient(srv.url, code=created["code"], observer=True)
        await projector.connect()
        await fac.control("start")
        assert (await fac.control("advance"))["type"] == "ack"  # round 1's report
        await until(lambda: a.view is not None and a.view["phase"] == "report")
        assert (await fac.control("end"))["type"] == "ack"
        for who in (a, projector, fac):
            await until(lambda w=who: w.view is not None and w.view["phase"] == "ended")
            assert who.view["round"] == 1 and len(who.view["history"]) == 1
        late = SeatClient(srv.url, code=created["code"], observer=True)
        await late.connect()
        await until(lambda: late.view is not None)
        assert late.view["phase"] == "ended"
        sid = created["session"]
        ended_hash = await fingerprint(srv, sid)
        for c in (a, projector, fac, late):
            await c.close()
    finally:
        await srv.stop()
    again = _Server(cfg)  # a restart replays the `end`: still over, same state
    await again.start()
    try:
        back = SeatClient(again.url, token=created["facilitator_token"])
        await back.connect()
        await until(lambda: back.view is not None)
        assert back.view["phase"] == "ended"
        assert (await fingerprint(again, sid))[0] == ended_hash[0]
        await back.close()
    finally:
        await again.stop()
