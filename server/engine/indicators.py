"""Indicators of a resolved round, the three public scoreboards and each role's score.

Scoreboards are indices: 100 is the district as it was after round 1; each is the mean of its
components' ratios to their round-1 values (see docs/model.md). They are meant to diverge:
competitiveness can rise while worker welfare falls (000's central point).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine.state import State

SCOREBOARDS: dict[str, tuple[str, ...]] = {
    "competitiveness": ("sales_value", "exports", "tender_value", "quality"),
    "worker_welfare": (
        "wage_floor",
        "mean_wage",
        "mean_skill",
        "employment",
        "compliance",
        "union_density",
    ),
    "region": (
        "value_added",
        "firms_alive",
        "networks",
        "factor_stock",
        "rivalry",
        "government_budget",
    ),
}


def indicators(state: State, report: dict[str, Any]) -> dict[str, float]:
    f = state.firms
    a = f.alive
    emp = float(f.workers[a].sum())
    paid = f.workers * f.wage + f.skilled * f.wage * f.skill_pay
    sales_w = np.maximum(f.revenue[a], 0.0)
    share = sales_w / sales_w.sum() if sales_w.sum() > 0 else sales_w
    hhi = float((share**2).sum())
    live_nets = [n for n in state.networks if n.alive and len(n.members) >= 3]
    stock = float(np.mean([n.stock.mean() for n in live_nets])) if live_nets else 0.0
    out_w = f.workers * f.productivity
    won = [t for t in state.tenders if t.status in ("awarded", "done") and t.round == state.round]
    ind = {
        "round": float(state.round),
        "firms_alive": float(a.sum()),
        "employment": emp,
        "unemployment_rate": state.labour.unemployed / max(1.0, emp + state.labour.unemployed),
        "mean_wage": float(paid[a].sum()) / max(emp, 1e-9),
        "wage_floor": state.institutions.wage_floor,
        "mean_skill": float((f.skill * f.workers)[a].sum()) / max(emp, 1e-9),
        "trained_share": float(f.skilled[a].sum()) / max(emp, 1e-9),
        "output": float(f.sales[a].sum()) + report.get("tender_units", 0.0),
        "sales_value": float(f.revenue[a].sum()),
        "exports": float(f.exports[a].sum()),
        "niche_units": report.get("niche_units", 0.0),
        "tenders_won": float(len(won)),
        "tender_value": float(sum(t.volume * t.winning_price for t in won)),
        "quality": float((f.quality * out_w)[a].sum()) / max(float(out_w[a].sum()), 1e-9),
        "productivity": float(out_w[a].sum()) / max(emp, 1e-9),
        "value_added": report.get("revenue", 0.0) - report.get("materials", 0.0),
        "compliance": float(f.workers[a & f.compliant].sum()) / max(emp, 1e-9),
        "union_density": float((f.workers * f.union_share)[a].sum()) / max(emp, 1e-9),
        "networks": float(len(live_nets)),
        "networked_share": float(len({m for n in live_nets for m in n.members}))
        / max(1.0, float(a.sum())),
        "factor_stock": stock,
        "rivalry": 1.0 - hhi,
        "government_budget": state.accounts.government,
        "union_funds": state.accounts.union,
        "training_spend": report.get("training_spend", 0.0),
        "trainees": report.get("trainees", 0.0),
        "poached": report.get("poached", 0.0),
        "entries": float(len(report.get("entries", []))),
        "exits": float(len(report.get("exits", []))),
        "below_floor_firms": float(report.get("below_floor", 0)),
        "audits": float(len(report.get("audits", []))),
        "mean_trust": float(state.trust[np.ix_(a, a)].mean()) if a.any() else 0.0,
        "commodity_price": state.markets.commodity_price,
        "profit": float(f.profit[a].sum()),
        "approval": state.institutions.approval,
    }
    return ind


def scoreboards(state: State, ind: dict[str, float]) -> dict[str, float]:
    base = state.baseline
    out = {}
    for board, comps in SCOREBOARDS.items():
        vals = []
        for c in comps:
            b = base.get(c, 0.0)
            v = ind.get(c, 0.0)
            if abs(b) < 1e-9:
                vals.append(
                    1.0 + min(1.0, max(-1.0, v))
                    if c in ("networks", "exports", "tender_value", "factor_stock")
                    else 1.0
                )
            else:
                vals.append(float(np.clip(v / b, 0.0, 3.0)) if b > 0 else 1.0)
        out[board] = round(100.0 * float(np.mean(vals)), 2)
    return out


def approval(state: State, ind: dict[str, float]) -> float:
    base = state.baseline
    emp = ind["employment"] / max(base.get("employment", ind["employment"]), 1e-9)
    wage = ind["mean_wage"] / max(base.get("mean_wage", ind["mean_wage"]), 1e-9)
    budget_ok = 1.0 if ind["government_budget"] >= 0 else 0.6
    publicity = min(0.1, state.institutions.publicity / 500.0)
    a = (
        0.5 * state.institutions.approval
        + 0.5 * float(np.clip(0.5 * emp + 0.4 * wage - 0.4 + publicity, 0, 1)) * budget_ok
    )
    return float(np.clip(a, 0.0, 1.0))


def role_scores(state: State, ind: dict[str, float], boards: dict[str, float]) -> dict[str, float]:
    f = state.firms
    scores: dict[str, float] = {}
    for seat, s in state.seats.items():
        if s.role == "firm":
            i = s.firm
            nw = float(f.cash[i] - f.debt[i] - f.public_debt[i])
            growth = nw - float(f.net_worth0[i])
            scores[seat] = round(growth if f.alive[i] else growth - 100.0, 1)
        elif s.role == "union":
            scores[seat] = boards["worker_welfare"]
        elif s.role == "government":
            scores[seat] = round(
                0.5 * boards["region"]
                + 0.3 * boards["worker_welfare"]
                + 20.0 * state.institutions.approval,
                2,
            )
        elif s.role == "broker":
            bs = state.broker_state[seat]
            alive_nets = sum(1 for n in state.networks if n.alive and n.broker == seat)
            scores[seat] = round(bs["fees"] + 100.0 * bs["reputation"] + 50.0 * alive_nets, 1)
    return scores
