"""Broker engagement: firms or the government pay a broker each round (004 S.II, S.IV, Danish
brokers). Its `scope` says what the fee buys, each round while it runs (004 S.III, the trust
ladder): `events` - a meeting of the engaged firms (trust among them rises); `intros` - the
engaged firms are introduced to each other (trust rises, capabilities are revealed); `drafting` -
the broker's facilitation lowers the trust gates of the engaged firms' deals, between the firms it
has worked with; `all` - the three."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from district.server.engine import flows
from district.server.engine.deals.kind import Kind, Resolution
from district.server.engine.deals.record import Deal
from district.server.engine.deals.terms import term
from district.server.engine.errors import EngineError
from district.server.engine.institutions import worked
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
        "what the fee buys: events, introductions, drafting, or all",
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
        firms = [p for p in d.parties if role_of(p) == "firm" and f.alive[state.firm_of(p)]]
        idx = [state.firm_of(p) for p in firms]
        bs = state.broker_state[broker]
        prm = state.params
        if len(idx) >= 2 and t.scope in ("events", "all"):
            a = np.array(idx)
            sub = state.trust[np.ix_(a, a)]
            state.trust[np.ix_(a, a)] = np.minimum(1.0, sub + prm.trust_event_gain * (1.0 - sub))
            np.fill_diagonal(state.trust, 1.0)
            bs["events"] += 1
            worked(bs, idx)
        if len(idx) >= 2 and t.scope in ("intros", "all"):
            for a_, b_ in zip(idx, idx[1:] + idx[:1], strict=True):
                for x, y in ((a_, b_), (b_, a_)):
                    state.trust[x, y] = min(
                        1.0, state.trust[x, y] + prm.trust_intro_gain * (1 - state.trust[x, y])
                    )
                bs["known_caps"].setdefault(str(a_), []).append(b_)
                bs["known_caps"].setdefault(str(b_), []).append(a_)
                bs["intros"] += 1
            worked(bs, idx)
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
            flows.record(state, "fee", p if p == "government" else state.firm_of(p), broker, fee)
            state.broker_state[broker]["fees"] += fee

    def facilitator(self, state: State, d: Deal) -> str:
        if self.read(d).scope in ("drafting", "all"):
            return next(p for p in d.parties if role_of(p) == "broker")
        return ""


KIND = BrokerEngagement()
