"""Broker engagement: firms or the government pay a broker each round (004 S.II, S.IV, Danish
brokers); while it runs, the broker's facilitation lowers the trust gates between the firms that
engaged it."""

from __future__ import annotations

from dataclasses import dataclass

from district.server.engine.deals.kind import Kind, Resolution
from district.server.engine.deals.record import Deal
from district.server.engine.deals.terms import term
from district.server.engine.errors import EngineError
from district.server.engine.state import State, role_of


@dataclass(frozen=True, kw_only=True, slots=True)
class Terms:
    fee: float = term(
        "float",
        "fee per round, paid by each firm party or by the government (k)",
        2.0,
        0.0,
        1e5,
    )
    scope: str = term(
        "choice",
        "what the broker does",
        "all",
        choices=["events", "intros", "drafting", "all"],
        public=True,
    )
    rounds: int = term("int", "rounds it runs", 3, 1, 12)


class BrokerEngagement(Kind[Terms]):
    name = "broker_engagement"
    title = "Broker engagement"
    source = "004 S.II, S.IV (Danish brokers), 000 II.e"
    help = "Firms or the government pay a broker; the broker's facilitation lowers the trust gates between those firms."
    parties = {"broker": (1, 1), "firm": (0, 40), "government": (0, 1)}
    gate = 0.2
    terms = Terms
    facilitates = True

    def check(self, state: State, t: Terms, parties: list[str]) -> None:
        if not any(role_of(p) in ("firm", "government") for p in parties):
            raise EngineError(
                "bad_parties", "someone must engage the broker: firms or the government", "parties"
            )

    def duration(self, state: State, t: Terms) -> int:
        return t.rounds

    def each_round(self, state: State, d: Deal, members: list[int], res: Resolution) -> None:
        f = state.firms
        acc = state.accounts
        t = self.read(d)
        broker = next(p for p in d.parties if role_of(p) == "broker")
        payers = [p for p in d.parties if role_of(p) in ("firm", "government")]
        for p in payers:
            if p == "government":
                fee = min(t.fee, max(0.0, acc.government))
                acc.government -= fee
            else:
                i = state.firm_of(p)
                if not f.alive[i]:
                    continue
                fee = t.fee
                f.cash[i] -= fee
            acc.brokers[broker] += fee
            state.broker_state[broker]["fees"] += fee


KIND = BrokerEngagement()
