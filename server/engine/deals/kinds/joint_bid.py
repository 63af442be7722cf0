"""Joint bid: firms bid together for a tender none could win alone; each delivers its share or pays
the penalty. The consortium's quality is capped by the members' shared factor stock, never below
its weakest member (004: production networks only work on top of factor-creating ones)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from district.server.engine import flows
from district.server.engine.deals.kind import Kind, Resolution, trust_among
from district.server.engine.deals.record import Deal
from district.server.engine.deals.terms import term
from district.server.engine.errors import EngineError
from district.server.engine.markets import INTELLIGENCE, QUALITY, TRAINING
from district.server.engine.state import State, Tender, role_of


@dataclass(frozen=True, kw_only=True, slots=True)
class Terms:
    tender: str = term("tender", "the open tender to bid for", required=True, public=True)
    lead: str = term(
        "seat",
        "the lead firm, which faces the buyer (the bid carries its reputation)",
        required=True,
        public=True,
    )
    shares: dict[str, float] = term(
        "shares", "each firm's share of the volume (firm seat -> 0-1, summing to 1)", required=True
    )
    price: float = term(
        "float",
        "bid price per unit (k), at most the tender's price",
        lo=0.01,
        hi=1e6,
        required=True,
    )
    broker_fee: float = term("float", "fee to the broker party if the bid wins (k)", 0.0, 0.0, 1e5)
    penalty: float = term(
        "float", "penalty per undelivered unit, paid to the other members (k)", 20.0, 0.0, 1e5
    )


def _tender(state: State, t: Terms) -> Tender:
    return next(x for x in state.tenders if x.id == t.tender)


class JointBid(Kind[Terms]):
    name = "joint_bid"
    title = "Joint bid"
    source = "003 I-2.2 (farming out), 004 S.II (PETRO-TRADE, FSM), 002 s.2"
    help = "Firms bid together for a tender none could win alone; each delivers its share or pays the penalty."
    parties = {"firm": (2, 12), "broker": (0, 1)}
    gate = 0.6
    terms = Terms
    joint_activity = True
    fails_when_forced = True  # the defector does not deliver its share
    ends_at_term = False  # it ends with the tender: lost, delivered, or breached

    def check(self, state: State, t: Terms, parties: list[str]) -> None:
        tender = _tender(state, t)
        if t.price > tender.price:
            raise EngineError(
                "illegal_term",
                f"the bid price {t.price:g} is above the buyer's price {tender.price:g}",
                "terms.price",
            )
        if t.lead not in t.shares:
            raise EngineError("illegal_term", "the lead must be one of the members", "terms.lead")
        if t.broker_fee > 0 and not any(role_of(p) == "broker" for p in parties):
            raise EngineError(
                "illegal_term", "a broker fee needs a broker among the parties", "terms.broker_fee"
            )

    def duration(self, state: State, t: Terms) -> int:
        return _tender(state, t).delivery_rounds

    def bids(
        self, state: State, d: Deal, cap: np.ndarray, access: np.ndarray, res: Resolution
    ) -> dict[str, Any] | None:
        """Active joint bids whose tender is open bid as one consortium."""
        f = state.firms
        ops = state.scenario.operations
        t = self.read(d)
        tender = next((x for x in state.tenders if x.id == t.tender), None)
        if tender is None or tender.status != "open":
            return None
        seats = list(t.shares)
        members = [state.firm_of(p) for p in seats]
        if not all(f.alive[m] for m in members):
            self.end(state, d, "expired", "a member closed before the award")
            return None
        shares = np.array([t.shares[p] for p in seats])
        idx = np.array(members)
        missing = [
            op for op, lvl in tender.operations.items() if f.caps[idx, ops.index(op)].max() < lvl
        ]
        per_round = tender.volume / tender.delivery_rounds
        why = ""
        if missing:
            why = f"no member does {', '.join(missing)} well enough"
        elif cap[idx].sum() < per_round:
            why = f"the members can make {cap[idx].sum():.0f} units a round; the buyer needs {per_round:.0f}"
        # 004 S.II: production networks work on top of factor-creating ones: without shared
        # services (training, intelligence, quality) the consortium's share-weighted quality is
        # capped, the cap rising with the members' shared stock. The cap never takes it below
        # its weakest member (issue 10: two firms of 0.53 used to be rated 0.35).
        stock = float(np.mean(access[idx][:, [TRAINING, INTELLIGENCE, QUALITY]].mean(axis=1)))
        weakest = float(f.quality[idx].min())
        weighted = float((f.quality[idx] * shares).sum())
        quality = min(weighted, max(weakest, 0.35 + 0.6 * stock))
        if not why and quality < tender.min_quality:
            why = (
                f"consortium quality {quality:.2f} is below the buyer's {tender.min_quality:.2f}"
                + (
                    " - the members' shared factor stock is too thin"
                    if weighted >= tender.min_quality
                    else ""
                )
            )
        if why:
            res.note(d, f"joint bid for {tender.id} not eligible: {why}")
            return None
        bid = {
            "tender": tender.id,
            "members": members,
            "shares": list(shares),
            "price": t.price,
            "quality": quality,
            # the buyer faces the lead firm: the consortium bids on the lead's name
            "reputation": float(f.reputation[state.firm_of(t.lead)]),
            "deal": d.id,
        }
        defector = d.ledger.pop("defector", None)
        tender.defectors = [int(defector)] if defector is not None else []
        return bid

    def enforce(self, state: State, d: Deal, members: list[int], res: Resolution) -> None:
        f = state.firms
        acc = state.accounts
        t = self.read(d)
        report = res.report or {}
        tender = _tender(state, t)
        if tender.winner_deal != d.id:
            if tender.status != "open":
                self.end(state, d, "expired", "the bid did not win")
                res.note(d, f"joint bid for {tender.id} lost")
            return
        short = next(
            (s for s in report.get("tender_shortfalls", []) if s["tender"] == tender.id), None
        )
        if d.signed_round == state.round or tender.round == state.round:
            broker = next((p for p in d.parties if role_of(p) == "broker"), None)
            if broker and t.broker_fee > 0:
                for p, sh in t.shares.items():
                    f.cash[state.firm_of(p)] -= t.broker_fee * sh
                    flows.record(state, "fee", state.firm_of(p), broker, t.broker_fee * sh)
                acc.brokers[broker] += t.broker_fee
                state.broker_state[broker]["fees"] += t.broker_fee
            res.note(d, f"joint bid won {tender.id} at {tender.winning_price:g} per unit")
        if short:
            for m, miss in short["members"].items():
                others = [o for o in members if o != m]
                pen = miss * t.penalty
                f.cash[m] -= pen
                for o in others:
                    f.cash[o] += pen / len(others)
                    flows.record(state, "penalty", m, o, pen / len(others))
                self.breach(
                    state,
                    d,
                    m,
                    f"left {miss:.1f} units of its share undelivered and paid {pen:.0f}k",
                    res,
                )
            return
        if tender.status == "done":
            trust_among(state, members, 0.1)  # successful joint work (004 S.III)
            self.end(state, d, "fulfilled")
            res.note(d, f"joint bid for {tender.id} delivered in full")


KIND = JointBid()
