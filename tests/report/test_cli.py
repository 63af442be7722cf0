"""`district report` from a server's database: the page and its charts, progress lines on the
way; every mistake is one line on stderr with exit code 2 and writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from district.server.cli import main

from tests.report.conftest import Played

ROOT = Path(__file__).resolve().parents[2]


def district(*args: str, pre: str = "") -> subprocess.CompletedProcess[str]:
    code = (
        f"{pre}\nimport sys\nfrom district.server.cli import main\nsys.exit(main({list(args)!r}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )


def here(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess[str]:
    """`district ARGS` in this process (the mistakes are found before anything is imported)."""
    rc = main(list(args))
    got = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), rc, got.out, got.err)


def one_line(r: subprocess.CompletedProcess[str], *words: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert "Traceback" not in r.stderr


def test_a_report_from_the_database(played: Played, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = district("report", "--db", str(played.db), "--session", played.code, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "playing it with bots alone" in r.stdout and "drawing the scoreboards" in r.stdout
    assert f"wrote {out / 'index.html'}" in r.stdout
    page = (out / "index.html").read_text()
    assert "The scoreboards" in page and "Deals" in page and "Timeline" not in page
    assert (out / "scoreboards.png").is_file() and (out / "wages.png").is_file()
    # lower-case join code, and the facilitator's copy without the baseline
    out2 = tmp_path / "private"
    r = district(
        "report",
        "--db",
        str(played.db),
        "--session",
        played.code.lower(),
        "--out",
        str(out2),
        "--private",
        "--no-baseline",
    )
    assert r.returncode == 0, r.stderr
    page = (out2 / "index.html").read_text()
    assert "Timeline (facilitator only)" in page and "bots alone" not in page


def test_mistakes_are_one_line_and_write_nothing(
    played: Played, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never"
    one_line(here(capsys, "report", "--out", str(out)), "--db PATH --session CODE", "--from DIR")
    one_line(
        here(capsys, "report", "--db", str(played.db), "--out", str(out)),
        "--db PATH --session CODE",
    )
    one_line(
        here(
            capsys,
            "report",
            "--db",
            str(tmp_path / "nope.sqlite3"),
            "--session",
            "ABC",
            "--out",
            str(out),
        ),
        "no such file",
    )
    one_line(
        here(capsys, "report", "--db", str(played.db), "--session", "ZZZZZZ", "--out", str(out)),
        "ZZZZZZ",
    )
    one_line(here(capsys, "report", "--from", str(tmp_path / "none"), "--out", str(out)), "--from")
    one_line(
        here(capsys, "report", "--from", str(tmp_path), "--db", str(played.db), "--out", str(out)),
        "not both",
    )
    not_db = tmp_path / "notes.txt"
    not_db.write_text("hello")
    one_line(
        here(capsys, "report", "--db", str(not_db), "--session", "ABC", "--out", str(out)),
        str(not_db),
    )
    one_line(
        here(
            capsys, "report", "--db", str(played.db), "--session", played.code, "--out", str(not_db)
        ),
        "is a file",
    )
    assert not out.exists()


def test_without_matplotlib_it_says_how_to_install_it(played: Played, tmp_path: Path) -> None:
    r = district(
        "report",
        "--db",
        str(played.db),
        "--session",
        played.code,
        "--out",
        str(tmp_path / "o"),
        pre="import sys\nsys.modules['matplotlib'] = None",
    )
    one_line(r, "matplotlib", "pip install 'district[report]'")


def test_a_report_from_a_simulate_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = str(ROOT / "tests" / "server" / "scenarios" / "server-test.toml")
    assert (
        main(["simulate", "--scenario", scenario, "--seed", "2", "--out", str(tmp_path / "sim")])
        == 0
    )
    r = here(capsys, "report", "--from", str(tmp_path / "sim"), "--out", str(tmp_path / "rep"))
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "Server test district: the debrief" in page and "A bots-only game" in page
    # a bots-only game is its own baseline: no sentence that it matched itself
    assert "Bots alone would have ended the game" not in page


def test_serve_says_when_the_reports_port_cannot_be_used(tmp_path: Path) -> None:
    import socket

    from tests.server.conftest import free_port

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        common = ["serve", "--port", str(free_port()), "--db", str(tmp_path / "d.sqlite3")]
        one_line(district(*common, "--report-port", "many"), "--report-port many", "off")
        r = district(*common, "--report-port", str(taken))
        one_line(r, f"--report-port {taken}", "in use")
