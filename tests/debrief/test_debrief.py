"""The debrief of a session played on a real server (loopback websockets, a real SQLite file):
its boards are the engine's history, its baseline is `district simulate`'s game of the same
scenario and seed, its timeline says who did and asked what when, and the export of the stored
session round-trips to the server's final hash."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from district.server import api
from district.server.cli import main
from district.server.debrief import SessionLog, build_debrief
from district.server.debrief.model import BOARDS
from district.server.engine.scenario_files import load_scenario
from district.server.simulate import run_game

from tests.server.conftest import SCENARIOS


@pytest.fixture(scope="module")
def debrief(stored_session: dict[str, Any]) -> dict[str, Any]:
    log = SessionLog.from_store(stored_session["db"], stored_session["code"])
    return build_debrief(log)


def test_the_boards_are_the_engines_history(
    stored_session: dict[str, Any], debrief: dict[str, Any]
) -> None:
    history, start = stored_session["history"], stored_session["start"]
    assert debrief["rounds"] == list(range(len(history) + 1)) and len(history) == 3
    for b in BOARDS:
        assert debrief["boards"][b] == pytest.approx([start[b]] + [h[b] for h in history])
    # the debrief keeps 4 decimals (model._num): equal to the engine's figure at that rounding
    assert debrief["series"]["mean_wage"][1:] == pytest.approx(
        [h["mean_wage"] for h in history], abs=5e-5
    )
    s = debrief["session"]
    assert s["final_hash"] == stored_session["hash"]
    assert (s["code"], s["rounds_played"], s["ended_early"]) == (stored_session["code"], 3, False)
    ada = next(x for x in s["seats"] if x["seat"] == stored_session["seat"])
    assert ada["controller"] == "person" and ada["player"] == "Ada"
    assert {x["controller"] for x in s["seats"] if x["seat"] != ada["seat"]} == {"bot"}
    json.dumps(debrief)  # JSON-safe


def test_the_baseline_is_simulates_game_of_the_same_scenario_and_seed(
    debrief: dict[str, Any],
) -> None:
    game, _events = run_game(load_scenario(SCENARIOS / "server-test.toml"), 3)
    levels = [game.state.start, *game.state.history]
    base = debrief["baseline"]
    for k in (*BOARDS, "mean_wage", "productivity", "employment", "firms_alive"):
        assert base[k] == pytest.approx([x[k] for x in levels], abs=1e-4), k
    # Ada's wage of 40 in round 1 made the class's game another game than the bots'
    assert base["mean_wage"][1] != pytest.approx(debrief["series"]["mean_wage"][1], abs=1e-3)
    assert any("bots alone" in h for h in debrief["highlights"])


def test_the_timeline_says_who_did_and_asked_what_when(
    stored_session: dict[str, Any], debrief: dict[str, Any]
) -> None:
    seat = stored_session["seat"]
    tl = debrief["timeline"]
    mine = [x for x in tl if x["seat"] == seat and x["round"] == 1]
    kinds = [x["kind"] for x in mine]
    # in the order they happened: the preview (never an entry) between the join and the chat
    assert kinds[:5] == ["control", "preview", "chat", "command", "command"], kinds
    assert mine[0]["summary"].startswith("Ada took the seat of ")
    assert all(isinstance(x["t"], float) for x in mine)
    assert [x["t"] for x in mine] == sorted(x["t"] for x in mine)
    assert "asked what a draft subcontract would do" in mine[1]["summary"]
    assert stored_session["chat"] in mine[2]["summary"]
    assert all(x["t"] is not None for x in tl if x["kind"] in ("command", "chat", "response"))
    # only the facilitator and the export see it
    assert "timeline" not in build_debrief(
        SessionLog.from_store(stored_session["db"], stored_session["code"]),
        baseline=False,
        private=False,
    )


def test_previews_are_noted_but_never_entries(stored_session: dict[str, Any]) -> None:
    log = SessionLog.from_store(stored_session["db"], stored_session["code"])
    assert len(log.entries) == stored_session["entries"]  # what a restart replays: no preview
    assert [n["kind"] for n in log.notes] == ["preview"]
    assert log.notes[0]["seat"] == stored_session["seat"] and log.notes[0]["round"] == 1


def test_exporting_the_stored_session_round_trips_to_its_hash(
    stored_session: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "export"
    code = stored_session["code"]
    assert main(["export", "--db", str(stored_session["db"]), "--session", code,
                 "--out", str(out)]) == 0  # fmt: skip
    meta = json.loads((out / "session.json").read_text())
    assert meta["final_hash"] == stored_session["hash"] and meta["code"] == code
    with open(out / "events.csv", newline="") as fh:
        events = list(csv.DictReader(fh))
    g = api.Game(api.new_game(load_scenario(SCENARIOS / "server-test.toml"), 3)._game)
    for r in events:
        if r["kind"] == "command":
            g.apply(r["seat"], json.loads(r["fields"]))
        elif r["kind"] == "control":
            {"resolve": g.resolve, "advance": g.advance, "end": g.end}[r["name"]]()
    assert g.hash() == stored_session["hash"]
    cmds = [r for r in events if r["kind"] == "command"]
    assert cmds and all(r["time"].startswith("20") for r in cmds)  # ISO wall-clock time
    assert any(r["kind"] == "preview" and r["seat"] == stored_session["seat"] for r in events)
    with open(out / "chat.csv", newline="") as fh:
        chat = list(csv.DictReader(fh))
    assert [(c["from"], c["from_name"], c["text"]) for c in chat] == [
        (stored_session["seat"], next(
            s["name"] for s in meta["seats"] if s["seat"] == stored_session["seat"]),
         stored_session["chat"])
    ]  # fmt: skip
    again = build_debrief(SessionLog.from_dir(out), baseline=False)
    assert again["session"]["final_hash"] == stored_session["hash"]
    assert [x["kind"] for x in again["timeline"]].count("preview") == 1
