"""`district calibrate`: every shipped scenario over several seeds, each source figure beside the
measured mean and range, and beside the same figure in a counterfactual run that removes the
scenario's central mechanism (no union, no campaign, no supplier cut, no labour surplus, ...).

The counterfactuals and the figures are data (COUNTERFACTUALS, FIGURES): one counterfactual per
scenario, as overrides of the scenario's tables, events it drops and seats it removes. Games run in
a process pool over the machine's cores. `docs/calibration.md` holds the table this prints.
"""

from __future__ import annotations

import copy
import os
import time
import tomllib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from district.server.engine import Game
from district.server.engine.scenario_files import SCENARIO_DIR
from district.server.engine.scenario_parse import parse_scenario
from district.server.simulate import run_game

SCENARIOS = (
    "emilia-romagna",
    "denmark-1989",
    "baden-wuerttemberg",
    "oregon-plastics",
    "la-apparel",
    "ny-garment",
    "kumasi",
    "alberta-1993",
)


@dataclass(frozen=True)
class Counterfactual:
    """What the counterfactual run changes in the scenario's data."""

    name: str  # what it removes, as a reader sees it
    institutions: dict[str, float] = field(default_factory=dict)
    params: dict[str, float] = field(default_factory=dict)
    drop_events: tuple[str, ...] = ()  # event kinds removed
    drop_seats: tuple[str, ...] = ()  # seat roles removed (their seats and places in the class)
    no_network_stock: bool = False  # the scenario's networks start without factor stock


COUNTERFACTUALS: dict[str, Counterfactual] = {
    "emilia-romagna": Counterfactual(
        "no union", institutions={"union_power": 0.0, "union_density": 0.0}
    ),
    "denmark-1989": Counterfactual(
        "no campaign (no brokers, no campaign money)",
        drop_events=("budget",),
        drop_seats=("broker",),
    ),
    "baden-wuerttemberg": Counterfactual("no supplier cut", drop_events=("supplier_cut",)),
    "oregon-plastics": Counterfactual("no training (courses cost 100 times as much)",
                                      params={"training_cost": 500.0}),
    "la-apparel": Counterfactual("no scandal, no inspection drive",
                                 drop_events=("scandal", "enforcement")),
    "ny-garment": Counterfactual(
        "no union", institutions={"union_power": 0.0, "union_density": 0.0}
    ),
    "kumasi": Counterfactual(
        "no labour surplus (4%, no apprentice wave)",
        institutions={"labour_surplus": 0.04},
        drop_events=("surplus",),
    ),
    "alberta-1993": Counterfactual("no factor stock in the associations", no_network_stock=True),
}  # fmt: skip


def _series(game: Game, key: str) -> list[float]:
    return [float(h[key]) for h in game.state.history]


def _growth(game: Game, key: str) -> float:
    s = _series(game, key)
    return 100.0 * (s[-1] / s[0] - 1.0) if s and s[0] else 0.0


def _margin(game: Game) -> float:
    return 100.0 * float(np.mean([r["details"]["margin"] for r in game.state.reports]))


def _best_margin(game: Game) -> float:
    """The highest operating margin over the game of a firm that traded two rounds or more."""
    f = game.state.firms
    end = np.where(f.died > 0, f.died, game.state.round)
    ok = (f.revenue_total > 0) & (end - f.born >= 2)
    return 100.0 * float((f.profit_total[ok] / f.revenue_total[ok]).max()) if ok.any() else 0.0


def _net_worth_growth(game: Game) -> float:
    """The median surviving firm's net worth at the end, as a multiple of its net worth at start."""
    f = game.state.firms
    a = f.alive & (f.net_worth0 > 0)
    return float(np.median((f.cash[a] - f.debt[a] - f.public_debt[a]) / f.net_worth0[a]))


def _premium(game: Game) -> float:
    f = game.state.firms
    a = f.alive & (f.skilled > 0)
    return 100.0 * float((f.skilled[a] * f.skill_pay[a]).sum() / max(f.skilled[a].sum(), 1e-9))


def _survival(game: Game) -> float:
    sc = game.state.scenario
    n0 = len(sc.firms) + sc.background.count
    return 100.0 * float(game.state.firms.alive[:n0].mean())


def _compliance_jump(game: Game) -> float:
    c = _series(game, "compliance")
    return 100.0 * (float(np.mean(c[2:5])) - float(np.mean(c[0:2])))


def _entries_early(game: Game) -> float:
    sc = game.state.scenario
    n0 = len(sc.firms) + sc.background.count
    early = sum(len(r["details"].get("entries", [])) for r in game.state.reports[:4])
    return 100.0 * early / n0


def _wage_to_floor(game: Game) -> float:
    w, f = _series(game, "mean_wage"), _series(game, "wage_floor")
    return 100.0 * float(np.mean([a / b for a, b in zip(w, f, strict=True)]))


@dataclass(frozen=True)
class Figure:
    scenario: str
    source: str  # seed, section, line
    claim: str  # the source's figure or direction, in words
    measure: str  # what is measured, with its unit
    fn: Callable[[Game], float]


FIGURES: tuple[Figure, ...] = (
    Figure("emilia-romagna", "000 II.d L99-107", "rapidly increasing wages",
           "wage floor growth over the game, %", lambda g: _growth(g, "wage_floor")),
    Figure("denmark-1989", "004 S.II L1673", "41% of small firms networked by 1991",
           "networked share of firms after round 3, %",
           lambda g: 100.0 * _series(g, "networked_share")[2]),
    Figure("baden-wuerttemberg", "002 4 L484-489", "a sharp winnowing of suppliers",
           "starting firms alive at the end, %", _survival),
    Figure("oregon-plastics", "000 III.1 L159", "trainees earn about 15% more",
           "pay premium of trained workers, %", _premium),
    Figure("oregon-plastics", "000 III.1 L157-163", "skills rise, the wage floor does not",
           "mean skill gain over the game, points of 100",
           lambda g: 100.0 * (_series(g, "mean_skill")[-1] - _series(g, "mean_skill")[0])),
    Figure("la-apparel", "000 III.4 L223-227", "after the scandal, more open to compliance",
           "compliance, rounds 3-5 minus rounds 1-2, points", _compliance_jump),
    Figure("ny-garment", "000 III.3 L211", "the union assures the distribution of gains",
           "wage floor growth over the game, %", lambda g: _growth(g, "wage_floor")),
    Figure("kumasi", "003 I-2.3 L352-358", "wages held at subsistence by the surplus",
           "mean wage / wage floor, %", _wage_to_floor),
    Figure("kumasi", "003 I-2.3 L360", "a flood of entrants",
           "new workshops in rounds 1-4, % of the starting firms", _entries_early),
    Figure("kumasi", "003 I-2.3 L360", "workshops often without orders",
           "workshops that sold nothing, summed over rounds",
           lambda g: sum(_series(g, "firms_without_orders"))),
    Figure("alberta-1993", "004 ES L247-257", "networks built on a factor base export more",
           "exports over the game, k", lambda g: sum(_series(g, "exports"))),
) + tuple(
    Figure(name, "assumption (docs/model.md)", "margins of a few % to the low teens",
           "operating margin, mean over rounds, %", _margin)
    for name in SCENARIOS
) + tuple(
    Figure(name, "assumption (docs/model.md)", "no firm's margin above about 18%",
           "best firm's operating margin over the game, %", _best_margin)
    for name in SCENARIOS
) + tuple(
    Figure(name, "assumption (docs/model.md)", "net worth grows by a fraction, not tenfold",
           "median firm's net worth at the end / at the start", _net_worth_growth)
    for name in SCENARIOS
)  # fmt: skip


def scenario_data(name: str, counterfactual: bool) -> dict[str, Any]:
    with open(SCENARIO_DIR / f"{name}.toml", "rb") as fh:
        d = tomllib.load(fh)
    if not counterfactual:
        return d
    cf = COUNTERFACTUALS[name]
    d = copy.deepcopy(d)
    d.setdefault("institutions", {}).update(cf.institutions)
    d.setdefault("params", {}).update(cf.params)
    if cf.drop_events:
        d["events"] = [e for e in d.get("events", []) if e["kind"] not in cf.drop_events]
    if cf.drop_seats:
        gone = {s["id"] for s in d.get("seats", []) if s["role"] in cf.drop_seats}
        d["seats"] = [s for s in d.get("seats", []) if s["role"] not in cf.drop_seats]
        players = d.get("players", {})
        if "humans_first" in players:
            players["humans_first"] = [s for s in players["humans_first"] if s not in gone]
    if cf.no_network_stock:
        for n in d.get("networks", []):
            n["stock"] = {}
    return d


def _measure(job: tuple[str, bool, int, int | None]) -> tuple[str, bool, int, list[float]]:
    name, cf, seed, rounds = job
    sc = parse_scenario(scenario_data(name, cf), name + ("+counterfactual" if cf else ""))
    game, _ = run_game(sc, seed, rounds=rounds)
    return name, cf, seed, [fig.fn(game) for fig in FIGURES if fig.scenario == name]


@dataclass
class Row:
    figure: Figure
    counterfactual: str
    measured: list[float]
    without: list[float]


def calibrate(
    seeds: int = 5, quick: bool = False, workers: int | None = None
) -> tuple[list[Row], float]:
    """Run every scenario (and its counterfactual) over `seeds` seeds; quick: 1 seed, 3 rounds."""
    t0 = time.monotonic()
    rounds = 3 if quick else None
    seed_list = [1] if quick else list(range(1, seeds + 1))
    jobs = [(n, cf, s, rounds) for n in SCENARIOS for cf in (False, True) for s in seed_list]
    n_workers = workers or min(2, os.cpu_count() or 1)
    if n_workers > 1:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            results = list(pool.map(_measure, jobs))
    else:
        results = [_measure(j) for j in jobs]
    by: dict[tuple[str, bool], list[list[float]]] = {}
    for name, cf, _seed, vals in results:
        by.setdefault((name, cf), []).append(vals)
    rows: list[Row] = []
    k: dict[str, int] = {}
    for fig in FIGURES:
        j = k.get(fig.scenario, 0)
        k[fig.scenario] = j + 1
        rows.append(
            Row(
                fig,
                COUNTERFACTUALS[fig.scenario].name,
                [v[j] for v in by[(fig.scenario, False)]],
                [v[j] for v in by[(fig.scenario, True)]],
            )
        )
    return rows, time.monotonic() - t0


def _cell(vals: list[float]) -> str:
    if len(vals) == 1:
        return f"{vals[0]:,.1f}"
    return f"{np.mean(vals):,.1f} ({min(vals):,.1f} to {max(vals):,.1f})"


HEADER = (
    "| scenario | source | source says | measured | as shipped: mean (range) "
    "| counterfactual | counterfactual: mean (range) |"
)


def table(rows: list[Row]) -> str:
    lines = [HEADER, "|---|---|---|---|---|---|---|"]
    for r in rows:
        f = r.figure
        lines.append(
            f"| {f.scenario} | {f.source} | {f.claim} | {f.measure} | {_cell(r.measured)} "
            f"| {r.counterfactual} | {_cell(r.without)} |"
        )
    return "\n".join(lines)


def main(seeds: int = 5, quick: bool = False, write: str | None = None) -> str:
    rows, took = calibrate(seeds, quick)
    n = 1 if quick else seeds
    text = (
        f"{table(rows)}\n\n{len(SCENARIOS)} scenarios, {n} seed(s) each"
        f"{', 3 rounds (quick)' if quick else ''}, as shipped and counterfactual: {took:.0f} s."
    )
    if write:
        with open(write, encoding="utf-8") as fh:
            doc = fh.read()
        start = doc.index("<!-- calibrate:start -->")
        end = doc.index("<!-- calibrate:end -->")
        doc = doc[:start] + "<!-- calibrate:start -->\n" + text + "\n" + doc[end:]
        with open(write, "w", encoding="utf-8") as fh:
            fh.write(doc)
    return text
