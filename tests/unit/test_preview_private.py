"""A preview reveals nothing of another seat: it is resolved on the state as the asking seat may
estimate it (engine/knowledge.py `public_estimate`), so two states that differ only in something
private of someone else (a firm's cash, skill or capacity, a private term of a deal the seat is
not party to) give the asking seat the same preview. The seat's own figures do enter it: the
preview is not blind."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
from district.server import api
from district.server.engine.knowledge import (
    ESTIMATED_FIRM_FIELDS,
    PUBLIC_FIRM_FIELDS,
    public_estimate,
)
from district.server.engine.scenario_files import SCENARIO_DIR
from district.server.engine.state import Firms, State

from tests.helpers import district, firm, game, seat

A, B, C, D = seat("Alpha"), seat("Beta"), seat("Gamma"), seat("Delta")


def _district() -> dict[str, Any]:
    """Alpha and Gamma machine, Beta and Delta weld; a tender needing both; tight markets, so that
    every firm's capacity moves the others' sales."""
    firms = [
        firm("Alpha", capabilities={"machining": 0.7}),
        firm("Beta", capabilities={"welding": 0.7}),
        firm("Gamma", capabilities={"machining": 0.7}),
        firm("Delta", capabilities={"welding": 0.7}),
    ]
    return district(
        firms,
        trust={"firms": 0.8, "network": 0.8, "government": 0.8},
        tenders=[
            {
                "id": "t1",
                "round": 1,
                "buyer": "Tram works (bogie frames)",
                "operations": {"machining": 0.5, "welding": 0.5},
                "volume": 18.0,
                "price": 95.0,
                "min_quality": 0.3,
            }
        ],
        seats=[{"role": "government"}, {"role": "union"}],
    )


def _bid(members: list[str], price: float) -> dict[str, Any]:
    shares = dict.fromkeys(members, 1.0 / len(members))
    return {
        "kind": "joint_bid",
        "parties": members,
        "terms": {"tender": "t1", "lead": members[0], "shares": shares, "price": price},
    }


def _sign(g: Any, proposer: str, deal: dict[str, Any]) -> str:
    ev = g.apply(proposer, {"type": "propose", **deal})
    did = str(ev[0]["deal"])
    for p in deal["parties"]:
        if p != proposer and g.state.deals[did].status == "proposed":
            g.apply(p, {"type": "respond", "deal": did, "answer": "accept"})
    assert g.state.deals[did].status == "active", g.state.deals[did].history
    return did


def _previews(change: Callable[[State], None], asker: str = A) -> tuple[Any, Any]:
    """Alpha's preview of its own joint bid with Beta, in two games alike but for `change` made
    to the second one's state; the rival consortium Gamma + Delta has signed its own bid."""
    out = []
    for changed in (False, True):
        g = game(_district())
        _sign(g, C, _bid([C, D], 94.0))
        if changed:
            change(g.state)
        out.append(g.preview(asker, _bid([A, B], 92.0)))
    return out[0], out[1]


EMILIA = SCENARIO_DIR / "emilia-romagna.toml"


def test_the_other_firms_private_cash_skill_and_technology_do_not_move_my_preview() -> None:
    """In a real district (background firms, shared markets): what others produce moves my
    sales, so their private skill and technology did move my preview before it was estimated."""
    sc = api.load(EMILIA)
    st = api.new_game(sc, 3).state
    me = next(s for s, x in st.seats.items() if x.role == "firm")
    i = st.firm_of(me)
    rival = next(
        s
        for s, x in st.seats.items()
        if x.role == "firm" and s != me and st.firms.sector[st.firm_of(s)] == st.firms.sector[i]
    )
    op = st.scenario.operations[int(st.firms.caps[i].argmax())]
    terms = {"buyer": rival, "supplier": me, "operation": op, "volume": 5.0, "unit_price": 45.0}
    request = {"kind": "subcontract", "parties": [me, rival], "terms": terms}

    def others(s: State) -> Any:
        m = np.ones(s.firms.n, dtype=bool)
        m[s.firm_of(me)] = False
        return m

    def poorer(s: State) -> None:
        s.firms.cash[s.firm_of(rival)] = 1.0

    def abler(s: State) -> None:
        s.firms.skill[others(s)] = 1.0
        s.firms.technology[others(s)] = 1.0

    def richer_me(s: State) -> None:
        s.firms.cash[i] += 300.0

    def preview(change: Callable[[State], None] | None) -> Any:
        g = api.new_game(sc, 3)
        if change is not None:
            change(g.state)
        return g.preview(me, request)

    base = preview(None)
    for change in (poorer, abler):
        assert preview(change) == base, change.__name__
    # my own figures do enter it
    assert preview(richer_me)["without"]["cash"] != base["without"]["cash"]


def test_a_private_term_of_a_deal_i_am_not_party_to_does_not_move_my_preview() -> None:
    def undercut(s: State) -> None:  # the rival consortium bids far lower than it did
        d = next(d for d in s.deals.values() if C in d.parties)
        d.terms["price"] = 60.0

    before, after = _previews(undercut)
    assert before == after


def test_my_own_figures_do_move_my_preview() -> None:
    def mine(s: State) -> None:
        s.firms.cash[s.firm_of(A)] += 300.0

    before, after = _previews(mine)
    assert before["without"]["cash"] != after["without"]["cash"]


def test_the_estimate_keeps_my_own_figures_and_changes_nothing_of_the_state() -> None:
    g = game(_district())
    _sign(g, C, _bid([C, D], 90.0))
    s = g.state
    cash = s.firms.cash.copy()
    deal_terms = {k: dict(d.terms) for k, d in s.deals.items()}
    est = public_estimate(s, A)
    i, j = s.firm_of(A), s.firm_of(C)
    assert est.firms.cash[i] == s.firms.cash[i] and est.firms.skill[i] == s.firms.skill[i]
    assert (s.firms.cash == cash).all()  # the state itself is untouched
    assert {k: dict(d.terms) for k, d in s.deals.items()} == deal_terms
    rival = next(d for d in est.deals.values() if C in d.parties)
    assert rival.terms["price"] == 95.0  # the buyer's price, public in the tender
    assert est.firms.workers[j] == round(float(s.firms.workers[j]))


def test_every_firm_field_is_either_public_or_estimated() -> None:
    names = {f.name for f in dataclasses.fields(Firms)}
    assert names == PUBLIC_FIRM_FIELDS | ESTIMATED_FIRM_FIELDS
    assert not PUBLIC_FIRM_FIELDS & ESTIMATED_FIRM_FIELDS
