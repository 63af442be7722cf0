"""Wage and standards agreements: a low-road firm never signs; others accept a floor a little
above what they pay. The union accepts any floor at or above the legal one, and proposes one 3%
above it for the firms that have not turned it down."""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.bots.deals.common import (
    MAX_FIRMS,
    Command,
    Strategy,
    View,
    live,
    union_firms,
)


def firm_answer(view: View, d: dict[str, Any], p: str) -> str:
    if p == "low":
        return "reject"
    cap = 1.06 if p == "high" else 1.02
    wage = max(view["me"]["wage"], view["institutions"]["wage_floor"])
    return "accept" if d["terms"]["wage_floor"] <= cap * wage else "reject"


def union_answer(view: View, d: dict[str, Any], p: str) -> str:
    floor = view["institutions"]["wage_floor"]
    return "accept" if d["terms"]["wage_floor"] >= floor else "reject"


def by_union(view: View, rng: np.random.Generator, p: str, so_far: list[Command]) -> list[Command]:
    firms = union_firms(view)
    if not firms or live(view, "standards_agreement"):
        return []
    floor = view["institutions"]["wage_floor"]
    return [
        {
            "type": "propose",
            "kind": "standards_agreement",
            "parties": ["union"] + [f["seat"] for f in firms[:MAX_FIRMS]],
            "terms": {
                "wage_floor": round(floor * 1.03, 2),
                "compliance": True,
                "no_strike": True,
                "rounds": 4,
            },
        }
    ]


STRATEGY = Strategy(
    firm_answer=firm_answer, union_answer=union_answer, proposals={"union": by_union}
)
