"""Conditional credit: public credit on conditions that are audited (000 III.4, LA Roundtable). It
pays out at signing, is repaid over its term with interest, and each round its conditions are
audited at `audit_rate`: an audited breach triggers the remedy (clawback, or a penalty rate on
which the loan runs on) and lowers the borrower's credit standing; unaudited, nothing happens. A
condition to scrap old machines costs the borrower technology and the district its second-hand
market (003 fn 12)."""

from __future__ import annotations

from dataclasses import dataclass

from district.server.engine import flows
from district.server.engine.deals.kind import Kind, Resolution, firms_of
from district.server.engine.deals.record import Deal
from district.server.engine.deals.terms import term as term_field  # a term is named `term`
from district.server.engine.errors import EngineError
from district.server.engine.state import State

CLAWBACK_FINE = 0.25  # assumption: a fine of a quarter of the amount lent (000 III.4 L219)
CREDIT_RECORD_ROUNDS = 4  # assumption: rounds a clawback marks the borrower's credit standing
CREDIT_RECORD_CAP = 0.25  # assumption: its credit standing meanwhile (a poor risk's)

CONDITIONS = [
    "compliance",
    "wage_floor",
    "training",
    "network",
    "buyer_contract",
    "certification",
    "scrap_machines",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class Terms:
    amount: float = term_field("float", "amount lent now (k)", 50.0, 1.0, 1e6, public=True)
    rate: float = term_field("float", "interest per round", 0.03, 0.0, 0.3)
    term: int = term_field("int", "rounds to repay", 4, 1, 12)
    purpose: str = term_field(
        "choice",
        "what the money is for",
        "technology",
        choices=["technology", "training", "working_capital"],
    )
    conditions: list[str] = term_field(
        "conditions",
        "conditions the borrower must meet and sustain",
        ["compliance"],
        choices=CONDITIONS,
        public=True,
    )
    audit_rate: float = term_field("float", "probability of an audit each round", 0.5, 0.0, 1.0)
    remedy: str = term_field(
        "choice",
        "what a breach found by audit triggers",
        "clawback",
        choices=["clawback", "penalty_rate"],
    )


class ConditionalCredit(Kind[Terms]):
    name = "conditional_credit"
    title = "Conditional credit"
    source = "000 III.4 (LA Roundtable), 003 fn 12, 004 S.II"
    help = (
        "Public credit on conditions that are audited; a breach found by audit triggers the remedy."
    )
    parties = {"government": (1, 1), "firm": (1, 1)}
    gate = 0.0
    terms = Terms
    ends_at_term = False  # repaid, clawed back or running on at a penalty rate: it ends itself
    government_lowers_gate = False  # money never lowers a gate

    def check(self, state: State, t: Terms, parties: list[str]) -> None:
        firm = next(p for p in parties if p != "government")
        for o in state.deals.values():
            if (
                o.kind == self.name
                and firm in o.parties
                and o.ledger.get("record_until", 0.0) >= state.round
            ):
                raise EngineError(
                    "credit_record",
                    f"{state.firms.name[state.firm_of(firm)]} had a loan clawed back; no public "
                    f"credit until round {int(o.ledger['record_until']) + 1}",
                    "parties",
                )
        if t.amount > state.accounts.government:
            raise EngineError(
                "cannot_afford",
                f"the government's budget is less than {t.amount:g}k",
                "terms.amount",
            )

    def duration(self, state: State, t: Terms) -> int:
        return t.term

    def on_signed(self, state: State, d: Deal) -> None:
        f = state.firms
        acc = state.accounts
        t = self.read(d)
        i = firms_of(state, d)[0]
        amount = min(t.amount, max(0.0, acc.government))
        acc.government -= amount
        f.cash[i] += amount
        flows.record(state, "credit", "government", i, amount)
        f.public_debt[i] += amount
        d.ledger["outstanding"] = amount
        d.ledger["principal"] = amount
        d.ledger["rate"] = t.rate
        if t.purpose == "technology":  # the money buys machines
            spend = min(amount, max(0.0, f.cash[i]))
            f.cash[i] -= spend
            acc.world += spend
            step = spend / (state.params.tech_cost_per_worker * max(f.workers[i], 1.0))
            f.technology[i] = min(1.0, f.technology[i] + step * (1.0 - f.technology[i]))
        elif t.purpose == "training":
            spend = min(amount, max(0.0, f.cash[i]))
            f.cash[i] -= spend
            acc.world += spend
            f.funded_trainees[i] += spend / state.params.training_cost
        if "scrap_machines" in t.conditions:
            # 003 fn 12: aid conditional on scrapping old machines destroyed the second-hand
            # market small firms lived on: the borrower loses its old machines, entrants find none
            f.technology[i] = max(0.0, f.technology[i] - 0.1)
            state.counters["secondhand_scrapped"] = state.counters.get("secondhand_scrapped", 0) + 1

    def broken_conditions(self, state: State, t: Terms, i: int, res: Resolution) -> list[str]:
        f = state.firms
        floor = state.institutions.wage_floor
        broken = []
        for c in t.conditions:
            if (
                (c == "compliance" and f.wage[i] < floor - 1e-9)
                or (c == "wage_floor" and f.wage[i] < 1.05 * floor)
                or (c == "training" and f.training_spend[i] <= 0 and f.trained[i] <= 0)
                or (c == "network" and not any(n.alive and i in n.members for n in state.networks))
                or (
                    c == "buyer_contract"
                    and not f.preferred[i]
                    and not any(
                        o.status == "active" and res.kind(o).buyer_contract_for(state, o, i)
                        for o in state.deals.values()
                    )
                )
                or (c == "certification" and f.quality[i] < 0.55)
            ):
                broken.append(c)
        return broken

    def enforce(self, state: State, d: Deal, members: list[int], res: Resolution) -> None:
        f = state.firms
        acc = state.accounts
        t = self.read(d)
        i = members[0]
        out = d.ledger.get("outstanding", 0.0)
        if not f.alive[i]:
            self.end(state, d, "breached", "the borrower closed")
            return
        rounds_left = max(1, d.ends_round - state.round + 1)
        pay = out / rounds_left + out * d.ledger["rate"]
        principal = out / rounds_left
        f.cash[i] -= pay
        acc.government += pay
        flows.record(state, "repayment", i, "government", principal)
        flows.record(state, "interest", i, "government", pay - principal)
        f.public_debt[i] = max(0.0, f.public_debt[i] - principal)
        d.ledger["outstanding"] = out - principal
        broken = self.broken_conditions(state, t, i, res)
        if broken:
            d.ledger["breached_rounds"] = d.ledger.get("breached_rounds", 0.0) + 1
            if "wage_floor" in broken or "compliance" in broken:
                need = state.institutions.wage_floor * (1.05 if "wage_floor" in broken else 1.0)
                d.ledger["wage_owed"] = d.ledger.get("wage_owed", 0.0) + max(
                    0.0, (need - f.wage[i]) * f.workers[i]
                )
            # a lender that audits at all checks the covenant when the loan closes: conditions
            # are to be met and sustained to the end (000 III.4 L239)
            closing = state.round >= d.ends_round and t.audit_rate > 0
            if state.rng.random() < t.audit_rate or closing:
                why = f"an audit found the condition{'s' if len(broken) > 1 else ''} {', '.join(broken)} broken"
                # a penalty rate is the first remedy; a condition found broken again at the
                # penalty rate calls the loan in, so that every loan ends
                if t.remedy == "clawback" or d.ledger.get("audited_breach"):
                    why += self.claw_back(state, d, t, i)
                    self.breach(state, d, i, why, res)
                    return
                d.ledger["rate"] += 0.1
                why += "; the rate rises by 10 points"
                d.ledger["audited_breach"] = 1.0
                f.credit[i] = max(0.0, f.credit[i] - 0.2)
                self.breach(state, d, i, why, res, ends=False)
        if state.round >= d.ends_round and d.status == "active":
            if d.ledger.get("audited_breach"):
                self.end(state, d, "breached", "repaid at the penalty rate")
            else:
                self.end(state, d, "fulfilled")

    def claw_back(self, state: State, d: Deal, t: Terms, i: int) -> str:
        """The loan is called in: the rest of the principal, the interest the whole term would
        have paid, the wages the broken covenant withheld (paid to the workers) and a fine
        (000 III.4 L219: quid pro quo agreements recover subsidies that were abused; L231-239:
        a covenant to meet and sustain compliance, with penalties for breach). The borrower's
        credit standing is marked for `CREDIT_RECORD_ROUNDS` rounds and the government lends it
        nothing more meanwhile. So a caught cheater ends worse off than an honest borrower."""
        f = state.firms
        acc = state.accounts
        rest = d.ledger["outstanding"]
        rounds_left = max(0, d.ends_round - state.round)
        interest = d.ledger.get("principal", rest) * t.rate * rounds_left
        wages = d.ledger.get("wage_owed", 0.0)
        fine = CLAWBACK_FINE * d.ledger.get("principal", rest)
        f.cash[i] -= rest + interest + wages + fine
        acc.government += rest + interest + fine
        acc.world += wages
        flows.record(state, "repayment", i, "government", rest)
        flows.record(state, "interest", i, "government", interest)
        flows.record(state, "back_pay", i, "world", wages)
        flows.record(state, "fine", i, "government", fine)
        f.public_debt[i] = max(0.0, f.public_debt[i] - rest)
        d.ledger["outstanding"] = 0.0
        d.ledger["clawed_back"] = rest + interest + wages + fine
        d.ledger["record_until"] = float(state.round + CREDIT_RECORD_ROUNDS)
        f.credit[i] = min(f.credit[i], CREDIT_RECORD_CAP)
        return (
            f"; {rest:.0f}k clawed back with {interest:.0f}k interest, {wages:.0f}k back pay "
            f"and a {fine:.0f}k fine"
        )

    def aftermath(self, state: State, d: Deal) -> None:
        """A loan clawed back marks its borrower's credit standing for a while."""
        if d.ledger.get("record_until", 0.0) >= state.round:
            i = firms_of(state, d)[0]
            state.firms.credit[i] = min(state.firms.credit[i], CREDIT_RECORD_CAP)


KIND = ConditionalCredit()
