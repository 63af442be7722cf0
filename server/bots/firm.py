"""Firm bots. Personalities:

- high road: pays at least the floor and the going wage, trains, invests in technology, moves to
  the niche market when quality allows, keeps its price;
- low road: pays below the floor when enforcement looks weak, does not train, poaches trained
  workers from rivals with a higher premium, cuts prices on the commodity market;
- mixed: complies, trains a little, invests when cash allows.

A high-road bot that keeps losing the workers it trains cuts its training (000 III.1: poaching
discourages training) unless it is bound by an anti-poaching clause.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def up(x: float) -> float:
    """Round a wage up to the cent, so that a wage at the floor never rounds below it."""
    return math.ceil(x * 100.0 - 1e-9) / 100.0


def firm_decisions(
    view: dict[str, Any], rng: np.random.Generator, personality: str
) -> dict[str, Any]:
    me = view["me"]
    inst = view["institutions"]
    floor = inst["wage_floor"]
    outside = inst["outside_wage"]
    enforcement = inst["enforcement"]
    workers = me["workers"]
    cash = me["cash"]
    can = max(0.0, me["spendable"])
    profit = me["profit"]
    margin = profit / me["revenue"] if me["revenue"] > 0 else 0.0
    d: dict[str, Any] = {}
    # cheap labour tilts firms to squeezing labour rather than innovating (003 I-2.3)
    pressure = min(1.0, max(0.4, outside / max(inst["reference_wage"], 1e-9))) ** 2
    healthy = cash > 15.0 * math.sqrt(workers + 1)
    lost_ratio = me["lost_skilled"] / max(1.0, me["trained_last_round"] + me["skilled"] * 0.2)
    if personality == "low":
        risky = enforcement < 0.5
        d["wage"] = up(max(floor * (0.8 if risky else 1.0), 0.8 * outside))
        d["skill_pay"] = 0.35  # outbids trainers for their trained workers
        d["price"] = -0.5
        d["focus"] = "commodity"
        d["poach"] = int(2 + rng.integers(0, 3)) if healthy else 0
        d["technology"] = round(min(0.3 * can, 0.01 * pressure * max(me["revenue"], 0.0)), 1)
    elif personality == "mixed":
        d["wage"] = up(max(floor, 0.98 * outside))
        d["skill_pay"] = 0.15
        d["price"] = -0.1
        d["focus"] = "niche" if me["quality"] >= 0.5 else "commodity"
        trainees = math.ceil(0.05 * workers) if healthy else 0
        d["training"] = round(min(0.3 * can, trainees * 6.0), 1)
        d["technology"] = (
            round(min(0.3 * can, 0.02 * pressure * max(me["revenue"], 0.0)), 1) if healthy else 0.0
        )
    else:  # high road
        d["wage"] = up(max(floor * 1.03, outside))
        d["skill_pay"] = 0.15
        d["price"] = 0.0
        d["focus"] = "niche" if me["quality"] >= 0.47 else "commodity"
        share = 0.12 if me["anti_poach"] or lost_ratio < 0.3 else 0.03
        trainees = math.ceil(share * workers) if healthy else 0
        d["training"] = round(min(0.4 * can, trainees * 6.0), 1)
        d["technology"] = (
            round(min(0.3 * can, 0.04 * pressure * max(me["revenue"], 0.0)), 1) if healthy else 0.0
        )
    # hiring follows margins
    if margin > 0.04 and healthy:
        d["hire"] = int(math.ceil(0.08 * workers))
    elif margin < -0.05:
        d["hire"] = -int(math.ceil(0.1 * workers))
    # bid alone for tenders it can serve on its own
    caps = me["capabilities"]
    bids = []
    for t in view["tenders"]:
        if t["status"] != "open":
            continue
        if (
            all(caps.get(op, 0.0) >= lvl for op, lvl in t["operations"].items())
            and me["quality"] >= t["min_quality"]
            and me["productivity"] * workers >= t["volume"] / t["delivery_rounds"]
        ):
            markup = 0.9 if personality == "low" else 0.97
            bids.append({"tender": t["id"], "price": round(t["price"] * markup, 2)})
    if bids:
        d["bids"] = bids
    return d
