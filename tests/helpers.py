"""Small controlled districts for tests: a dict scenario with a few seat firms and nothing else,
played through the scripting API (docs/api.md), as a researcher would."""

from __future__ import annotations

import copy
from typing import Any

from district.server import api
from district.server.engine.scenario import Scenario
from district.server.engine.scenario_parse import parse_scenario


def firm(name: str, **kw: Any) -> dict[str, Any]:
    base = {
        "name": name,
        "seat": True,
        "workers": 12,
        "skilled": 2,
        "skill": 0.5,
        "technology": 0.5,
        "capabilities": {"machining": 0.6},
        "wage": 32.0,
        "cash": 200.0,
        "reputation": 0.5,
        "focus": "commodity",
    }
    base.update(kw)
    return base


def district(firms: list[dict[str, Any]] | None = None, **sections: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "scenario": {"name": "test", "title": "Test district", "rounds": 8},
        "institutions": {
            "wage_floor": 30.0,
            "reference_wage": 32.0,
            "enforcement": 0.3,
            "union_power": 0.0,
            "union_density": 0.0,
            "labour_surplus": 0.08,
            "government_budget": 1000.0,
        },
        "markets": {"commodity_demand": 60.0, "niche_demand": 20.0, "export_demand": 10.0},
        "firms": firms if firms is not None else [firm("Alpha"), firm("Beta")],
    }
    for k, v in sections.items():
        if isinstance(v, dict) and isinstance(data.get(k), dict):
            data[k] = {**data[k], **v}
        else:
            data[k] = v
    return data


def scenario(data: dict[str, Any]) -> Scenario:
    return parse_scenario(copy.deepcopy(data), "test")


def game(data: dict[str, Any], seed: int = 1) -> api.Game:
    return api.new_game(scenario(data), seed)


def play(g: api.Game, rounds: int, each_round: Any = None) -> None:
    """Resolve `rounds` rounds; `each_round(g)` sends commands in each negotiation phase."""
    for _ in range(rounds):
        if each_round:
            each_round(g)
        g.resolve()
        if g.state.round >= g.scenario.rounds:
            break
        g.advance()


def seat(name: str) -> str:
    from district.server.engine.scenario import slug

    return "firm:" + slug(name)
