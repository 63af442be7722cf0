"""`district scenarios list | show | validate`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from district.server.cli import main
from district.server.engine.scenario_files import SCENARIO_DIR

from tests.scenarios.helpers import SHIPPED


def test_list_one_line_per_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "PLAYERS", "ROUNDS", "TEACHES"]
    body = {ln.split()[0]: ln for ln in lines[1:]}
    assert sorted(body) == sorted(SHIPPED)
    assert (
        "4-40" in body["kumasi"] and " 8 " in body["kumasi"] and "labour surplus" in body["kumasi"]
    )
    assert "tutorial" in body["emilia-romagna"]
    assert " 6 " in body["denmark-1989"]


@pytest.mark.parametrize("name", SHIPPED)
def test_show_is_a_teachers_page(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "show", name]) == 0
    page = capsys.readouterr().out
    for heading in (
        "What it teaches",
        "Questions for the debrief",
        "Seats",
        "Who sits where",
        "The district at the start",
        "Round by round",
        "Sources",
    ):
        assert f"\n{heading}" in page, heading
    for n in (6, 12, 24, 40):
        assert f"{n:>3} players:" in page
    assert max(len(ln) for ln in page.splitlines()) <= 100, "lines fit a terminal"
    assert 40 <= len(page.splitlines()) <= 140, "a page, not a dump"
    assert "assumption" in page, "figures show where they come from"


def test_show_unknown_scenario_says_what_exists(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "show", "atlantis"]) == 2
    err = capsys.readouterr().err
    assert "no scenario named 'atlantis'" in err and "kumasi" in err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err


def test_validate_all_shipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(SCENARIO_DIR / f"{n}.toml") for n in SHIPPED]
    assert main(["scenarios", "validate", *paths]) == 0
    out = capsys.readouterr().out
    assert (
        out.count(": ok (") == len(SHIPPED)
        and f"{len(SHIPPED)} of {len(SHIPPED)} file(s) valid" in out
    )


def test_validate_lists_every_problem_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    text = (SCENARIO_DIR / "oregon-plastics.toml").read_text(encoding="utf-8")
    text = re.sub(r"^enforcement = 0.5 .*$", "enforcement = 1.5", text, count=1, flags=re.M)
    text = text.replace(
        "capabilities = { moulding = 0.65, assembly = 0.6 }",
        "capabilities = { molding = 0.65, assembly = 0.6 }",
    )
    text = text.replace(
        'humans_first = ["firm:columbia-moulding"', 'humans_first = ["firm:columbia"'
    )
    bad.write_text(text, encoding="utf-8")
    good = tmp_path / "good.toml"
    shutil.copy(SCENARIO_DIR / "emilia-romagna.toml", good)
    assert main(["scenarios", "validate", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    lines = text.splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, ln in enumerate(lines, 1) if fragment in ln)

    assert (
        f"{bad}:{line_of('enforcement = 1.5')}: institutions.enforcement: 1.5 is out of range"
        in out
    )
    assert f"{bad}:{line_of('enforcement = 1.5')}: institutions.enforcement: no source" in out
    assert (
        f"{bad}:{line_of('molding = 0.65')}: firms[2].capabilities: unknown operation 'molding'"
        in out
    )
    assert (
        f"{bad}:{line_of('humans_first = [')}: players.humans_first[0]: no seat 'firm:columbia'"
        in out
    )
    assert f"{good}: ok (" in out and "1 of 2 file(s) valid" in out


def test_validate_broken_toml_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[scenario]\nname = "x"\ntitle = \n', encoding="utf-8")
    assert main(["scenarios", "validate", str(broken), str(tmp_path / "absent.toml")]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:3: not valid TOML" in out
    assert "absent.toml: cannot read the file" in out


def test_validate_via_the_installed_command(tmp_path: Path) -> None:
    """The real `district` entry point exits non-zero on a bad file."""
    import subprocess
    import sys

    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "Bad Name"\ntitle = "t"\n', encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "district.server.cli", "scenarios", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert r.returncode == 1
    assert f"{bad}:2: scenario.name: 'Bad Name' must be lower-case words joined by '-'" in r.stdout
    assert "firms: the district has no firms" in r.stdout
