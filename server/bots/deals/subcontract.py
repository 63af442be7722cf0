"""Subcontracts: a supplier takes work at a fair price up to a third of what it can make; a buyer
pays no more than 85% of the reference price. From round 2 a firm with cash farms out an
operation it lacks to a random seat firm that is not busy."""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.bots.deals.common import Command, Strategy, View, capacity, mine, seat_firms


def firm_answer(view: View, d: dict[str, Any], p: str) -> str:
    t = d["terms"]
    ref = view["markets"]["reference_price"]
    if t["supplier"] == view["seat"]:  # never farm in more than a third of what it can make
        taken = sum(
            x["terms"]["volume"]
            for x in mine(view)
            if x["kind"] == "subcontract"
            and x["status"] == "active"
            and x["terms"].get("supplier") == view["seat"]
        )
        ok = t["unit_price"] >= 0.55 * ref and taken + t["volume"] <= capacity(view) / 3
        return "accept" if ok else "reject"
    return "accept" if t["unit_price"] <= 0.85 * ref else "reject"


def by_firm(view: View, rng: np.random.Generator, p: str, so_far: list[Command]) -> list[Command]:
    me = view["me"]
    seat = view["seat"]
    i = me["firm"]
    out: list[Command] = []
    if view["round"] < 2 or any(
        d["kind"] == "subcontract" and d["status"] in ("proposed", "active") for d in mine(view)
    ):
        return out
    mine_ops = set(view["firms"][i]["operations"])
    busy: dict[str, int] = {}
    for x in view["deals"]:
        if x["kind"] == "subcontract" and x["status"] == "active":
            for party in x["parties"]:
                busy[party] = busy.get(party, 0) + 1
    suppliers = [
        f
        for f in seat_firms(view)
        if f["id"] != i and busy.get(f["seat"], 0) < 2 and set(f["operations"]) - mine_ops
    ]
    if suppliers:  # spread the work: a random supplier among those that are not busy
        suppliers = [suppliers[int(rng.integers(0, len(suppliers)))]]
    for f in suppliers:
        extra = [op for op in f["operations"] if op not in mine_ops]
        if extra and me["cash"] > 60:
            ref = view["markets"]["reference_price"]
            price = round(ref * (0.6 if p == "low" else 0.7), 1)
            volume = round(min(0.25 * f["workers"], 0.25 * me["cash"] / price), 1)
            if volume < 1.0:
                break
            out.append(
                {
                    "type": "propose",
                    "kind": "subcontract",
                    "parties": [seat, f["seat"]],
                    "terms": {
                        "buyer": seat,
                        "supplier": f["seat"],
                        "operation": extra[0],
                        "volume": volume,
                        "unit_price": price,
                        "rounds": 2,
                        "assistance": 0.0 if p == "low" else 5.0,
                        "piece_rate": p == "low",
                        "exit_clause": True,
                    },
                }
            )
            break
    return out


STRATEGY = Strategy(firm_answer=firm_answer, proposals={"firm": by_firm})
