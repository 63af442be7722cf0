"""Finance: costs, taxes, interest, borrowing, technology investment, exit on insolvency and
entry of new workshops when margins are good (003 I-2.3: apprentices open workshops until orders
run out). Every movement of money goes between accounts, so money is conserved.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine import flows
from district.server.engine.state import State, append_firms, make_firms
from district.server.engine.state_build import background_names


def settle(
    state: State, sales_revenue: np.ndarray, units: np.ndarray, report: dict[str, Any]
) -> None:
    """Pay revenue in, costs out; borrow to cover a gap if credit allows; close firms that cannot."""
    f = state.firms
    prm = state.params
    acc = state.accounts
    inst = state.institutions
    alive = f.alive
    revenue = np.where(alive, sales_revenue, 0.0)
    wages = np.where(alive, f.workers * f.wage + f.skilled * f.wage * f.skill_pay, 0.0)
    tax = wages * inst.payroll_tax
    # bought-in materials and services scale with the value of what is sold
    materials = np.where(alive, prm.materials_share * revenue, 0.0)
    fixed = np.where(alive, prm.fixed_cost + prm.fixed_cost_per_worker * f.workers, 0.0)
    rate = inst.interest_rate + prm.risk_premium * (1.0 - f.credit)
    interest = np.where(alive, f.debt * rate, 0.0)
    # workers bargain over the firm's rent (000 III.2 L167-169): what its operating surplus holds
    # above a normal margin, in the share their bargaining power wins
    # and buyers who hold the market power take part of it back through the price (000 III.4
    # L223-225, 003 I-2.3 L352); owners keep the normal margin and the rest
    surplus = revenue - wages - tax - materials - fixed - interest
    rent = np.where(alive, np.maximum(0.0, surplus - prm.normal_margin * revenue), 0.0)
    squeeze = prm.buyer_power * rent
    rent_pay = np.minimum(bargaining_power(state), 0.9 - prm.buyer_power) * rent
    revenue = revenue - squeeze
    costs = wages + rent_pay + tax + materials + fixed + interest
    # investment is paid out of cash: a firm invests no more than it holds after its costs
    after_costs = f.cash + revenue - costs
    tech = np.where(alive, np.minimum(f.tech_spend, np.maximum(0.0, after_costs)), 0.0)
    f.tech_spend = tech
    # money moves: revenue from outside; wages and the workers' share of rent, materials,
    # overhead, interest, technology outside; payroll tax to the government
    f.cash += revenue - costs - tech
    acc.world += float((costs - tax + tech - revenue).sum())
    acc.government += float(tax.sum())
    f.rent_pay = rent_pay
    # technology: investment moves the level toward 1, depreciation pulls it down
    step = tech / (prm.tech_cost_per_worker * np.maximum(f.workers, 1.0))
    f.technology = np.clip(
        f.technology * (1.0 - prm.tech_depreciation) + step * (1.0 - f.technology), 0.0, 1.0
    )
    f.revenue = revenue
    f.profit = revenue - costs - tech - f.training_spend - f.fines
    f.revenue_total += np.where(alive, revenue, 0.0)
    f.profit_total += np.where(alive, f.profit, 0.0)
    # owners draw a share of the year's profit, out of cash above a working buffer
    drawings = np.where(
        alive,
        np.minimum(
            prm.payout_share * np.maximum(f.profit, 0.0),
            np.maximum(0.0, f.cash - 0.1 * revenue),
        ),
        0.0,
    )
    f.cash -= drawings
    f.drawn += drawings
    acc.world += float(drawings.sum())
    report.update(
        drawings=float(drawings.sum()),
        technology_spend=float(tech.sum()),
        revenue=float(revenue.sum()),
        wages=float(wages.sum()),
        rent_pay=float(rent_pay.sum()),
        buyer_squeeze=float(squeeze.sum()),
        payroll_tax=float(tax.sum()),
        materials=float(materials.sum()),
        interest=float(interest.sum()),
    )
    flows.record(state, "tax", alive, "government", tax[alive])
    flows.record(state, "interest", alive, "world", interest[alive])
    _borrow_repay_exit(state, report)


def bargaining_power(state: State) -> np.ndarray:
    """The share of its firm's rent a workforce wins, per firm (0-0.9): collectively through the
    union (union power, as far as the firm's workers are members; 000 III.2 L167-169, II.d L101)
    and, its trained workers, individually when jobs are plentiful (000 III.1 L163: individual
    bargaining power rose with skills); a labour surplus leaves them nothing of it (003 I-2.3)."""
    f = state.firms
    prm = state.params
    employed = float(f.workers[f.alive].sum())
    surplus = state.labour.unemployed / max(1.0, employed + state.labour.unemployed)
    tight = float(np.clip(1.0 - surplus / 0.1, 0.0, 1.0))
    union = state.institutions.union_power * np.minimum(1.0, f.union_share / 0.5)
    trained = np.where(f.workers > 0, f.skilled / np.maximum(f.workers, 1e-9), 0.0)
    power = prm.rent_share_union * union + prm.rent_share_market * tight * trained
    return np.asarray(np.clip(power, 0.0, 0.9))


def _borrow_repay_exit(state: State, report: dict[str, Any]) -> None:
    f = state.firms
    prm = state.params
    acc = state.accounts
    alive = f.alive
    limit = f.credit * prm.credit_limit_revenue * np.maximum(f.revenue, 0.0)
    need = np.where(alive & (f.cash < 0), -f.cash, 0.0)
    room = np.maximum(0.0, limit - f.debt)
    borrow = np.minimum(need, room)
    f.debt += borrow
    f.cash += borrow
    acc.world -= float(borrow.sum())
    flows.record(state, "credit", "world", borrow > 0, borrow[borrow > 0])
    # repay from cash above a buffer
    buffer = 10.0 + 2.0 * f.workers
    repay = np.where(
        alive, np.minimum(f.debt, prm.repay_share * np.maximum(0.0, f.cash - buffer)), 0.0
    )
    f.debt -= repay
    f.cash -= repay
    acc.world += float(repay.sum())
    flows.record(state, "repayment", repay > 0, "world", repay[repay > 0])
    # credit standing: better with profit and low leverage, worse with borrowing and losses
    margin = np.where(f.revenue > 0, f.profit / np.maximum(f.revenue, 1e-9), -1.0)
    target = np.clip(0.6 + 2.0 * margin - 0.5 * f.debt / np.maximum(f.revenue, 1.0), 0.05, 1.0)
    f.credit = np.where(alive, 0.7 * f.credit + 0.3 * target, f.credit)
    # exit: still short of cash after borrowing
    closing = alive & (f.cash < -1e-9)
    report["borrowed"] = float(borrow.sum())
    report["exits"] = [int(i) for i in np.flatnonzero(closing)]
    if closing.any():
        close_firms(state, closing)


def close_insolvent(state: State, report: dict[str, Any]) -> None:
    """After every payment of the round (dues, penalties, repayments): a live firm whose cash is
    negative borrows what its credit allows; one that still cannot pay is insolvent and closes.
    So no live firm ends a round with negative cash."""
    f = state.firms
    prm = state.params
    short = f.alive & (f.cash < -1e-9)
    if not short.any():
        return
    limit = f.credit * prm.credit_limit_revenue * np.maximum(f.revenue, 0.0)
    borrow = np.where(short, np.minimum(-f.cash, np.maximum(0.0, limit - f.debt)), 0.0)
    f.debt += borrow
    f.cash += borrow
    state.accounts.world -= float(borrow.sum())
    flows.record(state, "credit", "world", borrow > 0, borrow[borrow > 0])
    report["borrowed"] = report.get("borrowed", 0.0) + float(borrow.sum())
    closing = f.alive & (f.cash < -1e-9)
    if closing.any():
        report["exits"] = list(report.get("exits", [])) + [int(i) for i in np.flatnonzero(closing)]
        close_firms(state, closing)


def close_firms(state: State, mask: np.ndarray) -> None:
    """Firms close: their workers join the pool, the bank writes off what they owed."""
    f = state.firms
    lab = state.labour
    acc = state.accounts
    idx = np.flatnonzero(mask & f.alive)
    if len(idx) == 0:
        return
    workers = float(f.workers[idx].sum())
    pool_skill = lab.unemployed_skill * lab.unemployed + float(
        (f.workers[idx] * f.skill[idx]).sum()
    )
    lab.unemployed += workers
    lab.unemployed_skilled += float(f.skilled[idx].sum())
    lab.unemployed_skill = pool_skill / max(lab.unemployed, 1e-9)
    # negative cash is the bank's loss; positive cash goes to the owners (outside)
    acc.world += float(f.cash[idx].sum())
    f.cash[idx] = 0.0
    f.debt[idx] = 0.0
    f.workers[idx] = 0.0
    f.skilled[idx] = 0.0
    f.pipeline[idx] = 0.0
    f.alive[idx] = False
    f.died[idx] = state.round
    for net in state.networks:
        if net.alive:
            net.members = [m for m in net.members if f.alive[m]]


def entry(state: State, report: dict[str, Any]) -> None:
    """New workshops open while the district's margins are good (003 I-2.3: apprentices open
    workshops until orders run out). Founders are skilled workers: unemployed ones, and, the
    better the margins, employees who leave to set up on their own (the school -> employee ->
    owner path); the rest of a new workshop's workers come from the unemployed pool."""
    f = state.firms
    prm = state.params
    lab = state.labour
    alive = f.alive
    rev = float(f.revenue[alive].sum())
    margin = float(f.profit[alive].sum()) / rev if rev > 0 else 0.0
    report["margin"] = margin
    report["entries"] = []
    excess = margin - prm.entry_margin
    if excess <= 0:
        return
    pull = min(1.0, excess / 0.1)
    employed_skilled = float(f.skilled[alive].sum())
    from_pool = prm.entry_rate * (lab.unemployed_skilled + 0.1 * lab.unemployed) * pull
    from_jobs = prm.entry_rate * prm.spinoff_share * employed_skilled * pull
    expected = from_pool + from_jobs
    cap = max(1, int(prm.max_entry_share * int(alive.sum())))
    k = int(expected) + int(state.rng.random() < expected - int(expected))
    k = min(k, cap)
    if k <= 0:
        return
    # which founders are employees leaving their firm; the others come from the pool, which must
    # also staff every new workshop
    n_spin = min(k, int(round(k * from_jobs / expected)), int(employed_skilled))
    n_pool = min(k - n_spin, int(lab.unemployed // prm.entry_size))
    k = n_spin + n_pool
    if k <= 0:
        return
    ops = len(state.scenario.operations)
    new = make_firms(k, ops, f.pipeline.shape[1])
    start = f.n
    rng = state.rng
    alive_idx = np.flatnonzero(alive)
    template = (
        alive_idx[rng.integers(0, len(alive_idx), size=k)] if len(alive_idx) else np.zeros(k, int)
    )
    for j, nm in enumerate(background_names(state.scenario.background.names, k, set(f.name))):
        new.name[j] = nm
    new.sector[:] = f.sector[template] if len(alive_idx) else 0
    new.x[:] = np.clip(f.x[template] + rng.normal(0, 0.05, k), 0.03, 0.97)
    new.y[:] = np.clip(f.y[template] + rng.normal(0, 0.05, k), 0.03, 0.97)
    new.alive[:] = True
    new.born[:] = state.round
    # spin-offs: one skilled employee of a firm with trained workers founds each of them
    spin_skill = np.zeros(k)
    donors = np.flatnonzero(alive & (f.skilled >= 1.0))
    if n_spin > 0 and len(donors) > 0:
        w = f.skilled[donors] / f.skilled[donors].sum()
        picks = donors[rng.choice(len(donors), size=n_spin, p=w)]
        for j, d in enumerate(picks):
            if f.skilled[d] < 1.0 or f.workers[d] < 2.0:
                continue
            sk = min(1.0, float(f.skill[d]) + prm.training_skill_gain * 0.5)
            f.skill[d] = float(
                np.clip((f.skill[d] * f.workers[d] - sk) / max(f.workers[d] - 1.0, 1e-9), 0, 1)
            )
            f.workers[d] -= 1.0
            f.skilled[d] -= 1.0
            spin_skill[j] = sk
            new.caps[j] = f.caps[d] * 0.8  # the founder knows the trade of the firm it left
    founders_from_pool = k - int((spin_skill > 0).sum())
    hired = np.full(k, prm.entry_size - 1.0)
    hired[spin_skill <= 0] = prm.entry_size
    need = float(hired.sum())
    if need > lab.unemployed:
        hired *= lab.unemployed / max(need, 1e-9)
    new.workers[:] = hired + (spin_skill > 0)
    sk_frac = lab.unemployed_skilled / max(lab.unemployed, 1e-9)
    pool_skilled = np.floor(hired * min(1.0, sk_frac + 0.25) * (founders_from_pool > 0))
    new.skilled[:] = np.minimum(new.workers, pool_skilled + (spin_skill > 0))
    pool_skill = min(1.0, lab.unemployed_skill + 0.1)
    new.skill[:] = np.where(
        spin_skill > 0,
        (spin_skill + hired * lab.unemployed_skill) / np.maximum(new.workers, 1e-9),
        pool_skill,
    )
    new.technology[:] = 0.2
    chosen = rng.integers(0, ops, size=k)
    fresh = spin_skill <= 0
    new.caps[np.flatnonzero(fresh), chosen[fresh]] = rng.uniform(0.3, 0.6, size=int(fresh.sum()))
    new.wage[:] = state.institutions.wage_floor
    new.skill_pay[:] = prm.skilled_premium_market
    new.cash[:] = prm.entry_cash
    new.credit[:] = 0.5
    new.reputation[:] = 0.3
    high = state.scenario.background.high_road_share if state.scenario.background.count else 0.5
    new.road[:] = np.where(rng.random(k) < high, 0, 1)
    new.compliant[:] = True
    new.quality[:] = 0.4
    new.net_worth0[:] = prm.entry_cash
    state.accounts.world -= prm.entry_cash * k
    taken = float(hired.sum())
    lab.unemployed_skilled = max(
        0.0, lab.unemployed_skilled - float(new.skilled.sum() - (spin_skill > 0).sum())
    )
    lab.unemployed = max(0.0, lab.unemployed - taken)
    append_firms(state, new)
    report["entries"] = list(range(start, start + k))
    report["spinoffs"] = int((spin_skill > 0).sum())
