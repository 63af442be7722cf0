"""GAME.md section 7, statements 3, 4 and 5: poaching, enforced standards, labour surplus.
Each is a comparison of controlled runs that would fail if the mechanism were missing or reversed."""

from __future__ import annotations

import numpy as np
from district.server.bots.firm import firm_decisions
from district.server.engine.views import view
from district.server.simulate import run_game

from tests.helpers import district, firm, game, play, scenario, seat

A, B = seat("Alpha"), seat("Beta")


def _net_worth(g, s: str) -> float:
    """The owners' gain: the firm's net worth and what they drew out of it (docs/model.md)."""
    i = g.state.firm_of(s)
    f = g.state.firms
    return float(f.cash[i] - f.debt[i] - f.public_debt[i] + f.drawn[i])


# --- statement 3 (000 III.1: OPEC firms pirated each other's technicians) ---------------------


def _poaching_run(clause: bool, seed: int = 1):
    data = district(
        [firm("Alpha", skilled=4), firm("Beta", skilled=0)],
        seats=[{"role": "government"}],
        markets={"commodity_demand": 80.0},
    )
    g = game(data, seed)
    if clause:  # an anti-poaching clause and nothing else: a levy at rate 0
        ev = g.apply(
            A,
            {
                "type": "propose",
                "kind": "training_levy",
                "parties": [A, B, "government"],
                "terms": {"levy_rate": 0.0, "anti_poaching": True, "rounds": 8},
            },
        )
        g.apply(B, {"type": "respond", "deal": ev[0]["deal"], "answer": "accept"})
        g.apply("government", {"type": "respond", "deal": ev[0]["deal"], "answer": "accept"})
    lost = []

    def each(g):
        g.apply(
            A, {"type": "decide", "decisions": {"training": 30.0, "skill_pay": 0.15, "wage": 32.0}}
        )
        g.apply(B, {"type": "decide", "decisions": {"poach": 4, "skill_pay": 0.35, "wage": 32.0}})

    for _ in range(5):
        each(g)
        g.resolve()
        lost.append(float(g.state.firms.lost_skilled[0]))
        g.advance()
    return g, lost


def test_a_firm_that_trains_alone_loses_trained_workers_to_a_poacher() -> None:
    free, lost_free = _poaching_run(clause=False)
    bound, lost_bound = _poaching_run(clause=True)
    f_free, f_bound = free.state.firms, bound.state.firms
    assert sum(lost_free) > 3.0, "the trainer loses trained workers when poaching is possible"
    assert sum(lost_bound) == 0.0, "an anti-poaching clause binds both firms"
    assert f_free.skilled[1] > f_bound.skilled[1] + 2, (
        "the poacher gains the trainer's trained workers"
    )
    assert f_free.skilled[0] < f_bound.skilled[0] - 2
    assert free.state.trust[0, 1] < bound.state.trust[0, 1], (
        "the victim's trust in the poacher falls"
    )


def test_poaching_makes_training_fall_district_wide() -> None:
    """The same bots (a high-road trainer, a low-road poacher), decided from their views: where
    poaching is possible the district trains less than where a clause binds both."""

    def run(clause: bool) -> float:
        data = district(
            [firm("Alpha", skilled=4, workers=20), firm("Beta", skilled=0, workers=20)],
            seats=[{"role": "government"}],
            markets={"commodity_demand": 90.0},
            institutions={"enforcement": 0.9},
        )
        totals = []
        for seed in (1, 2):
            g = game(data, seed)
            if clause:
                ev = g.apply(
                    A,
                    {
                        "type": "propose",
                        "kind": "training_levy",
                        "parties": [A, B, "government"],
                        "terms": {"levy_rate": 0.0, "anti_poaching": True, "rounds": 8},
                    },
                )
                for s in (B, "government"):
                    g.apply(s, {"type": "respond", "deal": ev[0]["deal"], "answer": "accept"})
            for _ in range(6):
                for s, p in ((A, "high"), (B, "low")):
                    d = firm_decisions(view(g.state, s), np.random.default_rng(0), p)
                    d.pop("bids", None)
                    g.apply(s, {"type": "decide", "decisions": d})
                g.resolve()
                g.advance()
            totals.append(sum(h["training_spend"] for h in g.state.history[3:]))
        return float(np.mean(totals))

    assert run(clause=False) < 0.6 * run(clause=True)


# --- statement 4 (000 II.d, III.4; 003 I-2.3): enforced standards ------------------------------


def _low_road_gain(
    enforcement: float, surplus: float = 0.08, demand: float = 30.0, seeds=(1, 2, 3)
) -> float:
    """Net worth of firm Alpha after 6 rounds paying 20% below the floor, minus the same firm's net
    worth in the same district paying the floor (the counterfactual). Beta pays the floor in both.
    Entry is switched off so that only the firm's own choice differs."""

    def worth(wage: float, seed: int) -> float:
        data = district(
            [firm("Alpha", workers=15), firm("Beta", workers=15)],
            institutions={"enforcement": enforcement, "labour_surplus": surplus},
            markets={"commodity_demand": demand},
            params={"entry_rate": 0.0},
        )
        g = game(data, seed)

        def each(g):
            if g.state.firms.alive[0]:
                g.apply(A, {"type": "decide", "decisions": {"wage": wage, "hire": 1}})
            g.apply(B, {"type": "decide", "decisions": {"wage": 30.5}})

        play(g, 6, each)
        return _net_worth(g, A)

    return float(np.mean([worth(24.0, s) - worth(30.5, s) for s in seeds]))


def test_enforced_standards_make_the_low_road_pay_less_than_the_high_road() -> None:
    enforced = _low_road_gain(0.9)
    unenforced = _low_road_gain(0.0)
    assert enforced < -200, (
        f"enforced, the low road loses against the high road (gain {enforced:.0f})"
    )
    assert unenforced > 200, (
        f"unenforced, the low road pays for the single firm (gain {unenforced:.0f})"
    )


# --- statement 5 (003 I-2.3): a large labour surplus -----------------------------------------


def test_surplus_raises_the_single_firms_gain_from_the_low_road() -> None:
    """In a market that buys all a firm makes, workers who quit a low-wage firm are lost sales;
    with a large surplus they stay (no other jobs), so the low road gains more."""
    tight = _low_road_gain(0.0, surplus=0.03, demand=60.0)
    slack = _low_road_gain(0.0, surplus=0.35, demand=60.0)
    assert slack > tight + 200, (
        f"gain from the low road: {tight:.0f} with little surplus, {slack:.0f} with much"
    )


def _bots_district(surplus: float, seed: int):
    data = district(
        [firm("Alpha", road="high"), firm("Beta", road="low")],
        institutions={
            "labour_surplus": surplus,
            "enforcement": 0.1,
            "wage_floor": 25.0,
            "reference_wage": 33.0,
        },
        markets={"commodity_demand": 500.0, "niche_demand": 150.0, "export_demand": 40.0},
        background={
            "count": 40,
            "high_road_share": 0.5,
            "niche_share": 0.5,
            "skill": [0.4, 0.6],
            "technology": [0.35, 0.6],
            "wage": [27.0, 33.0],
        },
    )
    data["scenario"]["rounds"] = 6
    g, _ = run_game(scenario(data), seed)
    return g.state.history


def test_surplus_lowers_wages_quality_and_niche_sales() -> None:
    tight = [_bots_district(0.03, s) for s in (1, 2)]
    slack = [_bots_district(0.35, s) for s in (1, 2)]

    def mean(runs, key):
        return float(np.mean([np.mean([h[key] for h in r[-3:]]) for r in runs]))

    assert mean(slack, "mean_wage") < mean(tight, "mean_wage") - 1.0
    assert mean(slack, "quality") < mean(tight, "quality")
    assert mean(slack, "niche_units") < mean(tight, "niche_units")
