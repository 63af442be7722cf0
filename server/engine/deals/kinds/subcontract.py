"""Subcontract: a buyer firm farms out work to a supplier firm for some rounds. The supplier makes
units for the buyer, who sells them as its own; technical assistance raises the supplier's skill
and technology, piece rates ("by the metre") lower its quality and skill (003 I-2.3)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from district.server.engine import flows
from district.server.engine.deals.kind import Kind, Resolution
from district.server.engine.deals.record import Deal
from district.server.engine.deals.terms import term
from district.server.engine.errors import EngineError
from district.server.engine.state import State


@dataclass(frozen=True, kw_only=True, slots=True)
class Terms:
    buyer: str = term("seat", "the firm that buys the work", required=True)
    supplier: str = term("seat", "the firm that does the work", required=True)
    operation: str = term("operation", "the operation farmed out", required=True, public=True)
    volume: float = term("float", "units per round", 5.0, 0.5, 1e5)
    unit_price: float = term("float", "price per unit (k)", 45.0, 0.01, 1e5)
    rounds: int = term("int", "rounds it runs", 2, 1, 12)
    assistance: float = term(
        "float", "technical assistance from buyer to supplier per round (k)", 0.0, 0.0, 1e5
    )
    piece_rate: bool = term(
        "bool",
        "paid by the piece ('by the metre'): cheaper, but lowers quality and retention",
        False,
    )
    exit_clause: bool = term("bool", "either side may leave after a round without breach", True)


class Subcontract(Kind[Terms]):
    name = "subcontract"
    title = "Subcontract"
    source = "003 I-1.2, I-2.2, I-2.3"
    help = "A buyer firm farms out work to a supplier firm for some rounds."
    parties = {"firm": (2, 2)}
    gate = 0.4
    terms = Terms
    joint_activity = True
    fails_when_forced = True  # the supplier does not deliver

    def check(self, state: State, t: Terms, parties: list[str]) -> None:
        f = state.firms
        if t.buyer == t.supplier:
            raise EngineError(
                "illegal_term", "buyer and supplier must be different firms", "terms.supplier"
            )
        i = state.firm_of(t.supplier)
        op = state.scenario.operations.index(t.operation)
        if f.caps[i, op] < 0.2:
            raise EngineError(
                "cannot_deliver",
                f"{t.supplier} does not do enough {t.operation} for a subcontract",
                "terms.operation",
            )
        capacity = f.workers[i] * max(f.productivity[i], 0.5)
        if t.volume > capacity:
            raise EngineError(
                "cannot_deliver",
                f"{t.volume:g} units a round is more than the supplier can make",
                "terms.volume",
            )
        b = state.firm_of(t.buyer)
        cost = t.volume * t.unit_price + t.assistance
        if cost > f.cash[b] + 0.5 * max(f.revenue[b], 0.0):
            raise EngineError(
                "cannot_afford", f"the buyer cannot pay {cost:.0f}k a round", "terms.unit_price"
            )

    def duration(self, state: State, t: Terms) -> int:
        return t.rounds

    def move_work(self, state: State, d: Deal, cap: np.ndarray, res: Resolution) -> None:
        f = state.firms
        t = self.read(d)
        b, s = state.firm_of(t.buyer), state.firm_of(t.supplier)
        if not (f.alive[b] and f.alive[s]):
            self.end(state, d, "expired", "a party closed")
            return
        if "defector" in d.ledger:
            d.ledger.pop("defector")
            self.breach(
                state, d, s, "did not deliver: the firms did not trust each other enough", res
            )
            return
        units = min(t.volume, cap[s])
        if units < t.volume - 1e-6 and not t.exit_clause:
            self.breach(state, d, s, f"delivered {units:.1f} of {t.volume:g} units", res)
        cap[s] -= units
        cap[b] += units
        pay = units * t.unit_price + t.assistance
        f.cash[b] -= pay
        f.cash[s] += pay
        flows.record(state, "subcontract", b, s, pay)
        if t.assistance > 0:
            w = max(f.workers[s], 1.0)
            f.skill[s] = min(
                1.0, f.skill[s] + 0.3 * t.assistance / (state.params.training_cost * w)
            )
            f.technology[s] = min(
                1.0,
                f.technology[s]
                + 0.5
                * t.assistance
                / (state.params.tech_cost_per_worker * w)
                * (1 - f.technology[s]),
            )
        if t.piece_rate:  # "by the metre": cheaper, but lower quality and retention (003 I-2.3)
            f.quality[s] = max(0.0, f.quality[s] - 0.05)
            f.skill[s] = max(0.0, f.skill[s] - 0.01)
        if d.status == "active":
            state.trust[b, s] = min(1.0, state.trust[b, s] + 0.03)
            state.trust[s, b] = min(1.0, state.trust[s, b] + 0.03)
        d.ledger["units"] = d.ledger.get("units", 0.0) + units

    def buyer_contract_for(self, state: State, d: Deal, firm: int) -> bool:
        return state.firm_of(d.terms["supplier"]) == firm


KIND = Subcontract()
