"""`district bench --quick`: CI's smoke run of the benchmark suite. It checks that every planned
figure is measured and shown (table and JSON), never how fast anything is."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

from district.benchmarks import suite

from tests.server.conftest import ROOT


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "district.server.cli", "bench", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_quick_bench_prints_and_writes_every_row(tmp_path: Path, pg_url: str) -> None:
    out = tmp_path / "bench.json"
    p = bench("--quick", "--json", str(out), "--store", pg_url, cwd=ROOT)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    data = json.loads(out.read_text())
    rows = data["rows"]
    assert [r["id"] for r in rows] == suite.planned_ids(suite.QUICK)
    # every section of the suite is in the quick run
    assert {r["section"] for r in rows} == {
        "engine",
        "games",
        "server",
        "memory",
        "fan-out",
        "restart",
        "cluster",
        "client",
    }
    table = p.stdout.splitlines()
    for r in rows:
        # a measured figure (the client extra is installed in the test environment)
        assert isinstance(r["value"], int | float) and math.isfinite(r["value"]), r
        # and the table shows it, on the line with its name
        shown = [line for line in table if r["name"] in line]
        assert len(shown) == 1, (r["name"], p.stdout)
        assert suite.fmt_value(r["value"], r["unit"]) in shown[0]
        assert r["ok"] is None  # a smoke run checks no target
    server_kinds = {r["id"].split(".")[1] for r in rows if r["section"] == "server"}
    assert {"district", "echo", "echo_sqlite", "relay", "ratio_echo", "ratio_relay"} <= server_kinds
    assert data["plan"]["name"] == "quick" and data["machine"]["cpus"] == os.cpu_count()


def test_bench_json_into_a_folder_that_is_missing_is_one_clear_error(tmp_path: Path) -> None:
    p = bench("--quick", "--json", str(tmp_path / "nowhere" / "b.json"), cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip() == (
        f"error: --json {tmp_path / 'nowhere' / 'b.json'}: the folder {tmp_path / 'nowhere'} "
        "does not exist"
    )
    assert p.stdout == ""
