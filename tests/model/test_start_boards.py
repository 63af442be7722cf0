"""The scoreboards' starting point: the district as built has a level on each board (docs/model.md,
"Scoreboards"), computed from the opening state's output sold on its opening markets, and every
view carries it before round 1's report, so a class sees where the district starts, not a made-up
100."""

from __future__ import annotations

import pytest
from district.server import api
from district.server.engine.indicators import SCOREBOARDS, indicators, opening, scoreboards
from district.server.engine.snapshot import copy_state
from district.server.engine.state_build import new_state

from tests.scenarios.helpers import scenario

BOARDS = set(SCOREBOARDS)


@pytest.mark.parametrize("name", ["kumasi", "emilia-romagna"])
def test_every_view_before_round_1s_report_carries_the_built_districts_levels(name: str) -> None:
    sc = scenario(name)
    g = api.new_game(sc, 3)
    built = opening(new_state(sc, 3))  # computed again, independently, from the built state
    start = {k: built[k] for k in BOARDS}
    assert all(0.0 < v < 100.0 for v in start.values()), start
    for seat in [*g.seats, "observer"]:
        v = g.view(seat)
        assert v["round"] == 1 and not v["history"]
        assert v["scoreboards"] == start == v["start_scoreboards"], seat
    # the start stays in the views after the reports, beside the rounds' levels
    g.bots()
    g.resolve()
    v = g.view("observer")
    assert v["start_scoreboards"] == start
    assert v["scoreboards"] == {k: v["history"][-1][k] for k in BOARDS}


def test_the_starting_levels_come_from_the_opening_output_not_from_zero() -> None:
    """Value added, sales and the boards built on them are those of a year at the opening state:
    the same indicators with no sales at all (a state with nothing sold) score lower on
    competitiveness and region, and value added is then zero."""
    sc = scenario("emilia-romagna")
    state = new_state(sc, 1)
    s = state.start
    assert s["value_added"] > 0 and s["sales_value"] > s["value_added"]
    assert s["round"] == 0.0
    idle = copy_state(state)
    ind = indicators(idle, {"revenue": 0.0, "materials": 0.0})
    empty = scoreboards(idle, ind)
    assert ind["value_added"] == 0.0
    assert s["competitiveness"] > empty["competitiveness"] + 5
    assert s["region"] > empty["region"] + 5
    # the first round's levels are near the start (same district a year on), not a jump from 0
    g = api.new_game(sc, 1)
    g.bots()
    g.resolve()
    r1 = g.indicators()[0]
    for k in BOARDS:
        assert abs(r1[k] - s[k]) < 15, (k, r1[k], s[k])


def test_building_the_start_leaves_the_game_as_it_was() -> None:
    """The start is computed on a copy: the built state's own figures are untouched."""
    sc = scenario("kumasi")
    a = new_state(sc, 2)
    assert float(a.firms.revenue.sum()) == 0.0 and float(a.firms.sales.sum()) == 0.0
    assert a.markets.commodity_sold == 0.0
