"""What a scenario is: the immutable records a scenario file becomes, the vocabulary it may use
(operations, factors, roads, roles, event kinds, markets) and the keys, defaults and ranges of its
institution, market and trust tables.

`scenario_parse.parse_scenario` builds these records from TOML data, checking everything;
`scenario_files` finds and reads scenario files; `state_build.new_state` turns a scenario into a
running district.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from district.server.engine.params import Params

OPERATIONS_DEFAULT = ["design", "machining", "welding", "finishing", "assembly", "electronics"]
FACTORS = ["training", "intelligence", "quality", "equipment"]
FOCI = ["commodity", "niche"]
ROADS = ["high", "low", "mixed"]
ROLES = ["firm", "union", "government", "broker"]
EVENT_KINDS = {
    "import_pressure": "set the commodity market's import pressure to value (0-0.9)",
    "demand": "multiply the demand of market (commodity, niche or export) by value",
    "surplus": "add value (share of the labour force) of workers to the unemployed pool",
    "enforcement": "set labour-standard enforcement to value (0-1)",
    "wage_floor": "set the legal wage floor to value (k per worker per round)",
    "budget": "add value (k) to the government's budget (negative: a cut)",
    "supplier_cut": "an outside buyer keeps only its `keep` best problem-solvers; commodity demand falls by value",
    "scandal": "a labour-law scandal: firms below the floor lose reputation; enforcement rises by value",
    "interest": "set the interest rate on debt to value",
    "message": "a headline only",
}
MARKETS = ["commodity", "niche", "export"]


@dataclass(frozen=True, slots=True)
class FirmSpec:
    name: str
    seat: bool
    sector: str
    workers: float
    skilled: float
    skill: float
    technology: float
    capabilities: dict[str, float]
    wage: float
    cash: float
    debt: float
    reputation: float
    focus: str
    road: str
    union_share: float
    location: tuple[float, float] | None
    seat_id: str = ""


@dataclass(frozen=True, slots=True)
class BackgroundSpec:
    count: int = 0
    sectors: tuple[str, ...] = ()
    workers: tuple[float, float] = (3, 15)
    skill: tuple[float, float] = (0.3, 0.6)
    technology: tuple[float, float] = (0.2, 0.5)
    wage: tuple[float, float] = (28, 32)
    cash: tuple[float, float] = (30, 80)
    capability: tuple[float, float] = (0.3, 0.7)
    operations_per_firm: tuple[int, int] = (1, 2)
    union_share: tuple[float, float] = (0.0, 0.3)
    high_road_share: float = 0.5
    niche_share: float = 0.3
    names: tuple[str, ...] = ()  # local firm names, used in order (repeated with "II", "III", ...)


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    name: str
    members: tuple[str, ...]  # firm names, or ("*",) for every firm
    stock: dict[str, float]
    dues: float


@dataclass(frozen=True, slots=True)
class SeatSpec:
    id: str
    role: str
    name: str
    road: str = "high"
    firm: str = ""  # for firm seats: the firm's name


@dataclass(frozen=True, slots=True)
class TenderSpec:
    id: str
    round: int
    buyer: str
    operations: dict[str, float]
    volume: float
    price: float
    min_quality: float
    delivery_rounds: int
    penalty: float


@dataclass(frozen=True, slots=True)
class EventSpec:
    round: int
    kind: str
    value: float
    headline: str
    market: str = ""
    keep: int = 0
    source: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    summary: str
    teaches: tuple[str, ...]
    questions: tuple[str, ...]
    sources: tuple[dict[str, str], ...]
    rounds: int
    round_length: str
    currency: str
    operations: tuple[str, ...]
    sectors: tuple[str, ...]
    institutions: dict[str, float]
    markets: dict[str, float]
    trust: dict[str, float]
    firms: tuple[FirmSpec, ...]
    background: BackgroundSpec
    networks: tuple[NetworkSpec, ...]
    seats: tuple[SeatSpec, ...]
    tenders: tuple[TenderSpec, ...]
    events: tuple[EventSpec, ...]
    params: Params
    extra: dict[str, Any] = field(default_factory=dict)
    path: str = ""


INSTITUTION_KEYS: dict[str, tuple[float, float, float, str]] = {
    # key: (default, lo, hi, meaning)
    "wage_floor": (30.0, 0.0, 1e6, "legal wage floor, k per worker per round"),
    "enforcement": (0.3, 0.0, 1.0, "probability that an underpaying firm is audited in a round"),
    "union_density": (0.2, 0.0, 1.0, "share of workers who are union members"),
    "union_power": (0.3, 0.0, 1.0, "bargaining power of the union, 0-1"),
    "labour_surplus": (0.08, 0.0, 0.9, "unemployed as a share of the labour force"),
    "reference_wage": (32.0, 0.0, 1e6, "the going wage when the labour market is balanced"),
    "government_budget": (1000.0, 0.0, 1e9, "government funds at the start, k"),
    "union_funds": (100.0, 0.0, 1e9, "union funds at the start, k"),
    "broker_funds": (20.0, 0.0, 1e9, "each broker's funds at the start, k"),
    "payroll_tax": (0.05, 0.0, 0.5, "payroll tax rate paid to the regional government"),
    "infrastructure": (0.5, 0.0, 1.0, "public infrastructure, 0-1 (raises productivity a little)"),
    "pass_through_clause": (
        0.0,
        0.0,
        1.0,
        "share of productivity growth passed to the floor by law or agreement",
    ),
}
MARKET_KEYS: dict[str, tuple[float, float, float, str]] = {
    "commodity_demand": (
        300.0,
        0.0,
        1e9,
        "commodity demand, units per round at the reference price",
    ),
    "niche_demand": (100.0, 0.0, 1e9, "niche demand, units per round"),
    "export_demand": (60.0, 0.0, 1e9, "export demand, units per round"),
    "import_pressure": (0.0, 0.0, 0.9, "share by which imports push the commodity price down"),
    "growth": (0.0, -0.5, 0.5, "growth of niche and export demand per round"),
}
TRUST_KEYS: dict[str, tuple[float, float, float, str]] = {
    "firms": (0.3, 0.0, 1.0, "initial trust between firms"),
    "network": (0.6, 0.0, 1.0, "initial trust between members of the same network"),
    "union": (0.4, 0.0, 1.0, "initial trust between firms and the union"),
    "government": (0.5, 0.0, 1.0, "initial trust between firms and the government"),
    "broker": (0.4, 0.0, 1.0, "initial trust between firms and brokers"),
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"
