"""Issue 10, Denmark (004 S.II L1655-1674: the 1989 campaign's trained brokers; by 1991 "more
than 3,000 of Denmark's 7,300 small manufacturing firms were involved in networks", 41%; S.III
L3334-3355: the trust ladder). Network uptake climbs as brokers run events, introduce firms and
draft deals, reaches background firms through brokers, and idle brokers network few."""

from __future__ import annotations

import pytest
from district.server import api


def _denmark(seed: int, brokers_work: bool) -> api.Game:
    g = api.new_game("denmark-1989", seed)
    brokers = [s for s in g.seats if s.startswith("broker:")]
    for r in range(3):
        g.bots(skip=() if brokers_work else brokers)
        g.resolve()
        if r < 2:
            g.advance()
    return g


def _shares(g: api.Game) -> list[float]:
    return [h["networked_share"] for h in g.state.history]


def _background_members(g: api.Game) -> int:
    seats = {g.state.firm_of(s) for s in g.seats if s.startswith("firm:")}
    return sum(1 for n in g.state.networks if n.alive for m in n.members if m not in seats)


@pytest.mark.parametrize("seed", [1, 3])
def test_network_uptake_climbs_with_brokers_work_and_stalls_without_it(seed: int) -> None:
    working, idle = _denmark(seed, True), _denmark(seed, False)
    s = _shares(working)
    assert s[2] >= s[0] + 0.2, f"a ramp over the campaign's rounds, not one burst: {s}"
    assert 0.3 <= s[2] <= 0.55, s
    assert max(_shares(idle)) <= 0.1, f"idle brokers network few: {_shares(idle)}"
    assert _background_members(working) >= 3, "brokers reach the background firms"
    assert _background_members(idle) == 0
