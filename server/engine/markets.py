"""Productivity and quality, tenders, and the three markets (commodity, niche, export).

- Productivity rises with skill, technology, the shared factors of the firm's networks (004 S.II)
  and public infrastructure; sweated labour loses some of it (000 II.c, 003 I-2.3).
- Tenders: large orders needing several operations, more capacity than a small firm has and a
  minimum quality (003 I-2.2 farming out; 004 joint bids). Single firms bid here; consortia bid
  through joint-bid deals (server.engine.deals).
- The commodity market clears on price, squeezed by imports; price cutting buys market share when
  supply exceeds demand. Niche and export markets buy quality, and export needs market
  intelligence (own reputation or a network's stock).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine.scenario import FACTORS
from district.server.engine.state import State

# a firm's price stance (-1 .. +1) sets its commodity price this share below or above the market's
PRICE_STANCE_SPREAD = 0.1

TRAINING, INTELLIGENCE, QUALITY, EQUIPMENT = (
    FACTORS.index(k) for k in ("training", "intelligence", "quality", "equipment")
)


def factor_access(state: State) -> np.ndarray:
    """(n, factors): the best stock of each shared factor among the firm's live networks."""
    f = state.firms
    acc = np.zeros((f.n, len(FACTORS)))
    for net in state.networks:
        if net.alive and net.members:
            idx = np.array(net.members)
            acc[idx] = np.maximum(acc[idx], net.stock[None, :])
    return acc


def productivity_and_quality(state: State, access: np.ndarray) -> None:
    f = state.firms
    prm = state.params
    floor = state.institutions.wage_floor
    shared = 0.5 * (access[:, TRAINING] + access[:, EQUIPMENT])
    sweat = (
        np.clip((floor - f.wage) / max(floor, 1e-9) / 0.5, 0.0, 1.0) * prm.sweat_productivity_loss
    )
    infra = 1.0 + 0.1 * (state.institutions.infrastructure - 0.5)
    f.productivity = (
        prm.base_productivity
        * (1.0 + prm.skill_elasticity * (f.skill - 0.5))
        * (1.0 + prm.tech_elasticity * (f.technology - 0.5))
        * (1.0 + prm.factor_productivity * shared)
        * infra
        * (1.0 - sweat)
    )
    f.productivity = np.maximum(f.productivity, 0.05)
    wsum = prm.quality_skill_weight + prm.quality_tech_weight + prm.quality_factor_weight
    q = (
        prm.quality_skill_weight * f.skill
        + prm.quality_tech_weight * f.technology
        + prm.quality_factor_weight * access[:, QUALITY]
    ) / max(wsum, 1e-9)
    f.quality = np.clip(q * (1.0 - sweat), 0.0, 1.0)


def capacity(state: State, strike_loss: np.ndarray) -> np.ndarray:
    f = state.firms
    return np.where(f.alive, f.workers * f.productivity * (1.0 - strike_loss), 0.0)


def eligible_alone(state: State, t: Any, cap: np.ndarray) -> np.ndarray:
    """Firms that could deliver a tender on their own: every operation, the volume, the quality."""
    f = state.firms
    ops = state.scenario.operations
    ok = f.alive.copy()
    for op, lvl in t.operations.items():
        ok &= f.caps[:, ops.index(op)] >= lvl
    ok &= cap >= t.volume / t.delivery_rounds
    ok &= f.quality >= t.min_quality
    return ok


def bid_score(
    state: State, quality: float, price: float, reserve: float, reputation: float
) -> float:
    prm = state.params
    return (
        prm.tender_quality_weight * quality
        + prm.tender_price_weight * (1.0 - price / reserve)
        + prm.tender_reputation_weight * reputation
    )


def award_tenders(
    state: State, cap: np.ndarray, report: dict[str, Any], consortium_bids: list[dict[str, Any]]
) -> None:
    """Award every open tender to the best eligible bid: single firms (their decisions) or
    consortia (joint-bid deals, given as dicts with members, shares, price, quality, reputation,
    deal). A tender with no eligible bid goes unawarded."""
    f = state.firms
    seat_of = state.seat_of_firm()
    awarded = []
    for t in state.tenders:
        if t.status != "open":
            continue
        elig = eligible_alone(state, t, cap)
        bids: list[tuple[float, int, dict[str, Any]]] = []
        for i in np.flatnonzero(elig):
            seat = seat_of.get(int(i))
            if seat is not None:
                mine = [
                    b for b in state.decisions.get(seat, {}).get("bids", []) if b["tender"] == t.id
                ]
                if not mine:
                    continue
                price = mine[0]["price"]
            else:  # background firms bid at a margin that depends on their road
                price = t.price * (0.9 if f.road[i] == 1 else 0.97)
            s = bid_score(state, float(f.quality[i]), price, t.price, float(f.reputation[i]))
            bids.append(
                (s, len(bids), {"members": [int(i)], "shares": [1.0], "price": price, "deal": ""})
            )
        for cb in consortium_bids:
            if cb["tender"] == t.id:
                s = bid_score(state, cb["quality"], cb["price"], t.price, cb["reputation"])
                bids.append((s, len(bids), cb))
        if not bids:
            t.status = "unawarded"
            continue
        bids.sort(key=lambda b: (-b[0], b[1]))
        best = bids[0][2]
        t.status = "awarded"
        t.winner = list(best["members"])
        t.shares = list(best["shares"])
        t.winner_deal = best.get("deal", "")
        t.winning_price = float(best["price"])
        awarded.append(
            {
                "tender": t.id,
                "winner": t.winner,
                "deal": t.winner_deal,
                "price": t.winning_price,
                "bids": len(bids),
            }
        )
    report["tenders_awarded"] = awarded


def deliver_tenders(state: State, cap: np.ndarray, report: dict[str, Any]) -> np.ndarray:
    """Awarded tenders take capacity first; a member that cannot deliver its share falls short.
    Returns tender revenue per firm; shortfalls per tender are recorded for deals to penalise."""
    f = state.firms
    revenue = np.zeros(f.n)
    delivered_total = 0.0
    for t in state.tenders:
        if t.status != "awarded":
            continue
        per_round = t.volume / t.delivery_rounds
        short = 0.0
        t.shortfall = 0.0
        member_short: dict[int, float] = {}
        for m, share in zip(t.winner, t.shares, strict=True):
            need = per_round * share
            can = min(need, cap[m]) if f.alive[m] and m not in t.defectors else 0.0
            cap[m] -= can
            revenue[m] += can * t.winning_price
            short += need - can
            if need - can > 1e-9:
                member_short[m] = need - can
        t.delivered += per_round - short
        t.shortfall = short
        delivered_total += per_round - short
        if short > 1e-9:
            for m, miss in member_short.items():
                f.reputation[m] = max(
                    0.0, f.reputation[m] - 0.2 * min(1.0, miss / max(per_round, 1e-9)) - 0.05
                )
            report.setdefault("tender_shortfalls", []).append(
                {
                    "tender": t.id,
                    "short": short,
                    "members": {int(k): v for k, v in member_short.items()},
                }
            )
        else:
            for m in t.winner:
                f.reputation[m] = min(1.0, f.reputation[m] + 0.05)
        if t.delivered >= t.volume - 1e-6 or state.round >= t.round + t.delivery_rounds - 1:
            t.status = "done"
    report["tender_units"] = delivered_total
    return revenue


def _share_out(total: float, supply: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Allocate `total` units over firms by weight, never above each one's supply (water filling)."""
    sold = np.zeros_like(supply)
    left = min(total, float(supply.sum()))
    active = supply > 1e-12
    for _ in range(8):
        if left <= 1e-9 or not active.any():
            break
        w = np.where(active, weight, 0.0)
        if w.sum() <= 0:
            break
        give = left * w / w.sum()
        room = supply - sold
        take = np.minimum(give, room)
        sold += take
        left -= float(take.sum())
        active = (supply - sold) > 1e-9
    return sold


def _queue_out(total: float, supply: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Allocate `total` units firm by firm in order of priority (ties: lower index first), each
    filled to its supply before the next gets anything: the last in the queue sell nothing when
    `total` falls short of the supply (003 I-2.3: workshops "often without orders")."""
    sold = np.zeros_like(supply)
    left = min(total, float(supply.sum()))
    if left <= 1e-9:
        return sold
    order = np.argsort(-priority, kind="stable")
    before = np.concatenate(([0.0], np.cumsum(supply[order])[:-1]))
    sold[order] = np.clip(left - before, 0.0, supply[order])
    return sold


def market_price(
    demand: float, offered: float, elasticity: float, lo: float, hi: float
) -> tuple[float, float]:
    """A market's price (as a multiple of its reference price) and the units buyers take, when
    `offered` units meet a demand of `demand` units at the reference price. Buyers take
    `demand · ratio^(-elasticity)`: the price falls in a glut and rises when supply is short,
    within [lo, hi]; below `lo` sellers do not cut further, and what buyers do not take is left
    unsold (idle capacity)."""
    if offered <= 1e-9 or demand <= 1e-9:
        return 1.0, 0.0
    ratio = float(np.clip((demand / offered) ** (1.0 / elasticity), lo, hi))
    return ratio, min(offered, demand * ratio ** (-elasticity))


def clear_markets(
    state: State, cap: np.ndarray, access: np.ndarray, report: dict[str, Any]
) -> np.ndarray:
    """Sell remaining capacity: exports, then the niche market, then commodity. Returns revenue.
    Every market's price responds to what is offered in it; what the niche and export markets do
    not take goes to the commodity market, and what that does not take stays unsold."""
    f = state.firms
    prm = state.params
    m = state.markets
    alive = f.alive
    niche_firm = alive & (f.focus == 1)
    # export: quality and market intelligence
    ex_access = np.maximum(0.6 * f.reputation, access[:, INTELLIGENCE])
    ex_ok = (
        niche_firm & (f.quality >= prm.export_min_quality) & (ex_access >= prm.export_min_access)
    )
    ex_supply = np.where(ex_ok, cap, 0.0)
    # a glutted quality market pays no less than the next market down; the rest goes there
    ex_floor = float(np.clip(prm.niche_price / prm.export_price, 0.5, 1.0))
    ni_floor = float(np.clip(prm.commodity_price / prm.niche_price, 0.5, 1.0))
    ex_ratio, ex_units = market_price(
        m.export_demand, float(ex_supply.sum()), prm.quality_market_elasticity, ex_floor, 1.1
    )
    ex_weight = cap * f.quality**2 * (0.5 + ex_access)
    exports = _share_out(ex_units, ex_supply, ex_weight)
    ex_price = prm.export_price * ex_ratio * (0.8 + 0.4 * f.quality)
    cap_left = cap - exports
    # niche: quality and reputation
    ni_ok = niche_firm & (f.quality >= prm.niche_min_quality)
    ni_supply = np.where(ni_ok, cap_left, 0.0)
    ni_ratio, ni_units = market_price(
        m.niche_demand, float(ni_supply.sum()), prm.quality_market_elasticity, ni_floor, 1.1
    )
    ni_weight = cap_left * f.quality**2 * (0.5 + f.reputation)
    niche = _share_out(ni_units, ni_supply, ni_weight)
    ni_price = prm.niche_price * ni_ratio * (0.8 + 0.4 * f.quality)
    cap_left = cap_left - niche
    # commodity: everything else. Imports hold the price down and take part of the demand; a glut
    # lowers the price to a floor, below which capacity stands idle (003 I-2.3: over-entry until
    # orders run out); a shortage raises it only as far as buyers would pay for imports instead
    supply = float(cap_left.sum())
    base = prm.commodity_price * (1.0 - m.import_pressure)
    demand = m.commodity_demand * (1.0 - 0.5 * m.import_pressure)
    ratio, sell_total = market_price(
        demand, supply, prm.commodity_elasticity, prm.commodity_price_floor, prm.commodity_price_cap
    )
    price = base * ratio
    # buyers go first to firms they know (reputation) and to those who cut prices
    weight = cap_left * np.exp(-prm.undercut_share_gain * f.price_stance) * (0.2 + f.reputation)
    commodity = np.zeros(f.n)
    if m.reserved_share > 0 and f.preferred.any():
        reserved = _share_out(
            m.reserved_share * sell_total,
            np.where(f.preferred, cap_left, 0.0),
            np.where(f.preferred, weight, 0.0),
        )
        commodity += reserved
        # the outside buyer's orders go only to the suppliers it kept; the others sell on the
        # open market, which is the rest of demand (002 3 L362-368, 4 L484-489: a cut supplier
        # loses the buyer, not only some price): its selection decides who survives
        sell_total = min(
            sell_total - float(reserved.sum()),
            1.2 * (1.0 - m.reserved_share) * m.commodity_demand,
        )
    rest = cap_left - commodity
    queued = prm.commodity_order_queue * sell_total
    commodity += _queue_out(queued, rest, weight / np.maximum(cap_left, 1e-12))
    commodity += _share_out(sell_total - queued, cap_left - commodity, weight)
    com_price = price * (1.0 + PRICE_STANCE_SPREAD * f.price_stance)
    revenue = exports * ex_price + niche * ni_price + commodity * com_price
    f.exports = exports * ex_price
    f.sales = exports + niche + commodity  # units sold on markets (tenders added by the caller)
    m.commodity_price = price
    m.commodity_sold = float(commodity.sum())
    m.niche_sold = float(niche.sum())
    m.export_sold = float(exports.sum())
    # workshops with spare capacity that sold nothing (tender winners have their tender's orders)
    on_tender = np.zeros(f.n, dtype=bool)
    for t in state.tenders:
        if t.status in ("awarded", "done") and t.winner:
            on_tender[t.winner] = True
    no_orders = alive & (cap > 1e-9) & (f.sales <= 1e-9) & ~on_tender
    report.update(
        no_orders=int(no_orders.sum()),
        commodity_price=price,
        niche_price_index=ni_ratio,
        export_price_index=ex_ratio,
        commodity_units=m.commodity_sold,
        niche_units=m.niche_sold,
        export_units=m.export_sold,
        unsold_units=float(cap_left.sum() - commodity.sum()),
        exports_value=float(f.exports.sum()),
    )
    return revenue
