"""Issue 10, Baden-Wuerttemberg (002 3 L362-368, 4 L484-489): the multinationals cut their
suppliers and keep the problem-solvers; the buyer's selection decides who survives. Keeping 15
suppliers or none used to kill the same firms (the reserved market never bound)."""

from __future__ import annotations

import copy

import pytest
from district.server import api
from district.server.engine.scenario_parse import parse_scenario

from tests.scenarios.helpers import data


def _bw(keep: int, seed: int) -> api.Game:
    d = copy.deepcopy(data("baden-wuerttemberg"))
    for e in d["events"]:
        if e["kind"] == "supplier_cut":
            e["keep"] = keep  # keep = 0: the cut without the buyer's selection
    g = api.new_game(parse_scenario(d, f"bw-keep-{keep}"), seed)
    g.run()
    return g


@pytest.mark.parametrize("seed", [1, 2])
def test_the_buyers_selection_decides_who_survives_a_supplier_cut(seed: int) -> None:
    chosen, unchosen = _bw(15, seed), _bw(0, seed)
    n = len(data("baden-wuerttemberg")["firms"])
    kept = [i for i in range(n) if chosen.state.firms.preferred[i]]
    rest = [i for i in range(n) if i not in kept]
    dead_chosen = {i for i in rest if not chosen.state.firms.alive[i]}
    dead_unchosen = {i for i in rest if not unchosen.state.firms.alive[i]}
    assert all(chosen.state.firms.alive[i] for i in kept), "the kept suppliers survive"
    assert dead_chosen != dead_unchosen, "the selection, not firm strength alone, decides"
