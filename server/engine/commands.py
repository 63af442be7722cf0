"""`apply(state, seat, command) -> events`: one command from one seat, validated, then applied.

A refused command raises EngineError with a stable code and a readable message, and leaves the
state exactly as it was (everything is checked before anything is written).

Events are dicts with a `kind` and an `audience`: "public" or a list of seat ids.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from district.server.engine.errors import EngineError
from district.server.engine.scenario import EVENT_KINDS, FOCI, MARKETS, EventSpec
from district.server.engine.state import State

Event = dict[str, Any]

MAX_TEXT = 500


def _num(v: Any, where: str, lo: float, hi: float, integer: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise EngineError("bad_value", f"expected a number, got {v!r}", where)
    if integer and int(v) != v:
        raise EngineError("bad_value", f"expected a whole number, got {v!r}", where)
    if not lo <= v <= hi:
        raise EngineError("out_of_range", f"{v:g} is out of range ({lo:g} to {hi:g})", where)
    return float(v)


def _firm_ref(state: State, v: Any, where: str, alive: bool = True) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise EngineError("bad_value", f"expected a firm number, got {v!r}", where)
    if not 0 <= v < state.firms.n:
        raise EngineError(
            "unknown_firm", f"there is no firm {v} (firms are 0 to {state.firms.n - 1})", where
        )
    if alive and not state.firms.alive[v]:
        raise EngineError("firm_closed", f"firm {v} ({state.firms.name[v]}) has closed", where)
    return v


def _list(v: Any, where: str, most: int) -> list[Any]:
    if not isinstance(v, list):
        raise EngineError("bad_value", f"expected a list, got {v!r}", where)
    if len(v) > most:
        raise EngineError("too_many", f"at most {most} entries, got {len(v)}", where)
    return v


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
            out[k] = _num(v, w, max(1.0, 0.3 * state.institutions.wage_floor), 5 * ref)
        elif k == "skill_pay":
            out[k] = _num(v, w, 0.0, 1.0)
        elif k in ("training", "technology"):
            out[k] = _num(v, w, 0.0, 1e7)
        elif k == "focus":
            if v not in FOCI:
                raise EngineError("bad_value", f"'{v}' is not one of: {', '.join(FOCI)}", w)
            out[k] = v
        elif k == "price":
            out[k] = _num(v, w, -1.0, 1.0)
        elif k == "hire":
            out[k] = _num(v, w, -float(f.workers[i]), max(20.0, float(f.workers[i])), integer=True)
        elif k == "poach":
            out[k] = _num(v, w, 0.0, 50.0, integer=True)
        elif k == "bids":
            bids = []
            seen: set[str] = set()
            for j, b in enumerate(_list(v, w, 20)):
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
                price = _num(b.get("price", t.price), f"{bw}.price", 0.01, t.price)
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
            for j, o in enumerate(_list(v, w, 50)):
                if not isinstance(o, dict) or set(o) != {"firm", "spend"}:
                    raise EngineError(
                        "bad_value", "organising is {firm: number, spend: k}", f"{w}[{j}]"
                    )
                items.append(
                    {
                        "firm": _firm_ref(state, o["firm"], f"{w}[{j}].firm"),
                        "spend": _num(o["spend"], f"{w}[{j}].spend", 0, 1e6),
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
                    "firm": _firm_ref(state, v["firm"], f"{w}.firm"),
                    "demand": _num(
                        v["demand"], f"{w}.demand", 1, 10 * state.institutions.reference_wage
                    ),
                }
        elif k == "campaign":
            out[k] = [_firm_ref(state, x, f"{w}[{j}]") for j, x in enumerate(_list(v, w, 50))]
        elif k == "training_participation":
            out[k] = _num(v, w, 0, 1)
        elif k == "referral":
            if not isinstance(v, bool):
                raise EngineError("bad_value", f"expected true or false, got {v!r}", w)
            out[k] = v
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
            out[k] = _num(v, w, 0, 1e8)
        elif k == "training_match":
            out[k] = _num(v, w, 0, 1)
        elif k == "payroll_tax":
            out[k] = _num(v, w, 0, 0.3)
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
            for j, e in enumerate(_list(v, w, 5)):
                attendees = sorted(
                    {_firm_ref(state, x, f"{w}[{j}]") for x in _list(e, f"{w}[{j}]", 40)}
                )
                if len(attendees) < 2:
                    raise EngineError("bad_value", "an event needs at least two firms", f"{w}[{j}]")
                evs.append(attendees)
            out[k] = evs
        elif k == "intros":
            pairs = []
            for j, pr in enumerate(_list(v, w, 10)):
                pr = _list(pr, f"{w}[{j}]", 2)
                a, b = (_firm_ref(state, x, f"{w}[{j}]") for x in pr) if len(pr) == 2 else (-1, -1)
                if a < 0 or a == b:
                    raise EngineError(
                        "bad_value", "an introduction is two different firms [a, b]", f"{w}[{j}]"
                    )
                pairs.append([a, b])
            out[k] = pairs
        elif k == "intel":
            if not isinstance(v, bool):
                raise EngineError("bad_value", f"expected true or false, got {v!r}", w)
            out[k] = v
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


# --- commands --------------------------------------------------------------------------------


def _need_phase(state: State, phase: str, what: str) -> None:
    if state.phase != phase:
        raise EngineError(
            "wrong_phase",
            f"{what} is only possible in the {phase} phase "
            f"(now: {state.phase}, round {state.round})",
        )


def _decide(state: State, seat: str, cmd: dict[str, Any]) -> list[Event]:
    _need_phase(state, "negotiation", "deciding")
    d = cmd.get("decisions")
    if not isinstance(d, dict) or not d:
        raise EngineError("bad_value", "expected decisions: {name: value, ...}", "decisions")
    role = state.seats[seat].role
    if role == "firm" and not state.firms.alive[state.firm_of(seat)]:
        raise EngineError("firm_closed", "your firm has closed; you can still talk and watch")
    clean = DECIDERS[role](state, seat, d)
    state.decisions.setdefault(seat, {}).update(clean)
    return [{"kind": "decided", "audience": [seat], "seat": seat, "decisions": clean}]


def _ready(state: State, seat: str, cmd: dict[str, Any]) -> list[Event]:
    _need_phase(state, "negotiation", "saying ready")
    ready = cmd.get("ready", True)
    if not isinstance(ready, bool):
        raise EngineError("bad_value", f"expected true or false, got {ready!r}", "ready")
    if ready:
        state.ready.add(seat)
    else:
        state.ready.discard(seat)
    return [{"kind": "ready", "audience": "public", "seat": seat, "ready": ready}]


def _inject(state: State, seat: str, cmd: dict[str, Any]) -> list[Event]:
    if seat != "facilitator":
        raise EngineError("forbidden", "only the facilitator can inject events")
    if state.phase == "ended":
        raise EngineError("wrong_phase", "the game has ended")
    e = cmd.get("event")
    if not isinstance(e, dict):
        raise EngineError(
            "bad_value", "expected event: {kind, value, headline, market?, keep?}", "event"
        )
    kind = e.get("kind")
    if kind not in EVENT_KINDS:
        raise EngineError(
            "bad_value",
            f"unknown event kind {kind!r} (known: {', '.join(EVENT_KINDS)})",
            "event.kind",
        )
    headline = e.get("headline", kind)
    if not isinstance(headline, str) or len(headline) > MAX_TEXT:
        raise EngineError(
            "bad_value", f"a headline is text of at most {MAX_TEXT} characters", "event.headline"
        )
    value = _num(e.get("value", 0.0), "event.value", -1e6, 1e6)
    market = e.get("market", "")
    if kind == "demand" and market not in MARKETS:
        raise EngineError(
            "bad_value",
            f"a demand event needs market = one of {', '.join(MARKETS)}",
            "event.market",
        )
    keep = int(_num(e.get("keep", 0), "event.keep", 0, 1e5, integer=True))
    spec = EventSpec(
        round=max(1, state.round),
        kind=kind,
        value=value,
        headline=headline,
        market=market,
        keep=keep,
        source="facilitator",
    )
    from district.server.engine.events import fire_event

    return fire_event(state, spec)


def _chat(state: State, seat: str, cmd: dict[str, Any]) -> list[Event]:
    from district.server.engine.chat import chat

    return chat(state, seat, cmd)


def _mute(state: State, seat: str, cmd: dict[str, Any]) -> list[Event]:
    if seat != "facilitator":
        raise EngineError("forbidden", "only the facilitator can mute the chat")
    muted = cmd.get("muted", True)
    if not isinstance(muted, bool):
        raise EngineError("bad_value", f"expected true or false, got {muted!r}", "muted")
    state.chat_muted = muted
    return [{"kind": "chat_muted", "audience": "public", "muted": muted}]


COMMANDS: dict[str, Callable[[State, str, dict[str, Any]], list[Event]]] = {
    "decide": _decide,
    "ready": _ready,
    "inject_event": _inject,
    "chat": _chat,
    "mute_chat": _mute,
}
FACILITATOR_COMMANDS = {"inject_event", "chat", "mute_chat"}


def register(name: str, handler: Callable[[State, str, dict[str, Any]], list[Event]]) -> None:
    COMMANDS[name] = handler


def apply(state: State, seat: str, command: dict[str, Any]) -> list[Event]:
    """Validate and apply one command of one seat. Raises EngineError and changes nothing if refused."""
    if not isinstance(command, dict):
        raise EngineError(
            "bad_command", f"a command is a map with a 'type', got {type(command).__name__}"
        )
    kind = command.get("type")
    if kind not in COMMANDS:
        raise EngineError(
            "unknown_command",
            f"unknown command type {kind!r} (known: {', '.join(sorted(COMMANDS))})",
            "type",
        )
    if seat != "facilitator" and seat not in state.seats:
        raise EngineError("unknown_seat", f"there is no seat {seat!r} in this game")
    if "round" in command and command["round"] != state.round:
        raise EngineError(
            "stale",
            f"this command was made in round {command['round']!r}; "
            f"the game is in round {state.round}",
            "round",
        )
    if seat == "facilitator" and kind not in FACILITATOR_COMMANDS:
        raise EngineError("forbidden", "the facilitator steers the game; it does not play a seat")
    return COMMANDS[kind](state, seat, command)
