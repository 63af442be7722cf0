"""The debrief, replay and branch by clicks (issue 12), end to end: a real local server (real
websockets on loopback, a real SQLite file), the teacher's console and a student's window
(headless, real pygame_gui widgets) driven by mouse clicks and keys. The teacher opens the debrief
mid-game from the console's button and gets the server's debrief of the rounds so far; after the
game the slider replays the map and the network graph round by round (click, drag, arrow keys);
"Play again from round 2" makes a new session, which the teacher opens and plays on with bots to
its end. The student gets the debrief only once the game is over."""

from __future__ import annotations

import contextlib
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402
from district.client.app import App  # noqa: E402
from district.client.settings import Settings  # noqa: E402
from district.server.local import LocalServer  # noqa: E402

from tests.client.conftest import click, click_at, drawn, key, pump, type_into  # noqa: E402
from tests.client.conftest import run_all as frames_until  # noqa: E402

SCENARIOS = Path(__file__).resolve().parents[1] / "server" / "scenarios"
SIZE = (1024, 768)


def run_all(apps: list[App], cond: Callable[[], bool], timeout: float = 30.0) -> bool:
    return frames_until(apps, cond, timeout)


def state(server: LocalServer, session: str) -> dict[str, Any]:
    core = server.server.sessions[session].core

    async def read() -> dict[str, Any]:
        return {
            "round": core.round,
            "phase": core.phase,
            "status": core.status,
            "hash": core.game.hash(),
        }

    return dict(server.run(read))


@contextlib.contextmanager
def local_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **options: Any) -> Any:
    """A real local server (a SQLite file in `tmp_path`), its URL and the list of windows opened
    against it; the windows are closed and the server stopped at the end."""
    monkeypatch.setenv("DISTRICT_CLIENT_CONFIG", str(tmp_path / "client.json"))
    server = LocalServer(tmp_path / "district.sqlite3", scenario_dirs=(SCENARIOS,), **options)
    url = server.start()
    apps: list[App] = []
    try:
        yield server, url, apps
    finally:
        for a in apps:
            if a.connection is not None:
                a.connection.close()
        server.stop()


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    with local_class(tmp_path, monkeypatch) as running:
        yield running


def teacher_and_student(url: str, apps: list[App]) -> tuple[App, App, str, str]:
    """By clicks: the teacher creates a session (5-minute rounds: the student never says ready),
    Ana joins it with the code, the teacher starts it. Returns (teacher, student, session, code)."""
    teacher = App(size=SIZE, settings=Settings())
    apps.append(teacher)
    sc = teacher.scene
    type_into(teacher, sc.server_entry, url)
    type_into(teacher, sc.scenario_entry, "server-test")
    type_into(teacher, sc.neg_entry, "5")
    type_into(teacher, sc.rep_entry, "0")
    click(teacher, sc.create_button)
    assert run_all([teacher], lambda: teacher.scene.name == "facilitator"), sc.message
    session, code = teacher.model.session["session"], teacher.model.code
    student = App(size=SIZE, settings=Settings())
    apps.append(student)
    ssc = student.scene
    type_into(student, ssc.server_entry, url)
    type_into(student, ssc.code_entry, code)
    type_into(student, ssc.name_entry, "Ana")
    click(student, ssc.join_button)
    assert run_all(apps, lambda: student.model.status == "connected" and student.model.seat)
    click(teacher, teacher.scene.buttons["start"])
    assert run_all(apps, lambda: student.scene.name == "district")
    return teacher, student, session, code


def drag(app: App, a: tuple[int, int], b: tuple[int, int]) -> None:
    app.frame([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=a, button=1, touch=False)])
    for k in range(1, 5):
        p = (a[0] + (b[0] - a[0]) * k // 4, a[1])
        app.frame(
            [
                pygame.event.Event(
                    pygame.MOUSEMOTION, pos=p, rel=(0, 0), buttons=(1, 0, 0), touch=False
                )
            ]
        )
    app.frame([pygame.event.Event(pygame.MOUSEBUTTONUP, pos=b, button=1, touch=False)])
    pump(app)


def test_debrief_mid_game_replay_by_round_and_branch_by_clicks(local: Any) -> None:
    server, url, apps = local
    teacher, student, session, code = teacher_and_student(url, apps)

    # --- mid-game: the console's button opens the server's debrief of the rounds so far ------
    click(teacher, teacher.scene.buttons["debrief"])
    assert teacher.scene.name == "debrief"
    assert run_all(apps, lambda: teacher.model.debrief is not None)
    assert teacher.model.debrief["rounds"] == [0] and "timeline" in teacher.model.debrief
    assert teacher.model.debrief_at == (1, "negotiation")
    assert not teacher.scene.branch_button.visible  # the game goes on: nothing to branch yet
    # the student cannot have it yet (it would tell them what the others did)
    student.model.ask_debrief()
    assert run_all(apps, lambda: student.model.errors_for("debrief"))
    assert student.model.debrief is None
    assert "when the game is over" in student.model.errors_for("debrief")[-1].message

    # one round on, then the end: the open debrief follows the game
    click(teacher, teacher.scene.back_button)
    click(teacher, teacher.scene.buttons["advance"])
    assert run_all(apps, lambda: state(server, session)["round"] == 2)
    click(teacher, teacher.scene.buttons["end"])
    click(teacher, teacher.scene.buttons["end"])  # "Sure? Click again"
    assert run_all(apps, lambda: state(server, session)["status"] == "ended")
    click(teacher, teacher.scene.buttons["debrief"])
    assert run_all(apps, lambda: teacher.model.debrief_at == (2, "ended"))
    d = teacher.model.debrief
    assert d["rounds"] == [0, 1] and d["baseline"] is not None
    assert d["session"]["final_hash"] == state(server, session)["hash"]
    # the student's window shows it now, without the timeline
    assert run_all(apps, lambda: student.model.debrief is not None)
    assert "timeline" not in student.model.debrief and student.scene.name == "debrief"
    teacher.frame([])

    # --- the slider replays the map and the graph: click, arrow keys, drag --------------------
    scene = teacher.scene
    slider = scene.slider
    assert slider is not None and slider.last == 1 and scene.shown_round() == 1

    def shown() -> tuple[int, dict[str, int]]:
        mv = scene.replay_map
        return mv.view["round"], {m.data["seat"]: m.data["workers"] for m in mv.marks}

    def nodes(r: int) -> dict[str, int]:
        net = next(n for n in d["network"] if n["round"] == r)
        return {n["id"]: n["size"] for n in net["nodes"] if n["role"] == "firm"}

    x0, y = round(slider.x_of(0)), slider.rect.centery
    click_at(teacher, (x0, y))
    assert scene.shown_round() == 0
    assert shown() == (0, nodes(0))
    assert scene.graph_lines == sum(
        1 for e in d["network"][0]["edges"] if e["a"] in d["names"] and e["b"] in d["names"]
    )
    key(teacher, pygame.K_RIGHT)
    assert scene.shown_round() == 1 and shown() == (1, nodes(1))
    key(teacher, pygame.K_LEFT)
    assert scene.shown_round() == 0
    drag(teacher, (x0, y), (round(slider.x_of(1)), y))
    assert scene.shown_round() == 1 and shown() == (1, nodes(1))
    # the round shown is the one the role scores are read at
    firm = next(iter(d["role_scores"]["firm"]["seats"]))
    at1 = d["role_scores"]["firm"]["seats"][firm][1]
    assert any(f"{float(at1):,.0f}%" in row for row, _r in scene.tab_rows)

    # --- branch: "Play again from round 2" makes a session the teacher opens and plays -------
    assert scene.branch_button.visible and scene.branch_button.text == "Play again from round 2"
    click(teacher, scene.branch_button)
    assert run_all(apps, lambda: bool(teacher.model.branches))
    b = teacher.model.branches[-1]
    assert b["round"] == 2 and b["code"] != code
    assert state(server, session)["status"] == "ended"  # the original is untouched
    said = drawn(teacher)  # the new join code is on the teacher's screen, whole
    assert any(b["code"] in line for line in said), said
    click(teacher, teacher.scene.open_branch_button)
    assert run_all(apps, lambda: teacher.scene.name == "facilitator" and teacher.model.view)
    assert teacher.model.code == b["code"]
    branched = state(server, b["session"])
    assert (branched["status"], branched["round"], branched["hash"]) == ("lobby", 2, b["hash"])
    click(teacher, teacher.scene.buttons["start"])  # bots in every seat
    assert run_all(apps, lambda: state(server, b["session"])["status"] == "ended", timeout=60)
    assert state(server, b["session"])["round"] == 3
