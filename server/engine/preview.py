"""The private preview: what a deal would do to the asking seat's own numbers next round, computed
on two copies of the state (one with the deal signed, one without), each resolved with the
decisions the asking seat may know (its own; of the others only what is public). A query: it
changes nothing and is not a command (never logged or replayed). Nothing of other seats is
revealed: only the seat's own numbers are read from the copies, the terms are checked against
the seat's own private limits only (the counterparties' are checked when they accept), and
another seat's undisclosed decisions do not enter the figures."""

from __future__ import annotations

import re
from typing import Any

from district.server.engine.checks import check_seat_and_round, deal_ref, need_phase, party_to
from district.server.engine.deals import (
    KINDS,
    Deal,
    check_kind,
    check_parties,
    check_terms,
    sign,
)
from district.server.engine.errors import EngineError
from district.server.engine.knowledge import public_estimate
from district.server.engine.resolve import resolve
from district.server.engine.snapshot import copy_state
from district.server.engine.state import State, role_of


def preview(state: State, seat: str, request: dict[str, Any]) -> dict[str, Any]:
    """`request`: {deal: an id the seat is party to} or {kind, parties, terms}. Only while
    negotiating. Returns {kind: "preview", deal_kind, without, with, delta, deal}; raises
    EngineError if refused."""
    if not isinstance(request, dict):
        raise EngineError(
            "bad_command", f"a preview request is a map, got {type(request).__name__}"
        )
    check_seat_and_round(state, seat, request)
    if seat not in state.seats:
        raise EngineError("forbidden", "only a seat can preview what a deal does to its numbers")
    need_phase(state, "negotiation", "previewing a deal")
    if "deal" in request:
        d0 = deal_ref(state, request.get("deal"), "deal")
        party_to(d0, seat, "deal")
        kind, parties, terms = d0.kind, list(d0.parties), dict(d0.terms)
    else:
        kind = check_kind(request.get("kind"))
        parties = check_parties(state, kind, request.get("parties"), seat)
        terms = check_terms(state, kind, request.get("terms", {}), parties, known_to=seat)
    known = known_copy(state, seat)

    kept: dict[str, Any] = {}  # the resolved copies, for the reason a deal would do nothing

    def outcome(with_deal: bool) -> dict[str, float]:
        s = copy_state(known)
        if with_deal:
            d = Deal(
                id="preview",
                kind=kind,
                parties=parties,
                proposer=seat,
                terms=terms,
                round_proposed=s.round,
                responses={p: "accept" for p in parties},
            )
            s.deals[d.id] = d
            sign(s, d, known_to=seat)
        report = resolve(s)
        kept["with" if with_deal else "without"] = (s, report)
        return own_numbers(s, seat)

    a, b = outcome(False), outcome(True)
    delta = {k: round(b[k] - a[k], 2) for k in a}
    return {
        "kind": "preview",
        "deal_kind": kind,
        "without": a,
        "with": b,
        "delta": delta,
        "deal": request.get("deal", ""),
        "no_deal": no_deal_line(a),
        "reason": no_change_reason(state, seat, kind, terms, delta, kept),
    }


def known_copy(state: State, seat: str) -> State:
    """The state as `seat` may estimate it (engine/knowledge.py `public_estimate`; `outcome`
    copies it deeply): its own figures, decisions and deals in full; of the others only what is
    public, and public estimates of the rest (another firm's cash, skill or capacity, a private
    term of a deal it is not party to, a decision not disclosed)."""
    return public_estimate(state, seat)


def own_numbers(s: State, seat: str) -> dict[str, float]:
    r = role_of(seat)
    if r == "firm":
        i = s.firm_of(seat)
        f = s.firms
        return {
            "cash": round(float(f.cash[i]), 2),
            "profit": round(float(f.profit[i]), 2),
            "revenue": round(float(f.revenue[i]), 2),
            "workers": round(float(f.workers[i]), 2),
            "skill": round(float(f.skill[i]), 4),
            "quality": round(float(f.quality[i]), 4),
            "debt": round(float(f.debt[i] + f.public_debt[i]), 2),
        }
    if r == "government":
        return {"budget": round(s.accounts.government, 2)}
    if r == "union":
        return {
            "funds": round(s.accounts.union, 2),
            "wage_floor": round(s.institutions.wage_floor, 2),
        }
    return {"funds": round(s.accounts.brokers.get(seat, 0.0), 2)}


# --- the standing "no deal" line and the reason a deal would do nothing ---------------------------


def no_deal_line(without: dict[str, float]) -> dict[str, float]:
    """What the seat gets next round with no deal at all (its BATNA), from the live state: its own
    numbers when the round is resolved with the current decisions and no new deal signed."""
    return dict(without)


_FRACTION = re.compile(r"(?<![\d.])0\.(\d+)(?![\d.])")


def plain_words(state: State, text: str, seat: str = "") -> str:
    """An engine note for a person: seats and tenders by name (the asking seat's own marked as
    theirs), shares as whole percentages, the first letter a capital."""
    for sid in sorted(state.seats, key=len, reverse=True):
        text = text.replace(sid, state.seats[sid].name)
    if seat in state.seats:
        text = text.replace(state.seats[seat].name, f"{state.seats[seat].name} (you)")
    for t in state.tenders:
        text = re.sub(rf"\b{re.escape(t.id)}\b", t.buyer.split(" (")[0], text)
    text = _FRACTION.sub(lambda m: f"{round(float('0.' + m.group(1)) * 100)}%", text)
    return text[:1].upper() + text[1:]


def no_change_reason(
    state: State,
    seat: str,
    kind: str,
    terms: dict[str, Any],
    delta: dict[str, float],
    kept: dict[str, Any],
) -> str:
    """Why a deal leaves the seat's numbers unchanged next round, in plain words with names ("" when
    it changes something). It says what happened to the deal in the resolved copy (refused at
    signing, a bid the buyer would not consider, a party that would not deliver), or whose numbers
    it moves instead, or that its effect comes later. Nothing of another party's numbers is told."""
    if any(abs(v) >= 0.005 for v in delta.values()) or "with" not in kept:
        return ""
    after, report = kept["with"]
    d = after.deals.get("preview")
    if d is None:
        return ""
    head = "It would change none of your numbers next round"
    if d.status == "failed":
        why = next((h.get("why", "") for h in reversed(d.history) if h.get("why")), "")
        return f"It could not be signed now: {plain_words(state, why, seat)}."
    notes = [
        plain_words(state, str(o.get("text", "")), seat)
        for o in (report.get("details") or {}).get("deal_outcomes", [])
        if o.get("deal") == "preview"
    ]
    if notes:  # the first says why (a bid not eligible, then lost: the first is the cause)
        return f"{head}. {notes[0].rstrip('.')}."
    if seat not in d.parties:
        return "You are not a party to it, so it changes none of your numbers."
    # my role's own share in its terms, left at zero ("Government match 0")
    role = role_of(seat)
    spec = KINDS[kind].term_specs()
    mine_zero = [
        name.replace("_", " ").capitalize()
        for name, v in terms.items()
        if isinstance(v, int | float)
        and not isinstance(v, bool)
        and v == 0
        and (role in name or role in spec[name].help)
    ]
    if mine_zero:
        return f"{head}: your part in its terms is zero ({', '.join(mine_zero)})."
    before = kept.get("without", (None, None))[0]
    moved = [
        state.seats[p].name
        for p in d.parties
        if p != seat
        and before is not None
        and p in state.seats
        and own_numbers(before, p) != own_numbers(after, p)
    ]
    if moved:
        return f"{head}: what it moves next round is paid and earned by {', '.join(moved)}."
    # amounts set to zero that the kind does not start at zero (a levy nobody pays)
    zeroed = [
        name.replace("_", " ").capitalize()
        for name, v in terms.items()
        if isinstance(v, int | float)
        and not isinstance(v, bool)
        and v == 0
        and spec[name].default not in (None, 0, 0.0)
    ]
    if zeroed:
        return f"{head}: nothing is paid, its {', '.join(zeroed)} is zero."
    return f"{head}: its effect comes in later rounds (it runs until round {d.ends_round})."
