"""Deals: the negotiation vocabulary of GAME.md section 5, with one life for every deal.

proposed -> each other party accepts, rejects or counters (a counter is a new deal linked to the
old) -> signed when all have accepted (terms checked again) -> active while it runs -> fulfilled,
breached or expired. Proposals not signed by the end of their round expire.

`DEAL_SPECS` is the machine-readable schema of every kind: which roles may be parties, each term's
type, range, default and meaning (the client builds its composer from it). Effects in resolution
live in district.server.engine.deal_effects.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from district.server.engine.checks import deal_ref, need_phase, party_to
from district.server.engine.decisions import broker_hours, planned_hours
from district.server.engine.errors import EngineError
from district.server.engine.scenario import FACTORS
from district.server.engine.state import State, copy_state, role_of

CONDITIONS = [
    "compliance",
    "wage_floor",
    "training",
    "network",
    "buyer_contract",
    "certification",
    "scrap_machines",
]


def T(
    type_: str,
    help_: str,
    default: Any = None,
    lo: float | None = None,
    hi: float | None = None,
    choices: list[str] | None = None,
    required: bool = False,
) -> dict[str, Any]:
    d: dict[str, Any] = {"type": type_, "help": help_, "default": default, "required": required}
    if lo is not None:
        d["min"] = lo
    if hi is not None:
        d["max"] = hi
    if choices is not None:
        d["choices"] = choices
    return d


DEAL_SPECS: dict[str, dict[str, Any]] = {
    "joint_bid": {
        "title": "Joint bid",
        "source": "003 I-2.2 (farming out), 004 S.II (PETRO-TRADE, FSM), 002 s.2",
        "help": "Firms bid together for a tender none could win alone; each delivers its share or pays the penalty.",
        "parties": {"firm": (2, 12), "broker": (0, 1)},
        "gate": 0.6,
        "terms": {
            "tender": T("tender", "the open tender to bid for", required=True),
            "lead": T("seat", "the lead firm, which faces the buyer", required=True),
            "shares": T(
                "shares",
                "each firm's share of the volume (firm seat -> 0-1, summing to 1)",
                required=True,
            ),
            "price": T(
                "float",
                "bid price per unit (k), at most the tender's price",
                lo=0.01,
                hi=1e6,
                required=True,
            ),
            "broker_fee": T("float", "fee to the broker party if the bid wins (k)", 0.0, 0.0, 1e5),
            "penalty": T(
                "float",
                "penalty per undelivered unit, paid to the other members (k)",
                20.0,
                0.0,
                1e5,
            ),
        },
    },
    "subcontract": {
        "title": "Subcontract",
        "source": "003 I-1.2, I-2.2, I-2.3",
        "help": "A buyer firm farms out work to a supplier firm for some rounds.",
        "parties": {"firm": (2, 2)},
        "gate": 0.4,
        "terms": {
            "buyer": T("seat", "the firm that buys the work", required=True),
            "supplier": T("seat", "the firm that does the work", required=True),
            "operation": T("operation", "the operation farmed out", required=True),
            "volume": T("float", "units per round", 5.0, 0.5, 1e5),
            "unit_price": T("float", "price per unit (k)", 45.0, 0.01, 1e5),
            "rounds": T("int", "rounds it runs", 2, 1, 12),
            "assistance": T(
                "float", "technical assistance from buyer to supplier per round (k)", 0.0, 0.0, 1e5
            ),
            "piece_rate": T(
                "bool",
                "paid by the piece ('by the metre'): cheaper, but lowers quality and retention",
                False,
            ),
            "exit_clause": T("bool", "either side may leave after a round without breach", True),
        },
    },
    "network_charter": {
        "title": "Network charter (service hub)",
        "source": "004 S.II (ERVET, RESFOR), 003 I-2.4 (associations)",
        "help": "Three or more firms pay dues into shared services that build factor stock for members.",
        "parties": {"firm": (3, 40), "union": (0, 1), "government": (0, 1), "broker": (0, 1)},
        "gate": 0.35,
        "terms": {
            "name": T("text", "the network's name", "Service hub"),
            "dues": T("float", "dues per member firm per round (k)", 5.0, 0.0, 1e4),
            "services": T(
                "factors",
                "services funded: training, intelligence, quality, equipment",
                ["training"],
                choices=list(FACTORS),
            ),
            "open": T("bool", "open membership (others may join later)", True),
            "governance": T(
                "choice", "who steers the hub", "members", choices=["members", "tripartite"]
            ),
            "rounds": T("int", "rounds the charter runs", 4, 1, 12),
        },
    },
    "training_levy": {
        "title": "Training levy",
        "source": "000 III.1 (OPEC), 003 I-2.4, 002 s.5",
        "help": "Firms pay a share of payroll into a training pool; trainees complete after a lag.",
        "parties": {"firm": (1, 40), "union": (0, 1), "government": (0, 1)},
        "gate": 0.25,
        "terms": {
            "levy_rate": T("float", "share of payroll paid into the pool", 0.02, 0.0, 0.1),
            "government_match": T("float", "government adds this share of the levy", 0.0, 0.0, 2.0),
            "training_type": T(
                "choice",
                "craft (deep skill) or cross-functional (quality, flexibility)",
                "craft",
                choices=["craft", "cross_functional"],
            ),
            "union_seat": T(
                "bool", "the union sits on the training board (gains pass through)", False
            ),
            "pass_through": T(
                "float", "share of productivity gains passed to the wage floor", 0.0, 0.0, 1.0
            ),
            "anti_poaching": T("bool", "members do not poach each other's trained workers", False),
            "rounds": T("int", "rounds it runs", 4, 1, 12),
        },
    },
    "conditional_credit": {
        "title": "Conditional credit",
        "source": "000 III.4 (LA Roundtable), 003 fn 12, 004 S.II",
        "help": "Public credit on conditions that are audited; a breach found by audit triggers the remedy.",
        "parties": {"government": (1, 1), "firm": (1, 1)},
        "gate": 0.0,
        "terms": {
            "amount": T("float", "amount lent now (k)", 50.0, 1.0, 1e6),
            "rate": T("float", "interest per round", 0.03, 0.0, 0.3),
            "term": T("int", "rounds to repay", 4, 1, 12),
            "purpose": T(
                "choice",
                "what the money is for",
                "technology",
                choices=["technology", "training", "working_capital"],
            ),
            "conditions": T(
                "conditions",
                "conditions the borrower must meet and sustain",
                ["compliance"],
                choices=CONDITIONS,
            ),
            "audit_rate": T("float", "probability of an audit each round", 0.5, 0.0, 1.0),
            "remedy": T(
                "choice",
                "what a breach found by audit triggers",
                "clawback",
                choices=["clawback", "penalty_rate"],
            ),
        },
    },
    "standards_agreement": {
        "title": "Wage and standards agreement",
        "source": "000 III.3 (GIDC), II.d ('wages out of competition')",
        "help": "Union and firms set a wage floor for signatories; enforcement decides whether it holds.",
        "parties": {"union": (1, 1), "firm": (1, 40), "government": (0, 1)},
        "gate": 0.2,
        "terms": {
            "wage_floor": T(
                "float", "wage floor for signatories (k per worker per round)", 30.0, 1.0, 1e4
            ),
            "compliance": T("bool", "signatories comply with labour law", True),
            "no_strike": T("bool", "no strikes against signatories while it runs", True),
            "rounds": T("int", "rounds it runs", 4, 1, 12),
        },
    },
    "challenge_grant": {
        "title": "Challenge grant",
        "source": "004 S.II (Denmark: >= 3 firms, >= 2 joint activities), S.IV",
        "help": "Government funds a group of firms' network if it qualifies, matched by the firms, until phase-out.",
        "parties": {"government": (1, 1), "firm": (3, 40), "broker": (0, 1)},
        "gate": 0.3,
        "terms": {
            "amount": T("float", "grant per round (k)", 30.0, 0.0, 1e6),
            "match_share": T(
                "float", "share of the grant the firms add between them", 0.5, 0.0, 2.0
            ),
            "min_firms": T("int", "eligibility: at least this many firms", 3, 2, 40),
            "min_activities": T(
                "int",
                "eligibility: at least this many joint activities (services or deals)",
                2,
                1,
                8,
            ),
            "services": T(
                "factors",
                "services the grant funds",
                ["training", "intelligence"],
                choices=list(FACTORS),
            ),
            "phase_out": T("int", "rounds the grant runs before it stops", 3, 1, 12),
        },
    },
    "broker_engagement": {
        "title": "Broker engagement",
        "source": "004 S.II, S.IV (Danish brokers), 000 II.e",
        "help": "Firms or the government pay a broker; the broker's facilitation lowers the trust gates between those firms.",
        "parties": {"broker": (1, 1), "firm": (0, 40), "government": (0, 1)},
        "gate": 0.2,
        "terms": {
            "fee": T(
                "float",
                "fee per round, paid by each firm party or by the government (k)",
                2.0,
                0.0,
                1e5,
            ),
            "scope": T(
                "choice",
                "what the broker does",
                "all",
                choices=["events", "intros", "drafting", "all"],
            ),
            "rounds": T("int", "rounds it runs", 3, 1, 12),
        },
    },
}

OPEN = ("proposed",)
LIVE = ("active",)
FINAL = ("rejected", "countered", "withdrawn", "expired", "failed", "fulfilled", "breached")


@dataclass(slots=True)
class Deal:
    id: str
    kind: str
    parties: list[str]
    proposer: str
    terms: dict[str, Any]
    round_proposed: int
    status: str = "proposed"
    responses: dict[str, str] = field(default_factory=dict)
    counter_of: str = ""
    signed_round: int = 0
    ends_round: int = 0
    drafted_by: str = ""
    forced: bool = False  # signed across a trust gate it did not meet
    gate: float = 0.0
    trust: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    breaches: list[dict[str, Any]] = field(default_factory=list)
    ledger: dict[str, float] = field(
        default_factory=dict
    )  # running amounts (credit outstanding, ...)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["terms"] = _plain(self.terms)
        return d


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


# --- validation ---------------------------------------------------------------------------------


def _bad(code: str, msg: str, where: str) -> EngineError:
    return EngineError(code, msg, where)


def check_parties(state: State, kind: str, parties: Any, proposer: str) -> list[str]:
    spec = DEAL_SPECS[kind]
    if not isinstance(parties, list) or not all(isinstance(p, str) for p in parties):
        raise _bad("bad_value", "parties is a list of seat ids", "parties")
    if len(set(parties)) != len(parties):
        raise _bad("bad_value", "a seat is listed twice", "parties")
    counts: dict[str, int] = {}
    for p in parties:
        if p not in state.seats:
            raise _bad("unknown_seat", f"there is no seat {p!r}", "parties")
        r = role_of(p)
        if r not in spec["parties"]:
            allowed = ", ".join(spec["parties"])
            raise _bad(
                "wrong_role",
                f"a {r} cannot be a party to a {spec['title'].lower()} (parties are: {allowed})",
                "parties",
            )
        if r == "firm" and not state.firms.alive[state.firm_of(p)]:
            raise _bad("firm_closed", f"{p} has closed", "parties")
        counts[r] = counts.get(r, 0) + 1
    for r, (lo, hi) in spec["parties"].items():
        c = counts.get(r, 0)
        if not lo <= c <= hi:
            need = f"{lo}" if lo == hi else f"{lo} to {hi}"
            raise _bad(
                "bad_parties",
                f"a {spec['title'].lower()} needs {need} {r} part{'y' if hi == 1 else 'ies'}, "
                f"got {c}",
                "parties",
            )
    if proposer not in parties and role_of(proposer) != "broker":
        raise _bad(
            "bad_parties",
            "you must be a party to what you propose (brokers may draft for others)",
            "parties",
        )
    return list(parties)


def _term(
    state: State, kind: str, name: str, spec: dict[str, Any], v: Any, parties: list[str]
) -> Any:
    w = f"terms.{name}"
    t = spec["type"]
    if t in ("float", "int"):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise _bad("bad_term", f"expected a number, got {v!r}", w)
        if t == "int" and int(v) != v:
            raise _bad("bad_term", f"expected a whole number, got {v!r}", w)
        if not spec.get("min", -math.inf) <= v <= spec.get("max", math.inf):
            raise _bad(
                "illegal_term",
                f"{v:g} is outside the allowed range {spec['min']:g} to {spec['max']:g} "
                f"({spec['help']})",
                w,
            )
        return int(v) if t == "int" else float(v)
    if t == "bool":
        if not isinstance(v, bool):
            raise _bad("bad_term", f"expected true or false, got {v!r}", w)
        return v
    if t == "text":
        if not isinstance(v, str) or not v.strip() or len(v) > 80:
            raise _bad("bad_term", "expected a name of 1 to 80 characters", w)
        return v.strip()
    if t == "choice":
        if v not in spec["choices"]:
            raise _bad("illegal_term", f"{v!r} is not one of: {', '.join(spec['choices'])}", w)
        return v
    if t in ("factors", "conditions"):
        if (
            not isinstance(v, list)
            or not v
            or any(x not in spec["choices"] for x in v)
            or len(set(v)) != len(v)
        ):
            raise _bad(
                "illegal_term",
                f"expected a list of distinct items from: {', '.join(spec['choices'])}",
                w,
            )
        return list(v)
    if t == "seat":
        if v not in parties or role_of(v) != "firm":
            raise _bad("illegal_term", f"{v!r} must be one of the firm parties", w)
        return v
    if t == "operation":
        ops = state.scenario.operations
        if v not in ops:
            raise _bad("illegal_term", f"unknown operation {v!r} (known: {', '.join(ops)})", w)
        return v
    if t == "tender":
        tender = next((x for x in state.tenders if x.id == v), None)
        if tender is None or tender.status != "open":
            open_ids = [x.id for x in state.tenders if x.status == "open"] or ["none"]
            raise _bad(
                "tender_not_open",
                f"tender {v!r} is not open for bids (open: {', '.join(open_ids)})",
                w,
            )
        return v
    if t == "shares":
        firms = [p for p in parties if role_of(p) == "firm"]
        if not isinstance(v, dict) or set(v) != set(firms):
            raise _bad(
                "illegal_term", f"give a share for each firm party exactly: {', '.join(firms)}", w
            )
        out = {}
        for k, x in v.items():
            if isinstance(x, bool) or not isinstance(x, int | float) or not 0 < x <= 1:
                raise _bad("illegal_term", f"each share is above 0 and at most 1; {k} has {x!r}", w)
            out[k] = float(x)
        if abs(sum(out.values()) - 1.0) > 1e-6:
            raise _bad(
                "illegal_term", f"shares must sum to 1 (they sum to {sum(out.values()):g})", w
            )
        return out
    raise _bad("bad_term", f"unknown term type {t}", w)


def check_terms(state: State, kind: str, terms: Any, parties: list[str]) -> dict[str, Any]:
    spec = DEAL_SPECS[kind]["terms"]
    if not isinstance(terms, dict):
        raise _bad("bad_value", "terms is a map of term -> value", "terms")
    unknown = set(terms) - set(spec)
    if unknown:
        raise _bad(
            "unknown_term",
            f"a {DEAL_SPECS[kind]['title'].lower()} has no term {sorted(unknown)[0]!r} "
            f"(terms: {', '.join(spec)})",
            f"terms.{sorted(unknown)[0]}",
        )
    out: dict[str, Any] = {}
    for name, s in spec.items():
        if name in terms:
            out[name] = _term(state, kind, name, s, terms[name], parties)
        elif s["required"]:
            raise _bad("missing_term", f"this term is required ({s['help']})", f"terms.{name}")
        else:
            out[name] = s["default"] if not isinstance(s["default"], list) else list(s["default"])
    _kind_rules(state, kind, out, parties)
    return out


def _kind_rules(state: State, kind: str, t: dict[str, Any], parties: list[str]) -> None:
    """Rules that tie terms to each other and to the state (can the parties afford and deliver it?)."""
    f = state.firms
    if kind == "joint_bid":
        tender = next(x for x in state.tenders if x.id == t["tender"])
        if t["price"] > tender.price:
            raise _bad(
                "illegal_term",
                f"the bid price {t['price']:g} is above the buyer's price {tender.price:g}",
                "terms.price",
            )
        if t["lead"] not in t["shares"]:
            raise _bad("illegal_term", "the lead must be one of the members", "terms.lead")
        if t["broker_fee"] > 0 and not any(role_of(p) == "broker" for p in parties):
            raise _bad(
                "illegal_term", "a broker fee needs a broker among the parties", "terms.broker_fee"
            )
    elif kind == "subcontract":
        if t["buyer"] == t["supplier"]:
            raise _bad(
                "illegal_term", "buyer and supplier must be different firms", "terms.supplier"
            )
        i = state.firm_of(t["supplier"])
        op = state.scenario.operations.index(t["operation"])
        if f.caps[i, op] < 0.2:
            raise _bad(
                "cannot_deliver",
                f"{t['supplier']} does not do {t['operation']} "
                f"(capability {f.caps[i, op]:.2f}, needs 0.2)",
                "terms.operation",
            )
        capacity = f.workers[i] * max(f.productivity[i], 0.5)
        if t["volume"] > capacity:
            raise _bad(
                "cannot_deliver",
                f"{t['volume']:g} units a round is more than the supplier can make "
                f"(about {capacity:.0f})",
                "terms.volume",
            )
        b = state.firm_of(t["buyer"])
        cost = t["volume"] * t["unit_price"] + t["assistance"]
        if cost > f.cash[b] + 0.5 * max(f.revenue[b], 0.0):
            raise _bad(
                "cannot_afford", f"the buyer cannot pay {cost:.0f}k a round", "terms.unit_price"
            )
    elif kind == "network_charter":
        if sum(1 for p in parties if role_of(p) == "firm") < 3:
            raise _bad("bad_parties", "a network needs at least 3 firms (004 S.II)", "parties")
    elif kind == "conditional_credit":
        if t["amount"] > state.accounts.government:
            raise _bad(
                "cannot_afford",
                f"the government has {state.accounts.government:.0f}k, less than {t['amount']:g}k",
                "terms.amount",
            )
    elif kind == "challenge_grant":
        firms = sum(1 for p in parties if role_of(p) == "firm")
        if firms < t["min_firms"]:
            raise _bad(
                "illegal_term",
                f"the grant asks for at least {t['min_firms']} firms but {firms} are parties",
                "terms.min_firms",
            )
        if t["amount"] * t["phase_out"] > state.accounts.government:
            raise _bad(
                "cannot_afford",
                f"{t['amount'] * t['phase_out']:.0f}k over the grant's life is more "
                f"than the budget ({state.accounts.government:.0f}k)",
                "terms.amount",
            )
    elif kind == "broker_engagement":
        payers = [p for p in parties if role_of(p) in ("firm", "government")]
        if not payers:
            raise _bad(
                "bad_parties", "someone must engage the broker: firms or the government", "parties"
            )


# --- trust gates -------------------------------------------------------------------------------


def facilitated(state: State, parties: list[str], drafted_by: str = "") -> bool:
    """A broker lowers the gate: as a party, as the drafter, or engaged by all the firm parties."""
    if drafted_by or any(role_of(p) == "broker" for p in parties):
        return True
    firms = {p for p in parties if role_of(p) == "firm"}
    for d in state.deals.values():
        if (
            d.kind == "broker_engagement"
            and d.status == "active"
            and firms
            and firms <= set(d.parties)
        ):
            return True
    return False


def trust_gate(
    state: State, kind: str, parties: list[str], drafted_by: str = ""
) -> tuple[float, float]:
    """(gate, trust): the trust this kind needs after facilitation, and what the parties have."""
    gate = DEAL_SPECS[kind]["gate"]
    if facilitated(state, parties, drafted_by):
        gate -= 0.2
    if "government" in parties and kind != "conditional_credit":
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


def _kind(cmd: dict[str, Any]) -> str:
    kind = cmd.get("kind")
    if not isinstance(kind, str) or kind not in DEAL_SPECS:
        raise _bad(
            "unknown_kind", f"unknown deal kind {kind!r} (known: {', '.join(DEAL_SPECS)})", "kind"
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
    kind = _kind(cmd)
    parties = check_parties(state, kind, cmd.get("parties"), seat)
    terms = check_terms(state, kind, cmd.get("terms", {}), parties)
    _charge_drafting(state, seat)
    d = _new_deal(state, seat, kind, parties, terms)
    state.deals[d.id] = d
    ev = [public_event(d, "proposed", seat, parties=parties, terms=_plain(terms), proposer=seat)]
    return ev + _maybe_sign(state, d)


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
    return [public_event(d, "accepted", seat)] + _maybe_sign(state, d)


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
    terms = check_terms(state, old.kind, {**old.terms, **(cmd.get("terms") or {})}, parties)
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
            terms=_plain(terms),
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


def _maybe_sign(state: State, d: Deal) -> list[dict[str, Any]]:
    if any(d.responses.get(p) != "accept" for p in d.parties):
        return []
    # signing: the terms are checked again against today's state
    try:
        check_parties(
            state, d.kind, d.parties, d.proposer if d.proposer in d.parties else d.parties[0]
        )
        d.terms = check_terms(state, d.kind, d.terms, d.parties)
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
    rounds = int(d.terms.get("rounds", d.terms.get("term", d.terms.get("phase_out", 1))))
    if d.kind == "joint_bid":
        tender = next(x for x in state.tenders if x.id == d.terms["tender"])
        rounds = tender.delivery_rounds
    d.ends_round = state.round + rounds - 1
    d.history.append({"round": state.round, "action": "signed", "forced": d.forced})
    from district.server.engine.deal_effects import on_signed

    on_signed(state, d)
    return [public_event(d, "signed", d.proposer, parties=list(d.parties), forced=d.forced)]


def preview(state: State, seat: str, cmd: dict[str, Any]) -> list[dict[str, Any]]:
    """What a deal would do to the asking seat's own numbers next round, computed on copies of the
    state (one with the deal signed, one without). Nothing of other seats is revealed."""
    need_phase(state, "negotiation", "previewing a deal")
    if "deal" in cmd:
        d0 = deal_ref(state, cmd.get("deal"), "deal")
        party_to(d0, seat, "deal")
        kind, parties, terms = d0.kind, list(d0.parties), dict(d0.terms)
    else:
        kind = _kind(cmd)
        parties = check_parties(state, kind, cmd.get("parties"), seat)
        terms = check_terms(state, kind, cmd.get("terms", {}), parties)
    from district.server.engine.resolve import resolve

    def outcome(with_deal: bool) -> dict[str, float]:
        s = copy_state(state)
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
            _maybe_sign(s, d)
        resolve(s)
        return _own_numbers(s, seat)

    a, b = outcome(False), outcome(True)
    delta = {k: round(b[k] - a[k], 2) for k in a}
    return [
        {
            "kind": "preview",
            "audience": [seat],
            "deal_kind": kind,
            "without": a,
            "with": b,
            "delta": delta,
            "deal": cmd.get("deal", ""),
        }
    ]


def _own_numbers(s: State, seat: str) -> dict[str, float]:
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
                    "terms": {k: v for k, v in _plain(d.terms).items() if k in PUBLIC_TERMS},
                }
            )
    return out


PUBLIC_TERMS = {
    "tender",
    "lead",
    "name",
    "services",
    "wage_floor",
    "levy_rate",
    "anti_poaching",
    "union_seat",
    "operation",
    "conditions",
    "amount",
    "phase_out",
    "scope",
    "open",
    "governance",
}


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
