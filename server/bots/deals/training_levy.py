"""Training levies: a low-road firm never joins (the poacher free-rides on others' training, 000
III.1); others join a modest levy if it binds against poaching or the government matches it. The
union joins only with a seat on the board; the government weighs its match. The union proposes
one for the firms that have not turned it down; a government with no union does so itself."""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.bots.deals.common import (
    MAX_FIRMS,
    Command,
    Strategy,
    View,
    government_proposes,
    live,
    refusers,
    seat_firms,
    union_firms,
)


def firm_answer(view: View, d: dict[str, Any], p: str) -> str:
    t = d["terms"]
    if p == "low":
        return "reject"  # the poacher free-rides on others' training (000 III.1)
    ok = t["levy_rate"] <= 0.03 and (
        p == "high" or t["anti_poaching"] or t["government_match"] >= 0.5
    )
    # a firm that could not pay a few rounds of it from its cash stays out (it knows its cash)
    me = view["me"]
    due = t["levy_rate"] * me["wage_bill"]
    return "accept" if ok and me["cash"] >= 3.0 * due else "reject"


def union_answer(view: View, d: dict[str, Any], p: str) -> str:
    return "accept" if d["terms"]["union_seat"] else "reject"


def government_cost(terms: dict[str, Any]) -> float:
    return 50.0 * terms.get("government_match", 0.0)


def by_union(view: View, rng: np.random.Generator, p: str, so_far: list[Command]) -> list[Command]:
    firms = union_firms(view)
    gov = any(s["id"] == "government" for s in view["seats"])
    if not firms or live(view, "training_levy"):
        return []
    return [
        {
            "type": "propose",
            "kind": "training_levy",
            "parties": ["union"]
            + [f["seat"] for f in firms[:MAX_FIRMS]]
            + (["government"] if gov else []),
            "terms": {
                "levy_rate": 0.015,
                "government_match": 0.5 if gov else 0.0,
                "union_seat": True,
                "pass_through": 0.2,
                "anti_poaching": True,
                "rounds": 4,
                "training_type": "cross_functional",
            },
        }
    ]


def by_government(
    view: View, rng: np.random.Generator, p: str, so_far: list[Command]
) -> list[Command]:
    union = any(s["id"] == "union" for s in view["seats"])
    if not government_proposes(view, p) or union or live(view, "training_levy"):
        return []
    firms = [f["seat"] for f in seat_firms(view)]
    firms = [s for s in firms if s not in refusers(view, "training_levy")]
    if not firms:
        return []
    return [
        {
            "type": "propose",
            "kind": "training_levy",
            "parties": ["government"] + firms[:MAX_FIRMS],
            "terms": {
                "levy_rate": 0.015,
                "government_match": 1.0,
                "anti_poaching": True,
                "rounds": 4,
            },
        }
    ]


STRATEGY = Strategy(
    firm_answer=firm_answer,
    union_answer=union_answer,
    government_cost=government_cost,
    proposals={"union": by_union, "government": by_government},
)
