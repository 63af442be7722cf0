"""Conditional credit: a firm takes the money (whether it keeps the conditions is another
matter). The government lends to up to two struggling seat firms at a time, one a pass, on
compliance and training conditions."""

from __future__ import annotations

import numpy as np
from district.server.bots.deals.common import (
    Command,
    Strategy,
    View,
    accept,
    government_proposes,
    live,
    seat_firms,
)


def by_government(
    view: View, rng: np.random.Generator, p: str, so_far: list[Command]
) -> list[Command]:
    if not government_proposes(view, p):
        return []
    loans = live(view, "conditional_credit")
    lent = {s for d in loans for s in d["parties"]}
    # a firm whose loan was clawed back gets no public credit while its record lasts
    lent |= {
        s
        for d in view["deals"]
        if d["kind"] == "conditional_credit"
        and d.get("ledger", {}).get("record_until", 0.0) >= view["round"]
        for s in d["parties"]
    }
    struggling = [
        f for f in seat_firms(view) if f["health"] == "struggling" and f["seat"] not in lent
    ]
    if not struggling or len(loans) >= 2:
        return []
    f = struggling[int(rng.integers(0, len(struggling)))]
    return [
        {
            "type": "propose",
            "kind": "conditional_credit",
            "parties": ["government", f["seat"]],
            "terms": {
                "amount": 40.0,
                "rate": 0.03,
                "term": 3,
                "purpose": "working_capital",
                "conditions": ["compliance", "training"],
                "audit_rate": 0.5,
                "remedy": "clawback",
            },
        }
    ]


# a firm takes the money: whether its conditions are kept is another matter
STRATEGY = Strategy(firm_answer=accept, proposals={"government": by_government})
