"""Network charters: a firm pays dues it can bear (a low-road firm hardly any). A firm outside any
network asks up to three trusted seat firms (trust enough only with a broker or a grant around,
004 S.III); a broker with time drafts one for up to five firms outside networks."""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.bots.deals.common import (
    Command,
    Strategy,
    View,
    broker_hours_left,
    live,
    refusers,
    revenue,
    seat_firms,
)


def firm_answer(view: View, d: dict[str, Any], p: str) -> str:
    limit = 1.0 if p == "low" else 0.04 * revenue(view) + 2.0
    return "accept" if d["terms"]["dues"] <= limit else "reject"


def by_firm(view: View, rng: np.random.Generator, p: str, so_far: list[Command]) -> list[Command]:
    me = view["me"]
    i = me["firm"]
    in_network = any(i in n["members"] and n["alive"] for n in view["networks"])
    if p == "low" or in_network or live(view, "network_charter") or view["round"] < 1:
        return []
    refused = refusers(view, "network_charter")
    others = [
        f
        for f in seat_firms(view)
        if f["id"] != i and not f["networks"] and f["seat"] not in refused
    ]
    others.sort(key=lambda f: -me["trust"][f["id"]])
    # without a broker or a grant, only firms that already trust each other network (004 S.III)
    helped = (
        any(s["role"] == "broker" for s in view["seats"])
        or view["institutions"]["network_grant"] > 0
    )
    trusted = [f for f in others if me["trust"][f["id"]] >= (0.35 if helped else 0.5)]
    group = [f["seat"] for f in trusted[:3]]
    if len(group) < 2:
        return []
    return [
        {
            "type": "propose",
            "kind": "network_charter",
            "parties": [view["seat"]] + group,
            "terms": {
                "name": f"{view['firms'][i]['name']} hub",
                "dues": 3.0,
                "services": ["training", "quality", "intelligence"],
                "rounds": 4,
            },
        }
    ]


def by_broker(view: View, rng: np.random.Generator, p: str, so_far: list[Command]) -> list[Command]:
    me = view["me"]
    refused = refusers(view, "network_charter")
    firms = [f for f in seat_firms(view) if not f["networks"] and f["seat"] not in refused]
    budget = broker_hours_left(view)
    if (
        len(firms) >= 3
        and not live(view, "network_charter")
        and budget - len(so_far) * me["draft_hours"] >= me["draft_hours"]
    ):
        return [
            {
                "type": "propose",
                "kind": "network_charter",
                "parties": [f["seat"] for f in firms[:5]] + [view["seat"]],
                "terms": {
                    "name": "Broker-led network",
                    "dues": 2.0,
                    "services": ["training", "intelligence"],
                    "rounds": 4,
                },
            }
        ]
    return []


STRATEGY = Strategy(firm_answer=firm_answer, proposals={"firm": by_firm, "broker": by_broker})
