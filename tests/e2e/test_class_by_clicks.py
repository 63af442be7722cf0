"""A class by clicks, end to end: a real local server (real websockets on loopback), the teacher's
console and six students' windows (headless, real pygame_gui widgets), each driven by mouse clicks
on the real buttons (typing only into text fields). The teacher creates the session from the
connect screen; six students join with the code; the teacher starts; in round 1 a student sends a
subcontract through the composer and another accepts it from its card (which shows, unasked, what
the deal does to them beside what they get with no deal); every student says ready; in round 2 a
student saves a decision, drops out (its window closes) and comes back to the same seat with its
decision and the deal caught up; the teacher ends the game early; the debrief is on every screen,
including one that opens only after the end.

The smallest scenario with six human seats: Oregon plastics (10 firms, 8 in the background), whose
six-player class is five firms and the government."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import time  # noqa: E402
from typing import Any  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402
from district.client.app import App  # noqa: E402
from district.client.panels.deals import sort_deals  # noqa: E402
from district.client.panels.draft import operations_of  # noqa: E402
from district.client.settings import Settings  # noqa: E402
from district.client.ui.theme import C  # noqa: E402
from district.server.local import LocalServer  # noqa: E402

from tests.client.conftest import (  # noqa: E402
    click,
    run_all,
    select_option,
    text_drawn,
    type_into,
)

SCENARIO = "oregon-plastics"
NAMES = ["Ana", "Ben", "Chiara", "Dev", "Eli", "Femi"]
SIZE = (1024, 768)


def engine(server: LocalServer, session: str) -> Any:
    """The server's own game state, read on its loop (no race with the session's actor)."""
    core = server.server.sessions[session].core

    async def read() -> dict[str, Any]:
        st = core.game.state
        return {
            "round": st.round,
            "phase": st.phase,
            "deals": {
                d.id: (d.kind, list(d.parties), d.status, list(d.history))
                for d in st.deals.values()
            },
            "status": core.status,
        }

    return server.run(read)


@pytest.fixture
def classroom(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DISTRICT_CLIENT_CONFIG", str(tmp_path / "client.json"))
    server = LocalServer()
    url = server.start()
    apps: list[App] = []
    try:
        yield server, url, apps
    finally:
        for a in apps:
            if a.connection is not None:
                a.connection.close()
        server.stop()


def join(url: str, code: str, name: str, settings: Settings | None = None) -> App:
    """A student's window: the connect screen, filled in and Join clicked."""
    app = App(size=SIZE, settings=settings or Settings())
    sc = app.scene
    assert sc.name == "connect"
    if settings is None:  # a computer that remembers nothing: the student types it all
        type_into(app, sc.server_entry, url)
        type_into(app, sc.code_entry, code)
        type_into(app, sc.name_entry, name)
    click(app, sc.join_button)
    return app


def test_a_class_from_create_to_debrief_by_clicks(classroom: Any) -> None:
    server, url, apps = classroom
    t0 = time.monotonic()

    # --- the teacher creates the session on the connect screen -----------------------------
    teacher = App(size=SIZE, settings=Settings())
    apps.append(teacher)
    sc = teacher.scene
    type_into(teacher, sc.server_entry, url)
    type_into(teacher, sc.scenario_entry, SCENARIO)
    type_into(teacher, sc.neg_entry, "2")  # minutes; rounds end sooner, when everyone is ready
    type_into(teacher, sc.rep_entry, "0")
    click(teacher, sc.create_button)
    assert run_all([teacher], lambda: teacher.scene.name == "facilitator"), sc.message
    code = teacher.model.code
    session = teacher.model.session["session"]
    assert len(code) == 6

    # --- six students join with the code -------------------------------------------------------
    students: list[App] = []
    for name in NAMES:
        s = join(url, code, name)
        apps.append(s)
        students.append(s)
        assert run_all([s], lambda s=s: s.model.seat != "" and s.model.view is not None), (
            s.scene.message
        )
    seats = [s.model.seat for s in students]
    assert len(set(seats)) == 6 and "observer" not in seats, seats
    assert sorted(x.split(":")[0] for x in seats) == ["firm"] * 5 + ["government"]
    assert all(s.scene.name == "connect" for s in students)  # the lobby, until the start
    assert run_all(
        [teacher],
        lambda: (
            sum(1 for r in teacher.model.session.get("roster", []) if r.get("player") in NAMES) == 6
        ),
    ), teacher.model.session.get("roster")

    # --- the teacher starts --------------------------------------------------------------------
    click(teacher, teacher.scene.buttons["start"])
    assert run_all(apps, lambda: all(s.scene.name == "district" for s in students))
    assert all(s.model.view["round"] == 1 for s in students)

    # --- round 1: Ana sends a subcontract to Ben, Ben accepts it from its card ------------------
    ana, ben = students[0], students[1]
    a_seat, b_seat = ana.model.seat, ben.model.seat
    assert a_seat.startswith("firm:") and b_seat.startswith("firm:")
    scene = ana.scene
    click(ana, scene.tab_buttons[0])  # Deals
    select_option(ana, scene.deals.kind_menu, "subcontract")
    click(ana, scene.deals.compose_button)
    draft = scene.deals.draft
    for p in [p for p in draft.parties if p not in (a_seat, b_seat)]:
        click(ana, scene.deals.composer.party_buttons[p])  # not this partner
    if b_seat not in draft.parties:
        click(ana, scene.deals.composer.party_buttons[b_seat])  # Ben's firm
    assert sorted(scene.deals.draft.parties) == sorted([a_seat, b_seat])
    select_option(ana, scene.deals.composer.widgets["buyer"], a_seat)
    select_option(ana, scene.deals.composer.widgets["supplier"], b_seat)
    op = operations_of(ana.model.view, b_seat)[0]
    select_option(ana, scene.deals.composer.widgets["operation"], op)
    type_into(ana, scene.deals.composer.widgets["volume"], "1")
    click(ana, scene.deals.composer.send_button)
    assert run_all(apps, lambda: scene.deals.mode == "list"), [
        e.readable() for e in ana.model.errors
    ]
    assert "sent" in scene.deals.notice

    bscene = ben.scene
    assert run_all(apps, lambda: sort_deals(ben.model.view, b_seat)["incoming"] != [])
    deal = next(
        d
        for d in sort_deals(ben.model.view, b_seat)["incoming"]
        if d["kind"] == "subcontract" and d["proposer"] == a_seat
    )
    click(ben, bscene.tab_buttons[0])
    assert run_all(apps, lambda: deal["id"] in bscene.deals.row_buttons)
    click(ben, bscene.deals.row_buttons[deal["id"]])
    # the card shows, unasked, Ben's own numbers with no deal and with this one
    assert run_all(apps, lambda: "Profit: no deal" in bscene.deals.detail_box.html_text), (
        bscene.deals.detail_box.html_text
    )
    click(ben, bscene.deals.action_buttons["accept"])
    assert run_all(
        apps,
        lambda: "signed" in [h["action"] for h in engine(server, session)["deals"][deal["id"]][3]],
    ), engine(server, session)["deals"][deal["id"]]
    kind, parties, _status, _h = engine(server, session)["deals"][deal["id"]]
    assert kind == "subcontract" and parties == [a_seat, b_seat]

    # --- everyone says ready: round 2 ------------------------------------------------------------
    for s in students:
        click(s, s.scene.ready_button)
    assert run_all(
        apps,
        lambda: all(
            s.model.view["round"] == 2 and s.model.view["phase"] == "negotiation" for s in students
        ),
        20,
    ), [(s.model.view["round"], s.model.view["phase"]) for s in students]
    assert run_all(apps, lambda: all(s.scene.name == "district" for s in students))

    # --- round 2: Ben saves a wage, drops out, and comes back to the same seat -----------------------
    click(ben, ben.scene.tab_buttons[1])  # Decisions
    tab = ben.scene.decisions
    type_into(ben, tab.widgets["wage"], "33")
    click(ben, tab.save_button)
    assert run_all(apps, lambda: tab.sent_cid is None and "Saved" in tab.status_text), (
        tab.status_text
    )
    ben.connection.close()  # the window closes
    apps.remove(ben)
    assert run_all(
        apps,
        lambda: any(
            r.get("id") == b_seat and r.get("away_since")
            for r in teacher.model.session.get("roster", [])
        ),
    ), teacher.model.session.get("roster")
    back = join(url, code, "Ben", settings=ben.settings)  # the same computer remembers the seat
    apps.append(back)
    students[1] = back
    assert run_all(apps, lambda: back.model.seat == b_seat and back.scene.name == "district"), (
        back.model.seat,
        back.scene.name,
    )
    v = back.model.view
    assert v["round"] == 2 and v["phase"] == "negotiation"
    assert v["me"]["decisions"].get("wage") == 33.0, v["me"]["decisions"]
    mine = next(d for d in v["deals"] if d["id"] == deal["id"])
    assert mine["status"] in ("active", "breached", "fulfilled"), mine

    # --- the teacher ends the game early: the debrief on every screen ----------------------------
    console = teacher.scene
    click(teacher, console.buttons["end"])
    click(teacher, console.buttons["end"])  # "Sure? Click again"
    assert run_all(apps, lambda: all(s.scene.name == "debrief" for s in students), 20), [
        (s.scene.name, s.model.view.get("phase")) for s in students
    ]
    assert engine(server, session)["status"] == "ended"
    click(teacher, console.buttons["debrief"])
    assert run_all(apps, lambda: teacher.scene.name == "debrief")

    # a seventh window, opened only after the end, shows the debrief too
    late = join(url, code, "Gio")
    apps.append(late)
    assert run_all(apps, lambda: late.scene.name == "debrief"), (
        late.scene.name,
        late.model.status,
        getattr(late.scene, "message", ""),
    )
    title = "Debrief: the game is over"
    for a in apps:  # the teacher, six students (one of them came back) and the latecomer
        a.frame([])
        assert a.scene.name == "debrief" and a.model.view["phase"] == "ended"
        top = pygame.Rect(0, 0, SIZE[0], a.scene.u(110))
        font = a.scene.fonts.get(24, "bold")
        assert text_drawn(a.surface, title, font, C.TEXT, C.BG, top), a.model.seat
    assert len(apps) == 8
    assert time.monotonic() - t0 < 60
