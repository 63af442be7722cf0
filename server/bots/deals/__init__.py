"""Bots that bargain: they answer the proposals addressed to them and propose deals that serve
their role and personality, from their view alone. Calling `negotiate` again in the same round is
safe: a bot never proposes what it (or its partners) already has pending or active.

Each deal kind's strategy (how each role answers it, what each role proposes) is one module here;
`STRATEGIES` is the literal table of them and `PROPOSING` the order in which each role considers
proposing kinds (the order matters: proposals share the bot's random draws and a broker's hours).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.bots.deals import (
    broker_engagement,
    challenge_grant,
    conditional_credit,
    joint_bid,
    network_charter,
    standards_agreement,
    subcontract,
    training_levy,
)
from district.server.bots.deals.common import Command, Strategy, View

STRATEGIES: dict[str, Strategy] = {
    "joint_bid": joint_bid.STRATEGY,
    "subcontract": subcontract.STRATEGY,
    "network_charter": network_charter.STRATEGY,
    "training_levy": training_levy.STRATEGY,
    "conditional_credit": conditional_credit.STRATEGY,
    "standards_agreement": standards_agreement.STRATEGY,
    "challenge_grant": challenge_grant.STRATEGY,
    "broker_engagement": broker_engagement.STRATEGY,
}

PROPOSING: dict[str, tuple[str, ...]] = {
    "firm": ("joint_bid", "network_charter", "subcontract"),
    "union": ("training_levy", "standards_agreement"),
    "government": ("challenge_grant", "conditional_credit", "broker_engagement", "training_levy"),
    "broker": ("joint_bid", "network_charter"),
}


def answer(view: View, d: dict[str, Any], p: str) -> str:
    """This seat's answer to proposal `d`."""
    s = STRATEGIES.get(d["kind"], Strategy())
    role = view["role"]
    if role == "firm":
        return s.firm_answer(view, d, p)
    if role == "union":
        return s.union_answer(view, d, p)
    if role == "government":
        if p == "low":
            return "reject"
        cost = s.government_cost(d["terms"])
        return "accept" if cost <= 0.3 * view["me"]["budget"] else "reject"
    return "accept"  # brokers take work


def answers(view: View, p: str) -> list[Command]:
    seat = view["seat"]
    out = []
    for d in view["deals"]:
        if d["status"] != "proposed" or seat not in d["parties"] or seat in d.get("responses", {}):
            continue
        out.append({"type": "respond", "deal": d["id"], "answer": answer(view, d, p)})
    return out


def proposals(view: View, rng: np.random.Generator, p: str) -> list[Command]:
    """What this seat proposes now, kind by kind in its role's order."""
    out: list[Command] = []
    for kind in PROPOSING.get(view["role"], ()):
        out += STRATEGIES[kind].proposals[view["role"]](view, rng, p, out)
    return out


def negotiate(view: View, rng: np.random.Generator, personality: str) -> list[Command]:
    role = view["role"]
    cmds = answers(view, personality)
    if role in PROPOSING and (role != "firm" or view["firms"][view["me"]["firm"]]["alive"]):
        cmds += proposals(view, rng, personality)
    return cmds
