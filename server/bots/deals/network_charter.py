"""Network charters: a firm pays dues it can bear (a low-road firm hardly any) and joins one
network at a time, among firms it trusts (less trust will do when a broker it has met vouches).
A firm outside any network asks two to four trusted seat firms (trust enough only if a broker has
worked with it, 004 S.III); a broker with time drafts one for up to five firms outside networks
that it has worked with. Services, dues, openness and term vary with the bot's own draws."""

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

SERVICES = (  # each funds training or equipment, the factors that raise productivity (004 S.II)
    ["training", "quality", "intelligence"],
    ["training", "intelligence"],
    ["training", "equipment"],
    ["equipment", "quality", "intelligence"],
    ["training", "equipment", "quality"],
)


def firm_answer(view: View, d: dict[str, Any], p: str) -> str:
    """A firm joins one network at a time, one whose dues it can bear, among firms it trusts
    enough: a broker it has met vouches for the others (004 S.III)."""
    me = view["me"]
    i = me["firm"]
    limit = 1.0 if p == "low" else 0.04 * revenue(view) + 2.0
    if d["terms"]["dues"] > limit:
        return "reject"
    if any(i in n["members"] and n["alive"] for n in view["networks"]):
        return "reject"
    if any(
        x["kind"] == "network_charter"
        and x["id"] != d["id"]
        and x["status"] == "proposed"
        and x.get("responses", {}).get(view["seat"]) == "accept"
        for x in view["deals"]
    ):
        return "reject"  # it has said yes to another network already
    others = [
        f["id"] for f in view["firms"] if f["seat"] in d["parties"] and f["id"] != i and f["alive"]
    ]
    trust = sum(me["trust"][j] for j in others) / max(1, len(others))
    met = set(me["met_through_brokers"])
    vouched = (
        d.get("drafted_by") in me["brokers_met"]
        or any(p_ in me["brokers_met"] for p_ in d["parties"])
        or (bool(others) and set(others) <= met)
    )
    return "accept" if trust >= (0.3 if vouched else 0.45) else "reject"


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
    # ties in trust are broken by the bot's own draw, not by the listing order
    tie = rng.random(len(others))
    order = sorted(range(len(others)), key=lambda k: (-me["trust"][others[k]["id"]], tie[k]))
    others = [others[k] for k in order]
    # only firms that already trust each other network on their own; a broker who has worked
    # with this firm (its events, its introductions) lowers the bar (004 S.III) - a broker merely
    # existing, or money, does not
    met = set(me["met_through_brokers"])
    trusted = [f for f in others if me["trust"][f["id"]] >= (0.3 if f["id"] in met else 0.5)]
    size = 2 + int(rng.integers(0, 3))
    group = [f["seat"] for f in trusted[:size]]
    if len(group) < 2:
        return []
    return [
        {
            "type": "propose",
            "kind": "network_charter",
            "parties": [view["seat"]] + group,
            "terms": {
                "name": f"{view['firms'][i]['name']} hub",
                "dues": float(2 + int(rng.integers(0, 4))),
                "services": SERVICES[int(rng.integers(0, len(SERVICES)))],
                "open": bool(rng.random() < 0.5),
                "rounds": 3 + int(rng.integers(0, 3)),
            },
        }
    ]


def by_broker(view: View, rng: np.random.Generator, p: str, so_far: list[Command]) -> list[Command]:
    """A broker drafts a network only among firms it has worked with (its events and
    introductions: the trust ladder, 004 S.III); the network is open, so firms it meets later,
    background firms too, can join it."""
    me = view["me"]
    refused = refusers(view, "network_charter")
    worked = set(me.get("worked_with", []))
    firms = [
        f
        for f in seat_firms(view)
        if not f["networks"] and f["seat"] not in refused and f["id"] in worked
    ]
    # the firms with the best name first (what a broker can know of them), its own draws
    # breaking near-ties
    tie = rng.random(len(firms))
    firms = [
        firms[k]
        for k in sorted(range(len(firms)), key=lambda k: -(firms[k]["reputation"] + 0.1 * tie[k]))
    ]
    budget = broker_hours_left(view)
    if (
        len(firms) >= 3
        and not any(d["status"] == "proposed" for d in live(view, "network_charter"))
        and budget - len(so_far) * me["draft_hours"] >= me["draft_hours"]
    ):
        return [
            {
                "type": "propose",
                "kind": "network_charter",
                "parties": [f["seat"] for f in firms[:4]] + [view["seat"]],
                "terms": {
                    "name": "Broker-led network",
                    "dues": 2.0,
                    "services": SERVICES[int(rng.integers(0, len(SERVICES)))],
                    "open": True,
                    "rounds": 4,
                },
            }
        ]
    return []


STRATEGY = Strategy(firm_answer=firm_answer, proposals={"firm": by_firm, "broker": by_broker})
