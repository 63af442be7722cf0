"""Finance: costs, taxes, interest, borrowing, technology investment, exit on insolvency and
entry of new workshops when margins are good (003 I-2.3: apprentices open workshops until orders
run out). Every movement of money goes between accounts, so money is conserved.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine.state import State, append_firms, make_firms


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
    materials = units * prm.materials_share * prm.commodity_price
    fixed = np.where(alive, prm.fixed_cost + prm.fixed_cost_per_worker * f.workers, 0.0)
    rate = inst.interest_rate + prm.risk_premium * (1.0 - f.credit)
    interest = np.where(alive, f.debt * rate, 0.0)
    tech = np.where(alive, f.tech_spend, 0.0)
    # money moves: revenue from outside; wages, materials, overhead, interest, technology outside;
    # payroll tax to the government
    f.cash += revenue - wages - tax - materials - fixed - interest - tech
    acc.world += float((wages + materials + fixed + interest + tech - revenue).sum())
    acc.government += float(tax.sum())
    # technology: investment moves the level toward 1, depreciation pulls it down
    step = tech / (prm.tech_cost_per_worker * np.maximum(f.workers, 1.0))
    f.technology = np.clip(
        f.technology * (1.0 - prm.tech_depreciation) + step * (1.0 - f.technology), 0.0, 1.0
    )
    f.revenue = revenue
    f.profit = (
        revenue - wages - tax - materials - fixed - interest - tech - f.training_spend - f.fines
    )
    report.update(
        revenue=float(revenue.sum()),
        wages=float(wages.sum()),
        payroll_tax=float(tax.sum()),
        materials=float(materials.sum()),
        interest=float(interest.sum()),
    )
    _borrow_repay_exit(state, report)


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
    # repay from cash above a buffer
    buffer = 10.0 + 2.0 * f.workers
    repay = np.where(
        alive, np.minimum(f.debt, prm.repay_share * np.maximum(0.0, f.cash - buffer)), 0.0
    )
    f.debt -= repay
    f.cash -= repay
    acc.world += float(repay.sum())
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
    """New workshops open while the district's margins are good, started by unemployed (skilled)
    workers: more of them where the labour surplus is large (003 I-2.3)."""
    f = state.firms
    prm = state.params
    lab = state.labour
    alive = f.alive
    rev = float(f.revenue[alive].sum())
    margin = float(f.profit[alive].sum()) / rev if rev > 0 else 0.0
    report["margin"] = margin
    report["entries"] = []
    excess = margin - prm.entry_margin
    if excess <= 0 or lab.unemployed < prm.entry_size:
        return
    founders = lab.unemployed_skilled + 0.1 * lab.unemployed
    expected = prm.entry_rate * founders * min(1.0, excess / 0.1)
    cap = max(1, int(prm.max_entry_share * int(alive.sum())))
    k = int(expected) + int(state.rng.random() < expected - int(expected))
    k = min(k, cap, int(lab.unemployed // prm.entry_size))
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
    for j in range(k):
        new.name[j] = f"New workshop {start + j + 1}"
    new.sector[:] = f.sector[template] if len(alive_idx) else 0
    new.x[:] = np.clip(f.x[template] + rng.normal(0, 0.05, k), 0.03, 0.97)
    new.y[:] = np.clip(f.y[template] + rng.normal(0, 0.05, k), 0.03, 0.97)
    new.alive[:] = True
    new.born[:] = state.round
    new.workers[:] = prm.entry_size
    sk_frac = lab.unemployed_skilled / max(lab.unemployed, 1e-9)
    new.skilled[:] = np.floor(prm.entry_size * min(1.0, sk_frac + 0.25))
    new.skill[:] = min(1.0, lab.unemployed_skill + 0.1)
    new.technology[:] = 0.2
    chosen = rng.integers(0, ops, size=k)
    new.caps[np.arange(k), chosen] = rng.uniform(0.3, 0.6, size=k)
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
    taken = prm.entry_size * k
    lab.unemployed_skilled = max(0.0, lab.unemployed_skilled - float(new.skilled.sum()))
    lab.unemployed -= taken
    append_firms(state, new)
    report["entries"] = list(range(start, start + k))
