"""Several server processes on one store (issue 14), in one test process: `Server`s sharing a
`MemoryStore` (`shared_with`: each its own leases, as processes on one PostgreSQL), real websockets
on loopback. One owner per session: a hello to another process is redirected to the owner; a dead
owner's sessions are taken over within seconds with their clocks and seats; an owner whose lease
was taken cannot write (its session leaves, its clients are told `moved`); a drain hands every
session over."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from district.server import workshop
from district.server.net import Server
from district.server.protocol import encode, hello
from district.server.protocol_client import ProtocolClient, decode_server_frame
from district.server.serve import drain_process
from district.server.store import MemoryStore, StoreLocked
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.server.conftest import create, join, make_config, until


class Clock:
    """The store's clock: real time, which a test may move on (a paused owner's lease expires)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[tuple[list[Server], Clock]]:
    """Two processes sharing one store (each started with its own Warden)."""
    clock = Clock()
    first = MemoryStore(clock)
    stores = [first, first.shared_with()]
    servers = [
        Server(make_config(tmp_path, name=f"p{i}", grace=1.0), store=st)
        for i, st in enumerate(stores)
    ]
    for s in servers:
        await s.start()
    yield servers, clock
    for s in servers:
        await s.stop()


async def crash(srv: Server) -> None:
    """The process dies: it renews nothing more, writes nothing, answers nothing (its
    connections are cut without a word); its leases just expire."""
    assert srv.warden is not None
    await srv.warden.stop()
    assert isinstance(srv.store, MemoryStore)
    srv.store.closed = True  # every write it would still try fails
    for s in list(srv.sessions.values()):
        if s._task is not None:
            s._task.cancel()
        if s._timer is not None:
            s._timer.cancel()
    srv.sessions.clear()
    srv._ws.close(close_connections=False)
    for conn in list(srv.conns):
        if conn.ws.transport is not None:
            conn.ws.transport.abort()


async def raw_hello(url: str, **fields: Any) -> tuple[dict[str, Any], int | None]:
    """One hello on a new connection: the reply naming it, and how the server closed the
    connection afterwards (None if it stayed open)."""
    async with connect(url) as ws:
        await ws.send(encode(hello(id=41, **fields)))
        while True:
            reply = decode_server_frame(await asyncio.wait_for(ws.recv(), 5))
            if reply.get("re") == 41:
                break
        try:
            await asyncio.wait_for(ws.recv(), 2)
            return reply, None
        except ConnectionClosed as e:
            return reply, e.rcvd.code if e.rcvd is not None else None
        except TimeoutError:
            return reply, None


async def started(url: str, **kw: Any) -> tuple[dict[str, Any], ProtocolClient, ProtocolClient]:
    """A session on `url` with Ada in a seat and the game running (no bots: the negotiation ends
    at its deadline), and its facilitator."""
    created, fac = await create(url, seed=9, report_seconds=600, **kw)
    ada = await join(url, created["code"], "Ada")
    assert (await fac.control("start", fill_bots=False))["type"] == "ack"
    await until(lambda: ada.clock is not None and ada.clock["status"] == "running")
    return created, fac, ada


async def cids(store: MemoryStore, sid: str) -> list[str]:
    return [e["cid"] for e in await store.all_entries(sid) if "cid" in e]


async def test_a_hello_to_another_process_is_redirected_to_the_owner(
    cluster: tuple[list[Server], Clock],
) -> None:
    (a, b), _ = cluster
    created, fac = await create(a.url, seed=3)
    sid, code = created["session"], created["code"]
    reply, closed = await raw_hello(b.url, code=code, name="Bo")
    assert reply == {
        "type": "redirect",
        "re": 41,
        "url": a.address,
        "session": sid,
        "message": "this session is served by another server; the client connects there",
    }
    assert closed == 1000 and a.address == a.url != b.url
    assert sid not in b.sessions  # b neither loaded nor claimed it
    lease = await b.store.lease(sid)
    assert lease is not None and lease.owner == "p0"
    # the facilitator's token too; and the same hello at the owner joins
    reply, _ = await raw_hello(b.url, token=created["facilitator_token"])
    assert reply["type"] == "redirect" and reply["url"] == a.address
    reply, closed = await raw_hello(a.url, code=code, name="Bo")
    assert reply["type"] == "welcome" and closed is None
    await fac.close()


async def test_a_dead_owner_s_session_is_taken_over_with_its_seats_clock_and_commands(
    cluster: tuple[list[Server], Clock],
) -> None:
    (a, b), _ = cluster
    created, fac, ada = await started(a.url, negotiation_seconds=7)
    sid = created["session"]
    deadline = ada.clock["deadline"] if ada.clock else None
    assert deadline is not None
    assert (await ada.command({"type": "chat", "text": "hi", "to": "public"}, cid="c1"))[
        "type"
    ] == "ack"
    decide = {"type": "decide", "round": 1, "decisions": {"wage": 34}}
    assert (await ada.command(decide, cid="c2"))["type"] == "ack"
    seat, seen = ada.seat, ada.last
    await crash(a)
    t0 = time.monotonic()
    await until(lambda: sid in b.sessions, timeout=6.0)
    took = time.monotonic() - t0
    assert took < 5.0, took  # lease expiry (3 s) + the next scan
    lease = await b.store.lease(sid)
    assert lease is not None and lease.owner == "p1" and lease.fence == 2
    # the same seat, from where it was; no acknowledged command lost
    assert isinstance(b.store, MemoryStore)
    assert {"c1", "c2"} <= set(await cids(b.store, sid))
    ada.url = b.url
    await ada.reconnect()
    assert ada.seat == seat and ada.last >= seen and ada.gaps == 0
    # the clock was re-armed: the negotiation ends at its deadline, on the new owner
    await until(lambda: ada.clock is not None and ada.clock["phase"] == "report", timeout=10)
    ended = time.time()
    assert deadline - 0.1 <= ended <= deadline + 1.5, (ended - deadline, took)
    await ada.close()
    await fac.close()


async def test_an_owner_whose_lease_was_taken_cannot_write_and_its_clients_move(
    tmp_path: Path,
) -> None:
    clock = Clock()
    first = MemoryStore(clock)
    # p0 is "paused": it does not renew (its warden's renew never comes), so only its next
    # write can tell it that it lost the session
    a = Server(make_config(tmp_path, name="p0", warden={"renew_every": 3600}), store=first)
    b = Server(make_config(tmp_path, name="p1"), store=first.shared_with())
    await a.start()
    await b.start()
    try:
        created, fac, ada = await started(a.url, negotiation_seconds=600)
        sid = created["session"]
        clock.offset += 4.0  # p0's lease expires
        await until(lambda: sid in b.sessions, timeout=5)
        assert sid in a.sessions  # p0 does not know yet
        ada.record = True
        with contextlib.suppress(ConnectionError):
            await ada.command({"type": "chat", "text": "late", "to": "public"}, cid="late")
        await until(lambda: not ada.connected.is_set())
        assert ada.bye is not None and ada.bye["code"] == "moved" and ada.bye["reason"] == "moved"
        assert sid not in a.sessions and created["code"] not in a.codes
        assert "late" not in await cids(first, sid)
        assert "late" not in ada.acked_cids
        # the facilitator, on p0 too, was told as well; both come back through p1
        await until(lambda: fac.bye is not None)
        assert fac.bye is not None and fac.bye["code"] == "moved"
        ada.url = b.url
        await ada.reconnect()
        assert (await ada.command({"type": "chat", "text": "again", "to": "public"}, cid="late"))[
            "type"
        ] == "ack"
        assert (await cids(first, sid)).count("late") == 1
        await ada.close()
        await fac.close()
    finally:
        await a.stop()
        await b.stop()


async def test_an_owner_that_finds_its_lease_gone_at_renewal_drops_the_session_at_once(
    cluster: tuple[list[Server], Clock],
) -> None:
    (a, b), clock = cluster
    created, fac, ada = await started(a.url, negotiation_seconds=600)
    sid = created["session"]
    served = a.sessions[sid]
    clock.offset += 4.0  # p0 was paused past its lease: nobody writes, p0 learns it renewing
    await until(lambda: ada.bye is not None, timeout=6)
    assert ada.bye is not None and ada.bye["code"] == "moved"
    # dropped at once (a busy machine may already have run the next scan, which can serve it
    # again here: then as a session recovered from the store, not the one that lost its lease)
    assert a.sessions.get(sid) is not served and served.moving
    assert a.warden is not None and a.warden.dropped == 1
    # an orphan now: the next scan of either process serves it (p0 is healthy again, and its scan
    # runs on the same tick as p1's), exactly one of them
    await until(lambda: sid in a.sessions or sid in b.sessions, timeout=6)
    assert (sid in a.sessions) != (sid in b.sessions)
    await fac.close()


async def test_a_lobby_whose_owner_died_is_served_where_the_hello_arrives(
    cluster: tuple[list[Server], Clock],
) -> None:
    (a, b), clock = cluster
    created, fac = await create(a.url, seed=3)
    await fac.close()
    await crash(a)
    reply, _ = await raw_hello(b.url, code=created["code"], name="Bo")
    assert reply["type"] == "redirect"  # its lease is still live: a cannot be told from a slow a
    clock.offset += 4.0
    reply, closed = await raw_hello(b.url, code=created["code"], name="Bo")
    assert reply["type"] == "welcome" and closed is None
    lease = await b.store.lease(created["session"])
    assert lease is not None and lease.owner == "p1"


async def test_a_drain_asked_through_the_store_hands_every_session_over(
    cluster: tuple[list[Server], Clock],
) -> None:
    (a, b), _ = cluster
    made = [await started(a.url, negotiation_seconds=600) for _ in range(2)]
    for i, (_, _, ada) in enumerate(made):
        assert (await ada.command({"type": "chat", "text": "x", "to": "public"}, cid=f"d{i}"))[
            "type"
        ] == "ack"
    await b.store.set_drain("p0", "asked")  # `district serve --drain p0`
    await until(lambda: a.draining, timeout=6)
    t0 = time.monotonic()
    await asyncio.wait_for(a.exit.wait(), 5)
    assert a.sessions == {}
    assert await b.store.drain_state("p0") == "draining"
    ids = [c["session"] for c, _, _ in made]
    await until(lambda: all(sid in b.sessions for sid in ids), timeout=5)
    assert time.monotonic() - t0 < 2.5  # released: taken at the next scan, not at expiry
    for i, (c, fac, ada) in enumerate(made):
        await until(lambda ada=ada: ada.bye is not None)
        assert ada.bye is not None and ada.bye["code"] == "moved"
        assert f"d{i}" in await cids(b.store, c["session"])  # type: ignore[arg-type]
        seat = ada.seat
        ada.url = b.url
        await ada.reconnect()
        assert ada.seat == seat
        await ada.close()
        await fac.close()
    # a draining process takes no new session
    maker = ProtocolClient(a.url)
    await maker.connect_only()
    refused = await maker.create("server-test")
    assert refused["type"] == "error" and "draining" in refused["message"]
    await maker.close()
    await a.stop()
    assert await b.store.drain_state("p0") is None  # `--drain` sees it gone


async def test_district_serve_drain_waits_for_the_process_and_says_how_far_it_got(
    cluster: tuple[list[Server], Clock],
) -> None:
    (a, b), _ = cluster
    created, fac, ada = await started(a.url, negotiation_seconds=600)
    lines: list[str] = []

    async def process_side() -> None:  # what run_server does: drained through the store, exit
        await a.exit.wait()
        await a.stop()

    side = asyncio.create_task(process_side())
    rc = await asyncio.wait_for(
        drain_process(b.store, "p0", poll=0.05, out=lambda line, **_: lines.append(line)), 10
    )
    await side
    assert rc == 0, lines
    assert lines[0] == "asked the server p0 to hand its sessions over and exit"
    assert lines[-1] == "p0 has handed its sessions over and exited"
    await until(lambda: created["session"] in b.sessions, timeout=6)
    await ada.close()
    await fac.close()


async def test_district_serve_drain_of_an_unknown_process_says_so_and_leaves_nothing_asked(
    cluster: tuple[list[Server], Clock],
) -> None:
    (_, b), _ = cluster
    lines: list[str] = []
    rc = await drain_process(
        b.store, "nobody", pickup=0.3, poll=0.05, out=lambda line, **_: lines.append(line)
    )
    assert rc == 1 and "no server named nobody took the request" in lines[-1]
    assert await b.store.drain_state("nobody") is None


async def test_survivors_share_a_dead_process_s_sessions_a_few_per_scan(tmp_path: Path) -> None:
    clock = Clock()
    first = MemoryStore(clock)
    quiet = {"scan_every": 1e9, "take_per_scan": 2}  # scans only when the test says
    servers = [
        Server(make_config(tmp_path, name=f"p{i}", warden=quiet), store=st)
        for i, st in enumerate([first, first.shared_with(), first.shared_with()])
    ]
    for s in servers:
        await s.start()
    a, b, c = servers
    try:
        made = [await started(a.url, negotiation_seconds=600) for _ in range(4)]
        await crash(a)
        clock.offset += 4.0
        assert b.warden is not None and c.warden is not None
        assert await b.warden.scan() == 2  # two taken, two left for the others
        assert len(b.sessions) == 2
        assert await c.warden.scan() == 0
        assert len(c.sessions) == 2
        assert set(b.sessions) | set(c.sessions) == {m[0]["session"] for m in made}
        for _, fac, ada in made:
            await fac.close()
            await ada.close()
    finally:
        for s in servers:
            await s.stop()


async def test_the_owner_publishes_each_session_s_status_under_its_own_name_and_address(
    cluster: tuple[list[Server], Clock],
) -> None:
    (a, b), _ = cluster
    created, fac, ada = await started(a.url, negotiation_seconds=600)
    sid = created["session"]
    assert isinstance(b.store, MemoryStore)
    await workshop.publish_statuses(a)
    st = b.store._shared.statuses[sid]
    assert (st.code, st.round, st.phase, st.status) == (
        created["code"],
        1,
        "negotiation",
        "running",
    )
    assert (st.online, st.away, st.owner, st.address) == (1, 0, a.name, a.address)
    assert a.name == "p0"
    await ada.close()
    await fac.close()


async def test_a_second_live_process_of_the_same_name_is_refused(
    cluster: tuple[list[Server], Clock], tmp_path: Path
) -> None:
    (a, b), _ = cluster
    created, fac = await create(a.url, seed=3)  # p0 serves a session and renews its lease
    again = Server(
        make_config(tmp_path, name="p0", warden={"ttl": 0.2}),
        store=b.store.shared_with() if isinstance(b.store, MemoryStore) else None,
    )
    with pytest.raises(StoreLocked, match="another server named p0 is running on this store"):
        await again.start()
    await again.stop()
    await fac.close()
