"""No sequence of proposals and responses moves money that no signed deal moves; money is
conserved through resolution with deals in play; replay reproduces the state."""

from __future__ import annotations

import contextlib

import numpy as np
from district.server.engine import EngineError
from district.server.engine.game import replay
from district.server.engine.state import money_total
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import district, firm, game, scenario, seat

A, B, C = seat("Alpha"), seat("Beta"), seat("Gamma")
DATA = district(
    [
        firm("Alpha", capabilities={"machining": 0.7}),
        firm("Beta", capabilities={"welding": 0.7}),
        firm("Gamma", capabilities={"machining": 0.5, "welding": 0.5}),
    ],
    seats=[{"role": "union"}, {"role": "government"}, {"role": "broker", "id": "broker:b"}],
    tenders=[
        {
            "id": "t",
            "round": 1,
            "operations": {"machining": 0.5, "welding": 0.5},
            "volume": 15,
            "price": 90,
            "min_quality": 0.3,
        }
    ],
    trust={"firms": 0.5},
)
SC = scenario(DATA)

TEMPLATES = [
    (A, "network_charter", [A, B, C], {"dues": 4.0}),
    (B, "subcontract", [A, B], {"buyer": B, "supplier": A, "operation": "machining", "volume": 2}),
    ("union", "training_levy", ["union", A, B], {"levy_rate": 0.02, "anti_poaching": True}),
    (
        "government",
        "conditional_credit",
        ["government", C],
        {"amount": 30.0, "purpose": "working_capital"},
    ),
    ("union", "standards_agreement", ["union", A, C], {"wage_floor": 31.0}),
    ("broker:b", "broker_engagement", ["broker:b", A, B], {"fee": 2.0}),
    (A, "joint_bid", [A, B], {"tender": "t", "lead": A, "shares": {A: 0.5, B: 0.5}, "price": 85.0}),
    ("government", "challenge_grant", ["government", A, B, C], {"amount": 10.0}),
]
PARTIES = [A, B, C, "union", "government", "broker:b"]

action = st.one_of(
    st.tuples(st.just("propose"), st.integers(0, len(TEMPLATES) - 1)),
    st.tuples(st.just("respond"), st.integers(0, 30), st.sampled_from(PARTIES), st.booleans()),
    st.tuples(st.just("counter"), st.integers(0, 30), st.sampled_from(PARTIES), st.floats(0.5, 20)),
    st.tuples(st.just("withdraw"), st.integers(0, 30), st.sampled_from(PARTIES)),
)


def _run(g, actions) -> None:
    for a in actions:
        ids = list(g.state.deals)
        with contextlib.suppress(EngineError):
            if a[0] == "propose":
                who, kind, parties, terms = TEMPLATES[a[1]]
                g.apply(who, {"type": "propose", "kind": kind, "parties": parties, "terms": terms})
            elif ids and a[0] == "respond":
                g.apply(
                    a[2],
                    {
                        "type": "respond",
                        "deal": ids[a[1] % len(ids)],
                        "answer": "accept" if a[3] else "reject",
                    },
                )
            elif ids and a[0] == "counter":
                d = g.state.deals[ids[a[1] % len(ids)]]
                key = next(
                    (
                        k
                        for k in (
                            "dues",
                            "volume",
                            "levy_rate",
                            "amount",
                            "fee",
                            "wage_floor",
                            "price",
                        )
                        if k in d.terms
                    ),
                    None,
                )
                if key:
                    g.apply(
                        a[2],
                        {
                            "type": "counter",
                            "deal": d.id,
                            "terms": {key: a[3] if key != "levy_rate" else 0.01},
                        },
                    )
            elif ids and a[0] == "withdraw":
                g.apply(a[2], {"type": "withdraw", "deal": ids[a[1] % len(ids)]})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(action, min_size=1, max_size=25))
def test_negotiation_moves_only_money_that_signed_deals_move(actions) -> None:
    g = game(DATA, 2)
    cash0 = g.state.firms.cash.copy()
    gov0, union0, world0 = (
        g.state.accounts.government,
        g.state.accounts.union,
        g.state.accounts.world,
    )
    brokers0 = dict(g.state.accounts.brokers)
    _run(g, actions)
    credit = np.zeros(g.state.firms.n)
    for d in g.state.deals.values():
        if d.kind == "conditional_credit" and d.status == "active":
            credit[g.state.firm_of(d.parties[1])] += d.terms["amount"]
    assert np.allclose(g.state.firms.cash - cash0, credit)
    assert abs(g.state.accounts.government - (gov0 - credit.sum())) < 1e-9
    assert g.state.accounts.union == union0 and g.state.accounts.world == world0
    assert g.state.accounts.brokers == brokers0
    # and through resolution, with whatever was signed, money is conserved
    total = money_total(g.state)
    g.resolve()
    assert abs(money_total(g.state) - total) < 1e-6
    assert replay(SC, 2, g.log).hash() == g.hash()
