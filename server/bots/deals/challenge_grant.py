"""Challenge grants: a firm accepts if its share of the match is small against its revenue. The
government offers grants to up to two live networks of three or more seat firms not yet granted."""

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
    revenue,
    seat_firms,
)


def firm_answer(view: View, d: dict[str, Any], p: str) -> str:
    t = d["terms"]
    firms = sum(1 for x in d["parties"] if x.startswith("firm:"))
    share = t["match_share"] * t["amount"] / max(1, firms)
    return "accept" if share <= 0.05 * revenue(view) + 5 else "reject"


def government_cost(terms: dict[str, Any]) -> float:
    return float(terms.get("amount", 0) * terms.get("phase_out", 1))


def by_government(
    view: View, rng: np.random.Generator, p: str, so_far: list[Command]
) -> list[Command]:
    if not government_proposes(view, p):
        return []
    out: list[Command] = []
    budget = view["me"]["budget"]
    seat_of = {f["id"]: f["seat"] for f in seat_firms(view)}
    granted = {frozenset(d["parties"]) for d in live(view, "challenge_grant")}
    for n in view["networks"]:
        seats = [seat_of[m] for m in n["members"] if m in seat_of]
        if (
            n["alive"]
            and len(seats) >= 3
            and not any(set(seats) <= g for g in granted)
            and len(out) < 2
        ):
            out.append(
                {
                    "type": "propose",
                    "kind": "challenge_grant",
                    "parties": ["government"] + seats[:MAX_FIRMS],
                    "terms": {
                        "amount": round(min(30.0, 0.05 * budget), 1),
                        "match_share": 0.5,
                        "min_firms": 3,
                        "min_activities": 2,
                        "phase_out": 3,
                        "services": ["training", "intelligence"],
                    },
                }
            )
    return out


STRATEGY = Strategy(
    firm_answer=firm_answer,
    government_cost=government_cost,
    proposals={"government": by_government},
)
