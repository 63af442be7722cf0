"""Shared, cached bots-only runs of the shipped scenarios (one process runs each game once).

`run(name, seed)` plays a scenario as shipped; `run_variant(name, seed, change)` plays a copy of
its data with one change (a counterfactual, e.g. without the supplier cut); `run_class(name, n,
seed)` plays it as a class of n people would leave it to bots: the seats people would take
(seating.seats_for) are played by stand-ins with a classroom mix of firm strategies, the other
seats by their own bots.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from district.server.calibrate import SCENARIOS
from district.server.engine import Game, find_scenario
from district.server.engine.scenario import Scenario
from district.server.engine.scenario_files import SCENARIO_DIR
from district.server.engine.scenario_parse import parse_scenario
from district.server.engine.seating import seats_for
from district.server.simulate import run_game

SHIPPED = SCENARIOS  # the shipped set, in the order `district calibrate` reports it
STUDENTS = ("low", "mixed", "high")  # a class: some defect, some hedge, some go for the high road


@cache
def scenario(name: str) -> Scenario:
    return find_scenario(name)


def data(name: str) -> dict[str, Any]:
    with open(SCENARIO_DIR / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


@cache
def run(name: str, seed: int, rounds: int | None = None) -> tuple[Game, tuple[dict[str, Any], ...]]:
    game, events = run_game(scenario(name), seed, rounds=rounds)
    return game, tuple(events)


VARIANTS: dict[str, Callable[[dict[str, Any]], None]] = {}


def variant(
    key: str,
) -> Callable[[Callable[[dict[str, Any]], None]], Callable[[dict[str, Any]], None]]:
    """Register a named change to a scenario's data (so that cached runs can be keyed by name)."""

    def deco(fn: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        VARIANTS[key] = fn
        return fn

    return deco


@cache
def run_variant(name: str, seed: int, key: str) -> tuple[Game, tuple[dict[str, Any], ...]]:
    d = copy.deepcopy(data(name))
    VARIANTS[key](d)
    sc = parse_scenario(d, f"{name}+{key}")
    game, events = run_game(sc, seed)
    return game, tuple(events)


def class_personalities(sc: Scenario, n_players: int) -> dict[str, str]:
    """Stand-ins for the people in a class of n: firm seats people take get a mix of strategies."""
    out: dict[str, str] = {}
    k = 0
    for seat in dict.fromkeys(seats_for(sc, n_players)):
        if seat.startswith("firm:"):
            out[seat] = STUDENTS[k % len(STUDENTS)]
            k += 1
    return out


@cache
def run_class(name: str, n_players: int, seed: int) -> tuple[Game, tuple[dict[str, Any], ...]]:
    sc = scenario(name)
    game, events = run_game(sc, seed, personalities=class_personalities(sc, n_players))
    return game, tuple(events)


def series(game: Game, key: str) -> list[float]:
    return [float(h[key]) for h in game.state.history]


def at_round(game: Game, key: str, r: int) -> float:
    return float(game.state.history[r - 1][key])


def firm_index(game: Game, name: str) -> int:
    return game.state.firms.name.index(name)


def initial_firms(game: Game) -> np.ndarray:
    """Mask of the firms that existed at the start (entrants come after them)."""
    sc = game.state.scenario
    return np.arange(game.state.firms.n) < len(sc.firms) + sc.background.count


def mean(xs: list[float]) -> float:
    return float(np.mean(xs))
