"""Network charter (service hub): three or more firms pay dues into shared services that build
factor stock for members (004 S.II). Signing founds the network; it lives on after the charter's
term if members keep paying dues."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from district.server.engine.deals.kind import Kind, Resolution, firms_of
from district.server.engine.deals.record import Deal
from district.server.engine.deals.terms import term
from district.server.engine.errors import EngineError
from district.server.engine.scenario import FACTORS
from district.server.engine.state import Network, State, role_of


@dataclass(frozen=True, kw_only=True, slots=True)
class Terms:
    name: str = term("text", "the network's name", "Service hub", public=True)
    dues: float = term("float", "dues per member firm per round (k)", 5.0, 0.0, 1e4)
    services: list[str] = term(
        "factors",
        "services funded: training, intelligence, quality, equipment",
        ["training"],
        choices=FACTORS,
        public=True,
    )
    open: bool = term(
        "bool",
        "open: firms its broker met may join later; closed: trust grows faster",
        True,
        public=True,
    )
    governance: str = term(
        "choice",
        "who steers the hub: members, or tripartite (gains pass to the wage floor)",
        "members",
        choices=["members", "tripartite"],
        public=True,
    )
    rounds: int = term("int", "rounds the charter runs", 4, 1, 12)


class NetworkCharter(Kind[Terms]):
    name = "network_charter"
    title = "Network charter (service hub)"
    source = "004 S.II (ERVET, RESFOR), 003 I-2.4 (associations)"
    help = "Three or more firms pay dues into shared services that build factor stock for members."
    parties = {"firm": (3, 40), "union": (0, 1), "government": (0, 1), "broker": (0, 1)}
    gate = 0.35
    terms = Terms
    joint_activity = True
    fails_when_forced = True

    def check(self, state: State, t: Terms, parties: list[str]) -> None:
        if sum(1 for p in parties if role_of(p) == "firm") < 3:
            raise EngineError(
                "bad_parties", "a network needs at least 3 firms (004 S.II)", "parties"
            )
        if t.governance == "tripartite" and not any(
            role_of(p) in ("union", "government") for p in parties
        ):
            raise EngineError(
                "illegal_term",
                "tripartite governance needs the union or the government among the parties",
                "terms.governance",
            )

    def duration(self, state: State, t: Terms) -> int:
        return t.rounds

    def on_signed(self, state: State, d: Deal) -> None:
        t = self.read(d)
        broker = d.drafted_by or next((p for p in d.parties if role_of(p) == "broker"), "")
        net = Network(
            id=state.next_id("network"),
            name=t.name,
            members=sorted(firms_of(state, d)),
            stock=np.zeros(len(FACTORS)),
            dues=t.dues,
            founded=state.round,
            deal=d.id,
            broker=broker,
        )
        net.services = [FACTORS.index(s) for s in t.services]
        net.open = t.open
        net.governance = t.governance
        state.networks.append(net)
        d.ledger["network"] = float(len(state.networks) - 1)

    def pulled_out(self, state: State, d: Deal, firm: int, res: Resolution) -> bool:
        self.breach(state, d, firm, "pulled out: the members did not trust each other enough", res)
        if "network" in d.ledger:
            net = state.networks[int(d.ledger["network"])]
            net.members = [m for m in net.members if m != firm]
        return True

    def term_ends(self, state: State, d: Deal, res: Resolution) -> None:
        res.note(d, "the charter's term ended; the network lives on if members keep paying dues")


KIND = NetworkCharter()
