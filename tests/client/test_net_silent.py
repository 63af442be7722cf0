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
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import pygame
import pytest
from district.client.app import App
from district.client.net import NOT_ANSWERING, NOT_ANSWERING_AFTER, Inbound, NetClient
from district.server.botclient import BotPlayer
from district.server.net import Server
from district.server.protocol_client import (
    OPEN_TIMEOUT,
    PING_INTERVAL,
    PING_TIMEOUT,
    ProtocolClient,
)
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

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
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
    owner = Server(make_config(tmp_path, name="p0", grace=1.0, advertise=proxy.url), store=first)
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
    # and a network bot (`district bots`), which shares ProtocolClient
    bot = BotPlayer(other.url, created["code"], "Bot")
    playing = asyncio.get_running_loop().create_task(bot.play())
    bot_welcome: dict[str, Any] | None = None
    bot_back: float | None = None

    def take() -> None:
        nonlocal bot_back
        now = time.time()
        for net, seen in zip(nets, got, strict=True):
            seen.extend((now, i) for i in net.poll())
        if bot_back is None and bot_welcome is not None and bot.client.welcome is not bot_welcome:
            bot_back = now

    def welcome_after(seen: list[tuple[float, Inbound]], t: float) -> float | None:
        """When the player was back in the seat (with the missed events, or a view at first)."""
        return next((w for w, i in seen if w > t and i.message.get("type") == "welcome"), None)

    try:
        await until(lambda: (take(), all(welcome_after(s, 0) for s in got))[1], timeout=20)
        await until(lambda: bot.client.connected.is_set(), timeout=10)
        assert all(n.client is not None and n.client.url == proxy.url for n in nets)
        assert bot.client.url == proxy.url
        assert (await fac.control("start", fill_bots=False))["type"] == "ack"
        await fac.close()
        await asyncio.sleep(0.5)
        take()
        # the machine goes silent, and its process with it (its lease runs out in 3 s)
        proxy.black_hole()
        await crash(owner)
        silent = time.time()
        bot_welcome = bot.client.welcome
        lease = await other.store.lease(sid)
        assert lease is not None and lease.owner == "p0"
        playable = lease.expires  # from then on a hello at `other` is served (store clock: time)

        def back() -> bool:
            take()
            return all(welcome_after(s, silent) for s in got) and bot_back is not None

        # today's 10 s pings, 10 s to close and 10 s to open would take 20-30 s
        with contextlib.suppress(AssertionError):
            await until(back, timeout=playable - time.time() + 8)
        late = [(welcome_after(s, silent) or float("inf")) - playable for s in got]
        late.append((bot_back or float("inf")) - playable)
        print(
            f"lease ran out {playable - silent:.2f} s after the machine went silent; players back "
            f"{min(late):.2f}..{max(late):.2f} s later (the bot {late[-1]:.2f}; median {statistics.median(late):.2f})"
        )
        # silence is found 3-5 s after it began (a ping every 2 s, cut after 3 s); the lease ran
        # out 2-3 s after it began; home then serves the session at once
        assert max(late) < PING_INTERVAL + PING_TIMEOUT - 0.5, late
        for seen in got:
            after = [(w, i) for w, i in seen if w > silent and i.kind == "status"]
            # words before the connection is even cut: a ping waited 1.5 s for its pong
            first = after[0]
            assert first[1].status == "silent" and first[1].detail == NOT_ANSWERING
            assert first[0] - silent < PING_INTERVAL + NOT_ANSWERING_AFTER + 1.0, first[0] - silent
            # and never "connected" again until the player is back
            states = [i.status for _, i in after]
            assert states[-1] == "connected" and "connected" not in states[:-1], states
            assert not any("ws://" in i.detail for _, i in after)
        assert all(n.client is not None and n.client.url == other.url for n in nets)
        assert all(n.client is not None and n.client.silent_drops == 1 for n in nets)
        assert bot.client.url == other.url and bot.client.silent_drops == 1
    finally:
        playing.cancel()
        with contextlib.suppress(BaseException):
            await playing
        await bot.client.close()
        await asyncio.gather(*(asyncio.to_thread(n.stop) for n in nets))


async def test_a_slow_server_behind_tls_keeps_its_player_connected_and_playing(
    tmp_path: Path,
) -> None:
    """300 ms each way (a 600 ms round trip), TLS: the connection opens well within the open
    timeout, every ping is answered in time, the commands are acknowledged, and the status never
    says the server is not answering."""
    from tests.server.test_tls import self_signed

    cert, key = self_signed(tmp_path)
    srv = Server(make_config(tmp_path, cert=cert, key=key))
    await srv.start()
    proxy = await Proxy(delay=0.3).start()
    proxy.upstream = srv.port or 0
    url = proxy.url.replace("ws://", "wss://")
    maker = ProtocolClient(srv.url, ca=str(cert))
    await maker.connect_only()
    created = await maker.create("server-test", seed=9, report_seconds=600)
    await maker.close()
    fac = ProtocolClient(srv.url, token=created["facilitator_token"], ca=str(cert))
    await fac.connect()
    net = NetClient(url, {"code": created["code"], "name": "Ada"}, ca=str(cert)).start()
    got: list[tuple[float, Inbound]] = []
    t0 = time.monotonic()

    def take() -> list[Inbound]:
        now = time.monotonic()
        got.extend((now, i) for i in net.poll())
        return [i for _, i in got]

    def acked(n: int) -> bool:
        return any(i.message.get("type") == "ack" and i.message.get("re") == n for i in take())

    try:
        await until(lambda: any(i.status == "connected" for i in take()), timeout=OPEN_TIMEOUT + 6)
        opened = next(w for w, i in got if i.status == "connected") - t0
        assert (await fac.control("start", fill_bots=False))["type"] == "ack"
        # play for longer than a ping's interval and timeout together, a command a second
        n = 0
        end = time.monotonic() + PING_INTERVAL + PING_TIMEOUT + 1.0
        while time.monotonic() < end:
            n += 1
            mid = net.next_id()
            net.command({"type": "chat", "text": f"slow {n}", "to": "public"}, mid)
            await until(lambda mid=mid: acked(mid), timeout=3.0)
            await asyncio.sleep(0.4)
        assert net.client is not None
        print(
            f"through 300 ms each way and TLS: connected in {opened:.2f} s, {n} commands, "
            f"a ping's round trip {net.client.latency:.2f} s"
        )
        statuses = [i.status for _, i in got if i.kind == "status"]
        assert statuses == ["connecting", "connected"], statuses
        assert proxy.connections == 1 and net.client.silent_drops == 0
        assert net.client.latency > 0.5  # the pings did cross the slow link, and were answered
    finally:
        await asyncio.to_thread(net.stop)
        await fac.close()
        await proxy.close()
        await srv.stop()


async def test_an_address_that_never_answers_costs_an_attempt_seconds_and_says_so() -> None:
    """A connection accepted and never answered (a proxy in front of a machine that is off) is
    given up after OPEN_TIMEOUT, and the player reads that the server is not answering."""
    proxy = await Proxy().start()
    proxy.black_hole()
    net = NetClient(proxy.url, {"code": "K7QM2P", "name": "Ada"}).start()
    got: list[tuple[float, Inbound]] = []
    t0 = time.monotonic()

    def silent() -> bool:
        now = time.monotonic()
        got.extend((now, i) for i in net.poll())
        return any(i.status == "silent" for _, i in got)

    try:
        await until(silent, timeout=OPEN_TIMEOUT + 1.0)
        took = next(w for w, i in got if i.status == "silent") - t0
        print(f"an attempt at a silent address gave up after {took:.2f} s")
        assert OPEN_TIMEOUT - 0.2 < took < OPEN_TIMEOUT + 1.0, took
        assert [i.status for _, i in got] == ["connecting", "silent"]
        assert got[-1][1].detail == NOT_ANSWERING and proxy.connections in (1, 2)  # the next try
    finally:
        await asyncio.to_thread(net.stop)
        await proxy.close()


def test_the_status_line_and_the_connect_screen_say_not_answering_in_words(
    make_app: Callable[..., App], tmp_path: Path
) -> None:
    from district.client.settings import Settings

    out = Path(os.environ.get("DISTRICT_SHOTS") or tmp_path)
    for size in ((1024, 768), (1920, 1080)):
        app = make_app(size=size)
        app.model.set_status("silent", NOT_ANSWERING)
        words = drawn(app)
        pygame.image.save(app.surface, str(out / f"silent-{size[0]}.png"))
        # the whole phrase where the bar has room (1920), the short word where it has not
        said = "server not answering; trying again…" if size[0] > 1024 else "no answer…"
        assert said in words, words
        assert "online" not in words and not any("ws://" in w for w in words)
        app.model.set_status("connected")
        assert "online" in drawn(app)
        # the connect screen (a first connection that gets no answer) says it in full
        app = App(size=size, settings=Settings.load())
        app.model.set_status("silent", NOT_ANSWERING)
        assert NOT_ANSWERING in drawn(app)
        pygame.image.save(app.surface, str(out / f"connect-silent-{size[0]}.png"))


async def test_a_server_slow_for_a_moment_is_said_not_answering_then_online_again(
    tmp_path: Path,
) -> None:
    """Round trips of 2 s for a moment (1 s each way): a ping waits longer than
    NOT_ANSWERING_AFTER, so the status says so, but its pong comes before PING_TIMEOUT: the
    connection is kept, and the status is "connected" again once the pongs are quick."""
    srv = Server(make_config(tmp_path))
    await srv.start()
    proxy = await Proxy().start()
    proxy.upstream = srv.port or 0
    created, fac = await create(srv.url, seed=9, report_seconds=600, negotiation_seconds=600)
    net = NetClient(proxy.url, {"code": created["code"], "name": "Ada"}).start()
    got: list[Inbound] = []

    def said(status: str, n: int = 1) -> bool:
        got.extend(net.poll())
        return [i.status for i in got].count(status) >= n

    try:
        await until(lambda: said("connected"), timeout=5)
        proxy.delay = 1.0
        await until(lambda: said("silent"), timeout=PING_INTERVAL + NOT_ANSWERING_AFTER + 1.0)
        proxy.delay = 0.0
        await until(lambda: said("connected", 2), timeout=PING_TIMEOUT + PING_INTERVAL)
        statuses = [i.status for i in got if i.kind == "status"]
        assert statuses == ["connecting", "connected", "silent", "connected"], statuses
        assert next(i for i in got if i.status == "silent").detail == NOT_ANSWERING
        assert net.client is not None and net.client.silent_drops == 0
        assert proxy.connections == 1  # the same connection all along
    finally:
        await asyncio.to_thread(net.stop)
        await fac.close()
        await proxy.close()
        await srv.stop()
