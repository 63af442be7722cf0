"""Wage and standards agreement: union and firms set a wage floor for signatories ("wages out of
competition", 000 II.d, GIDC). It is audited at the enforcement rate (+0.3 with the government as
enforcer): a signatory found paying under the floor owes the back pay; a strike against a
signatory breaks a no-strike clause. With the compliance clause the union polices the
signatories' compliance with labour law: the inspectors find a signatory under the legal floor
more often (as in a union campaign)."""

from __future__ import annotations

from dataclasses import dataclass

from district.server.engine import flows
from district.server.engine.deals.kind import Kind, Resolution
from district.server.engine.deals.record import Deal
from district.server.engine.deals.terms import term
from district.server.engine.policy import effective_enforcement
from district.server.engine.state import State


@dataclass(frozen=True, kw_only=True, slots=True)
class Terms:
    wage_floor: float = term(
        "float",
        "wage floor for signatories (k per worker per round)",
        30.0,
        1.0,
        1e4,
        public=True,
    )
    compliance: bool = term(
        "bool",
        "the union polices signatories' compliance with labour law (more audits)",
        True,
    )
    no_strike: bool = term("bool", "no strikes against signatories while it runs", True)
    rounds: int = term("int", "rounds it runs", 4, 1, 12)


class StandardsAgreement(Kind[Terms]):
    name = "standards_agreement"
    title = "Wage and standards agreement"
    source = "000 III.3 (GIDC), II.d ('wages out of competition')"
    help = "Union and firms set a wage floor for signatories; enforcement decides whether it holds."
    parties = {"union": (1, 1), "firm": (1, 40), "government": (0, 1)}
    gate = 0.2
    terms = Terms

    def duration(self, state: State, t: Terms) -> int:
        return t.rounds

    def each_round(self, state: State, d: Deal, members: list[int], res: Resolution) -> None:
        """000 III.3 (GIDC): the union polices its signatories' compliance with labour law."""
        if self.read(d).compliance:
            state.union_state["policed"] = sorted(set(state.union_state["policed"]) | set(members))

    def enforce(self, state: State, d: Deal, members: list[int], res: Resolution) -> None:
        f = state.firms
        acc = state.accounts
        t = self.read(d)
        floor = t.wage_floor
        p = effective_enforcement(state) + (0.3 if "government" in d.parties else 0.0)
        for i in members:
            if f.alive[i] and f.wage[i] < floor - 1e-9 and state.rng.random() < p:
                back = (floor - f.wage[i]) * f.workers[i]
                f.cash[i] -= back
                acc.world += back
                flows.record(state, "back_pay", i, "world", back)
                union = state.inst_ids.index("union")
                state.inst_trust[union, i] = max(0.0, state.inst_trust[union, i] - 0.2)
                self.breach(
                    state,
                    d,
                    i,
                    f"paid {f.wage[i]:.1f} under the agreed floor {floor:.1f} and owed {back:.0f}k back pay",
                    res,
                )
                break
        if d.status == "active" and t.no_strike:
            for s in (res.report or {}).get("strikes", []):
                if s["firm"] in members and s.get("loss", 0) > 0:
                    d.breaches.append(
                        {"round": state.round, "seat": "union", "why": "struck a signatory"}
                    )
                    self.end(state, d, "breached", "the union struck a signatory")


KIND = StandardsAgreement()
