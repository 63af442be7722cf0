"""Indicators of a resolved round, the three public scoreboards and each role's score.

Scoreboards are levels on 0-100, not indices on a game's first round: each component is a level
between 0 and 1 against a documented reference (the scenario's going wage at the start, its
starting number of firms, or a fixed share), so that rounds, seeds, scenarios and a bots-only
baseline can be compared (docs/model.md, "Scoreboards"). They are meant to diverge:
competitiveness can rise while worker welfare falls (000's central point). Worker welfare is the
employment rate times the mean of its other components, so a district that sheds jobs cannot
score higher for workers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine import markets
from district.server.engine.snapshot import copy_state
from district.server.engine.state import State

# each board: (component, what it is measured against); every component is a level in 0..1
SCOREBOARDS: dict[str, tuple[tuple[str, str], ...]] = {
    "competitiveness": (
        ("value_added_per_worker", "value added per worker / (2.5 x the starting going wage)"),
        ("output_per_worker", "units made per worker / 1.5 (1 unit: skill and technology 0.5)"),
        ("quality", "sales-weighted product quality (0-1)"),
        ("export_share", "exports / sales / 0.3 (a third of sales exported = 1)"),
    ),
    "worker_welfare": (
        ("employment_rate", "employed / (employed + unemployed): multiplies the rest"),
        ("pay", "mean wage / starting going wage - 0.5 (the going wage 0.5, 1.5x it 1)"),
        ("wage_share", "wage bill / value added / 0.7 (wages keeping up with productivity)"),
        ("floor", "wage floor / starting going wage - 0.5"),
        ("mean_skill", "mean skill of the employed (0-1)"),
        ("compliance", "share of workers paid at least the floor"),
    ),
    "region": (
        ("value_added_per_head", "value added per member of the labour force / (2.5 x going wage)"),
        ("employment_rate", "employed / labour force"),
        ("firms_kept", "firms alive / the scenario's starting firms"),
        (
            "shared_institutions",
            "mean of the networked share of firms and the networks' factor stock",
        ),
    ),
}


def _reference_wage(state: State) -> float:
    return max(float(state.scenario.institutions["reference_wage"]), 1e-9)


def components(state: State, ind: dict[str, float]) -> dict[str, float]:
    """Every scoreboard component as a level in 0..1 (see SCOREBOARDS for the references)."""
    ref = _reference_wage(state)
    sc = state.scenario
    start_firms = max(1, len(sc.firms) + sc.background.count)
    emp = ind["employment"]
    labour_force = emp + state.labour.unemployed
    va = ind["value_added"]
    sales = ind["sales_value"]
    wage_bill = ind["mean_wage"] * emp
    c = {
        "value_added_per_worker": va / max(emp, 1e-9) / (2.5 * ref),
        "output_per_worker": ind["productivity"] / 1.5,
        "quality": ind["quality"],
        "export_share": ind["exports"] / max(sales, 1e-9) / 0.3,
        "employment_rate": emp / max(labour_force, 1e-9),
        "pay": ind["mean_wage"] / ref - 0.5,
        "wage_share": wage_bill / max(va, 1e-9) / 0.7 if va > 0 else 1.0,
        "floor": ind["wage_floor"] / ref - 0.5,
        "mean_skill": ind["mean_skill"],
        "compliance": ind["compliance"],
        "value_added_per_head": va / max(labour_force, 1e-9) / (2.5 * ref),
        "firms_kept": ind["firms_alive"] / start_firms,
        "shared_institutions": 0.5 * (ind["networked_share"] + ind["factor_stock"]),
    }
    return {k: float(np.clip(v, 0.0, 1.0)) for k, v in c.items()}


def indicators(state: State, report: dict[str, Any]) -> dict[str, float]:
    f = state.firms
    a = f.alive
    emp = float(f.workers[a].sum())
    paid = f.workers * f.wage + f.skilled * f.wage * f.skill_pay + f.rent_pay
    sales_all = np.maximum(f.revenue, 0.0)
    sales_w = sales_all[a]
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
        "firms_without_orders": float(report.get("no_orders", 0)),
        "entries": float(len(report.get("entries", []))),
        "exits": float(len(report.get("exits", []))),
        "below_floor_firms": float(report.get("below_floor", 0)),
        "audits": float(len(report.get("audits", []))),
        "mean_trust": float(state.trust[np.ix_(a, a)].mean()) if a.any() else 0.0,
        "commodity_price": state.markets.commodity_price,
        "profit": float(f.profit[a].sum()),
        "credit_standing": float((f.credit * sales_all)[a].sum())
        / max(float(sales_all[a].sum()), 1e-9),
        "approval": state.institutions.approval,
    }
    return ind


def scoreboards(state: State, ind: dict[str, float]) -> dict[str, float]:
    """The three boards on 0-100. Competitiveness and region: the mean of their components;
    worker welfare: the employment rate times the mean of its other components."""
    c = components(state, ind)
    out = {}
    for board, comps in SCOREBOARDS.items():
        vals = [c[name] for name, _ in comps]
        if board == "worker_welfare":
            level = vals[0] * float(np.mean(vals[1:]))
        else:
            level = float(np.mean(vals))
        out[board] = round(100.0 * level, 2)
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
    """Each role on a scale comparable within the role: a firm, its net worth and its owners'
    drawings as a percentage of the net worth it started with (0 if it closed); the union, worker welfare; the government, a mix of
    region, worker welfare and approval (0-100); a broker, fees, reputation and live networks."""
    f = state.firms
    ref = _reference_wage(state)
    scores: dict[str, float] = {}
    for seat, s in state.seats.items():
        if s.role == "firm":
            i = s.firm
            # the owners' wealth in the firm: its net worth and what they drew out of it
            nw = float(f.cash[i] - f.debt[i] - f.public_debt[i] + f.drawn[i])
            nw0 = float(f.net_worth0[i])
            scale = max(abs(nw0), ref)
            score = 100.0 + 100.0 * (nw - nw0) / scale
            scores[seat] = round(max(0.0, score) if f.alive[i] else 0.0, 1)
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


def opening(state: State) -> dict[str, float]:
    """The district's indicators and scoreboards as built, before round 1: the starting level the
    boards show until round 1's report. A year of the opening state: every firm's capacity at its
    starting skill, technology and networks offered on the markets at their opening demand (no
    events, tenders or deals yet), materials at the scenario's share; the value added is what that
    output sells for less materials. Computed on a copy: the state itself is not touched."""
    s = copy_state(state)
    f = s.firms
    access = markets.factor_access(s)
    markets.productivity_and_quality(s, access)
    cap = markets.capacity(s, np.zeros(f.n))
    report: dict[str, Any] = {"round": 0}
    revenue = markets.clear_markets(s, cap, access, report)
    f.revenue = revenue
    report["revenue"] = float(revenue[f.alive].sum())
    report["materials"] = s.params.materials_share * report["revenue"]
    ind = indicators(s, report)
    ind["round"] = 0.0
    ind.update(scoreboards(s, ind))
    return ind
