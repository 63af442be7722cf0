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

`public_estimate` is the state a preview resolves (engine/preview.py): the seat's own figures as
they are, and everything private of the others replaced by an estimate made of public figures
only (the district's published indicators of the last round, or of the opening; the scenario's
settings; what each firm shows in the public firm table). Two states that differ only in something
private of another seat give the same estimate, so a preview's figures cannot reveal it.

Both are pure: they build new objects and never write to the state they are given.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from district.server.engine.state import Firms, State, role_of

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


# Firms' fields everyone sees (the public firm table: engine/views.py) or that follow from public
# deals (a levy's anti-poaching clause); the others' values of every other field are estimated.
PUBLIC_FIRM_FIELDS = frozenset(
    {
        "name",
        "sector",
        "x",
        "y",
        "alive",
        "born",
        "died",
        "reputation",
        "focus",
        "union_share",
        "preferred",
        "audited",
        "anti_poach",
    }
)
ESTIMATED_FIRM_FIELDS = frozenset(
    {
        "workers",  # the public table's whole number
        "skilled",
        "skill",
        "technology",
        "caps",
        "wage",
        "skill_pay",
        "cash",
        "debt",
        "public_debt",
        "credit",
        "road",
        "compliant",
        "underpaid",
        "pipeline",
        "training_spend",
        "funded_trainees",
        "tech_spend",
        "price_stance",
        "poach",
        "hire",
        "quality",
        "productivity",
        "output",
        "sales",
        "exports",
        "revenue",
        "profit",
        "lost_skilled",
        "gained_skilled",
        "trained",
        "fines",
        "rent_pay",  # the workers' share of its rent: private, like its profit
        "drawn",
        "revenue_total",
        "profit_total",
        "net_worth0",
    }
)
ESTIMATE_CASH_ROUNDS = 2.0  # another firm's cash: this many rounds of its estimated wage bill


def published(state: State) -> dict[str, float]:
    """The district's indicators everyone has seen: the last round's report, or the opening's."""
    return dict(state.history[-1]) if state.history else dict(state.start)


def public_estimate(state: State, seat: str) -> State:
    """The state as `seat` may estimate it (see the module's note): a new state sharing nothing
    mutable it changes with `state`; the seat's own figures, decisions and deals as they are."""
    pub = published(state)
    sc = state.scenario
    f = state.firms
    own = state.firm_of(seat) if role_of(seat) == "firm" else -1
    others = np.ones(f.n, dtype=bool)
    if own >= 0:
        others[own] = False
    bg = sc.background
    floor = state.institutions.wage_floor
    trained_share = float(pub.get("trained_share", 0.0))
    premium = float(state.params.skilled_premium_market)
    wage = max(floor, float(pub.get("mean_wage", floor)) / (1.0 + trained_share * premium))
    workers = np.round(f.workers)
    productivity = float(pub.get("productivity", 1.0))
    sales = workers * productivity
    export_share = float(pub.get("exports", 0.0)) / max(float(pub.get("output", 0.0)), 1e-9)
    bill = workers * wage * (1.0 + trained_share * premium)
    cash = ESTIMATE_CASH_ROUNDS * bill
    price = state.markets.commodity_price
    estimate: dict[str, np.ndarray] = {
        "workers": workers,
        "skilled": np.floor(workers * trained_share),
        "skill": np.full(f.n, float(pub.get("mean_skill", 0.5))),
        "technology": np.full(f.n, sum(bg.technology) / 2),
        "caps": np.where(f.caps > 0.05, sum(bg.capability) / 2, 0.0),
        "wage": np.full(f.n, wage),
        "skill_pay": np.full(f.n, premium),
        "cash": cash,
        "credit": np.full(f.n, float(pub.get("credit_standing", 0.8))),
        "road": np.full(f.n, 2, dtype=f.road.dtype),  # mixed: each firm's policy is its own
        "compliant": np.full(f.n, wage >= floor),
        "quality": np.full(f.n, float(pub.get("quality", 0.5))),
        "productivity": np.full(f.n, productivity),
        "output": sales,
        "sales": sales,
        "exports": np.where(f.exports > 0, sales * export_share, 0.0),  # public: exporter or not
        "revenue": sales * price,
        "profit": np.where(f.profit < 0, -1.0, 0.0),  # public: struggling or healthy
        "net_worth0": cash,
    }
    values: dict[str, Any] = {}
    for fl in dataclasses.fields(Firms):
        a = getattr(f, fl.name)
        if fl.name in PUBLIC_FIRM_FIELDS:
            values[fl.name] = a
            continue
        if fl.name not in ESTIMATED_FIRM_FIELDS:
            raise KeyError(f"firm field {fl.name!r} is neither public nor estimated (knowledge.py)")
        guess = estimate.get(fl.name)
        out = a.copy()
        out[others] = guess[others].astype(a.dtype) if guess is not None else 0
        values[fl.name] = out
    firms = Firms(**values)

    trust = np.full_like(state.trust, float(pub.get("mean_trust", sc.trust["firms"])))
    if own >= 0:  # its own relations, as its view shows them (taken as mutual)
        trust[own, :] = state.trust[own, :]
        trust[:, own] = state.trust[own, :]
    inst_trust = np.array(
        [np.full(f.n, float(sc.trust[iid.split(":")[0]])) for iid in state.inst_ids]
    ).reshape(state.inst_trust.shape)
    if seat in state.inst_ids:
        r = state.inst_ids.index(seat)
        inst_trust[r] = state.inst_trust[r]

    a = state.accounts
    inst = sc.institutions
    accounts = dataclasses.replace(
        a,
        government=a.government
        if seat == "government"
        else float(pub.get("government_budget", inst["government_budget"])),
        union=a.union if seat == "union" else float(pub.get("union_funds", inst["union_funds"])),
        brokers={
            b: (v if b == seat else float(inst["broker_funds"])) for b, v in a.brokers.items()
        },
    )
    return dataclasses.replace(
        state,
        firms=firms,
        trust=trust,
        inst_trust=inst_trust,
        accounts=accounts,
        decisions=known_decisions(state, seat),
        deals=estimated_deals(state, seat),
        cache={},
    )


def estimated_deals(state: State, seat: str) -> dict[str, Any]:
    """The deals as `seat` may know them: its own whole; the others' signed deals (public) with
    their private terms estimated by their kind; the others' proposals (private) left out."""
    from district.server.engine.deals import KINDS, visible_deals  # deals import this module

    seen = {d["id"] for d in visible_deals(state, seat)}
    out: dict[str, Any] = {}
    for k, d in state.deals.items():
        if k not in seen:
            continue
        if seat in d.parties or seat == d.drafted_by:
            out[k] = d
            continue
        terms = KINDS[d.kind].public_estimate(state, d)
        if terms is not None:
            out[k] = dataclasses.replace(d, terms=terms, ledger=_estimated_ledger(d.ledger, terms))
    return out


def _estimated_ledger(ledger: dict[str, float], terms: dict[str, Any]) -> dict[str, float]:
    """A deal's running amounts with a private term's copy (a loan's rate) at its estimate."""
    return {k: (float(terms[k]) if k in terms else v) for k, v in ledger.items()}
