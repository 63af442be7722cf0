"""`district simulate` prints the district round by round and writes CSV and JSON outputs."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from district.server.cli import main


def test_simulate_prints_table_and_writes_outputs(tmp_path: Path, capsys) -> None:
    assert (
        main(
            [
                "simulate",
                "--scenario",
                "oregon-plastics",
                "--seed",
                "4",
                "--rounds",
                "3",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.split()[:1] and line.split()[0].isdigit()]
    assert [int(line.split()[0]) for line in lines] == [1, 2, 3], out
    head = next(line for line in out.splitlines() if line.startswith("round "))
    assert head.split() == [
        "round", "firms", "jobs", "wage", "floor", "skill", "output", "export", "tenders",
        "budget", "compet", "welfare", "region", "hash",
    ]  # fmt: skip
    assert all(len(line.split()) == len(head.split()) for line in lines), out
    assert all(len(line) == len(lines[0]) for line in lines)  # the columns line up
    hashes = [line.split()[-1] for line in lines]
    assert all(len(h) == 16 for h in hashes)
    # the legend under the header says what each column means, with its unit
    legend = out.split(head, 1)[1].split(lines[0], 1)[0]
    for words in ("wage floor (k a worker a round)", "government budget (k)", "(levels on 0-100)",
                  "hash: the district's fingerprint"):  # fmt: skip
        assert words in " ".join(legend.split()), legend
    assert "deals:" in out
    # deal kinds by their names, not their keys ("network charter", not "network_charter")
    deals = [line for line in out.splitlines() if line.strip().startswith("deals:")]
    assert deals and not any("_" in line for line in deals), deals
    # a person reads whole numbers: skill and quality out of 100, as in the game, not 0.54
    skill = head.split().index("skill")
    assert all(line.split()[skill].isdigit() for line in lines), out
    assert all(0 < int(line.split()[skill]) <= 100 for line in lines), out
    summary = out.split("From round 1 to the end:", 1)[1]
    for label in ("mean skill (0-100)", "quality (0-100)"):
        start, _arrow, end = summary.split(label, 1)[1].splitlines()[0].split()
        assert start.isdigit() and end.isdigit(), summary
    assert "worker welfare" in summary and "worker_welfare" not in summary
    # the research export (docs/export.md; tests/debrief/ checks it in depth), round 0 the
    # district as built
    rows = list(csv.DictReader((tmp_path / "indicators.csv").read_text().splitlines()))
    assert {r["round"] for r in rows} == {"0", "1", "2", "3"}
    assert any(r["variable"] == "wage_floor" and r["entity"] == "district" for r in rows)
    final = json.loads((tmp_path / "final_state.json").read_text())
    assert final["round"] == 3 and final["hash"] == hashes[-1] and final["deals"]
    assert json.loads((tmp_path / "session.json").read_text())["final_hash"] == hashes[-1]
    events = list(csv.DictReader((tmp_path / "events.csv").read_text().splitlines()))
    assert any(e["kind"] == "event" and e["name"] == "deal_signed" for e in events)


def test_a_wrong_scenario_file_is_reported_and_nothing_starts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "bad"\ntitle = "Bad"\n[[firms]]\nname = "A"\nworkers = -3\n')
    r = subprocess.run(
        [sys.executable, "-m", "district.server.cli", "simulate", "--scenario", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "firms[0].workers: -3 is out of range" in r.stderr
    assert "round firms" not in r.stdout


def _one_error_line(err: str, *fragments: str) -> None:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for f in fragments:
        assert f in lines[0], err


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["--rounds", "40"], ("--rounds 40", "has 8 rounds", "1 to 8")),
        (["--rounds", "-3"], ("--rounds -3", "has 8 rounds")),
        (["--rounds", "0"], ("--rounds 0", "has 8 rounds")),
        (["--seed", "-3"], ("--seed -3", "0 or more")),
        (["--scenario", "missing.toml"], ("missing.toml", "cannot read the file")),
        (["--scenario", "atlantis"], ("no scenario named 'atlantis'", "kumasi")),
    ],
)
def test_a_wrong_argument_is_one_line_and_no_game(
    argv: list[str], fragments: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", "--scenario", "emilia-romagna", *argv]) == 2
    cap = capsys.readouterr()
    _one_error_line(cap.err, *fragments)
    assert cap.out == ""  # not a round was played


def test_an_unwritable_out_is_refused_before_the_game(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    in_the_way = tmp_path / "results"
    in_the_way.write_text("a file, not a folder")
    assert main(["simulate", "--rounds", "1", "--out", str(in_the_way)]) == 2
    cap = capsys.readouterr()
    _one_error_line(cap.err, f"--out {in_the_way} is a file")
    assert cap.out == ""
    assert main(["simulate", "--rounds", "1", "--out", str(in_the_way / "sub")]) == 2
    cap = capsys.readouterr()
    _one_error_line(cap.err, f"cannot write to --out {in_the_way / 'sub'}")
    assert cap.out == ""


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write a read-only folder"
)
def test_a_read_only_out_is_refused_before_the_game(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        assert main(["simulate", "--rounds", "1", "--out", str(ro)]) == 2
    finally:
        ro.chmod(0o755)
    cap = capsys.readouterr()
    _one_error_line(cap.err, "cannot write to --out")
    assert cap.out == ""


def test_the_installed_command_says_one_line_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("")
    r = subprocess.run(
        [sys.executable, "-m", "district.server.cli", "simulate", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and r.stdout == ""
    _one_error_line(r.stderr, "is a file, not a folder")


def test_demo_refuses_a_negative_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--headless", "--seed", "-1"]) == 2
    _one_error_line(capsys.readouterr().err, "--seed -1")
