"""Broker engagements: a low-road firm never pays a broker; others pay a small fee. The
government engages the first broker if none is engaged."""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.bots.deals.common import (
    Command,
    Strategy,
    View,
    government_proposes,
    live,
    revenue,
)


def firm_answer(view: View, d: dict[str, Any], p: str) -> str:
    if p == "low":
        return "reject"
    return "accept" if d["terms"]["fee"] <= 0.01 * revenue(view) + 3 else "reject"


def government_cost(terms: dict[str, Any]) -> float:
    return float(terms.get("fee", 0) * terms.get("rounds", 1))


def by_government(
    view: View, rng: np.random.Generator, p: str, so_far: list[Command]
) -> list[Command]:
    brokers = [s["id"] for s in view["seats"] if s["role"] == "broker"]
    if not government_proposes(view, p) or not brokers or live(view, "broker_engagement"):
        return []
    return [
        {
            "type": "propose",
            "kind": "broker_engagement",
            "parties": [brokers[0], "government"],
            "terms": {"fee": 8.0, "scope": "all", "rounds": 4},
        }
    ]


STRATEGY = Strategy(
    firm_answer=firm_answer,
    government_cost=government_cost,
    proposals={"government": by_government},
)
