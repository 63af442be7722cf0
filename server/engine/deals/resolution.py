"""What signed deals do in a round's resolution: each step walks the active deals in the order they
were made and calls their kind's hook (see `kind.Kind` for the hooks and when they run).

- take_effect: per-round flows at the start of resolution (levies collect and train, fees, grants),
  and the failures of deals signed across a trust gate they did not meet.
- consortium_bids: active joint bids bid as one when tenders are awarded.
- move_work: after tender obligations (subcontracts move capacity from supplier to buyer).
- enforce: after finance: delivery and penalties, repayments and audits, fulfilment at the end of
  a term with trust from kept promises; then unsigned proposals expire.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine.deals import deal_summary, expire_proposals
from district.server.engine.deals.kind import Resolution, firms_of, trust_among
from district.server.engine.deals.kinds import KINDS
from district.server.engine.markets import factor_access
from district.server.engine.state import State


def take_effect(state: State, report: dict[str, Any]) -> None:
    f = state.firms
    res = Resolution(report, KINDS)
    # the scenario's pass-through clause, raised while a levy with a clause or union seat runs
    state.institutions.pass_through_clause = state.scenario.institutions["pass_through_clause"]
    state.union_state["policed"] = []  # signatories a standards agreement's union polices
    for d in list(state.deals.values()):
        if d.status != "active":
            continue
        kind = KINDS[d.kind]
        members = [i for i in firms_of(state, d) if f.alive[i]]
        if d.forced and members and kind.fails_when_forced:
            p_fail = min(0.9, 0.3 + 2.0 * (d.gate - d.trust))
            if state.rng.random() < p_fail:
                worst = min(
                    members,
                    key=lambda i: min((state.trust[j, i] for j in members if j != i), default=1.0),
                )
                d.ledger["defector"] = float(worst)
                if kind.pulled_out(state, d, worst, res):
                    continue
        kind.each_round(state, d, members, res)


def consortium_bids(
    state: State, cap: np.ndarray, report: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The bids of active deals (joint bids whose tender is open), one per deal."""
    res = Resolution(report, KINDS)
    access = factor_access(state)
    out = []
    for d in state.deals.values():
        if d.status != "active":
            continue
        bid = KINDS[d.kind].bids(state, d, cap, access, res)
        if bid is not None:
            out.append(bid)
    return out


def move_work(state: State, cap: np.ndarray, report: dict[str, Any]) -> None:
    res = Resolution(report, KINDS)
    for d in state.deals.values():
        if d.status == "active":
            KINDS[d.kind].move_work(state, d, cap, res)


def enforce(state: State, report: dict[str, Any]) -> None:
    res = Resolution(report, KINDS)
    for d in list(state.deals.values()):
        if d.status != "active":
            if d.signed_round and d.status in ("fulfilled", "breached"):
                KINDS[d.kind].aftermath(state, d)
            continue
        kind = KINDS[d.kind]
        members = firms_of(state, d)
        kind.enforce(state, d, members, res)
        if d.status == "active" and kind.ends_at_term and state.round >= d.ends_round:
            kind.term_ends(state, d, res)
            trust_among(state, members, 0.05)  # kept promises
            kind.end(state, d, "fulfilled")
    report["expired_proposals"] = expire_proposals(state)
    report["deal_summary"] = deal_summary(state)
