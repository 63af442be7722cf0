"""Decisions into the firm arrays: seat firms from their seats' decisions, background firms from a
vectorised rule of thumb that depends on each firm's road (high, low, mixed).

Background firms are the bot-run mass of a district (hundreds of workshops); their policy is
vectorised so that a 1,000-firm district resolves in milliseconds.
"""

from __future__ import annotations

import numpy as np
from district.server.engine.state import State


def outside_wage(state: State) -> float:
    """The wage a worker can expect elsewhere: the going wage, pushed down by the labour surplus
    (003 I-2.3) but never below what an enforced floor guarantees."""
    f = state.firms
    employed = float(f.workers[f.alive].sum())
    surplus = state.labour.unemployed / max(1.0, employed + state.labour.unemployed)
    inst = state.institutions
    market = inst.reference_wage * max(0.3, 1.0 - state.params.surplus_wage_pressure * surplus)
    return max(market, inst.wage_floor * effective_enforcement(state))


def effective_enforcement(state: State) -> float:
    inst = state.institutions
    funded = 0.1 * inst.enforcement_spend / state.params.enforcement_cost
    return float(min(1.0, inst.enforcement + funded))


def background_decisions(state: State) -> None:
    """Rule-of-thumb decisions for firms without a seat (vectorised)."""
    f = state.firms
    seated = np.zeros(f.n, dtype=bool)
    for s in state.seats.values():
        if s.firm >= 0:
            seated[s.firm] = True
    bg = f.alive & ~seated
    if not bg.any():
        return
    inst = state.institutions
    prm = state.params
    floor = inst.wage_floor
    w_out = outside_wage(state)
    enf = effective_enforcement(state)
    high = bg & (f.road == 0)
    low = bg & (f.road == 1)
    mixed = bg & (f.road == 2)
    margin = np.where(f.revenue > 0, f.profit / np.maximum(f.revenue, 1e-9), 0.0)
    healthy = f.cash > 20.0 * np.sqrt(f.workers + 1)

    wage = f.wage.copy()
    wage[high] = max(floor * 1.02, w_out)
    # low road: below the floor when enforcement is weak, never far below what keeps workers
    low_wage = floor * (1.0 - 0.25 * (1.0 - enf)) if enf < 0.5 else floor
    wage[low] = max(low_wage, 0.8 * w_out)
    wage[mixed] = max(floor, 0.97 * w_out)
    f.wage[bg] = wage[bg]

    f.training_spend[bg] = 0.0
    trainees = np.where(healthy, np.ceil(0.08 * f.workers), 0.0)
    f.training_spend[high] = (trainees * prm.training_cost)[high]
    f.training_spend[mixed] = (0.5 * trainees * prm.training_cost)[mixed]
    # cheap labour tilts firms to squeezing labour rather than innovating (003 I-2.3)
    pressure = float(np.clip(w_out / inst.reference_wage, 0.4, 1.0)) ** 2
    f.tech_spend[bg] = np.where(healthy, 0.02 * pressure, 0.0)[bg] * np.maximum(f.revenue, 0.0)[bg]
    f.tech_spend[high] *= 2.0
    f.skill_pay[high | mixed] = prm.skilled_premium_market
    f.skill_pay[low] = prm.skilled_premium_market + 0.1
    f.price_stance[high] = 0.0
    f.price_stance[mixed] = -0.1
    f.price_stance[low] = -0.5
    f.poach[bg] = 0.0
    f.poach[low] = np.where(healthy, 1.0, 0.0)[low]
    f.focus[high] = (f.quality >= prm.niche_min_quality)[high].astype(np.int8)
    f.focus[low] = 0
    grow = (margin > 0.05) & healthy
    shrink = margin < -0.05
    f.hire[bg] = 0.0
    f.hire[bg & grow] = np.ceil(0.08 * f.workers)[bg & grow]
    f.hire[bg & shrink] = -np.ceil(0.1 * f.workers)[bg & shrink]


def seat_decisions(state: State) -> None:
    """Copy each firm seat's decisions (or the firm's standing values) into the arrays."""
    f = state.firms
    for seat, s in state.seats.items():
        i = s.firm
        if i < 0 or not f.alive[i]:
            continue
        d = state.decisions.get(seat, {})
        f.wage[i] = d.get("wage", f.wage[i])
        f.skill_pay[i] = d.get("skill_pay", f.skill_pay[i])
        f.training_spend[i] = d.get("training", 0.0)
        f.tech_spend[i] = d.get("technology", 0.0)
        if "focus" in d:
            f.focus[i] = 1 if d["focus"] == "niche" else 0
        f.price_stance[i] = d.get("price", 0.0)
        f.hire[i] = d.get("hire", 0.0)
        f.poach[i] = d.get("poach", 0.0)
