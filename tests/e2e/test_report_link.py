"""The report from the debrief screen, by clicks: a real local server that also serves the
reports over HTTP, the teacher's console and a student's window. Once the game is over, each sees
the class's report address and an "Open the report" button; clicking it hands the address to the
web browser (here a real program standing in for one, which writes down what it was given), and
that address serves the report: the class's copy to the student, the facilitator's own copy, with
the timeline, to the teacher. Before the end the class's copy is refused."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import stat  # noqa: E402
import sys  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
import webbrowser  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.client.conftest import click, drawn  # noqa: E402
from tests.e2e.test_debrief_replay import (  # noqa: E402
    local_class,
    run_all,
    state,
    teacher_and_student,
)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.fixture
def browser(tmp_path: Path) -> Path:
    """A program registered as the preferred web browser: it writes down each address given."""
    got = tmp_path / "browser.txt"
    prog = tmp_path / "browser.py"
    prog.write_text(f"import sys\nopen({str(got)!r}, 'a').write(sys.argv[1] + '\\n')\n")
    prog.chmod(prog.stat().st_mode | stat.S_IEXEC)
    webbrowser.register(
        "district-test",
        None,
        webbrowser.GenericBrowser([sys.executable, str(prog), "%s"]),
        preferred=True,
    )
    return got


def test_open_the_report_from_the_debrief_by_clicks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, browser: Path
) -> None:
    with local_class(tmp_path, monkeypatch, reports=True) as (server, url, apps):
        teacher, student, session, code = teacher_and_student(url, apps)
        assert isinstance(student.model.session.get("report_port"), int)

        click(teacher, teacher.scene.buttons["advance"])  # round 1's results are in
        assert run_all(apps, lambda: state(server, session)["round"] == 2)

        # mid-game: the teacher's debrief has the button; the class's address is not open yet
        click(teacher, teacher.scene.buttons["debrief"])
        assert run_all(apps, lambda: teacher.model.debrief is not None)
        teacher.frame([])
        scene = teacher.scene
        class_url = scene.report_url()
        assert class_url is not None and class_url.endswith(f"/report/{code}/")
        assert any(class_url in line for line in drawn(teacher))  # whole, for students to type
        status, page = fetch(class_url)
        assert status == 403 and "opens when the game is over" in page
        click(teacher, scene.report_button)
        assert run_all(apps, lambda: browser.exists() and browser.read_text().strip() != "")
        mine = browser.read_text().split()[-1]
        assert mine.startswith(class_url + "?key=")  # the teacher's own copy
        assert teacher.model.session["facilitator_token"] not in " ".join(drawn(teacher))
        status, page = fetch(mine)
        assert status == 200 and "Timeline (facilitator only)" in page, page[:300]

        # the end: the student's debrief opens, with the same button and the class's copy
        click(teacher, teacher.scene.back_button)
        click(teacher, teacher.scene.buttons["end"])
        click(teacher, teacher.scene.buttons["end"])  # "Sure? Click again"
        assert run_all(apps, lambda: state(server, session)["status"] == "ended")
        assert run_all(apps, lambda: student.model.debrief is not None, timeout=60)
        student.frame([])
        if os.environ.get("DISTRICT_SHOTS"):  # to look at it: DISTRICT_SHOTS=/tmp/x
            import pygame

            pygame.image.save(student.surface, f"{os.environ['DISTRICT_SHOTS']}-student.png")
        assert student.scene.name == "debrief" and student.scene.report_button is not None
        click(student, student.scene.report_button)
        assert run_all(apps, lambda: len(browser.read_text().split()) == 2)
        given = browser.read_text().split()[-1]
        assert given == class_url
        status, page = fetch(given)
        assert status == 200 and "Server test district" in page, page[:300]
        assert "Timeline (facilitator only)" not in page
