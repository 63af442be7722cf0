"""Invariants under arbitrary (valid and invalid) decisions: money is conserved by every transfer,
headcounts and cash stay finite and non-negative where they must, replay reproduces the hash."""

from __future__ import annotations

import contextlib
import math

import numpy as np
from district.server.engine import EngineError
from district.server.engine.game import replay
from district.server.engine.state import money_total
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import district, firm, game, scenario

DATA = district(
    [firm("Alpha"), firm("Beta", capabilities={"welding": 0.7}), firm("Gamma", wage=25.0)],
    background={"count": 6},
    seats=[{"role": "union"}, {"role": "government"}, {"role": "broker", "id": "broker:b"}],
    tenders=[
        {
            "id": "t1",
            "round": 2,
            "operations": {"machining": 0.5, "welding": 0.5},
            "volume": 30,
            "price": 90,
        }
    ],
)
SC = scenario(DATA)

firm_decisions = st.fixed_dictionaries(
    {},
    optional={
        "wage": st.floats(5, 80),
        "training": st.floats(0, 60),
        "technology": st.floats(0, 60),
        "price": st.floats(-1, 1),
        "hire": st.integers(-6, 10),
        "poach": st.integers(0, 8),
        "skill_pay": st.floats(0, 0.6),
        "focus": st.sampled_from(["commodity", "niche"]),
    },
)
gov_decisions = st.fixed_dictionaries(
    {},
    optional={
        "enforcement_spend": st.floats(0, 300),
        "training_match": st.floats(0, 1),
        "network_grant": st.floats(0, 50),
        "payroll_tax": st.floats(0, 0.3),
        "broker_programme": st.floats(0, 50),
    },
)
round_plan = st.tuples(
    st.lists(firm_decisions, min_size=3, max_size=3), gov_decisions, st.floats(0, 30), st.booleans()
)


def _play(plans: list) -> tuple:
    g = game(DATA, seed=3)
    totals = [money_total(g.state)]
    seats = ["firm:alpha", "firm:beta", "firm:gamma"]
    for firms_d, gov_d, organise, strike in plans:
        for s, d in zip(seats, firms_d, strict=True):
            if d:
                with contextlib.suppress(EngineError):  # refused (cannot afford): changes nothing
                    g.apply(s, {"type": "decide", "decisions": d})
        if gov_d:
            with contextlib.suppress(EngineError):
                g.apply("government", {"type": "decide", "decisions": gov_d})
        with contextlib.suppress(EngineError):
            g.apply(
                "union",
                {
                    "type": "decide",
                    "decisions": {
                        "organise": [{"firm": 0, "spend": organise}],
                        "strike": {"firm": 1, "demand": 40.0} if strike else None,
                    },
                },
            )
        g.resolve()
        totals.append(money_total(g.state))
        if g.state.round >= SC.rounds:
            break
        g.advance()
    return g, totals


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(round_plan, min_size=1, max_size=5))
def test_money_conserved_and_state_sane(plans: list) -> None:
    g, totals = _play(plans)
    scale = max(1.0, max(abs(t) for t in totals))
    assert all(abs(t - totals[0]) <= 1e-9 * scale + 1e-6 for t in totals), totals
    f = g.state.firms
    for name in f.array_fields():
        assert np.all(np.isfinite(getattr(f, name))), name
    assert np.all(f.workers >= -1e-9) and np.all(f.skilled <= f.workers + 1e-9)
    assert np.all(f.skill >= 0) and np.all(f.skill <= 1)
    assert np.all(f.cash[f.alive] >= -1e-6), "a live firm never holds negative cash after finance"
    assert g.state.labour.unemployed >= -1e-9
    assert math.isfinite(g.state.accounts.government)
    assert replay(SC, 3, g.log).hash() == g.hash()
