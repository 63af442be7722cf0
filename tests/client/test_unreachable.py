"""A server that cannot be reached is told in words a teacher can act on (what to check), never
an exception's name: each failure is made for real (a closed port, a name nobody knows, an
address that is not one, a server that never answers, a web server that is not District's)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from district.client.net import create_session_sync, unreachable
from district.client.settings import Settings

from tests.client.conftest import click, type_into

NAMES = ("Error", "Exception", "gaierror", "Invalid", "Timeout", "Refused")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def odd_servers() -> Iterator[dict[str, int]]:
    """On loopback: one that accepts and never says a word, one that answers as a web server."""
    loop = asyncio.new_event_loop()

    async def silent(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await asyncio.sleep(30)
        w.close()

    async def web(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        await r.readuntil(b"\r\n\r\n")
        w.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await w.drain()
        w.close()

    async def start() -> tuple[asyncio.Server, asyncio.Server]:
        return (
            await asyncio.start_server(silent, "127.0.0.1", 0),
            await asyncio.start_server(web, "127.0.0.1", 0),
        )

    a, b = loop.run_until_complete(start())
    t = threading.Thread(target=loop.run_forever, daemon=True)
    t.start()
    yield {"silent": a.sockets[0].getsockname()[1], "web": b.sockets[0].getsockname()[1]}
    loop.call_soon_threadsafe(loop.stop)
    t.join(5)


def failure(url: str, timeout: float = 10.0) -> BaseException:
    try:
        create_session_sync(url, "emilia-romagna", 60, 10, timeout=timeout)
    except BaseException as e:  # what the screens catch
        return e
    raise AssertionError(f"{url} was reached")


def test_each_way_of_not_reaching_a_server_is_said_in_words(odd_servers: dict[str, int]) -> None:
    cases = {
        f"ws://127.0.0.1:{closed_port()}": "nothing answers at",
        "ws://no-such-computer.invalid:8765": "no computer of that name",
        "127.0.0.1:8765": "is not a server address",
        f"ws://127.0.0.1:{odd_servers['web']}": "answered, but not as a District server",
    }
    for url, words in cases.items():
        said = unreachable(url, failure(url))
        assert words in said and url in said, (url, said)
        assert not any(n in said for n in NAMES), said
    url = f"ws://127.0.0.1:{odd_servers['silent']}"
    said = unreachable(url, failure(url, timeout=1.0))
    assert said.startswith(f"no answer from {url}"), said


def test_the_connect_screen_says_why_a_create_failed(tmp_path: Path) -> None:
    from district.client.app import App

    app = App(size=(1024, 768), settings=Settings.load())
    app.frame([])
    sc = app.scene
    url = f"ws://127.0.0.1:{closed_port()}"
    type_into(app, sc.server_entry, url)
    type_into(app, sc.scenario_entry, "emilia-romagna")
    click(app, sc.create_button)
    end = time.monotonic() + 15
    while time.monotonic() < end and "Could not" not in sc.message:
        app.frame([])
        time.sleep(0.02)
    assert sc.message == (
        f"Could not create the session: nothing answers at {url}: is the server started, "
        "on that port?"
    ), sc.message
    app.close()
