"""Money flows (server/engine/flows.py): over a whole game, the flows into and out of the
government, the union and each broker sum to the change of its account (every transfer that
touches them is recorded), and recording them changes no game."""

from __future__ import annotations

from collections import defaultdict

import pytest
from district.server.engine import Game, find_scenario
from district.server.engine.flows import flows
from district.server.engine.state_build import new_state
from district.server.simulate import play_bots_round


def played(name: str, seed: int, rounds: int, record: bool) -> Game:
    g = Game(find_scenario(name), seed, flows=record)
    for _ in range(rounds):
        play_bots_round(g)
        g.resolve()
        g.advance()
    return g


@pytest.mark.parametrize(("name", "rounds"), [("ny-garment", 5), ("denmark-1989", 4)])
def test_flows_sum_to_the_change_of_every_account_they_touch(name: str, rounds: int) -> None:
    g = played(name, 2, rounds, record=True)
    built = new_state(g.scenario, 2).accounts  # before round 1's briefing (its events move money)
    before = {"government": built.government, "union": built.union, **built.brokers}
    net: dict[str, float] = defaultdict(float)
    kinds: set[str] = set()
    for _r, kind, src, dst, amount in flows(g.state):
        assert amount > 0 and src != dst
        net[src] -= amount
        net[dst] += amount
        kinds.add(kind)
    a = g.state.accounts
    after = {"government": a.government, "union": a.union, **a.brokers}
    for actor, start in before.items():
        assert start + net[actor] == pytest.approx(after[actor], abs=1e-3), actor
    moved = sum(abs(after[k] - before[k]) for k in before)
    assert moved > 100  # the accounts did change: the test is not comparing nothing
    assert {"tax", "fee", "spending", "subsidy"} <= kinds, kinds


def test_recording_flows_changes_no_game() -> None:
    assert played("kumasi", 1, 2, record=True).hash() == played("kumasi", 1, 2, False).hash()
    assert flows(played("kumasi", 1, 1, record=False).state) == []
