"""view(state, seat) shows each seat only what it may see: nothing private of another seat leaks."""

from __future__ import annotations

import json

from district.server import api
from district.server.engine import find_scenario
from district.server.engine.snapshot import copy_state
from district.server.engine.views import view
from district.server.simulate import run_game

PRIVATE_FIRM_ARRAYS = (
    "cash",
    "debt",
    "public_debt",
    "wage",
    "skill_pay",
    "skill",
    "skilled",
    "technology",
    "credit",
    "training_spend",
    "tech_spend",
    "pipeline",
    "lost_skilled",
    "fines",
)


def _played():
    game, _ = run_game(find_scenario("emilia-romagna"), seed=4, rounds=2)
    game.advance()
    from district.server.simulate import play_bots_round

    play_bots_round(game)  # proposals, decisions, private chat are pending in round 3
    return game


def test_views_do_not_depend_on_other_seats_private_data() -> None:
    game = _played()
    st = game.state
    seats = sorted(st.seats)
    game.apply(seats[0], {"type": "chat", "text": "secret plan 4711", "to": seats[1]})
    for victim in seats:
        altered = copy_state(st)
        # scramble everything private to the victim
        if st.seats[victim].role == "firm":
            i = st.firm_of(victim)
            for name in PRIVATE_FIRM_ARRAYS:
                arr = getattr(altered.firms, name)
                arr[i] = arr[i] * 1.37 + 11.0
        altered.decisions[victim] = {"wage": 99.0, "secret": "x"}
        for other in seats:
            if other == victim:
                continue
            mine = {d for d in st.deals if other in st.deals[d].parties}
            a, b = view(st, other), view(altered, other)
            # trust rows are private to their owner but hold the owner's trust in others: unchanged here
            assert json.dumps(a, sort_keys=True, default=str) == json.dumps(
                b, sort_keys=True, default=str
            ), f"{other}'s view changed when {victim}'s private data changed"
            del mine
    for observer in ("observer", "facilitator"):
        v = view(st, observer)
        assert "me" not in v
        assert all("secret plan 4711" not in json.dumps(m) for m in v["chat"])
    third = [s for s in seats if s not in seats[:2]][0]
    assert "secret plan 4711" not in json.dumps(view(st, third))
    assert "secret plan 4711" in json.dumps(view(st, seats[1]))


def test_firm_view_has_own_private_numbers_only() -> None:
    game = _played()
    st = game.state
    firm_seats = [s for s in st.seats if s.startswith("firm:")]
    v = view(st, firm_seats[0])
    i = st.firm_of(firm_seats[0])
    assert v["me"]["firm"] == i
    assert abs(v["me"]["cash"] - float(st.firms.cash[i])) < 0.01
    for f in v["firms"]:
        assert "cash" not in f and "wage" not in f and "skill" not in f
    other = st.firm_of(firm_seats[1])
    proposals = [
        d for d in st.deals.values() if d.status == "proposed" and firm_seats[0] not in d.parties
    ]
    shown = {d["id"] for d in v["deals"]}
    assert not any(d.id in shown for d in proposals), "proposals are private to their parties"
    assert other != i


def test_every_view_of_a_whole_game_has_text_keys_only() -> None:
    """The protocol's maps are keyed by text (docs/protocol.md); Alberta's joint bids fall short,
    and the report of a shortfall is keyed by firm number inside the engine."""

    def bad_keys(x: object, where: str) -> list[str]:
        if isinstance(x, dict):
            out = [f"{where}.{k!r}" for k in x if not isinstance(k, str)]
            for k, v in x.items():
                out += bad_keys(v, f"{where}.{k}")
            return out
        if isinstance(x, list):
            return [b for i, v in enumerate(x) for b in bad_keys(v, f"{where}[{i}]")]
        return []

    shortfalls = 0
    g = api.new_game("alberta-1993", seed=1)  # a seed whose bots leave a joint bid short
    while not g.over:
        g.bots()
        g.resolve()
        for seat in [*g.seats, "facilitator", "observer"]:
            assert bad_keys(g.view(seat), seat) == []
        shortfalls += len(
            g.view("facilitator")["last_report"]["details"].get("tender_shortfalls", [])
        )
        g.advance()
    assert shortfalls > 0, "the game this test plays must have a shortfall to report"
