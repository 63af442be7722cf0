"""Every shipped scenario plays a full bots-only game for a class of 6 and of 40.

A class of n leaves to bots the seats nobody takes (seating.seats_for); the seats people would take
are played by stand-ins with a classroom mix of strategies (some firms defect, some hedge, some
take the high road), so the 6- and 40-seat games differ. The game must play every round through
the same commands a person would send, with finite indicators and a district that still exists.
"""

from __future__ import annotations

import math

import pytest
from district.server.engine.seating import seats_for

from tests.scenarios.helpers import SHIPPED, class_personalities, run_class, scenario


@pytest.mark.parametrize("n_players", [6, 40])
@pytest.mark.parametrize("name", SHIPPED)
def test_full_bots_only_game_for_a_class(name: str, n_players: int) -> None:
    sc = scenario(name)
    seats = seats_for(sc, n_players)
    assert len(seats) == n_players
    people = class_personalities(sc, n_players)
    assert people, "a class always takes some firm seats"
    game, events = run_class(name, n_players, 11)
    st = game.state
    assert len(st.history) == sc.rounds, "every round was resolved"
    assert st.round == sc.rounds
    for h in st.history:
        bad = {k: v for k, v in h.items() if not math.isfinite(v)}
        assert not bad, f"round {h['round']:.0f}: {bad}"
    assert st.history[-1]["firms_alive"] >= 0.3 * st.history[0]["firms_alive"], (
        "the district collapsed"
    )
    assert st.history[-1]["employment"] > 0
    # every seat took part: decisions from every live firm seat and every institution seat
    decided = {e["seat"] for e in events if e.get("kind") == "decided"}
    for s in sc.seats:
        if s.role != "firm" or st.firms.alive[st.seats[s.id].firm]:
            assert s.id in decided, f"{s.id} never decided"
    internal = [
        e for e in events if e.get("kind") == "bot_error" and e["error"]["code"] == "internal"
    ]
    assert not internal, internal[:3]


@pytest.mark.parametrize("name", SHIPPED)
def test_bots_send_no_refused_commands(name: str) -> None:
    _game, events = run_class(name, 40, 11)
    refused = [
        (e["seat"], e["error"]["code"], e["error"]["message"])
        for e in events
        if e.get("kind") == "bot_error"
    ]
    assert not refused, refused[:5]
