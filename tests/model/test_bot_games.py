"""Bots-only games: bots bargain through the same commands as people, sign deals of many kinds,
break some, and a high-road district ends visibly different from a low-road one."""

from __future__ import annotations

from collections import Counter

import pytest
from district.server.bots import decide
from district.server.engine import find_scenario
from district.server.engine.views import view
from district.server.simulate import run_game


@pytest.mark.parametrize("name", ["emilia-romagna", "oregon-plastics"])
def test_bots_sign_six_kinds_and_break_some(name: str) -> None:
    game, events = run_game(find_scenario(name), seed=1)
    signed = Counter(d.kind for d in game.state.deals.values() if d.signed_round)
    breached = [d for d in game.state.deals.values() if d.status == "breached"]
    assert len(signed) >= 6, signed
    assert breached, "some promises are broken"
    assert not [e for e in events if e["kind"] == "bot_error"], "bots only send valid commands"


def _district(name: str, road: str, seed: int) -> dict:
    sc = find_scenario(name)
    personalities = {s.id: road for s in sc.seats if s.role == "firm"}
    if road == "low":
        personalities["government"] = "low"
    game, _ = run_game(sc, seed, personalities=personalities)
    return game.state.history[-1]


@pytest.mark.parametrize("name", ["emilia-romagna", "oregon-plastics"])
def test_high_road_and_low_road_districts_end_different(name: str) -> None:
    high, low = _district(name, "high", 2), _district(name, "low", 2)
    assert high["mean_skill"] > low["mean_skill"] + 0.1
    assert high["quality"] > low["quality"] + 0.1
    assert high["exports"] > low["exports"]
    assert high["mean_wage"] > low["mean_wage"]
    # the board is a level (0-100), no longer an index on round 1: "20 points of the index" is
    # 20% of the district's level
    assert high["competitiveness"] > 1.2 * low["competitiveness"]


def test_bots_are_pure_functions_of_their_view() -> None:
    game, _ = run_game(find_scenario("oregon-plastics"), seed=3, rounds=2)
    game.advance()
    for seat in game.state.seats:
        v = view(game.state, seat)
        assert decide(v, 7) == decide(v, 7)
        cmds = decide(v, 7)
        assert cmds and cmds[-1]["type"] == "ready"
