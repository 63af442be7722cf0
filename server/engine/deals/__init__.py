"""Deals: the negotiation vocabulary of GAME.md section 5, with one life for every deal.

proposed -> each other party accepts, rejects or counters (a counter is a new deal linked to the
old) -> signed when all have accepted (terms checked again) -> active while it runs -> fulfilled,
breached or expired. Proposals not signed by the end of their round expire.

Each kind is declared once, in its module under `kinds/` (its typed terms, parties, gate, checks
and hooks), and listed in the literal table `kinds.KINDS`. This module is the life every kind
shares; `resolution` runs the signed deals in a round by calling their kinds' hooks.
`DEAL_SPECS` (= `deal_kinds()`) is the machine-readable schema of every kind, generated from the
declarations: which roles may be parties, each term's type, range, default and meaning (the client
builds its composer from it).
"""

from __future__ import annotations

from typing import Any

from district.server.engine.checks import deal_ref, need_phase, party_to
from district.server.engine.deals.kind import Kind
from district.server.engine.deals.kinds import KINDS
from district.server.engine.deals.record import FINAL, LIVE, OPEN, Deal, plain
from district.server.engine.deals.terms import check_values, schema
from district.server.engine.decisions import broker_hours, planned_hours
from district.server.engine.errors import EngineError
from district.server.engine.knowledge import as_known_to
from district.server.engine.state import State, role_of

__all__ = [
    "DEAL_SPECS",
    "FINAL",
    "KINDS",
    "Kind",
    "LIVE",
    "OPEN",
    "Deal",
    "check_kind",
    "check_parties",
    "check_terms",
    "counter",
    "deal_kinds",
    "deal_summary",
    "expire_proposals",
    "facilitated",
    "propose",
    "respond",
    "sign",
    "trust_gate",
    "visible_deals",
    "withdraw",
]


def deal_kinds() -> dict[str, dict[str, Any]]:
    """The wire schema of every kind: {kind: {title, source, help, parties: {role: [lo, hi]},
    gate, terms: {name: {type, help, default, required, min?, max?, choices?}}}}."""
    return {
        name: {
            "title": k.title,
            "source": k.source,
            "help": k.help,
            "parties": {role: [lo, hi] for role, (lo, hi) in k.parties.items()},
            "gate": k.gate,
            "terms": schema(k.terms),
        }
        for name, k in KINDS.items()
    }


DEAL_SPECS: dict[str, dict[str, Any]] = deal_kinds()


def _bad(code: str, msg: str, where: str) -> EngineError:
    return EngineError(code, msg, where)


# --- validation ---------------------------------------------------------------------------------


def check_parties(state: State, kind: str, parties: Any, proposer: str) -> list[str]:
    k = KINDS[kind]
    if not isinstance(parties, list) or not all(isinstance(p, str) for p in parties):
        raise _bad("bad_value", "parties is a list of seat ids", "parties")
    if len(set(parties)) != len(parties):
        raise _bad("bad_value", "a seat is listed twice", "parties")
    counts: dict[str, int] = {}
    for p in parties:
        if p not in state.seats:
            raise _bad("unknown_seat", f"there is no seat {p!r}", "parties")
        r = role_of(p)
        if r not in k.parties:
            allowed = ", ".join(k.parties)
            raise _bad(
                "wrong_role",
                f"a {r} cannot be a party to a {k.title.lower()} (parties are: {allowed})",
                "parties",
            )
        if r == "firm" and not state.firms.alive[state.firm_of(p)]:
            raise _bad("firm_closed", f"{p} has closed", "parties")
        counts[r] = counts.get(r, 0) + 1
    for r, (lo, hi) in k.parties.items():
        c = counts.get(r, 0)
        if not lo <= c <= hi:
            need = f"{lo}" if lo == hi else f"{lo} to {hi}"
            raise _bad(
                "bad_parties",
                f"a {k.title.lower()} needs {need} {r} part{'y' if hi == 1 else 'ies'}, got {c}",
                "parties",
            )
    if proposer not in parties and role_of(proposer) != "broker":
        raise _bad(
            "bad_parties",
            "you must be a party to what you propose (brokers may draft for others)",
            "parties",
        )
    return list(parties)


def check_terms(
    state: State, kind: str, terms: Any, parties: list[str], known_to: str | None = None
) -> dict[str, Any]:
    """The terms of a proposal of `kind`, each checked against its declaration (missing ones get
    their defaults), then the kind's own rules. Returns them as a plain dict. `known_to`: the
    seat that asks (proposes, counters, previews): only its own private figures are checked, the
    other parties' are checked when the deal is signed (engine/knowledge.py)."""
    k = KINDS[kind]
    seen = as_known_to(state, known_to) if known_to is not None else state
    out = check_values(seen, k.title, k.terms, terms, parties)
    k.check(seen, k.terms(**out), parties)
    return out


# --- trust gates -------------------------------------------------------------------------------


def facilitated(state: State, parties: list[str], drafted_by: str = "") -> bool:
    """A broker lowers the gate - as a party, as the drafter, or engaged by all the firm parties
    - but only between firms it has actually worked with, at its events or by introducing them
    (004 S.III: the trust ladder is climbed step by step; a signature does not skip it)."""
    firms = {p for p in parties if role_of(p) == "firm"}
    brokers = {p for p in parties if role_of(p) == "broker"}
    if drafted_by:
        brokers.add(drafted_by)
    for d in state.deals.values():
        if d.status == "active" and firms and firms <= set(d.parties):
            b = KINDS[d.kind].facilitator(state, d)
            if b:
                brokers.add(b)
    need = {state.firm_of(p) for p in firms}
    return any(need <= set(state.broker_state.get(b, {}).get("worked", [])) for b in brokers)


def trust_gate(
    state: State, kind: str, parties: list[str], drafted_by: str = ""
) -> tuple[float, float]:
    """(gate, trust): the trust this kind needs after facilitation, and what the parties have."""
    k = KINDS[kind]
    gate = k.gate
    if facilitated(state, parties, drafted_by):
        gate -= 0.2
    if "government" in parties and k.government_lowers_gate:
        gate -= 0.1  # the government's standard contracts (GAME.md section 3)
    gate = max(0.0, gate)
    firms = [state.firm_of(p) for p in parties if role_of(p) == "firm"]
    others = [p for p in parties if role_of(p) in ("union", "government", "broker")]
    vals = []
    for a in firms:
        for b in firms:
            if a != b:
                vals.append(float(state.trust[a, b]))
        for o in others:
            vals.append(float(state.inst_trust[state.inst_ids.index(o), a]))
    return gate, (min(vals) if vals else 1.0)


# --- commands ----------------------------------------------------------------------------------


def check_kind(kind: Any) -> str:
    """A known deal kind's name."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise _bad(
            "unknown_kind", f"unknown deal kind {kind!r} (known: {', '.join(KINDS)})", "kind"
        )
    return kind


def public_event(d: Deal, what: str, seat: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": f"deal_{what}",
        "audience": list(d.parties)
        if d.status in OPEN + ("rejected", "countered", "withdrawn")
        else "public",
        "deal": d.id,
        "deal_kind": d.kind,
        "seat": seat,
        "status": d.status,
        **extra,
    }


def _new_deal(
    state: State,
    seat: str,
    kind: str,
    parties: list[str],
    terms: dict[str, Any],
    counter_of: str = "",
) -> Deal:
    d = Deal(
        id=state.next_id("deal"),
        kind=kind,
        parties=parties,
        proposer=seat,
        terms=terms,
        round_proposed=state.round,
        counter_of=counter_of,
        drafted_by=seat if role_of(seat) == "broker" and seat not in parties else "",
    )
    if seat in parties:
        d.responses[seat] = "accept"
    d.history.append(
        {"round": state.round, "seat": seat, "action": "counter" if counter_of else "propose"}
    )
    return d


def _charge_drafting(state: State, seat: str) -> None:
    if role_of(seat) == "broker":
        free = broker_hours(state, seat) - planned_hours(state, state.decisions.get(seat, {}))
        if free < state.params.draft_hours:
            raise _bad(
                "no_time",
                f"drafting a deal takes {state.params.draft_hours:g} hours; you have "
                f"{max(0.0, free):g} left this round after your planned events and introductions",
                "",
            )
        state.broker_state[seat]["drafted_hours"] = (
            state.broker_state[seat].get("drafted_hours", 0.0) + state.params.draft_hours
        )


def propose(state: State, seat: str, cmd: dict[str, Any]) -> list[dict[str, Any]]:
    need_phase(state, "negotiation", "proposing a deal")
    kind = check_kind(cmd.get("kind"))
    parties = check_parties(state, kind, cmd.get("parties"), seat)
    terms = check_terms(state, kind, cmd.get("terms", {}), parties, known_to=seat)
    _charge_drafting(state, seat)
    d = _new_deal(state, seat, kind, parties, terms)
    state.deals[d.id] = d
    ev = [public_event(d, "proposed", seat, parties=parties, terms=plain(terms), proposer=seat)]
    return ev + sign(state, d)


def respond(state: State, seat: str, cmd: dict[str, Any]) -> list[dict[str, Any]]:
    need_phase(state, "negotiation", "answering a deal")
    d = deal_ref(state, cmd.get("deal"), "deal")
    party_to(d, seat, "deal")
    if d.status != "proposed":
        raise _bad(
            "deal_closed", f"{d.id} is {d.status}; only a proposed deal can be answered", "deal"
        )
    answer = cmd.get("answer")
    if answer not in ("accept", "reject"):
        raise _bad(
            "bad_value",
            "answer is 'accept' or 'reject' (to change terms, send a counter)",
            "answer",
        )
    if d.responses.get(seat) == answer:
        raise _bad("duplicate", f"you have already answered {answer} to {d.id}", "answer")
    d.responses[seat] = answer
    d.history.append({"round": state.round, "seat": seat, "action": answer})
    if answer == "reject":
        d.status = "rejected"
        return [public_event(d, "rejected", seat)]
    return [public_event(d, "accepted", seat)] + sign(state, d)


def counter(state: State, seat: str, cmd: dict[str, Any]) -> list[dict[str, Any]]:
    need_phase(state, "negotiation", "countering a deal")
    old = deal_ref(state, cmd.get("deal"), "deal")
    party_to(old, seat, "deal")
    if old.status != "proposed":
        raise _bad(
            "deal_closed",
            f"{old.id} is {old.status}; only a proposed deal can be countered",
            "deal",
        )
    parties = check_parties(state, old.kind, cmd.get("parties", old.parties), seat)
    changed = cmd.get("terms", {})
    if not isinstance(changed, dict):
        raise _bad("bad_value", "terms is a map of term -> value", "terms")
    terms = check_terms(state, old.kind, {**old.terms, **changed}, parties, known_to=seat)
    old.status = "countered"
    old.history.append({"round": state.round, "seat": seat, "action": "countered"})
    d = _new_deal(state, seat, old.kind, parties, terms, counter_of=old.id)
    d.drafted_by = old.drafted_by
    state.deals[d.id] = d
    return [
        public_event(old, "countered", seat, by=d.id),
        public_event(
            d,
            "proposed",
            seat,
            parties=parties,
            terms=plain(terms),
            proposer=seat,
            counter_of=old.id,
        ),
    ]


def withdraw(state: State, seat: str, cmd: dict[str, Any]) -> list[dict[str, Any]]:
    need_phase(state, "negotiation", "withdrawing a deal")
    d = deal_ref(state, cmd.get("deal"), "deal")
    if d.proposer != seat:
        raise _bad("forbidden", f"only the proposer of {d.id} can withdraw it", "deal")
    if d.status != "proposed":
        raise _bad("deal_closed", f"{d.id} is {d.status}; only a proposal can be withdrawn", "deal")
    d.status = "withdrawn"
    d.history.append({"round": state.round, "seat": seat, "action": "withdraw"})
    return [public_event(d, "withdrawn", seat)]


def sign(state: State, d: Deal, known_to: str | None = None) -> list[dict[str, Any]]:
    """Sign `d` if every party has accepted: its parties and terms are checked again against
    today's state (failing if they no longer hold), the trust gate is measured, and the kind's
    `on_signed` runs. Returns the events. `known_to` (a preview's copy): the terms are checked
    only against what that seat may know."""
    if any(d.responses.get(p) != "accept" for p in d.parties):
        return []
    # signing: the terms are checked again against today's state
    try:
        check_parties(
            state, d.kind, d.parties, d.proposer if d.proposer in d.parties else d.parties[0]
        )
        d.terms = check_terms(state, d.kind, d.terms, d.parties, known_to=known_to)
    except EngineError as e:
        d.status = "failed"
        d.history.append(
            {"round": state.round, "action": "failed", "why": e.message, "where": e.where}
        )
        return [public_event(d, "failed", d.parties[0], why=e.message)]
    gate, trust = trust_gate(state, d.kind, d.parties, d.drafted_by)
    d.gate, d.trust = gate, trust
    d.forced = trust < gate
    d.status = "active"
    d.signed_round = state.round
    k = KINDS[d.kind]
    rounds = k.duration(state, k.terms(**d.terms))
    d.ends_round = state.round + rounds - 1
    d.history.append({"round": state.round, "action": "signed", "forced": d.forced})
    k.on_signed(state, d)
    return [public_event(d, "signed", d.proposer, parties=list(d.parties), forced=d.forced)]


def expire_proposals(state: State) -> list[str]:
    out = []
    for d in state.deals.values():
        if d.status == "proposed":
            d.status = "expired"
            d.history.append({"round": state.round, "action": "expired"})
            out.append(d.id)
    return out


def visible_deals(state: State, seat: str) -> list[dict[str, Any]]:
    """Parties see their deals whole; everyone sees signed deals (kind, parties, status, public
    terms) - signed agreements are public in a district; proposals are private to their parties."""
    out = []
    for d in state.deals.values():
        mine = seat in d.parties or seat == d.drafted_by
        if mine:
            out.append(d.to_dict())
        elif d.status not in OPEN + ("rejected", "countered", "withdrawn", "expired", "failed"):
            out.append(
                {
                    "id": d.id,
                    "kind": d.kind,
                    "parties": list(d.parties),
                    "status": d.status,
                    "signed_round": d.signed_round,
                    "ends_round": d.ends_round,
                    "terms": {k: v for k, v in plain(d.terms).items() if k in PUBLIC_TERMS[d.kind]},
                }
            )
    return out


PUBLIC_TERMS: dict[str, set[str]] = {name: k.public_terms() for name, k in KINDS.items()}


def deal_summary(state: State) -> dict[str, dict[str, int]]:
    """Per kind: proposed, signed, fulfilled, breached this round (for `district simulate`)."""
    r = state.round
    out: dict[str, dict[str, int]] = {"proposed": {}, "signed": {}, "fulfilled": {}, "breached": {}}
    for d in state.deals.values():
        if d.round_proposed == r and not d.counter_of:
            out["proposed"][d.kind] = out["proposed"].get(d.kind, 0) + 1
        if d.signed_round == r and d.status != "proposed":
            out["signed"][d.kind] = out["signed"].get(d.kind, 0) + 1
        for h in d.history:
            if h["round"] == r and h.get("action") in ("fulfilled", "breached"):
                out[h["action"]][d.kind] = out[h["action"]].get(d.kind, 0) + 1
    return out
