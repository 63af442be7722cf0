"""How the server writes to a client's socket: the frames of one turn of the event loop in one
write (one system call, the largest cost under load: docs/performance.md), in order, and a bye
after what was sent before it."""

from __future__ import annotations

import asyncio
from typing import Any

from district.server.net import Server

from tests.server.conftest import create, join, until


def spy_writes(conn: Any) -> list[int]:
    """The sizes of the writes to `conn`'s socket from now on (the real write still happens)."""
    transport = conn.ws.transport
    real = transport.write
    sizes: list[int] = []

    def write(data: bytes) -> None:
        sizes.append(len(data))
        real(data)

    transport.write = write
    return sizes


async def test_frames_of_one_turn_reach_the_socket_in_one_write(server: Server) -> None:
    created, _fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    conn = server.sessions[created["session"]].conns[a.seat or ""]
    await asyncio.sleep(0.1)  # what the join sent is out
    writes = spy_writes(conn)
    seen = len(a.received)
    for i in range(5):
        conn.send({"type": "event", "seq": 1000 + i, "event": {"kind": "note", "n": i}})
    await until(lambda: len(a.received) >= seen + 5)
    assert [m["seq"] for m in a.received[seen:]] == [1000, 1001, 1002, 1003, 1004]
    assert len(writes) == 1  # five frames, one write


async def test_a_bye_comes_after_the_frames_before_it(server: Server) -> None:
    created, _fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    conn = server.sessions[created["session"]].conns[a.seat or ""]
    await asyncio.sleep(0.1)
    seen = len(a.received)
    conn.send({"type": "event", "seq": 2000, "event": {"kind": "note"}})
    conn.bye("replaced", "another connection took this seat", 4000)
    await a.wait_closed()
    got = [m.get("seq", m["type"]) for m in a.received[seen:]]
    assert got == [2000, "bye"]
