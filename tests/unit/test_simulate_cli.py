"""`district simulate` prints the district round by round and writes CSV and JSON outputs."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

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
    lines = [line for line in out.splitlines() if line[:4].strip().isdigit()]
    assert len(lines) == 3, out
    assert "floor" in out and "COMP" in out and "deals:" in out
    rows = list(csv.DictReader((tmp_path / "indicators.csv").read_text().splitlines()))
    assert {r["round"] for r in rows} == {"1", "2", "3"}
    assert any(r["indicator"] == "wage_floor" for r in rows)
    final = json.loads((tmp_path / "final_state.json").read_text())
    assert final["round"] == 3 and len(final["hash"]) == 16 and final["deals"]
    events = json.loads((tmp_path / "events.json").read_text())
    assert any(e["kind"] == "deal_signed" for e in events)


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
    assert "rnd" not in r.stdout
