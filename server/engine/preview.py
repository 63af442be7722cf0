"""The private preview: what a deal would do to the asking seat's own numbers next round, computed
on two copies of the state (one with the deal signed, one without), each resolved with the
decisions the asking seat may know (its own; of the others only what is public). A query: it
changes nothing and is not a command (never logged or replayed). Nothing of other seats is
revealed: only the seat's own numbers are read from the copies, the terms are checked against
the seat's own private limits only (the counterparties' are checked when they accept), and
another seat's undisclosed decisions do not enter the figures."""

from __future__ import annotations

import dataclasses
from typing import Any

from district.server.engine.checks import check_seat_and_round, deal_ref, need_phase, party_to
from district.server.engine.deals import Deal, check_kind, check_parties, check_terms, sign
from district.server.engine.errors import EngineError
from district.server.engine.knowledge import known_decisions
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
        resolve(s)
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
    }


def known_copy(state: State, seat: str) -> State:
    """A shallow copy of the state (`outcome` copies it deeply) holding only what `seat` may know of the others' decisions this round
    (engine/knowledge.py): what another seat has decided but not disclosed (a strike, a wage, a
    bid) does not enter the preview; its own decisions do, in full."""
    return dataclasses.replace(state, decisions=known_decisions(state, seat))


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
