"""`resolve(state)`: one round's resolution, in the order of GAME.md section 4.

events (fired at the briefing) -> signed deals take effect, levies, dues and credit flow ->
government programmes and union actions -> labour market (training completes, poaching, quits,
hiring) -> productivity and quality -> tenders awarded and delivered -> markets clear -> audits ->
finance, exit -> networks and brokers -> deal enforcement -> trust, pass-through to the floor ->
entry -> indicators and scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine import finance, institutions, labour, markets
from district.server.engine.deals import resolution as deal_rules
from district.server.engine.errors import EngineError
from district.server.engine.indicators import approval, indicators, role_scores, scoreboards
from district.server.engine.policy import background_decisions, seat_decisions
from district.server.engine.state import State

ONE_ROUND_DECISIONS = (
    "training",
    "technology",
    "hire",
    "poach",
    "bids",
    "events",
    "intros",
    "intel",
)


def resolve(state: State) -> dict[str, Any]:
    """Resolve the current round. Returns the round's report (also kept in state.reports)."""
    if state.phase != "negotiation":
        raise EngineError(
            "wrong_phase", f"only a round in negotiation can be resolved (now: {state.phase})"
        )
    f = state.firms
    report: dict[str, Any] = {"round": state.round}
    prod_before = f.productivity.copy()
    alive_before = f.alive.copy()
    seat_decisions(state)
    background_decisions(state)
    deal_rules.take_effect(state, report)
    institutions.government(state, report)
    strike_loss = institutions.union(state, report)
    labour.train(state, report)
    labour.poach(state, report)
    labour.hire_and_quit(state, report)
    access = markets.factor_access(state)
    markets.productivity_and_quality(state, access)
    cap = markets.capacity(state, strike_loss)
    cap_before = cap.copy()
    markets.award_tenders(state, cap, report, deal_rules.consortium_bids(state, cap, report))
    tender_revenue = markets.deliver_tenders(state, cap, report)
    tender_units = cap_before - cap
    deal_rules.move_work(state, cap, report)  # subcontracts after tender obligations
    market_revenue = markets.clear_markets(state, cap, access, report)
    f.sales = f.sales + tender_units
    institutions.audits(state, report)
    finance.settle(state, market_revenue + tender_revenue, f.sales, report)
    institutions.networks(state, report)
    institutions.brokers(state, report)
    deal_rules.enforce(state, report)
    finance.close_insolvent(state, report)
    institutions.union_dues(state)
    institutions.trust_decay(state)
    # productivity growth of the firms that carried on (exits of weak firms raise no floor)
    stay = np.flatnonzero(alive_before & f.alive)
    w = f.workers[stay]
    before = float((w * prod_before[stay]).sum())
    growth = (
        float((w * f.productivity[stay]).sum()) / before - 1.0
        if state.history and before > 0
        else 0.0
    )
    institutions.wage_floor_update(state, growth, report)
    finance.entry(state, report)
    f.output = np.where(f.alive, f.sales, 0.0)
    ind = indicators(state, report)
    if not state.baseline:
        state.baseline = dict(ind)
    state.institutions.approval = approval(state, ind)
    ind["approval"] = state.institutions.approval
    boards = scoreboards(state, ind)
    ind.update(boards)
    scores = role_scores(state, ind, boards)
    state.history.append(ind)
    full = {
        "round": state.round,
        "indicators": ind,
        "scoreboards": boards,
        "scores": scores,
        "news": list(state.news),
        "details": report,
    }
    state.reports.append(full)
    for d in state.decisions.values():
        for k in ONE_ROUND_DECISIONS:
            d.pop(k, None)
    state.phase = "report"
    return full
