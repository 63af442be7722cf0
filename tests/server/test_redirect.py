"""Clients follow a session from server to server (docs/protocol.md, "Several servers"): a hello
answered by `redirect` is said again where it points, a `bye` with the code `moved` sends the client
back to its home address, a redirected server that does not answer too, and a redirect loop ends in
one clear refusal. The "home" here is a tiny real websockets server that answers every hello with a
`redirect` (as a process that does not own the session would); the session is served by a real
District server. The network bots (`district bots`) follow the same way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgpack
import pytest
from district.server.botclient import BotPlayer
from district.server.net import Server
from district.server.protocol import encode
from district.server.protocol_client import HELLO_ID, MAX_REDIRECTS, ProtocolClient, Refused
from websockets.asyncio.server import ServerConnection, serve

from tests.server.conftest import create, free_port, until

MOVED_MESSAGE = "this session moved to another server; reconnecting"


class Home:
    """A real websockets server on loopback that answers each hello with a `redirect` to
    `target()` and closes the connection normally, as a process not owning the session does."""

    def __init__(self, target: Callable[[], str]) -> None:
        self.target = target
        self.hellos: list[dict[str, Any]] = []
        self.url = ""
        self._server: Any = None

    async def _handle(self, ws: ServerConnection) -> None:
        async for frame in ws:
            assert isinstance(frame, bytes)
            msg = msgpack.unpackb(frame, raw=False)
            assert msg["type"] == "hello"
            self.hellos.append(msg)
            await ws.send(
                encode(
                    {
                        "type": "redirect",
                        "re": msg.get("id"),
                        "url": self.target(),
                        "session": "s-elsewhere",
                        "message": "this session is served by another server; "
                        "the client connects there",
                    }
                )
            )
            await ws.close(1000)
            return

    async def __aenter__(self) -> Home:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._server.close()
        await self._server.wait_closed()


@pytest.fixture
async def home(server: Server) -> AsyncIterator[Home]:
    async with Home(lambda: server.url) as h:
        yield h


def say_moved(server: Server, seat: str) -> int:
    """The server tells the connections of `seat` that the session moved (bye moved, 1012)."""
    n = 0
    for conn in list(server.conns):
        if conn.recipient == seat:
            conn.bye("moved", MOVED_MESSAGE, 1012)
            n += 1
    return n


async def test_a_redirected_hello_joins_on_the_server_that_serves(
    server: Server, home: Home
) -> None:
    created, fac = await create(server.url, report_seconds=600)
    ada = ProtocolClient(home.url, code=created["code"], name="Ada", role="union")
    welcome = await ada.connect()
    # the same hello, said again where the redirect pointed
    assert welcome["type"] == "welcome" and welcome["re"] == HELLO_ID
    assert welcome["seat"] == "union" and ada.seat == "union" and ada.token
    assert [h["code"] for h in home.hellos] == [created["code"]]
    assert home.hellos[0]["name"] == "Ada" and home.hellos[0]["role"] == "union"
    assert (ada.home, ada.url, ada.redirects) == (home.url, server.url, 1)
    await fac.control("start", fill_bots=False)
    r = await ada.command({"type": "chat", "text": "here", "to": "public"}, cid="a1")
    assert r["type"] == "ack"
    info = (await fac.control("info"))["result"]
    assert info["commands"] == 1
    # a token comes back the same way (the facilitator through the home address)
    fac2 = ProtocolClient(home.url, token=created["facilitator_token"])
    assert (await fac2.connect())["seat"] == "facilitator" and fac2.url == server.url
    assert len(home.hellos) == 2 and home.hellos[1]["token"] == created["facilitator_token"]
    for c in (ada, fac, fac2):
        await c.close()


async def test_bye_moved_sends_the_client_home_and_it_catches_up(
    server: Server, home: Home
) -> None:
    created, fac = await create(server.url, report_seconds=600)
    ada = ProtocolClient(home.url, code=created["code"], name="Ada", role="union", record=True)
    bo = ProtocolClient(server.url, code=created["code"], name="Bo", role="government")
    await ada.connect()
    await bo.connect()
    await fac.control("start", fill_bots=False)
    await ada.wait_for(lambda: ada.clock is not None and ada.clock["status"] == "running")
    before = ada.last
    assert say_moved(server, "union") == 1
    await until(lambda: not ada.connected.is_set())
    assert ada.bye is not None and ada.bye["reason"] == "moved" and ada.moves == 1
    assert ada.url == home.url  # the next hello goes home, which serves or redirects
    for i in range(2):  # the stream moves on meanwhile
        await bo.command({"type": "chat", "text": f"away {i}", "to": "public"})
    welcome = await ada.reconnect()
    # home again (a second hello there, with the seat's token and the last number seen), then on
    assert len(home.hellos) == 2 and home.hellos[1]["token"] == ada.token
    assert home.hellos[1]["last_event"] == before
    assert welcome["seat"] == "union" and ada.url == server.url and ada.redirects == 2
    await ada.wait_for(lambda: ada.last == welcome["last_event"])
    texts = [m["event"].get("text") for m in ada.stream if m["seq"] > before]
    assert texts == ["away 0", "away 1"] and ada.gaps == 0
    # a command re-sent across a move is applied once
    cmd = {"type": "chat", "text": "once", "to": "public"}
    first = await ada.command_surely(cmd, "ada-1")
    say_moved(server, "union")
    await until(lambda: not ada.connected.is_set())
    again = await ada.command_surely(cmd, "ada-1")
    assert first["type"] == again["type"] == "ack" and again.get("duplicate") is True
    assert ada.moves == 2 and len(home.hellos) == 3
    info = (await fac.control("info"))["result"]
    assert info["commands"] == 3
    for c in (ada, bo, fac):
        await c.close()


async def test_a_redirect_to_a_server_that_does_not_answer_falls_back_home(
    server: Server,
) -> None:
    created, fac = await create(server.url)
    dead = f"ws://127.0.0.1:{free_port()}"  # nothing listens there
    targets = [dead]  # the first hello is sent to a dead owner, later ones to the live one

    async with Home(lambda: targets.pop(0) if targets else server.url) as home:
        ada = ProtocolClient(home.url, code=created["code"], name="Ada")
        welcome = await ada.connect()
        assert welcome["type"] == "welcome" and ada.url == server.url
        assert len(home.hellos) == 2  # home, dead owner, home again, the server
        # a client whose server stopped answering looks for its session at home; home still
        # sends it to the dead server (its lease has not run out): a connection error, ...
        await ada.drop()
        ada.url = dead
        targets.append(dead)
        with pytest.raises(OSError):
            await ada.connect(timeout=2)
        assert len(home.hellos) == 3
        assert ada.url == home.url  # ... and the next try starts at home, which now serves
        welcome = await ada.reconnect(within=10)
        assert welcome["seat"] == ada.seat and ada.url == server.url and len(home.hellos) == 4
        await ada.close()
    await fac.close()


async def test_a_redirect_loop_ends_in_one_clear_refusal() -> None:
    async with Home(lambda: loop.url) as loop:
        c = ProtocolClient(loop.url, code="K7QM2P", name="Ada")
        with pytest.raises(Refused) as e:
            await c.connect(timeout=5)
        assert e.value.code == "redirect_loop"
        assert "3 times in a row" in e.value.message and "ws://" not in e.value.message
        assert len(loop.hellos) == MAX_REDIRECTS + 1 and c.redirects == MAX_REDIRECTS
        assert not c.is_open and not c.connected.is_set() and c.url == c.home


async def test_a_redirect_to_something_not_a_websocket_address_is_refused() -> None:
    async with Home(lambda: "http://example.org/") as odd:
        c = ProtocolClient(odd.url, code="K7QM2P", name="Ada")
        with pytest.raises(Refused) as e:
            await c.connect(timeout=5)
        assert e.value.code == "bad_redirect" and e.value.where == "redirect.url"
        assert not c.is_open and len(odd.hellos) == 1


async def test_network_bots_follow_a_redirect_and_a_move_and_finish(
    server: Server, home: Home
) -> None:
    created, fac = await create(server.url, seed=11, report_seconds=0)
    bots = [BotPlayer(home.url, created["code"], f"Bot {i}") for i in range(7)]
    tasks = [asyncio.create_task(b.play()) for b in bots]
    await until(lambda: all(b.client.seat for b in bots))
    assert all(b.client.url == server.url for b in bots)
    await fac.control("start")
    await until(lambda: all(1 in b.acted for b in bots), timeout=20)
    for b in bots[:3]:
        assert b.client.seat is not None
        say_moved(server, b.client.seat)
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    assert all(b.client.moves == 1 for b in bots[:3])
    assert len(home.hellos) == 7 + 3
    info = (await fac.control("info"))["result"]
    assert (info["status"], info["round"]) == ("ended", 3)
    for b in bots:
        assert sorted(b.acted) == [1, 2, 3] and b.client.gaps == 0
    await fac.close()
