"""A server machine that goes silent (powered off, or cut from the network) resets nothing: its
clients hear nothing more, and a new connection to it is never answered. The Pygame client's
network thread finds this within seconds by its pings (a ping every 2 s, cut 3 s after one goes
unanswered), says so in words ("Server not answering; trying again…") instead of a frozen
"connected", goes back to its home address and is back in its seat soon after another process
has taken the session over; a connection attempt to an address that does not answer costs 4 s,
not 10. A server that is merely slow (300 ms each way) keeps its players.

The silent machine is a TCP proxy on loopback (`Proxy`) between the clients and the owner: on
command it stops forwarding bytes both ways without closing either side, and accepts every new
connection without answering it. The owner advertises the proxy's address, so the redirects of
the home process send the players through it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pygame
import pytest
from district.client.app import App
from district.client.net import NOT_ANSWERING, Inbound, NetClient
from district.server.net import Server
from district.server.protocol_client import OPEN_TIMEOUT, PING_INTERVAL, PING_TIMEOUT
from district.server.store import MemoryStore

from tests.client.conftest import drawn
from tests.server.conftest import create, make_config, until
from tests.server.test_cluster import crash

PLAYERS = 6


class Proxy:
    """A TCP proxy on 127.0.0.1 to `upstream` (a port), adding `delay` s each way. `black_hole()`
    stops it forwarding anything, both ways, without closing a side: bytes are read and dropped,
    a side that closes is not told to the other, and a new connection is accepted and never
    answered (as a machine that lost power would, but for the TCP handshake)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.upstream = 0
        self.black = False
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def start(self) -> Proxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    def black_hole(self) -> None:
        self.black = True

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for w in self._writers:
            w.transport.abort()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coro: object) -> None:
        task = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        if self.black:
            self._spawn(self._pump(reader, None))  # read and drop, answer nothing, close nothing
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        self._writers.append(up_writer)
        self._spawn(self._pump(reader, up_writer))
        self._spawn(self._pump(up_reader, writer))

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter | None) -> None:
        """Copy src to dst `delay` s later, in order, until a black hole (then drop)."""
        late: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def deliver() -> None:
            while True:
                due, data = await late.get()
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if dst is None or self.black:
                    continue
                if not data:
                    dst.close()
                    return
                dst.write(data)

        self._spawn(deliver())
        while True:
            try:
                data = await src.read(65536)
            except ConnectionError:
                data = b""
            if self.black:
                if not data:  # the side closed: the other is never told; hold on
                    await asyncio.Event().wait()
                continue
            late.put_nowait((loop.time() + self.delay, data))
            if not data:
                return


@pytest.fixture
async def silent_pair(tmp_path: Path) -> AsyncIterator[tuple[Server, Server, Proxy]]:
    """Two processes on one store (as on one PostgreSQL); the first, the owner of the sessions
    made there, is reached through the proxy: its advertised address is the proxy's."""
    proxy = await Proxy().start()
    first = MemoryStore()
    owner = Server(
        make_config(tmp_path, name="p0", grace=1.0, advertise=proxy.url), store=first
    )
    other = Server(make_config(tmp_path, name="p1", grace=1.0), store=first.shared_with())
    for s in (owner, other):
        await s.start()
    proxy.upstream = owner.port or 0
    yield owner, other, proxy
    await proxy.close()
    for s in (owner, other):
        await s.stop()


async def test_players_whose_server_goes_silent_say_so_and_are_back_soon_after_the_takeover(
    silent_pair: tuple[Server, Server, Proxy],
) -> None:
    owner, other, proxy = silent_pair
    created, fac = await create(owner.url, seed=9, report_seconds=600, negotiation_seconds=600)
    sid = created["session"]
    # the players' home is the other process: it redirects them to the owner, behind the proxy
    nets = [
        NetClient(other.url, {"code": created["code"], "name": f"P{i}"}).start()
        for i in range(PLAYERS)
    ]
    got: list[list[tuple[float, Inbound]]] = [[] for _ in nets]

    def take() -> None:
        now = time.time()
        for net, seen in zip(nets, got, strict=True):
            seen.extend((now, i) for i in net.poll())

    def welcome_after(seen: list[tuple[float, Inbound]], t: float) -> float | None:
        """When the player was back in the seat (with the missed events, or a view at first)."""
        return next((w for w, i in seen if w > t and i.message.get("type") == "welcome"), None)

    try:
        await until(lambda: (take(), all(welcome_after(s, 0) for s in got))[1], timeout=20)
        assert all(n.client is not None and n.client.url == proxy.url for n in nets)
        assert (await fac.control("start", fill_bots=False))["type"] == "ack"
        await fac.close()
        await asyncio.sleep(0.5)
        take()
        # the machine goes silent, and its process with it (its lease runs out in 3 s)
        proxy.black_hole()
        await crash(owner)
        silent = time.time()
        lease = await other.store.lease(sid)
        assert lease is not None and lease.owner == "p0"
        playable = lease.expires  # from then on a hello at `other` is served (store clock: time)

        def back() -> bool:
            take()
            return all(welcome_after(s, silent) for s in got)

        # today's 10 s pings, 10 s to close and 10 s to open would take 20-30 s
        with contextlib.suppress(AssertionError):
            await until(back, timeout=playable - time.time() + 8)
        late = [(welcome_after(s, silent) or float("inf")) - playable for s in got]
        print(
            f"lease ran out {playable - silent:.2f} s after the machine went silent; players back "
            f"{min(late):.2f}..{max(late):.2f} s later (median {statistics.median(late):.2f})"
        )
        # silence is found 3-5 s after it began (a ping every 2 s, cut after 3 s); the lease ran
        # out 2-3 s after it began; home then serves the session at once
        assert max(late) < PING_INTERVAL + PING_TIMEOUT - 1.0, late
        for seen in got:
            after = [(w, i) for w, i in seen if w > silent and i.kind == "status"]
            # words before the connection is even cut: a ping waited 1.5 s for its pong
            first = after[0]
            assert first[1].status == "silent" and first[1].detail == NOT_ANSWERING
            assert first[0] - silent < PING_INTERVAL + 1.5 + 0.5, first[0] - silent
            # and never "connected" again until the player is back
            states = [i.status for _, i in after]
            assert states[-1] == "connected" and "connected" not in states[:-1], states
            assert not any("ws://" in i.detail for _, i in after)
        assert all(n.client is not None and n.client.url == other.url for n in nets)
        assert all(n.client is not None and n.client.silent_drops == 1 for n in nets)
    finally:
        await asyncio.gather(*(asyncio.to_thread(n.stop) for n in nets))
