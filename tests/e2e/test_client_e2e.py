"""End to end: a headless client joins a real local server (the same set-up as `district demo`),
plays two rounds against bots by sending a deal and decisions through its widgets, survives a
dropped connection, and the server's game state reflects what it did."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from typing import Any  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402
from district.client.app import App, wait_until  # noqa: E402
from district.client.settings import Settings  # noqa: E402
from district.server.demo import start_local_game  # noqa: E402
from district.server.local import control  # noqa: E402

from tests.client.conftest import click, key, select_option, type_into  # noqa: E402


@pytest.fixture
def game(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DISTRICT_CLIENT_CONFIG", str(tmp_path / "client.json"))
    server, url, code, token = start_local_game(
        "emilia-romagna", "firm", 7, negotiation=120.0, report=1.0
    )
    app = App(size=(1280, 720), settings=Settings())
    yield server, url, code, token, app
    if app.connection is not None:
        app.connection.close()
    server.stop()


def core_of(server: Any, app: App) -> Any:
    return server.server.sessions[app.model.session["session"]].core


def state_snapshot(server: Any, app: App) -> dict[str, Any]:
    """Read the server's game state on its own loop (no race with the session actor)."""
    core = core_of(server, app)

    async def read() -> dict[str, Any]:
        st = core.game.state
        return {
            "round": st.round,
            "phase": st.phase,
            "reports": len(st.reports),
            "log": [e for e in core.game.log if e[0] == "cmd" and e[1] == app.model.seat],
            "deals": {
                d.id: (d.kind, d.proposer, list(d.parties), dict(d.terms))
                for d in st.deals.values()
            },
        }

    return server.run(read)


def play_round(app: App, wage: str) -> None:
    scene = app.scene
    assert scene.name == "district", scene.name
    key(app, pygame.K_F2)
    tab = scene.decisions
    type_into(app, tab.widgets["wage"], wage)
    click(app, tab.save_button)
    assert wait_until(app, lambda: tab.sent_cid is None and "Saved" in tab.status_text, 10), (
        tab.status_text
    )
    key(app, pygame.K_F5)


def test_two_rounds_against_bots(game: Any) -> None:
    server, url, code, token, app = game
    app.connect(url, code=code, name="Tester", role="firm")
    assert wait_until(
        app, lambda: app.model.view is not None and app.model.seat.startswith("firm:"), 15
    )
    assert app.scene.name == "connect"  # the lobby, until the facilitator starts
    me = app.model.seat
    control(url, token, "start")
    assert wait_until(app, lambda: app.scene.name == "district", 15)
    assert app.model.view["round"] == 1

    # round 1: a subcontract through the composer, then decisions and ready
    scene = app.scene
    key(app, pygame.K_F1)
    select_option(app, scene.deals.kind_menu, "subcontract")
    click(app, scene.deals.compose_button)
    comp = scene.deals.composer
    # the composer starts with a partner of its own choosing (another firm, not me)
    partner = next(s for s in scene.deals.draft.parties if s != me)
    assert partner.startswith("firm:") and partner in comp.party_buttons
    # a choice may rebuild the form: each widget is looked up afresh, as a person sees it
    select_option(app, scene.deals.composer.widgets["buyer"], me)
    select_option(app, scene.deals.composer.widgets["supplier"], partner)
    supplier_ops = app.model.view["firms"][
        next(s["firm"] for s in app.model.view["seats"] if s["id"] == partner)
    ]["operations"]
    select_option(app, scene.deals.composer.widgets["operation"], supplier_ops[0])
    assert scene.deals.draft.raw["operation"] == supplier_ops[0]
    type_into(app, scene.deals.composer.widgets["volume"], "1")
    click(app, scene.deals.composer.send_button)
    assert wait_until(app, lambda: scene.deals.mode == "list", 10), [
        e.readable() for e in app.model.errors
    ]
    assert "sent" in scene.deals.notice

    # a network drop: the client reconnects by itself to the same seat, and says so meanwhile
    # (on a busy machine "reconnecting" and "connected" can both arrive within one frame, so the
    # statuses the model was given are recorded, not sampled once a frame)
    said: list[str] = []
    set_status = app.model.set_status
    app.model.set_status = lambda status, *a: (said.append(status), set_status(status, *a))[1]
    welcomed = app.model.welcomes
    app.connection.net.drop_connection()
    assert wait_until(
        app, lambda: app.model.welcomes > welcomed and app.model.status == "connected", 15
    ), said
    assert "reconnecting" in said, said
    assert app.model.seat == me

    play_round(app, "35")
    assert wait_until(
        app, lambda: app.model.view["round"] == 2 or app.model.view["phase"] == "report", 30
    )
    assert wait_until(
        app, lambda: app.model.view["round"] == 2 and app.model.view["phase"] == "negotiation", 30
    )
    app.close_report()
    app.frame([])

    # round 2
    play_round(app, "36")
    assert wait_until(app, lambda: state_snapshot(server, app)["reports"] >= 2, 30)

    st = state_snapshot(server, app)
    decided = [
        (c.get("round"), c["decisions"].get("wage"))
        for _k, _s, c in st["log"]
        if c["type"] == "decide"
    ]
    assert (1, 35.0) in decided and (2, 36.0) in decided
    readies = [c for _k, _s, c in st["log"] if c["type"] == "ready"]
    assert len(readies) >= 2
    mine = [d for d in st["deals"].values() if d[1] == me and d[0] == "subcontract"]
    assert mine and mine[0][2] == [me, partner] and mine[0][3]["volume"] == 1.0
    # the client saw the results: a report of each round in its view's history
    assert wait_until(app, lambda: len(app.model.view["history"]) >= 2, 10)


def test_the_teacher_creates_a_session_from_the_connect_screen(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Create on the connect screen (ProtocolClient's create, on a worker thread), by clicking:
    the facilitator's console opens on the new session."""
    from district.server.local import LocalServer

    monkeypatch.setenv("DISTRICT_CLIENT_CONFIG", str(tmp_path / "client.json"))
    with LocalServer() as url:
        app = App(size=(1280, 720), settings=Settings())
        sc = app.scene
        assert sc.name == "connect"
        type_into(app, sc.server_entry, url)
        type_into(app, sc.scenario_entry, "emilia-romagna")
        click(app, sc.create_button)
        assert wait_until(app, lambda: app.scene.name == "facilitator", 15), sc.message
        assert len(app.model.code) == 6 and app.model.session["facilitator_token"]
        assert app.model.seat == "facilitator" and app.model.deal_kinds
        app.connection.close()


def test_the_join_button_seats_a_player_and_the_open_button_opens_the_console(game: Any) -> None:
    """What a student and a teacher click on the connect screen (not the Enter key beside it)."""
    server, url, code, token, app = game
    sc = app.scene
    assert sc.name == "connect"
    type_into(app, sc.server_entry, url)
    type_into(app, sc.code_entry, code)
    type_into(app, sc.name_entry, "Student")
    click(app, sc.join_button)
    assert wait_until(app, lambda: app.model.seat != "" and app.model.view is not None, 15)
    assert app.model.seat.startswith("firm:"), f"the Join button seated {app.model.seat!r}"
    app.connection.close()

    teacher = App(size=(1280, 720), settings=Settings())
    try:
        tc = teacher.scene
        type_into(teacher, tc.server_entry, url)
        type_into(teacher, tc.token_entry, token)
        click(teacher, tc.console_button)
        assert wait_until(teacher, lambda: teacher.model.seat == "facilitator", 15), tc.message
        assert wait_until(teacher, lambda: teacher.scene.name == "facilitator", 15)
    finally:
        if teacher.connection is not None:
            teacher.connection.close()
