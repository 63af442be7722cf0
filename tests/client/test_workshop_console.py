"""The workshop console, clicked through headless against a real server: the connect screen's
Workshop entry opens it, its table lists every session of the workshop with round and phase, and
a row's Pause, Broadcast and Open act on that session only (its players see it); the facilitator
console opened from it has a Workshop button back."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pygame
import pytest
from district.client.app import App
from district.client.settings import Settings
from district.server.local import LocalServer
from district.server.protocol_client import ProtocolClient
from district.server.session import hash_token

from tests.client.conftest import click, drawn, run_all, type_into

SCENARIOS = Path(__file__).resolve().parents[1] / "server" / "scenarios"


def chats(c: ProtocolClient) -> list[str]:
    return [
        m["event"].get("text", "")
        for m in list(c.stream)
        if m.get("type") == "event" and m["event"].get("kind") == "chat"
    ]


@pytest.fixture(scope="module")
def workshop() -> Any:
    """A server with a workshop of three sessions under way, one player in each."""
    srv = LocalServer(scenario_dirs=(SCENARIOS,))
    srv.start()
    url = srv.url
    sessions: list[dict[str, Any]] = []

    async def make() -> str:
        key = ""
        for k in range(3):
            maker = ProtocolClient(url)
            await maker.connect_only()
            fields: dict[str, Any] = {"workshop": "spring-school"}
            if key:
                fields["workshop_key"] = key
            created = await maker.create(
                "server-test", seed=k + 1, negotiation_seconds=900, **fields
            )
            await maker.close()
            key = key or created["workshop_key"]
            fac = ProtocolClient(url, token=created["facilitator_token"])
            await fac.connect()
            player = ProtocolClient(url, code=created["code"], name=f"Player {k}", record=True)
            await player.connect()
            await fac.control("start")
            await fac.close()  # the session's teacher is away: the lead runs them all
            sessions.append({"created": created, "player": player})
        return key

    key = srv.run(make)
    yield srv, key, sessions
    for s in sessions:
        srv.run(s["player"].close)
    srv.stop()


def status_of(srv: LocalServer, sid: str) -> str:
    return str(srv.server.sessions[sid].core.status)


def open_console(srv: LocalServer, key: str, size: tuple[int, int]) -> App:
    app = App(size=size, settings=Settings())
    app.frame([])
    sc = app.scene
    click(app, sc.element_by_id("#connect_workshop"))
    sc = app.scene
    assert sc.workshop_form
    type_into(app, sc.server_entry, srv.url)
    type_into(app, sc.workshop_name_entry, "spring-school")
    type_into(app, sc.workshop_key_entry, key)
    click(app, sc.workshop_go_button)
    assert run_all([app], lambda: app.scene.name == "workshop" and len(app.scene.rows) == 3)
    return app


def test_the_console_lists_the_sessions_and_pauses_broadcasts_and_opens_one(
    workshop: Any, tmp_path: Path
) -> None:
    srv, key, sessions = workshop
    app = open_console(srv, key, (1024, 768))
    try:
        sc = app.scene
        said = drawn(app)
        for s in sessions:
            assert s["created"]["code"] in said
        assert said.count("1 of 3") == 3 and said.count("Negotiation") == 3
        assert said.count("1 online, 0 away") == 3
        out = Path(os.environ.get("DISTRICT_SHOTS", tmp_path))
        pygame.image.save(app.surface, str(out / "workshop-1024x768.png"))
        # Pause the second session by clicking its row's button
        target = sessions[1]
        code, sid = target["created"]["code"], target["created"]["session"]
        click(app, sc.element_by_id(f"#ws_pause_{code}"))
        p = target["player"]
        assert run_all([app], lambda: (p.clock or {}).get("status") == "paused")
        assert [status_of(srv, s["created"]["session"]) for s in sessions] == [
            "running",
            "paused",
            "running",
        ]
        # the table shows it (the button now says Resume)
        assert run_all([app], lambda: "Negotiation (paused)" in drawn(app))
        assert sc.element_by_id(f"#ws_pause_{code}").text == "Resume"
        # Broadcast to the first session only
        first = sessions[0]
        click(app, sc.element_by_id(f"#ws_broadcast_{first['created']['code']}"))
        assert sc.broadcast_entry is not None
        pygame.image.save(app.surface, str(out / "workshop-broadcast-1024x768.png"))
        type_into(app, sc.broadcast_entry, "Five minutes left")
        click(app, sc.element_by_id("#workshop_broadcast_send"))
        fp = first["player"]
        assert run_all([app], lambda: "Five minutes left" in chats(fp))
        time.sleep(0.3)
        for s in sessions[1:]:
            assert "Five minutes left" not in chats(s["player"])
        # Resume it again by clicking
        click(app, sc.element_by_id(f"#ws_pause_{code}"))
        assert run_all([app], lambda: status_of(srv, sid) == "running")
        # Open the third: its facilitator console, with the way back
        third = sessions[2]
        click(app, sc.element_by_id(f"#ws_open_{third['created']['code']}"))
        assert run_all(
            [app],
            lambda: (
                app.scene.name == "facilitator"
                and app.model.seat == "facilitator"
                and app.model.view is not None
            ),
        )
        assert (app.model.session.get("code") or app.model.code) == third["created"]["code"]
        back = app.scene.element_by_id("#back_to_workshop")
        assert back is not None and back.visible
        pygame.image.save(app.surface, str(out / "workshop-opened-1024x768.png"))
        click(app, back)
        assert run_all([app], lambda: app.scene.name == "workshop" and len(app.scene.rows) == 3)
        # the big screen
        app.resize((1920, 1080))
        assert run_all([app], lambda: len(app.scene.rows) == 3)
        app.frame([])
        pygame.image.save(app.surface, str(out / "workshop-1920x1080.png"))
        # a new session in the workshop, from the console
        sc = app.scene
        click(app, sc.element_by_id("#workshop_new"))
        type_into(app, sc.scenario_entry, "server-test")
        pygame.image.save(app.surface, str(out / "workshop-new-1920x1080.png"))
        click(app, sc.element_by_id("#workshop_create"))
        assert run_all([app], lambda: len(app.scene.rows) == 4)
        new = next(
            r for r in sc.rows if r["session"] not in {s["created"]["session"] for s in sessions}
        )
        assert new["status"] == "lobby" and f"Session {new['code']} created" in sc.message
        assert "Lobby (not started)" in drawn(app)
    finally:
        app.leave_workshop()
        if app.connection is not None:
            app.connection.close()


def test_a_wrong_key_is_said_on_the_console(workshop: Any) -> None:
    srv, key, _ = workshop
    app = App(size=(1024, 768), settings=Settings())
    try:
        app.open_workshop(srv.url, "spring-school", key + "-wrong")
        assert run_all([app], lambda: "No workshop with this name and key" in app.scene.message)
        assert app.scene.rows == []
        # asked once, not every 2 s (each would count as a wrong key)
        time.sleep(2.5)
        app.frame([])
        fails = srv.run(_failures(srv))
        assert fails == 1, fails
        # a session that does not open (here: the wrong key) says why, back on the console
        app.open_from_workshop("s-000000000000", "ZZZZZZ", "")
        assert run_all(
            [app],
            lambda: (
                app.scene.name == "workshop"
                and app.workshop_console
                and "Could not open the session" in app.scene.message
            ),
        )
    finally:
        app.leave_workshop()
        srv.run(_unblock(srv))


def _unblock(srv: LocalServer) -> Any:
    async def go() -> None:
        srv.server.throttle.blocked.clear()
        srv.server.throttle.failures.clear()

    return go


def _failures(srv: LocalServer) -> Any:
    async def go() -> int:
        return sum(len(t) for t in srv.server.throttle.failures.values())

    return go


def test_a_new_workshop_is_made_from_the_console_with_its_first_session(workshop: Any) -> None:
    srv, _, _ = workshop
    app = App(size=(1024, 768), settings=Settings())
    try:
        app.open_workshop(srv.url, "autumn-school", "our own key")
        assert run_all([app], lambda: "No workshop with this name and key" in app.scene.message)
        sc = app.scene
        click(app, sc.element_by_id("#workshop_new"))
        type_into(app, sc.scenario_entry, "server-test")
        click(app, sc.element_by_id("#workshop_create"))
        assert run_all([app], lambda: len(app.scene.rows) == 1)
        assert "created" in sc.message
        # the key typed in the console is the workshop's key
        made = srv.run(_key_of(srv, "autumn-school"))
        assert made == hash_token("our own key")
    finally:
        app.leave_workshop()
        srv.run(_unblock(srv))


def _key_of(srv: LocalServer, name: str) -> Any:
    async def go() -> str | None:
        return await srv.server.store.workshop_key(name)

    return go
