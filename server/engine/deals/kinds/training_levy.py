"""Training levy: firms pay a share of payroll into a training pool (plus the government's match);
the pool pays for trainees, who complete after the training lag (000 III.1, OPEC). An
anti-poaching clause binds the members against poaching each other; a union seat or a
pass-through clause raises the pass-through of gains to the wage floor while the levy runs.
The clause's binding ends with the levy, whether it is fulfilled or breached."""

from __future__ import annotations

from dataclasses import dataclass

from district.server.engine import flows
from district.server.engine.deals.kind import Kind, Resolution, firms_of
from district.server.engine.deals.record import Deal
from district.server.engine.deals.terms import term
from district.server.engine.state import State


@dataclass(frozen=True, kw_only=True, slots=True)
class Terms:
    levy_rate: float = term(
        "float", "share of payroll paid into the pool", 0.02, 0.0, 0.1, public=True
    )
    government_match: float = term("float", "government adds this share of the levy", 0.0, 0.0, 2.0)
    training_type: str = term(
        "choice",
        "craft (deep skill) or cross-functional (quality, flexibility)",
        "craft",
        choices=["craft", "cross_functional"],
    )
    union_seat: bool = term(
        "bool", "the union sits on the training board (gains pass through)", False, public=True
    )
    pass_through: float = term(
        "float", "share of productivity gains passed to the wage floor", 0.0, 0.0, 1.0
    )
    anti_poaching: bool = term(
        "bool", "members do not poach each other's trained workers", False, public=True
    )
    rounds: int = term("int", "rounds it runs", 4, 1, 12)


class TrainingLevy(Kind[Terms]):
    name = "training_levy"
    title = "Training levy"
    source = "000 III.1 (OPEC), 003 I-2.4, 002 s.5"
    help = "Firms pay a share of payroll into a training pool; trainees complete after a lag."
    parties = {"firm": (1, 40), "union": (0, 1), "government": (0, 1)}
    gate = 0.25
    terms = Terms
    joint_activity = True
    fails_when_forced = True

    def duration(self, state: State, t: Terms) -> int:
        return t.rounds

    def on_signed(self, state: State, d: Deal) -> None:
        """An anti-poaching clause binds the members as a fresh group (a firm is in one group at
        a time: the latest levy it signed with a clause)."""
        if self.read(d).anti_poaching:
            group = state.counters.get("anti_poach_group", 0) + 1
            state.counters["anti_poach_group"] = group
            state.firms.anti_poach[firms_of(state, d)] = group
            d.ledger["anti_poach_group"] = float(group)

    def pulled_out(self, state: State, d: Deal, firm: int, res: Resolution) -> bool:
        self.breach(state, d, firm, "pulled out: the members did not trust each other enough", res)
        return True

    def each_round(self, state: State, d: Deal, members: list[int], res: Resolution) -> None:
        f = state.firms
        acc = state.accounts
        t = self.read(d)
        payroll = f.workers * f.wage
        # every member must be able to pay before anyone pays: a levy that breaks takes nothing
        for i in members:
            due = t.levy_rate * payroll[i]
            if f.cash[i] < due:
                self.breach(state, d, i, f"could not pay its levy of {due:.0f}k", res)
                return
        total = 0.0
        for i in members:
            due = t.levy_rate * payroll[i]
            f.cash[i] -= due
            flows.record(state, "levy", i, "world", due)
            total += due
        match = (
            min(total * t.government_match, max(0.0, acc.government))
            if "government" in d.parties
            else 0.0
        )
        acc.government -= match
        flows.record(state, "subsidy", "government", "world", match)
        pool = total + match
        acc.world += pool  # paid to the college
        weights = payroll[members] / max(payroll[members].sum(), 1e-9)
        cost = state.params.training_cost * (1.1 if t.training_type == "cross_functional" else 1.0)
        for i, w in zip(members, weights, strict=True):
            f.funded_trainees[i] += pool * w / cost
            if t.training_type == "cross_functional":
                f.technology[i] = min(1.0, f.technology[i] + 0.01)
        inst = state.institutions
        inst.pass_through_clause = max(
            inst.pass_through_clause,
            min(1.0, t.pass_through + (0.2 if t.union_seat and "union" in d.parties else 0.0)),
        )
        d.ledger["collected"] = d.ledger.get("collected", 0.0) + pool

    def ended(self, state: State, d: Deal) -> None:
        """However it ends, the levy releases exactly the firms its clause still binds."""
        group = int(d.ledger.get("anti_poach_group", 0))
        if group:
            f = state.firms
            f.anti_poach[f.anti_poach == group] = 0


KIND = TrainingLevy()
