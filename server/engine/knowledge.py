"""What one seat may know of the state, for the answers it gets to its own questions.

A refusal, or a preview's figures, must not turn on another party's private figures, or anyone
could learn them by bisection (ask about 100k, then 50k, ...). So a proposal, a counter and a
preview are checked against `as_known_to(state, seat)`: the state with every other firm's
private figures (cash, revenue, productivity, exact capabilities) and every other seat's purse
replaced by what the seat may know, values that let every check of them pass. The counterparty's
own limits are checked where the counterparty acts: when the deal is signed at its acceptance.

`public_decisions` is what a seat may know of another seat's decisions this round: nothing it has
not disclosed, only what is in force and public (the government's programmes); a firm's standing
wage and focus stay in the firm arrays, as last applied.

Both are pure: they build new objects and never write to the state they are given.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from district.server.engine.state import State, role_of

UNKNOWN = math.inf  # a private figure the seat cannot know: no check of it can refuse


def as_known_to(state: State, seat: str) -> State:
    """A shallow copy of `state` for checking what `seat` asks for: other firms' private figures
    and other seats' purses are UNKNOWN (capabilities: the public operations list, a firm either
    does an operation or not). Only for checks: it shares every other part with `state`."""
    f = state.firms
    own = state.firm_of(seat) if role_of(seat) == "firm" else -1
    others = np.ones(f.n, dtype=bool)
    if own >= 0:
        others[own] = False

    def hide(a: np.ndarray) -> np.ndarray:
        out = a.astype(float, copy=True)
        out[others] = UNKNOWN
        return out

    caps = f.caps.copy()
    caps[others] = np.where(f.caps[others] > 0.05, 1.0, 0.0)
    firms = dataclasses.replace(
        f,
        cash=hide(f.cash),
        revenue=hide(f.revenue),
        productivity=hide(f.productivity),
        caps=caps,
    )
    a = state.accounts
    accounts = dataclasses.replace(
        a,
        government=a.government if seat == "government" else UNKNOWN,
        union=a.union if seat == "union" else UNKNOWN,
        brokers={b: (v if b == seat else UNKNOWN) for b, v in a.brokers.items()},
    )
    return dataclasses.replace(state, firms=firms, accounts=accounts)


def public_decisions(state: State, seat: str) -> dict[str, Any]:
    """What anyone may know of `seat`'s decisions this round before the round is resolved: for
    the government, the programmes in force (public); for everyone else nothing (their standing
    values stay in the state as last applied)."""
    if seat != "government":
        return {}
    inst = state.institutions
    return {
        "payroll_tax": inst.payroll_tax,
        "training_match": inst.training_match,
        "network_grant": inst.network_grant,
        "enforcement_spend": inst.enforcement_spend,
        "infrastructure": inst.infrastructure_spend,
        "publicity": inst.publicity,
        "broker_programme": inst.broker_programme,
    }


def known_decisions(state: State, seat: str) -> dict[str, dict[str, Any]]:
    """Every seat's decisions as `seat` may know them: its own in full, the others' public part."""
    return {
        s: (dict(d) if s == seat else public_decisions(state, s))
        for s, d in state.decisions.items()
    }
