"""Scenario and facilitator events (shocks): what each kind does to the district."""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine import flows
from district.server.engine.scenario import EventSpec
from district.server.engine.state import State


def fire_event(state: State, e: EventSpec) -> list[dict[str, Any]]:
    """Apply one event now and add it to the round's news. Money moves only through accounts."""
    m = state.markets
    inst = state.institutions
    f = state.firms
    detail = ""
    if e.kind == "import_pressure":
        m.import_pressure = min(0.9, max(0.0, e.value))
    elif e.kind == "demand":
        attr = f"{e.market}_demand"
        setattr(m, attr, max(0.0, getattr(m, attr) * e.value))
    elif e.kind == "surplus":
        employed = float(f.workers[f.alive].sum())
        add = max(-state.labour.unemployed, e.value * (employed + state.labour.unemployed))
        state.labour.unemployed += add
    elif e.kind == "enforcement":
        inst.enforcement = min(1.0, max(0.0, e.value))
    elif e.kind == "wage_floor":
        inst.wage_floor = max(0.0, e.value)
    elif e.kind == "budget":
        amount = max(-state.accounts.government, e.value)
        state.accounts.government += amount
        state.accounts.world -= amount
        flows.record(state, "budget", "world", "government", amount)
    elif e.kind == "supplier_cut":
        # An outside buyer keeps only its best problem-solvers (002 sections 3-4): problem-solving
        # capacity is the breadth and depth of capabilities with skill and technology.
        alive = np.flatnonzero(f.alive)
        score = (
            f.caps[alive].max(axis=1) * 0.4
            + (f.caps[alive] > 0.5).sum(axis=1) * 0.1
            + f.skill[alive] * 0.3
            + f.technology[alive] * 0.2
        )
        keep = alive[np.argsort(-score, kind="stable")[: max(0, e.keep)]]
        f.preferred[:] = False
        f.preferred[keep] = True
        m.reserved_share = 0.5
        m.commodity_demand *= max(0.0, 1.0 - e.value)
        detail = (
            f"kept: {', '.join(f.name[i] for i in keep)}"
            if len(keep) <= 12
            else f"kept {len(keep)} firms"
        )
    elif e.kind == "scandal":
        low = f.alive & (f.wage < inst.wage_floor)
        f.reputation[low] = np.maximum(0.0, f.reputation[low] - 0.15)
        inst.enforcement = min(1.0, inst.enforcement + e.value)
    elif e.kind == "interest":
        inst.interest_rate = max(0.0, e.value)
    item = {
        "round": state.round,
        "event": e.kind,
        "headline": e.headline,
        "value": e.value,
        "source": e.source,
        "detail": detail,
    }
    state.news.append(item)
    return [{"kind": "news", "audience": "public", **item}]


def begin_round(state: State) -> list[dict[str, Any]]:
    """Briefing of the next round: tenders open, the round's events fire, negotiation begins."""
    if state.phase == "ended":
        return []
    if state.round >= state.scenario.rounds:
        state.phase = "ended"
        return [{"kind": "phase", "audience": "public", "round": state.round, "phase": "ended"}]
    state.round += 1
    if state.round > 1:  # niche and export demand grow (or shrink) each round
        state.markets.niche_demand *= 1.0 + state.markets.growth
        state.markets.export_demand *= 1.0 + state.markets.growth
    state.news = []
    state.ready = set()
    out: list[dict[str, Any]] = []
    for t in state.tenders:
        if t.status == "upcoming" and t.round == state.round:
            t.status = "open"
    for e in state.scenario.events:
        if e.round == state.round:
            out += fire_event(state, e)
    for bs in state.broker_state.values():
        bs["drafted_hours"] = 0.0
    state.phase = "negotiation"
    out.append(
        {"kind": "phase", "audience": "public", "round": state.round, "phase": "negotiation"}
    )
    return out


def end_game(state: State) -> list[dict[str, Any]]:
    """The facilitator ends the game before its last round: it ends where it stands, with the
    reports of the rounds resolved so far (a round still in negotiation is not resolved)."""
    if state.phase == "ended":
        return []
    state.phase = "ended"
    state.ready = set()
    return [
        {
            "kind": "phase",
            "audience": "public",
            "round": state.round,
            "phase": "ended",
            "by": "facilitator",
        }
    ]
