"""The scripting API (docs/api.md) as a researcher uses it."""

from __future__ import annotations

from pathlib import Path

import pytest
from district.server import api
from district.server.engine.errors import ScenarioError
from district.server.engine.scenario_files import SCENARIO_DIR
from district.server.simulate import run_game

from tests.helpers import district, firm, seat


def test_a_scenario_loads_from_a_name_a_path_and_a_dict() -> None:
    by_name = api.load("kumasi")
    by_path = api.load(SCENARIO_DIR / "kumasi.toml")
    by_text_path = api.load(str(SCENARIO_DIR / "kumasi.toml"))
    assert by_name.name == by_path.name == by_text_path.name == "kumasi"
    small = api.load(district([firm("Alpha"), firm("Beta")]))
    assert [f.name for f in small.firms] == ["Alpha", "Beta"]
    with pytest.raises(ScenarioError, match="firms\\[0\\].workers"):
        api.load(district([firm("Alpha", workers=-3)]))


def test_run_is_the_bots_only_game_of_simulate_and_replays_hash_for_hash() -> None:
    g = api.new_game("oregon-plastics", seed=4)
    reports = g.run()
    assert g.over and len(reports) == g.scenario.rounds == len(g.indicators())
    simulated, _ = run_game(api.load("oregon-plastics"), 4)
    assert g.hash() == simulated.hash()
    assert g.replay().hash() == g.hash()
    other = api.new_game("oregon-plastics", seed=5)
    other.run()
    assert other.hash() != g.hash()


def test_moves_for_any_seat_bots_for_the_rest_and_a_refusal_changes_nothing() -> None:
    g = api.new_game(district([firm("Alpha"), firm("Beta")], seats=[{"role": "union"}]), seed=2)
    a, b = seat("Alpha"), seat("Beta")
    assert set(g.seats) == {a, b, "union"} and g.seats[a]["role"] == "firm"
    before = g.hash()
    with pytest.raises(api.Refused) as refused:
        g.apply(a, {"type": "decide", "decisions": {"wage": -5}})
    assert refused.value.code == "out_of_range" and refused.value.where == "decisions.wage"
    assert g.hash() == before and g.log == []
    g.apply(a, {"type": "decide", "decisions": {"wage": 40.0}})
    g.bots(skip=[a])
    assert all(e[1] != a for e in g.log[1:])  # the bots played every seat but the skipped one
    assert {e[1] for e in g.log[1:]} == {b, "union"}
    report = g.resolve()
    assert report["round"] == 1 and g.phase == "report"
    assert g.view(a)["me"]["wage"] == pytest.approx(40.0)
    g.advance()
    assert (g.round, g.phase) == (2, "negotiation")


def test_a_scenario_path_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not-there"):
        api.load("not-there")


def test_a_preview_is_a_query_that_changes_nothing() -> None:
    trusting = district(
        [firm("Alpha"), firm("Beta")], seats=[{"role": "union"}], trust={"firms": 0.8}
    )
    g = api.new_game(trusting, seed=3)
    a, b = seat("Alpha"), seat("Beta")
    before, log = g.hash(), list(g.log)
    p = g.preview(
        a,
        {
            "kind": "subcontract",
            "parties": [a, b],
            "terms": {
                "buyer": a,
                "supplier": b,
                "operation": "machining",
                "volume": 4.0,
                "unit_price": 40.0,
            },
        },
    )
    assert p["kind"] == "preview" and p["deal_kind"] == "subcontract"
    assert set(p["delta"]) == set(p["with"]) == set(p["without"]) and "cash" in p["delta"]
    assert p["delta"]["cash"] == pytest.approx(p["with"]["cash"] - p["without"]["cash"], abs=0.01)
    assert p["delta"]["cash"] != 0  # paying a supplier for four units a round costs the buyer
    assert g.hash() == before and g.log == log
    with pytest.raises(api.Refused) as refused:
        g.preview(a, {"deal": "deal-9"})
    assert refused.value.code == "unknown_deal"
    assert g.hash() == before and g.log == log
