"""Fairness under load: no legal message pattern from one connection slows the others.

Each test plays an adversary within the protocol's limits in one session (or a crowd of them),
and measures a well-behaved player in another session, or what the crowd costs everyone."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import re
import statistics
import time
from pathlib import Path
from typing import Any

from district.server.net import Server
from district.server.protocol import (
    MAX_OPEN_PROPOSALS,
    MAX_ROUND_PROPOSALS,
    PREVIEW_BURST,
    encode,
)
from district.server.protocol_client import ProtocolClient
from district.server.session.audience import MAX_VIEW_CLOSED_DEALS, capped_view
from district.server.session.ledger import ROSTER_EVERY
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.server.conftest import SCENARIOS, create, join, make_config, until

BIG = "server-crowd"  # 1,516 firms: a preview resolves the round twice, ~65 ms
WIDE = "kumasi"  # 217 firms: its public view is 60 KB, ~1 ms to pack


async def acks(player: ProtocolClient, n: int, pause: float = 0.02) -> list[float]:
    """Seconds each of `n` chat commands took to be acknowledged."""
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        r = await player.command({"type": "chat", "text": f"hello {i}", "to": "public"})
        out.append(time.perf_counter() - t0)
        assert r["type"] == "ack", r
        await asyncio.sleep(pause)
    return out


async def quiet_player(server: Server) -> tuple[ProtocolClient, ProtocolClient]:
    """A player in a small session of its own, its game started."""
    created, fac = await create(server.url, seed=1)
    p = await join(server.url, created["code"], "Quiet")
    assert (await fac.control("start", fill_bots=False))["type"] == "ack"
    await until(lambda: p.clock is not None and p.clock["status"] == "running")
    return p, fac


def subcontract_for(view: dict[str, Any], me: str) -> dict[str, Any]:
    """A subcontract preview `me` may ask: it buys an operation another firm seat does."""
    firms = view["firms"]
    other = next(f for f in firms if f["seat"] and f["seat"] != me and f["operations"])
    return {
        "type": "preview",
        "kind": "subcontract",
        "parties": [me, other["seat"]],
        "terms": {
            "buyer": me,
            "supplier": other["seat"],
            "operation": other["operations"][0],
            "volume": 1,
            "unit_price": 1,
        },
    }


async def test_previews_are_rate_limited_per_seat(tmp_path: Path) -> None:
    """A seat may ask PREVIEW_BURST previews at once, then is refused until its allowance
    refills (slowly here, so that a slow machine does not refill it meanwhile); and it has one
    preview under way at a time. Previews store nothing."""
    server = Server(make_config(tmp_path, preview_rate=0.001))
    await server.start()
    try:
        created, fac = await create(server.url, seed=2)
        a = await join(server.url, created["code"], "Ada", role="firm")
        b = await join(server.url, created["code"], "Bea", role="firm")
        assert (await fac.control("start"))["type"] == "ack"
        await until(lambda: a.view is not None and b.view is not None)
        assert a.view is not None and a.seat is not None and b.view is not None and b.seat
        ask = subcontract_for(a.view, a.seat)
        entries = (await fac.control("info"))["result"]["entries"]
        answers = [await a.command(ask) for _ in range(PREVIEW_BURST + 2)]
        # questions: nothing stored (so nothing replayed after a restart)
        assert (await fac.control("info"))["result"]["entries"] == entries
        codes = [r.get("code", r["type"]) for r in answers]
        assert codes[:PREVIEW_BURST] == ["ack"] * PREVIEW_BURST, answers
        assert codes[PREVIEW_BURST:] == ["rate_limited"] * 2, answers
        assert "previews" in answers[-1]["message"]
        # one at a time: a second preview while the first is worked out is refused
        other = subcontract_for(b.view, b.seat)
        first = await b.submit({"type": "command", "command": other})
        second = await b.request({"type": "command", "command": other})
        assert second.get("code") == "rate_limited", second
        assert "still being worked out" in second["message"]
        assert (await first)["type"] == "ack"
        for c in (a, b, fac):
            await c.close()
    finally:
        await server.stop()


async def test_a_preview_storm_does_not_slow_another_session(tmp_path: Path) -> None:
    """Three seats of a big district ask for previews at the protocol's message rate (20 a
    second each); a player in another session still gets its acks at once."""
    server = Server(make_config(tmp_path))
    await server.start()
    try:
        # a bound for a 2-core machine running other tests too; today's main: a median of 0.5
        # to 1.1 s on an idle machine
        await _storm(server, 0.1)
    finally:
        await server.stop()


async def _storm(server: Server, bound: float) -> None:
    created, fac = await create(server.url, BIG, seed=3)
    storm = [await join(server.url, created["code"], f"S{i}", role="firm") for i in range(3)]
    assert (await fac.control("start", fill_bots=False))["type"] == "ack"
    for s in storm:
        await until(lambda s=s: s.view is not None and s.clock is not None)
    quiet, qfac = await quiet_player(server)
    stop = asyncio.Event()

    state = server.sessions[created["session"]].core.game.state

    def valid(me: str) -> dict[str, Any]:
        """A subcontract every check passes (the supplier does the operation well): each preview
        resolves the round twice, the work this test is about."""
        ops = state.scenario.operations
        for seat in state.seats:
            i = state.firm_of(seat)
            if seat != me and i >= 0:
                for j, op in enumerate(ops):
                    if state.firms.caps[i, j] >= 0.5 and state.firms.workers[i] >= 2:
                        req = {"type": "preview", "kind": "subcontract", "parties": [me, seat]}
                        terms = {"buyer": me, "supplier": seat, "operation": op, "volume": 1}
                        return {**req, "terms": {**terms, "unit_price": 1}}
        raise AssertionError("no subcontract to preview")

    async def ask(c: ProtocolClient) -> None:
        assert c.view is not None and c.seat is not None
        req = {"type": "command", "command": valid(c.seat)}
        while not stop.is_set():
            futures.append(await c.submit(req))
            await asyncio.sleep(0.05)

    futures: list[asyncio.Future[Any]] = []

    def answered() -> list[dict[str, Any]]:
        return [m for s in storm for m in s.received if m.get("type") == "ack"]

    began = time.monotonic()  # the server's stalls are kept on this clock
    tasks = [asyncio.create_task(ask(s)) for s in storm]
    await asyncio.sleep(0.5)
    took = await acks(quiet, 40)
    # the previews are answered too (by worker processes, which a busy machine may be slow to
    # start: the storm goes on until the first answers are in)
    await until(lambda: bool(answered()), timeout=30)
    stop.set()
    await asyncio.gather(*tasks)
    ended = time.monotonic()
    median, worst = statistics.median(took), max(took)
    # today's main: previews resolve the round on the event loop, several a second per seat
    assert median < bound and worst < 2.0, (f"median {median:.3f} s", f"worst {worst:.3f} s")
    for f in futures:  # answers still under way are not waited for
        if not f.done():
            f.cancel()
        elif not f.cancelled():
            f.exception()
    info = await qfac.control("info")
    # the loop's worst stall while the storm blew (not while the big district was made before
    # it: on a busy machine that alone once took 0.6 s)
    during = [ms for t, ms in info["result"]["server"]["stalls"] if began <= t <= ended]
    assert max(during, default=0.0) < 500, info["result"]["server"]
    acked = answered()
    assert acked and all("result" in m for m in acked), "previews were answered"
    for c in (*storm, fac, quiet, qfac):
        await c.close()


async def test_observers_syncing_do_not_slow_the_players(server: Server) -> None:
    """Sixty observers of a big district each ask for a fresh view at the protocol's message
    rate (20 a second); a player
    in another session still gets its acks at once. (The observers read their frames without
    decoding them: what is measured is the server's work, not theirs.)"""
    created, fac = await create(server.url, WIDE, seed=4)
    assert (await fac.control("start", fill_bots=False))["type"] == "ack"
    hello = encode({"type": "hello", "version": 1, "code": created["code"], "observer": True})
    observers = []
    for _ in range(60):
        ws = await connect(server.url, max_size=None)
        await ws.send(hello)
        observers.append(ws)
    quiet, qfac = await quiet_player(server)
    stop = asyncio.Event()
    frames = [0]
    # count the observer views the session works out
    game = server.sessions[created["session"]].core.game
    made = [0]
    view = game.view

    def counted(seat: str) -> dict[str, Any]:
        made[0] += seat == "observer"
        return view(seat)

    game.view = counted  # type: ignore[method-assign]

    async def drain(ws: Any) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for _ in ws:
                frames[0] += 1

    async def sync(ws: Any) -> None:
        while not stop.is_set():
            await ws.send(encode({"type": "sync", "last_event": 0}))  # 0: before the latest view
            await asyncio.sleep(1 / 20)  # the protocol's message rate

    readers = [asyncio.create_task(drain(ws)) for ws in observers]
    tasks = [asyncio.create_task(sync(ws)) for ws in observers]
    await asyncio.sleep(0.3)
    took = await acks(quiet, 40)
    stop.set()
    await asyncio.gather(*tasks)
    assert frames[0] > 60 * 10  # the observers did get their views
    worst = max(took)
    median = statistics.median(took)
    # the observers share one view while the game does not change (today's main makes one for
    # every sync, and the player's median ack is about 150 ms on an idle machine)
    assert made[0] <= 3, f"{made[0]} observer views for {frames[0]} frames"
    # (a bound for a 2-core machine running other tests too; idle, the median is about 1 ms)
    assert median < 0.25 and worst < 2.0, (f"median {median:.3f} s", f"worst {worst:.3f} s")
    for ws in observers:
        await ws.close()
    await asyncio.gather(*readers)
    for c in (fac, quiet, qfac):
        await c.close()


async def test_observers_joining_do_not_each_send_the_roster_to_everyone(server: Server) -> None:
    """Forty observers arrive at once: everyone connected gets a few rosters, not one per
    arrival (which makes traffic grow with the square of the crowd); each arrival still gets the
    roster at once, and the last one counts everybody."""
    created, fac = await create(server.url, seed=5)
    first = ProtocolClient(server.url, code=created["code"], observer=True, record=True)
    await first.connect()
    await until(lambda: first.roster is not None)
    rosters0 = sum(1 for m in first.received if m["type"] == "roster")
    t0 = time.perf_counter()
    crowd = [ProtocolClient(server.url, code=created["code"], observer=True) for _ in range(40)]
    await asyncio.gather(*(o.connect() for o in crowd))
    took = time.perf_counter() - t0
    assert all(o.roster is not None for o in crowd)
    await until(lambda: first.roster is not None and first.roster["observers"] == 41)
    await asyncio.sleep(2 * ROSTER_EVERY)
    got = sum(1 for m in first.received if m["type"] == "roster") - rosters0
    assert got <= took / ROSTER_EVERY + 3 and got < 20, (got, f"{took:.2f} s")
    for c in (first, *crowd, fac):
        await c.close()


async def test_a_proposal_flood_is_capped_and_the_victims_view_stays_small(
    tmp_path: Path,
) -> None:
    """One seat proposes deal after deal to another (and withdraws them, to propose again): it
    is refused past the caps, and the victim's view stays small."""
    srv = Server(make_config(tmp_path, rate=1e6, burst=1e6))
    await srv.start()
    try:
        created, fac = await create(srv.url, seed=6)
        a = await join(srv.url, created["code"], "Attacker", role="firm")
        v = await join(srv.url, created["code"], "Victim", role="firm")
        assert (await fac.control("start", fill_bots=False))["type"] == "ack"
        await until(lambda: a.view is not None and a.clock is not None)
        assert a.view is not None and a.seat is not None and v.seat is not None
        offer = {
            "type": "propose",
            "kind": "subcontract",
            "parties": [a.seat, v.seat],
            "terms": {
                "buyer": a.seat,
                "supplier": v.seat,
                "operation": "welding",
                "volume": 1,
                "unit_price": 1,
                "piece_rate": False,
            },
        }
        codes: list[str] = []
        for i in range(300):
            r = await a.command(offer)
            codes.append(r.get("code", r["type"]))
            if i % 2 == 1 and r["type"] == "ack":  # withdraw every other one: room for more
                mine = [
                    m["event"]["deal"]
                    for m in a.received
                    if m.get("type") == "event"
                    and m["event"]["kind"] == "deal_proposed"
                    and m["event"]["proposer"] == a.seat
                ]
                await a.command({"type": "withdraw", "deal": mine[-1]})
        assert codes.count("ack") <= MAX_ROUND_PROPOSALS, codes.count("ack")
        assert codes.count("too_many") >= 300 - MAX_ROUND_PROPOSALS
        assert MAX_OPEN_PROPOSALS < MAX_ROUND_PROPOSALS
        await v.sync(0)  # a fresh view of everything the victim may see
        assert v.view is not None
        size = len(encode({"type": "view", "seq": v.last, "view": v.view}))
        assert size < 48 * 1024, f"the victim's view is {size / 1024:.0f} KiB"
        for c in (a, v, fac):
            await c.close()
    finally:
        await srv.stop()


def test_a_view_keeps_open_deals_and_only_the_latest_closed_ones() -> None:
    closed = [{"id": f"deal-{i}", "status": "withdrawn"} for i in range(500)]
    live = [{"id": "deal-open", "status": "proposed"}, {"id": "deal-run", "status": "active"}]
    view = {"seat": "union", "deals": [live[0], *closed, live[1]]}
    capped = capped_view(view)
    ids = [d["id"] for d in capped["deals"]]
    assert ids == ["deal-open", *(f"deal-{i}" for i in range(400, 500)), "deal-run"]
    assert capped["deals_dropped"] == 400 and len(encode(capped)) < len(encode(view)) / 4
    small = {"seat": "union", "deals": [*closed[:MAX_VIEW_CLOSED_DEALS], *live]}
    assert capped_view(small) == small  # under the cap nothing changes


async def test_a_big_districts_round_does_not_stall_another_session(tmp_path: Path) -> None:
    """A facilitator ends the negotiation of a 5,000-firm district: its round resolves, and its
    new views are built, in a thread (0.5-0.7 s of work here), and the event loop, which serves
    every other session, keeps turning meanwhile: a player of another session chatting every
    50 ms is answered 9 times during the round, and the loop's worst gap is 60-80 ms. With the
    round in the event loop: 1-2 answers (those before it began) and a gap of 0.3-0.5 s. (The
    bounds leave room for a busy machine's own pauses.)"""
    scen = tmp_path / "scenarios"
    scen.mkdir()
    text = (SCENARIOS / "server-crowd.toml").read_text()
    text = text.replace('name = "server-crowd"', 'name = "server-huge"')
    text = re.sub(r"\[background\]\ncount = \d+", "[background]\ncount = 4984", text)
    (scen / "server-huge.toml").write_text(text)  # 5,000 firms
    # as `district serve` runs it: what lives long is kept out of the garbage collector's full
    # passes (server/monitor.py). Without that, a full pass over this test process's heap (pytest,
    # the tests before it, the facilitator's 5,000-firm view) stalled the loop 0.3 s in CI
    server = Server(make_config(tmp_path, scenario_dirs=(scen, SCENARIOS), gc_freeze=True))
    await server.start()
    try:
        created, fac = await create(server.url, "server-huge", seed=3)
        assert (await fac.control("start", fill_bots=False))["type"] == "ack"
        quiet, qfac = await quiet_player(server)
        session = server.sessions[created["session"]]
        acked: list[float] = []  # when each of the quiet player's chats was acknowledged
        ticks: list[float] = []  # the event loop's turns, seen by a task of its own
        done = asyncio.Event()

        async def chat() -> None:
            i = 0
            while not done.is_set():
                r = await quiet.command({"type": "chat", "text": f"hi {i}", "to": "public"})
                assert r["type"] == "ack", r
                acked.append(time.perf_counter())
                i += 1
                await asyncio.sleep(0.05)  # within the rate limit (20 a second)

        async def tick() -> None:
            while not done.is_set():
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.002)

        tasks = [asyncio.create_task(chat()), asyncio.create_task(tick())]
        await asyncio.sleep(0.2)
        t0 = time.perf_counter()
        assert (await fac.control("advance"))["type"] == "ack"
        await until(lambda: session.core.phase == "report", timeout=30, step=0.002)
        t1 = time.perf_counter()
        done.set()
        await asyncio.gather(*tasks)
        resolving = t1 - t0
        gap = max(b - a for a, b in zip(ticks, ticks[1:], strict=False) if b > t0 and a < t1)
        answered = sum(1 for t in acked if t0 < t < t1)
        assert resolving > 0.08, resolving  # the round was real work
        assert answered >= 4 and gap < resolving / 2, (
            f"the loop stood still {gap * 1000:.0f} ms and answered {answered} chats while the "
            f"round took {resolving * 1000:.0f} ms"
        )
        for c in (fac, quiet, qfac):
            await c.close()
    finally:
        await server.stop()
        gc.unfreeze()  # the rest of this test process's life is the collector's again
