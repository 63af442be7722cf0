"""Private decisions per role (GAME.md section 6): each role's validator, and what a firm can
spend and a broker has time for. `decide` is the command that sets them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from district.server.engine.checks import entries, firm_ref, flag, need_phase, num
from district.server.engine.errors import EngineError
from district.server.engine.markets import PRICE_STANCE_SPREAD
from district.server.engine.scenario import FOCI
from district.server.engine.state import State

Event = dict[str, Any]


def spendable(state: State, firm: int) -> float:
    """Cash plus the credit still open to a firm: the most it can commit this round."""
    f = state.firms
    prm = state.params
    limit = f.credit[firm] * prm.credit_limit_revenue * max(f.revenue[firm], f.workers[firm] * 30.0)
    return float(f.cash[firm] + max(0.0, limit - f.debt[firm]))


# --- limits: the ranges every validator below checks, and the view shows -----------------------

Limits = dict[str, dict[str, Any]]

GOV_SPEND = (
    "enforcement_spend",
    "network_grant",
    "broker_programme",
    "infrastructure",
    "publicity",
)
GOV_HELP = {
    "enforcement_spend": "labour inspection spend per round (k)",
    "network_grant": "grants per round to networks that qualify (k)",
    "broker_programme": "funds brokers' hours, per round (k)",
    "infrastructure": "roads, parks and centres, per round (k)",
    "publicity": "publicity for approval, per round (k)",
}


def _stance_words(x: float) -> str:
    pct = round(abs(x) * PRICE_STANCE_SPREAD * 100)
    return "the market's price" if pct == 0 else f"{pct}% {'below' if x < 0 else 'above'} market"


# the price stance's points in words (a client shows these instead of the number; any number in
# min..max is still valid): the commodity price is the market's times (1 + spread x stance)
PRICE_LABELS = [
    {"value": x, "label": word, "says": _stance_words(x)}
    for x, word in (
        (-1.0, "undercut hard"),
        (-0.5, "undercut"),
        (0.0, "market price"),
        (0.5, "premium"),
        (1.0, "full premium"),
    )
]


def _number(lo: float, hi: float, help_: str, integer: bool = False) -> dict[str, Any]:
    return {"type": "int" if integer else "float", "min": lo, "max": hi, "help": help_}


# decision_limits is asked for on every `decide` and every view; its answer depends only on the
# figures in its key, so equal keys share one answer (read-only: nobody may change it)
_LIMITS_CACHE: dict[tuple[str, float, float, float], Limits] = {}
_LIMITS_CACHE_MOST = 4096


def decision_limits(state: State, seat: str) -> Limits:
    """The seat's decision limits (see `compute_limits`), shared between calls whose inputs are
    equal: the caller must not change the answer."""
    role = state.seats[seat].role if seat in state.seats else ""
    inst = state.institutions
    workers = float(state.firms.workers[state.firm_of(seat)]) if role == "firm" else 0.0
    key = (role, float(inst.wage_floor), float(inst.reference_wage), workers)
    lim = _LIMITS_CACHE.get(key)
    if lim is None:
        if len(_LIMITS_CACHE) >= _LIMITS_CACHE_MOST:
            _LIMITS_CACHE.clear()
        lim = _LIMITS_CACHE[key] = compute_limits(state, seat)
    return lim


def compute_limits(state: State, seat: str) -> Limits:
    """{decision: {type, min?, max?, choices?, most?, help}} for the seat's role, computed from the
    state now. The validators take their ranges from here, so what the view shows is what is
    checked. For a list, `most` bounds its length and min/max (if given) the number in each entry;
    a strike (type "map", {firm, demand} or null) has its demand in min..max."""
    role = state.seats[seat].role if seat in state.seats else ""
    inst = state.institutions
    if role == "firm":
        workers = float(state.firms.workers[state.firm_of(seat)])
        return {
            "wage": _number(
                max(1.0, 0.3 * inst.wage_floor),
                5 * inst.reference_wage,
                "base wage per worker per round (k)",
            ),
            "skill_pay": _number(0.0, 1.0, "premium for trained workers, a share of the wage"),
            "training": _number(0.0, 1e7, "training spend this round (k)"),
            "technology": _number(0.0, 1e7, "technology investment this round (k)"),
            "focus": {
                "type": "choice",
                "choices": list(FOCI),
                "help": "commodity: compete on price; niche: quality and export",
            },
            "price": {
                **_number(
                    -1.0,
                    1.0,
                    "your price against the market's: undercutting wins buyers but costs "
                    "rivals' trust; a premium earns more on each unit",
                ),
                "labels": PRICE_LABELS,
            },
            "hire": _number(
                -workers, max(20.0, workers), "workers to hire (negative: let go)", integer=True
            ),
            "poach": _number(0.0, 50.0, "trained workers to lure from rivals", integer=True),
            "bids": {
                "type": "list",
                "most": 20,
                "min": 0.01,
                # what a player reads under the field; the list's form is in docs/protocol.md
                "help": "bid alone for open tenders: your price for each, at most the "
                "tender's (k per unit)",
            },
        }
    if role == "union":
        return {
            "organise": {
                "type": "list",
                "most": 50,
                "min": 0.0,
                "max": 1e6,
                "help": "organising spend at chosen firms (k each)",
            },
            "strike": {
                "type": "map",
                "min": 1.0,
                "max": 10 * inst.reference_wage,
                "help": "strike one firm for a wage demand, or none",
            },
            "campaign": {"type": "list", "most": 50, "help": "firms to campaign against"},
            "training_participation": _number(0.0, 1.0, "share of members joining training"),
            "referral": {"type": "bool", "help": "run a job referral service (10k a round)"},
        }
    if role == "government":
        out: Limits = {k: _number(0.0, 1e8, GOV_HELP[k]) for k in GOV_SPEND}
        out["training_match"] = _number(0.0, 1.0, "share of firms' training spend the state pays")
        out["payroll_tax"] = _number(0.0, 0.3, "tax on payroll")
        return out
    if role == "broker":
        return {
            "events": {
                "type": "list",
                "most": 5,
                "min": 2,
                "max": 40,
                "help": "events this round, each for 2 to 40 firms (firm numbers)",
            },
            "intros": {
                "type": "list",
                "most": 10,
                "help": "introductions this round, each between two different firms",
            },
            "intel": {"type": "bool", "help": "gather intelligence on next round's tenders"},
        }
    return {}


def _in(lim: Limits, k: str, v: Any, where: str) -> float:
    """A number within the limits of decision `k`."""
    x = lim[k]
    return num(v, where, x["min"], x["max"], integer=x["type"] == "int")


def _unknown(lim: Limits, who: str, k: str, where: str) -> EngineError:
    return EngineError(
        "unknown_decision", f"{who} has no decision '{k}' (known: {', '.join(sorted(lim))})", where
    )


# --- decisions per role -----------------------------------------------------------------------


def _firm_decisions(state: State, seat: str, d: dict[str, Any]) -> dict[str, Any]:
    i = state.firm_of(seat)
    lim = decision_limits(state, seat)
    out: dict[str, Any] = {}
    for k, v in d.items():
        w = f"decisions.{k}"
        if k in ("wage", "skill_pay", "training", "technology", "price", "hire", "poach"):
            out[k] = _in(lim, k, v, w)
        elif k == "focus":
            if v not in lim[k]["choices"]:
                raise EngineError(
                    "bad_value", f"'{v}' is not one of: {', '.join(lim[k]['choices'])}", w
                )
            out[k] = v
        elif k == "bids":
            bids = []
            seen: set[str] = set()
            for j, b in enumerate(entries(v, w, lim[k]["most"])):
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
                price = num(b.get("price", t.price), f"{bw}.price", lim[k]["min"], t.price)
                bids.append({"tender": t.id, "price": price})
            out[k] = bids
        else:
            raise _unknown(lim, "a firm", k, w)
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
    lim = decision_limits(state, seat)
    out: dict[str, Any] = {}
    for k, v in d.items():
        w = f"decisions.{k}"
        if k == "organise":
            items = []
            for j, o in enumerate(entries(v, w, lim[k]["most"])):
                if not isinstance(o, dict) or set(o) != {"firm", "spend"}:
                    raise EngineError(
                        "bad_value", "organising is {firm: number, spend: k}", f"{w}[{j}]"
                    )
                items.append(
                    {
                        "firm": firm_ref(state, o["firm"], f"{w}[{j}].firm"),
                        "spend": _in(lim, k, o["spend"], f"{w}[{j}].spend"),
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
                    "demand": _in(lim, k, v["demand"], f"{w}.demand"),
                }
        elif k == "campaign":
            out[k] = [
                firm_ref(state, x, f"{w}[{j}]") for j, x in enumerate(entries(v, w, lim[k]["most"]))
            ]
        elif k == "training_participation":
            out[k] = _in(lim, k, v, w)
        elif k == "referral":
            out[k] = flag(v, w)
        else:
            raise _unknown(lim, "the union", k, w)
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


def _government_decisions(state: State, seat: str, d: dict[str, Any]) -> dict[str, Any]:
    lim = decision_limits(state, seat)
    out: dict[str, Any] = {}
    for k, v in d.items():
        w = f"decisions.{k}"
        if k not in lim:
            raise _unknown(lim, "the government", k, w)
        out[k] = _in(lim, k, v, w)
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
    lim = decision_limits(state, seat)
    out: dict[str, Any] = {}
    for k, v in d.items():
        w = f"decisions.{k}"
        if k == "events":
            ev = lim[k]
            evs = []
            for j, e in enumerate(entries(v, w, ev["most"])):
                attendees = sorted(
                    {firm_ref(state, x, f"{w}[{j}]") for x in entries(e, f"{w}[{j}]", ev["max"])}
                )
                if len(attendees) < ev["min"]:
                    raise EngineError("bad_value", "an event needs at least two firms", f"{w}[{j}]")
                evs.append(attendees)
            out[k] = evs
        elif k == "intros":
            pairs = []
            for j, pr in enumerate(entries(v, w, lim[k]["most"])):
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
            raise _unknown(lim, "a broker", k, w)
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
