"""What every kind's bot strategy reads from a view: the deals a bot is in, the seat firms, its
capacity, who turned it down; and the record a strategy is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Command = dict[str, Any]
View = dict[str, Any]
MAX_FIRMS = 40  # the most firm parties a deal allows

# (view, rng, personality, what this bot has proposed so far this pass) -> proposals
Proposer = Callable[[View, np.random.Generator, str, list[Command]], list[Command]]


def accept(view: View, d: dict[str, Any], p: str) -> str:
    return "accept"


def reject(view: View, d: dict[str, Any], p: str) -> str:
    return "reject"


def costs_nothing(terms: dict[str, Any]) -> float:
    return 0.0


@dataclass(frozen=True, slots=True)
class Strategy:
    """How bots treat one deal kind: how a firm, the union and the government answer a proposal
    of it (the government weighs its cost against its budget; brokers take all work), and what
    each role proposes (`proposals`: role -> proposer)."""

    firm_answer: Callable[[View, dict[str, Any], str], str] = reject
    union_answer: Callable[[View, dict[str, Any], str], str] = accept
    government_cost: Callable[[dict[str, Any]], float] = costs_nothing
    proposals: dict[str, Proposer] = field(default_factory=dict)


def mine(view: View) -> list[dict[str, Any]]:
    return [
        d
        for d in view["deals"]
        if view["seat"] in d["parties"] or d.get("drafted_by") == view["seat"]
    ]


def live(view: View, kind: str) -> list[dict[str, Any]]:
    return [d for d in mine(view) if d["kind"] == kind and d["status"] in ("proposed", "active")]


def seat_firms(view: View) -> list[dict[str, Any]]:
    return [f for f in view["firms"] if f["alive"] and f["seat"]]


def capacity(view: View) -> float:
    me = view["me"]
    return float(me["productivity"] * me["workers"])


def revenue(view: View) -> float:
    """A firm's revenue; before the first round, a rough guess from its workforce."""
    me = view["me"]
    return float(max(me["revenue"], 30.0 * me["workers"]))


def refusers(view: View, *kinds: str) -> set[str]:
    """Seats that turned down a deal of these kinds that I was party to: don't ask them again."""
    return {
        s
        for d in mine(view)
        if d["kind"] in kinds and d["status"] == "rejected"
        for s, a in d.get("responses", {}).items()
        if a == "reject"
    }


def union_firms(view: View) -> list[dict[str, Any]]:
    """The seat firms the union asks: those that turned down none of its levies or standards."""
    refused = refusers(view, "training_levy", "standards_agreement")
    return [f for f in seat_firms(view) if f["seat"] not in refused]


def government_proposes(view: View, p: str) -> bool:
    """A government proposes deals only if it is not the low road and has 100k or more."""
    return p != "low" and view["me"]["budget"] >= 100


def broker_hours_left(view: View) -> float:
    """A broker's hours this round after its planned events, introductions and intelligence."""
    me = view["me"]
    plans = me["decisions"]
    planned = (
        len(plans.get("events", [])) * me["event_hours"]
        + len(plans.get("intros", [])) * me["intro_hours"]
        + (me["intel_hours"] if plans.get("intel") else 0.0)
    )
    return float(me["hours"] - planned)
