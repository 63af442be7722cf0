"""Government bot. 'high': funds enforcement, matches training, grants for networks and a broker
programme while the budget allows (000 III.4, 004 S.II). 'low': keeps taxes low and spends little."""

from __future__ import annotations

from typing import Any

import numpy as np


def government_decisions(
    view: dict[str, Any], rng: np.random.Generator, personality: str
) -> dict[str, Any]:
    budget = view["me"]["budget"]
    rounds_left = max(1, view["rounds"] - view["round"] + 1)
    per_round = max(0.0, budget) / rounds_left
    if personality == "low":
        return {
            "enforcement_spend": round(0.05 * per_round, 1),
            "training_match": 0.0,
            "network_grant": 0.0,
            "broker_programme": 0.0,
            "payroll_tax": 0.03,
            "infrastructure": round(0.1 * per_round, 1),
            "publicity": round(0.05 * per_round, 1),
        }
    brokers = any(s["role"] == "broker" for s in view["seats"])
    # enforcement is bought up to about +0.2 on the institution's own level, not without end
    return {
        "enforcement_spend": round(min(0.35 * per_round, 2.0 * view["me"]["enforcement_cost"]), 1),
        "training_match": 0.3,
        "network_grant": round(min(40.0, 0.1 * per_round), 1),
        "broker_programme": round(0.15 * per_round, 1) if brokers else 0.0,
        "payroll_tax": 0.05,
        "infrastructure": round(0.2 * per_round, 1),
        "publicity": round(0.02 * per_round, 1),
    }
