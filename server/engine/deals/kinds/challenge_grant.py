"""Challenge grant: the government funds a group of firms' network if it qualifies (004 S.II,
Denmark: at least 3 firms and 2 joint activities), matched by the firms, until phase-out. Signing
finds the group's network or founds one; each round the grant is paid if the group still
qualifies. Joint activities are the network's services and the members' other active deals of
kinds that count as joint activities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from district.server.engine import flows
from district.server.engine.deals.kind import Kind, Resolution, firms_of
from district.server.engine.deals.record import Deal
from district.server.engine.deals.terms import term
from district.server.engine.errors import EngineError
from district.server.engine.scenario import FACTORS
from district.server.engine.state import Network, State, role_of


@dataclass(frozen=True, kw_only=True, slots=True)
class Terms:
    amount: float = term("float", "grant per round (k)", 30.0, 0.0, 1e6, public=True)
    match_share: float = term(
        "float", "share of the grant the firms add between them", 0.5, 0.0, 2.0
    )
    min_firms: int = term("int", "eligibility: at least this many firms", 3, 2, 40)
    min_activities: int = term(
        "int",
        "eligibility: at least this many joint activities (services or deals)",
        2,
        1,
        8,
    )
    services: list[str] = term(
        "factors",
        "services the grant funds",
        ["training", "intelligence"],
        choices=FACTORS,
        public=True,
    )
    phase_out: int = term("int", "rounds the grant runs before it stops", 3, 1, 12, public=True)


def _group_network(state: State, members: list[int]) -> Network | None:
    want = set(members)
    for net in state.networks:
        if net.alive and want <= set(net.members):
            return net
    return None


class ChallengeGrant(Kind[Terms]):
    name = "challenge_grant"
    title = "Challenge grant"
    source = "004 S.II (Denmark: >= 3 firms, >= 2 joint activities), S.IV"
    help = "Government funds a group of firms' network if it qualifies, matched by the firms, until phase-out."
    parties = {"government": (1, 1), "firm": (3, 40), "broker": (0, 1)}
    gate = 0.3
    terms = Terms

    def check(self, state: State, t: Terms, parties: list[str]) -> None:
        firms = sum(1 for p in parties if role_of(p) == "firm")
        if firms < t.min_firms:
            raise EngineError(
                "illegal_term",
                f"the grant asks for at least {t.min_firms} firms but {firms} are parties",
                "terms.min_firms",
            )
        if t.amount * t.phase_out > state.accounts.government:
            raise EngineError(
                "cannot_afford",
                f"{t.amount * t.phase_out:.0f}k over the grant's life is more "
                "than the government's budget",
                "terms.amount",
            )

    def duration(self, state: State, t: Terms) -> int:
        return t.phase_out

    def on_signed(self, state: State, d: Deal) -> None:
        t = self.read(d)
        members = firms_of(state, d)
        net = _group_network(state, members)
        if net is None:
            net = Network(
                id=state.next_id("network"),
                name="Grant network",
                members=sorted(members),
                stock=np.zeros(len(FACTORS)),
                dues=0.0,
                founded=state.round,
                deal=d.id,
                broker=d.drafted_by or next((p for p in d.parties if role_of(p) == "broker"), ""),
            )
            net.services = [FACTORS.index(s) for s in t.services]
            state.networks.append(net)
        d.ledger["network"] = float(state.networks.index(net))

    def each_round(self, state: State, d: Deal, members: list[int], res: Resolution) -> None:
        f = state.firms
        acc = state.accounts
        t = self.read(d)
        net = state.networks[int(d.ledger["network"])]
        live = [m for m in net.members if f.alive[m]]
        services = len(net.services) if net.services else int((net.stock > 0.05).sum())
        activities = services + sum(
            1
            for o in state.deals.values()
            if o.status == "active"
            and o.id != d.id
            and res.kind(o).joint_activity
            and set(firms_of(state, o)) & set(live)
        )
        if len(live) >= t.min_firms and activities >= t.min_activities and net.alive:
            grant = min(t.amount, max(0.0, acc.government))
            acc.government -= grant
            match_each = t.match_share * grant / max(1, len(live))
            f.cash[live] -= match_each
            acc.world += grant + match_each * len(live)  # spent on the network's services
            flows.record(state, "grant", "government", "world", grant)
            flows.record(state, "match", np.asarray(live), "world", match_each)
            net.extra_funding += grant + match_each * len(live)
            d.ledger["paid"] = d.ledger.get("paid", 0.0) + grant
        else:
            res.note(
                d,
                f"the group did not qualify this round ({len(live)} firms, {activities} joint activities)",
            )


KIND = ChallengeGrant()
