"""The research export (docs/export.md): `district simulate --out` and `district export` write the
same files; replaying the exported commands through the scripting API gives the final hash the
export records; a scoreboard recomputed by hand from indicators.csv is the engine's; every column
and variable is in the data dictionary; integers are integers; bad input is one line, exit 2."""

from __future__ import annotations

import csv
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from district.server import api
from district.server.cli import main
from district.server.debrief import SessionLog
from district.server.debrief.export import FILES
from district.server.engine import find_scenario
from district.server.simulate import run_game

SCENARIO, SEED, ROUNDS = "oregon-plastics", 4, 3


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    args = ["simulate", "--scenario", SCENARIO, "--seed", str(SEED), "--rounds", str(ROUNDS)]
    assert main([*args, "--out", str(out)]) == 0
    return out


def test_simulate_writes_every_file_of_the_export(simulated: Path) -> None:
    for name in FILES:
        assert (simulated / name).is_file(), name
    meta = json.loads((simulated / "session.json").read_text())
    assert (meta["scenario"], meta["seed"], meta["rounds_played"]) == (SCENARIO, SEED, ROUNDS)
    assert meta["scenario_text"] and len(meta["seats"]) > 3


def test_replaying_the_exported_commands_through_the_api_gives_the_recorded_hash(
    simulated: Path,
) -> None:
    meta = json.loads((simulated / "session.json").read_text())
    g = api.new_game(SCENARIO, seed=meta["seed"])
    commands = 0
    for r in rows(simulated / "events.csv"):
        if r["kind"] == "command":
            g.apply(r["seat"], json.loads(r["fields"]))
            commands += 1
        elif r["kind"] == "control":
            {"resolve": g.resolve, "advance": g.advance, "end": g.end}[r["name"]]()
    assert commands > 20 and g.round == ROUNDS
    game, _events = run_game(find_scenario(SCENARIO), SEED, ROUNDS)
    assert meta["final_hash"] == game.hash() == g.hash()
    # and the folder reads back as a log whose replay is the same game
    assert SessionLog.from_dir(simulated).final_hash == g.hash()


def test_a_scoreboard_recomputed_by_hand_from_indicators_csv_is_the_engines(
    simulated: Path,
) -> None:
    val: dict[tuple[int, str, str], float] = {
        (int(r["round"]), r["entity"], r["variable"]): float(r["value"])
        for r in rows(simulated / "indicators.csv")
    }
    sc = find_scenario(SCENARIO)
    ref = float(sc.institutions["reference_wage"])
    game, _events = run_game(sc, SEED, ROUNDS)
    levels = [game.state.start, *game.state.history]
    for rnd, ind in enumerate(levels):

        def v(name: str, r: int = rnd) -> float:
            return val[(r, "district", name)]

        pay = float(np.clip(v("mean_wage") / ref - 0.5, 0.0, 1.0))  # from the wage, by hand
        assert pay == pytest.approx(v("component:pay"), abs=1e-6)
        others = [v(f"component:{c}") for c in ("wage_share", "floor", "mean_skill", "compliance")]
        welfare = 100.0 * v("component:employment_rate") * float(np.mean([pay, *others]))
        assert welfare == pytest.approx(ind["worker_welfare"], abs=0.006), rnd
        comp = 100.0 * float(np.mean([v(f"component:{c}") for c in (
            "value_added_per_worker", "output_per_worker", "quality", "export_share")]))  # fmt: skip
        assert comp == pytest.approx(ind["competitiveness"], abs=0.006), rnd
        assert v("mean_wage") == pytest.approx(ind["mean_wage"], rel=1e-6)


def test_integers_are_integers_and_every_column_is_in_the_dictionary(simulated: Path) -> None:
    whole = re.compile(r"^-?\d+$")
    dictionary = rows(simulated / "dictionary.csv")
    described = {(d["file"], d["column"]) for d in dictionary}
    assert all(d["unit"] and d["meaning"] for d in dictionary)
    for name in ("events.csv", "deals.csv", "indicators.csv", "chat.csv", "flows.csv"):
        with open(simulated / name, newline="") as fh:
            header = next(csv.reader(fh))
        for col in header:
            assert (name, col) in described, (name, col)
    meta = json.loads((simulated / "session.json").read_text())
    for key in ("seed", "seats", "final_hash", "settings"):
        assert any(d["file"] == "session.json" and key in d["column"] for d in dictionary), key
    assert isinstance(meta["seed"], int) and isinstance(meta["rounds_played"], int)
    variables = {d["column"].split(" ")[0] for d in dictionary if d["file"] == "indicators.csv"}
    ind = rows(simulated / "indicators.csv")
    for r in ind:
        assert f"variable={r['variable']}" in variables, r["variable"]
        assert whole.match(r["round"]), r
    counts = ("firms_alive", "networks", "tenders_won", "exits", "entries", "audits")
    assert all(whole.match(r["value"]) for r in ind if r["variable"] in counts)
    for r in rows(simulated / "events.csv"):
        assert whole.match(r["round"]) and whole.match(r["n"]), r
        assert r["time"] == ""  # simulated: no wall-clock time
    for r in rows(simulated / "deals.csv"):
        assert whole.match(r["proposed_round"]), r
        assert r["signed_round"] == "" or whole.match(r["signed_round"]), r
    for r in rows(simulated / "flows.csv"):
        assert whole.match(r["round"]) and float(r["amount"]) > 0, r


def one_error_line(capsys: pytest.CaptureFixture[str], *fragments: str) -> None:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for f in fragments:
        assert f in lines[0], err


def test_export_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"

    def export(db: Path, code: str = "ABCDEF", to: Path = out) -> int:
        return main(["export", "--db", str(db), "--session", code, "--out", str(to)])

    missing = tmp_path / "nope.sqlite3"
    assert export(missing) == 2
    one_error_line(capsys, "no such file", str(missing))
    assert not missing.exists()  # reading never creates a database
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just some words\n" * 50)
    assert export(text) == 2
    one_error_line(capsys, "not a District database")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE t (x)")
    assert export(other) == 2
    one_error_line(capsys, "not a District database")
    empty = tmp_path / "district.sqlite3"
    from district.server.store import SQLiteStore

    SQLiteStore(empty)  # the server's schema, no session
    assert export(empty, "QQQQQQ") == 2
    one_error_line(capsys, "no session", "QQQQQQ")
    assert not out.exists()


def test_export_to_a_folder_that_cannot_be_written_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stored_session: dict[str, Any]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    db, code = stored_session["db"], stored_session["code"]
    assert main(["export", "--db", str(db), "--session", code, "--out", str(blocker)]) == 2
    one_error_line(capsys, "is a file")
    if os.geteuid() != 0:  # root writes anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        assert main(["export", "--db", str(db), "--session", code, "--out", str(ro)]) == 2
        one_error_line(capsys, "cannot write")
