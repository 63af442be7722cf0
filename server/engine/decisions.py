"""Private decisions per role (GAME.md section 6): each role's validator, and what a firm can
spend and a broker has time for. `decide` is the command that sets them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from district.server.engine.checks import entries, firm_ref, flag, need_phase, num
from district.server.engine.errors import EngineError
from district.server.engine.scenario import FOCI
from district.server.engine.state import State

Event = dict[str, Any]


def spendable(state: State, firm: int) -> float:
    """Cash plus the credit still open to a firm: the most it can commit this round."""
    f = state.firms
    prm = state.params
    limit = f.credit[firm] * prm.credit_limit_revenue * max(f.revenue[firm], f.workers[firm] * 30.0)
    return float(f.cash[firm] + max(0.0, limit - f.debt[firm]))


# --- decisions per role -----------------------------------------------------------------------


def _firm_decisions(state: State, seat: str, d: dict[str, Any]) -> dict[str, Any]:
    i = state.firm_of(seat)
    f = state.firms
    ref = state.institutions.reference_wage
    out: dict[str, Any] = {}
    for k, v in d.items():
        w = f"decisions.{k}"
        if k == "wage":
            out[k] = num(v, w, max(1.0, 0.3 * state.institutions.wage_floor), 5 * ref)
        elif k == "skill_pay":
            out[k] = num(v, w, 0.0, 1.0)
        elif k in ("training", "technology"):
            out[k] = num(v, w, 0.0, 1e7)
        elif k == "focus":
            if v not in FOCI:
                raise EngineError("bad_value", f"'{v}' is not one of: {', '.join(FOCI)}", w)
            out[k] = v
        elif k == "price":
            out[k] = num(v, w, -1.0, 1.0)
        elif k == "hire":
            out[k] = num(v, w, -float(f.workers[i]), max(20.0, float(f.workers[i])), integer=True)
        elif k == "poach":
            out[k] = num(v, w, 0.0, 50.0, integer=True)
        elif k == "bids":
            bids = []
            seen: set[str] = set()
            for j, b in enumerate(entries(v, w, 20)):
                bw = f"{w}[{j}]"
                if not isinstance(b, dict) or set(b) - {"tender", "price"} or "tender" not in b:
                    raise EngineError("bad_value", "a bid is {tender: id, price: k per unit}", bw)
                t = next((t for t in state.tenders if t.id == b["tender"]), None)
                if t is None or t.status != "open":
                    open_ids = [t.id for t in state.tenders if t.status == "open"] or ["none"]
                    raise EngineError(
                        "tender_not_open",
                        f"tender {b['tender']!r} is not open for bids "
                        f"(open: {', '.join(open_ids)})",
                        bw,
                    )
                if t.id in seen:
                    raise EngineError("duplicate", f"two bids for tender {t.id}", bw)
                seen.add(t.id)
                price = num(b.get("price", t.price), f"{bw}.price", 0.01, t.price)
                bids.append({"tender": t.id, "price": price})
            out[k] = bids
        else:
            raise EngineError(
                "unknown_decision",
                f"a firm has no decision '{k}' (known: bids, focus, "
                "hire, poach, price, skill_pay, technology, training, wage)",
                w,
            )
    money = out.get("training", state.decisions.get(seat, {}).get("training", 0.0)) + out.get(
        "technology", state.decisions.get(seat, {}).get("technology", 0.0)
    )
    can = spendable(state, i)
    if money > 0 and money > can:
        raise EngineError(
            "cannot_afford",
            f"training and technology come to {money:.0f}k, more than "
            f"you can spend this round ({can:.0f}k: cash plus open credit)",
            "decisions",
        )
    return out


def _union_decisions(state: State, seat: str, d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        w = f"decisions.{k}"
        if k == "organise":
            items = []
            for j, o in enumerate(entries(v, w, 50)):
                if not isinstance(o, dict) or set(o) != {"firm", "spend"}:
                    raise EngineError(
                        "bad_value", "organising is {firm: number, spend: k}", f"{w}[{j}]"
                    )
                items.append(
                    {
                        "firm": firm_ref(state, o["firm"], f"{w}[{j}].firm"),
                        "spend": num(o["spend"], f"{w}[{j}].spend", 0, 1e6),
                    }
                )
            out[k] = items
        elif k == "strike":
            if v is None:
                out[k] = None
            else:
                if not isinstance(v, dict) or set(v) != {"firm", "demand"}:
                    raise EngineError(
                        "bad_value", "a strike is {firm: number, demand: wage} or null", w
                    )
                out[k] = {
                    "firm": firm_ref(state, v["firm"], f"{w}.firm"),
                    "demand": num(
                        v["demand"], f"{w}.demand", 1, 10 * state.institutions.reference_wage
                    ),
                }
        elif k == "campaign":
            out[k] = [firm_ref(state, x, f"{w}[{j}]") for j, x in enumerate(entries(v, w, 50))]
        elif k == "training_participation":
            out[k] = num(v, w, 0, 1)
        elif k == "referral":
            out[k] = flag(v, w)
        else:
            raise EngineError(
                "unknown_decision",
                f"the union has no decision '{k}' (known: campaign, "
                "organise, referral, strike, training_participation)",
                w,
            )
    spend = sum(o["spend"] for o in out.get("organise", [])) + (
        10.0 if out.get("referral") else 0.0
    )
    if spend > state.accounts.union:
        raise EngineError(
            "cannot_afford",
            f"organising and referral cost {spend:.0f}k; the union has {state.accounts.union:.0f}k",
            "decisions",
        )
    return out


GOV_SPEND = (
    "enforcement_spend",
    "network_grant",
    "broker_programme",
    "infrastructure",
    "publicity",
)


def _government_decisions(state: State, seat: str, d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        w = f"decisions.{k}"
        if k in GOV_SPEND:
            out[k] = num(v, w, 0, 1e8)
        elif k == "training_match":
            out[k] = num(v, w, 0, 1)
        elif k == "payroll_tax":
            out[k] = num(v, w, 0, 0.3)
        else:
            raise EngineError(
                "unknown_decision",
                f"the government has no decision '{k}' (known: "
                f"{', '.join(sorted(GOV_SPEND + ('training_match', 'payroll_tax')))})",
                w,
            )
    merged = {**state.decisions.get(seat, {}), **out}
    spend = sum(merged.get(k, 0.0) for k in GOV_SPEND if k != "network_grant")
    if spend > max(0.0, state.accounts.government):
        raise EngineError(
            "cannot_afford",
            f"programmes come to {spend:.0f}k a round; the budget holds "
            f"{state.accounts.government:.0f}k",
            "decisions",
        )
    return out


def _broker_decisions(state: State, seat: str, d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        w = f"decisions.{k}"
        if k == "events":
            evs = []
            for j, e in enumerate(entries(v, w, 5)):
                attendees = sorted(
                    {firm_ref(state, x, f"{w}[{j}]") for x in entries(e, f"{w}[{j}]", 40)}
                )
                if len(attendees) < 2:
                    raise EngineError("bad_value", "an event needs at least two firms", f"{w}[{j}]")
                evs.append(attendees)
            out[k] = evs
        elif k == "intros":
            pairs = []
            for j, pr in enumerate(entries(v, w, 10)):
                pr = entries(pr, f"{w}[{j}]", 2)
                a, b = (firm_ref(state, x, f"{w}[{j}]") for x in pr) if len(pr) == 2 else (-1, -1)
                if a < 0 or a == b:
                    raise EngineError(
                        "bad_value", "an introduction is two different firms [a, b]", f"{w}[{j}]"
                    )
                pairs.append([a, b])
            out[k] = pairs
        elif k == "intel":
            out[k] = flag(v, w)
        else:
            raise EngineError(
                "unknown_decision",
                f"a broker has no decision '{k}' (known: events, intel, intros)",
                w,
            )
    hours = planned_hours(state, {**state.decisions.get(seat, {}), **out})
    have = broker_hours(state, seat)
    if hours > have + 1e-9:
        raise EngineError(
            "no_time",
            f"these plans take {hours:g} hours; you have {have:g} this round",
            "decisions",
        )
    return out


def planned_hours(state: State, decisions: dict[str, Any]) -> float:
    """Hours a broker's planned events, introductions and intelligence take."""
    prm = state.params
    return (
        len(decisions.get("events", [])) * prm.event_hours
        + len(decisions.get("intros", [])) * prm.intro_hours
        + (prm.intel_hours if decisions.get("intel") else 0.0)
    )


def broker_hours(state: State, seat: str) -> float:
    """Hours a broker has this round, less what drafting deals has used."""
    bs = state.broker_state[seat]
    return float(bs["hours"] - bs.get("drafted_hours", 0.0))


DECIDERS: dict[str, Callable[[State, str, dict[str, Any]], dict[str, Any]]] = {
    "firm": _firm_decisions,
    "union": _union_decisions,
    "government": _government_decisions,
    "broker": _broker_decisions,
}


def decide(state: State, seat: str, cmd: dict[str, Any]) -> list[Event]:
    need_phase(state, "negotiation", "deciding")
    d = cmd.get("decisions")
    if not isinstance(d, dict) or not d:
        raise EngineError("bad_value", "expected decisions: {name: value, ...}", "decisions")
    role = state.seats[seat].role
    if role == "firm" and not state.firms.alive[state.firm_of(seat)]:
        raise EngineError("firm_closed", "your firm has closed; you can still talk and watch")
    clean = DECIDERS[role](state, seat, d)
    state.decisions.setdefault(seat, {}).update(clean)
    return [{"kind": "decided", "audience": [seat], "seat": seat, "decisions": clean}]
