"""The Pygame client's network thread follows its session from server to server: a hello redirected
by the home address joins where it points; a `bye moved` gives the status "moving" (the status line
says "moving to another server" in words, never an address) and the thread goes home again at once,
comes back to its seat and delivers what was queued meanwhile."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pygame
from district.client.app import App
from district.client.net import MOVING, Inbound, NetClient
from district.server.net import Server

from tests.client.conftest import drawn
from tests.server.conftest import create, server  # noqa: F401 (the fixture)
from tests.server.test_redirect import Home, say_moved


async def poll_until(
    net: NetClient, got: list[Inbound], cond: Callable[[], bool], timeout: float = 10.0
) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not cond():
        assert asyncio.get_running_loop().time() < end, [
            (i.kind, i.status, i.message.get("type")) for i in got
        ]
        got.extend(net.poll())
        await asyncio.sleep(0.01)  # the server and the home run on this loop


async def test_the_network_thread_follows_a_redirect_and_a_move(server: Server) -> None:  # noqa: F811
    created, fac = await create(server.url, report_seconds=600)
    async with Home(lambda: server.url) as home:
        net = NetClient(home.url, {"code": created["code"], "name": "Ada", "role": "union"})
        net.start()
        got: list[Inbound] = []

        def statuses() -> list[str]:
            return [i.status for i in got if i.kind == "status"]

        try:
            await poll_until(net, got, lambda: "connected" in statuses())
            welcome = next(i.message for i in got if i.kind == "message")
            assert welcome["type"] == "welcome" and welcome["seat"] == "union"
            assert net.client is not None and net.client.url == server.url
            assert len(home.hellos) == 1 and "moving" not in statuses()
            await fac.control("start", fill_bots=False)
            got.clear()
            assert say_moved(server, "union") == 1
            net.command({"type": "chat", "text": "while moving", "to": "public"}, 7)
            await poll_until(net, got, lambda: "connected" in statuses())
            moving = [i for i in got if i.kind == "status" and i.status == "moving"]
            assert moving and moving[0].detail == MOVING and "ws://" not in moving[0].detail
            # the thread went home at once (no back-off), with its seat's token
            assert statuses()[-1] == "connected" and "reconnecting" not in statuses()
            assert len(home.hellos) == 2 and home.hellos[1]["token"] == net.token
            await poll_until(
                net,
                got,
                lambda: any(
                    i.message.get("type") == "ack" and i.message.get("re") == 7 for i in got
                ),
            )
            assert not net.moving
            info = (await fac.control("info"))["result"]
            assert info["commands"] == 1
        finally:
            await asyncio.to_thread(net.stop)
    await fac.close()


def test_the_status_line_says_moving_in_words(make_app: Callable[..., App], tmp_path: Path) -> None:
    for size in ((1024, 768), (1920, 1080)):
        app = make_app(size=size)
        app.model.set_status("moving", MOVING)
        words = drawn(app)
        # the whole phrase where the bar has room (1920), the word alone where it has not (1024)
        said = "moving to another server…" if size[0] > 1024 else "moving…"
        assert said in words, words
        assert not any("ws://" in w for w in words)
        out = os.environ.get("DISTRICT_SHOTS")
        pygame.image.save(app.surface, str(Path(out or tmp_path) / f"moving-{size[0]}.png"))
        app.model.set_status("reconnecting", "connection lost")
        assert not any(w.startswith("moving") for w in drawn(app))


async def test_a_redirect_loop_is_one_clear_failure_on_the_connect_screen() -> None:
    async with Home(lambda: loop.url) as loop:
        net = NetClient(loop.url, {"code": "K7QM2P", "name": "Ada"}).start()
        got: list[Inbound] = []
        try:
            await poll_until(net, got, lambda: any(i.status == "failed" for i in got))
        finally:
            await asyncio.to_thread(net.stop)
        failed = next(i for i in got if i.status == "failed")
        assert failed.code == "redirect_loop" and "3 times in a row" in failed.detail
        assert "ws://" not in failed.detail
        assert len(loop.hellos) == 4  # three redirects followed, the fourth refused: no retrying


def test_the_connect_screen_says_moving_and_a_loop_in_words(tmp_path: Path) -> None:
    from district.client.settings import Settings
    from district.server.protocol_client import MAX_REDIRECTS

    loop_message = (
        f"the servers sent this client on {MAX_REDIRECTS} times in a row without serving the "
        "session; try again in a moment"
    )
    out = Path(os.environ.get("DISTRICT_SHOTS") or tmp_path)
    for size in ((1024, 768), (1920, 1080)):
        app = App(size=size, settings=Settings.load())
        app.model.set_status("moving", MOVING)
        assert MOVING in drawn(app)
        pygame.image.save(app.surface, str(out / f"connect-moving-{size[0]}.png"))
        app.model.set_status("failed", loop_message, "redirect_loop")
        app.frame([])
        said = " ".join(drawn(app))
        # the whole sentence (on at most two lines), and no address
        assert f"Could not join: {loop_message}" in said, said
        assert "ws://" not in said
        pygame.image.save(app.surface, str(out / f"connect-loop-{size[0]}.png"))
