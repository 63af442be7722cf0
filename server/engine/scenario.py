"""Scenario files: TOML read with tomllib and validated completely before anything starts.

A wrong file gets every problem listed with its place in the file and what was expected, e.g.
``firms[3].capabilities: unknown operation 'weldng' (known: design, machining, ...)``.
The result is a plain, immutable description; `state.new_state` turns it into a running district.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from district.server.engine.errors import ScenarioError
from district.server.engine.params import PARAM_FIELDS, Params
from district.server.engine.seating import parse_players

# the shipped scenarios: package data of `district.scenarios`, wherever District is installed
SCENARIO_DIR = Path(str(files("district.scenarios")))

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


class _Checker:
    """Collects problems instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, path: str, msg: str) -> None:
        self.problems.append(f"{path}: {msg}")

    def keys(self, table: dict[str, Any], path: str, known: list[str]) -> None:
        for k in table:
            if k not in known:
                self.bad(
                    f"{path}.{k}" if path else k,
                    f"unknown key '{k}' (known: {', '.join(sorted(known))})",
                )

    def table(
        self, parent: dict[str, Any], key: str, path: str, required: bool = False
    ) -> dict[str, Any]:
        v = parent.get(key)
        if v is None:
            if required:
                self.bad(path, "missing table")
            return {}
        if not isinstance(v, dict):
            self.bad(path, f"expected a table, got {type(v).__name__}")
            return {}
        return v

    def tables(self, parent: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
        v = parent.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            self.bad(path, "expected an array of tables ([[" + key + "]])")
            return []
        return v

    def num(
        self,
        t: dict[str, Any],
        key: str,
        path: str,
        default: float | None,
        lo: float = -1e18,
        hi: float = 1e18,
        integer: bool = False,
    ) -> float:
        if key not in t:
            if default is None:
                self.bad(f"{path}.{key}", "missing (a number is required)")
                return lo if lo > -1e18 else 0.0
            return default
        v = t[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.bad(f"{path}.{key}", f"expected a number, got {v!r}")
            return default if default is not None else 0.0
        if integer and int(v) != v:
            self.bad(f"{path}.{key}", f"expected a whole number, got {v!r}")
        if not (lo <= v <= hi):
            self.bad(f"{path}.{key}", f"{v!r} is out of range (expected {lo:g} to {hi:g})")
            return min(max(float(v), lo), hi)
        return float(v)

    def text(
        self,
        t: dict[str, Any],
        key: str,
        path: str,
        default: str | None = None,
        choices: list[str] | None = None,
    ) -> str:
        if key not in t:
            if default is None:
                self.bad(f"{path}.{key}", "missing (text is required)")
                return ""
            return default
        v = t[key]
        if not isinstance(v, str):
            self.bad(f"{path}.{key}", f"expected text, got {v!r}")
            return default or ""
        if choices is not None and v not in choices:
            self.bad(f"{path}.{key}", f"'{v}' is not one of: {', '.join(choices)}")
            return choices[0]
        return v

    def texts(self, t: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        v = t.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            self.bad(f"{path}.{key}", "expected a list of text")
            return ()
        return tuple(v)

    def range_(
        self,
        t: dict[str, Any],
        key: str,
        path: str,
        default: tuple[float, float],
        lo: float = 0.0,
        hi: float = 1e9,
    ) -> tuple[float, float]:
        if key not in t:
            return default
        v = t[key]
        if isinstance(v, int | float) and not isinstance(v, bool):
            v = [v, v]
        if (
            not isinstance(v, list)
            or len(v) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
        ):
            self.bad(f"{path}.{key}", f"expected [low, high] numbers, got {v!r}")
            return default
        a, b = float(v[0]), float(v[1])
        if a > b:
            self.bad(f"{path}.{key}", f"low {a:g} is above high {b:g}")
        if a < lo or b > hi:
            self.bad(
                f"{path}.{key}",
                f"[{a:g}, {b:g}] is out of range (expected within {lo:g} to {hi:g})",
            )
        return (a, b)

    def levels(
        self, t: dict[str, Any], key: str, path: str, known: list[str], what: str
    ) -> dict[str, float]:
        v = t.get(key, {})
        if not isinstance(v, dict):
            self.bad(f"{path}.{key}", f"expected a table of {what} = level (0-1)")
            return {}
        out: dict[str, float] = {}
        for k, _x in v.items():
            if k not in known:
                self.bad(f"{path}.{key}", f"unknown {what} '{k}' (known: {', '.join(known)})")
                continue
            out[k] = self.num(v, k, f"{path}.{key}", None, 0.0, 1.0)
        return out


def parse_scenario(data: dict[str, Any], source: str = "<memory>") -> Scenario:
    """Validate a scenario given as a dict (as tomllib returns it). Raises ScenarioError."""
    c = _Checker()
    top_known = [
        "scenario",
        "institutions",
        "markets",
        "trust",
        "firms",
        "background",
        "networks",
        "seats",
        "tenders",
        "events",
        "params",
        "players",
    ]
    c.keys(data, "", top_known)

    sc = c.table(data, "scenario", "scenario", required=True)
    c.keys(
        sc,
        "scenario",
        [
            "name",
            "title",
            "summary",
            "teaches",
            "questions",
            "sources",
            "rounds",
            "round_length",
            "currency",
            "operations",
            "sectors",
        ],
    )
    name = c.text(sc, "name", "scenario")
    if name and slug(name) != name:
        c.bad(
            "scenario.name",
            f"'{name}' must be lower-case words joined by '-' (e.g. '{slug(name)}')",
        )
    title = c.text(sc, "title", "scenario")
    summary = c.text(sc, "summary", "scenario", default="")
    teaches = c.texts(sc, "teaches", "scenario")
    questions = c.texts(sc, "questions", "scenario")
    rounds = int(c.num(sc, "rounds", "scenario", 8, 1, 40, integer=True))
    round_length = c.text(sc, "round_length", "scenario", default="year")
    currency = c.text(sc, "currency", "scenario", default="k")
    operations = list(c.texts(sc, "operations", "scenario")) or list(OPERATIONS_DEFAULT)
    sectors = list(c.texts(sc, "sectors", "scenario")) or ["manufacturing"]
    sources_raw = sc.get("sources", [])
    sources: list[dict[str, str]] = []
    if not isinstance(sources_raw, list):
        c.bad("scenario.sources", "expected an array of {seed, section, what} tables")
    else:
        for i, s in enumerate(sources_raw):
            sp = f"scenario.sources[{i}]"
            if not isinstance(s, dict):
                c.bad(sp, "expected a table {seed, section, what}")
                continue
            c.keys(s, sp, ["seed", "section", "what"])
            sources.append(
                {
                    "seed": c.text(s, "seed", sp, choices=["000", "002", "003", "004"]),
                    "section": c.text(s, "section", sp),
                    "what": c.text(s, "what", sp, ""),
                }
            )

    def kv_table(key: str, spec: dict[str, tuple[float, float, float, str]]) -> dict[str, float]:
        t = c.table(data, key, key)
        c.keys(t, key, list(spec))
        return {k: c.num(t, k, key, d, lo, hi) for k, (d, lo, hi, _m) in spec.items()}

    institutions = kv_table("institutions", INSTITUTION_KEYS)
    markets = kv_table("markets", MARKET_KEYS)
    trust = kv_table("trust", TRUST_KEYS)

    # firms
    firms: list[FirmSpec] = []
    names_seen: set[str] = set()
    firm_keys = [
        "name",
        "seat",
        "sector",
        "workers",
        "skilled",
        "skill",
        "technology",
        "capabilities",
        "wage",
        "cash",
        "debt",
        "reputation",
        "focus",
        "road",
        "union_share",
        "location",
        "id",
    ]
    for i, f in enumerate(c.tables(data, "firms", "firms")):
        fp = f"firms[{i}]"
        c.keys(f, fp, firm_keys)
        fname = c.text(f, "name", fp)
        if fname in names_seen:
            c.bad(f"{fp}.name", f"'{fname}' is used by another firm; names must be unique")
        names_seen.add(fname)
        seat = f.get("seat", False)
        if not isinstance(seat, bool):
            c.bad(f"{fp}.seat", f"expected true or false, got {seat!r}")
            seat = False
        workers = c.num(f, "workers", fp, None, 1, 100000)
        skilled = c.num(f, "skilled", fp, 0.0, 0, 100000)
        if skilled > workers:
            c.bad(
                f"{fp}.skilled",
                f"{skilled:g} trained workers is more than the firm's {workers:g} workers",
            )
        loc = f.get("location")
        location: tuple[float, float] | None = None
        if loc is not None:
            if (
                isinstance(loc, list)
                and len(loc) == 2
                and all(isinstance(x, int | float) and 0 <= x <= 1 for x in loc)
            ):
                location = (float(loc[0]), float(loc[1]))
            else:
                c.bad(f"{fp}.location", f"expected [x, y] with each between 0 and 1, got {loc!r}")
        sid = c.text(f, "id", fp, default="firm:" + slug(fname))
        if not sid.startswith("firm:"):
            c.bad(f"{fp}.id", f"a firm seat id must start with 'firm:', got '{sid}'")
        firms.append(
            FirmSpec(
                name=fname,
                seat=seat,
                sector=c.text(f, "sector", fp, sectors[0], sectors),
                workers=workers,
                skilled=skilled,
                skill=c.num(f, "skill", fp, 0.5, 0, 1),
                technology=c.num(f, "technology", fp, 0.4, 0, 1),
                capabilities=c.levels(f, "capabilities", fp, operations, "operation"),
                wage=c.num(f, "wage", fp, institutions["reference_wage"], 0, 1e6),
                cash=c.num(f, "cash", fp, 50.0, 0, 1e9),
                debt=c.num(f, "debt", fp, 0.0, 0, 1e9),
                reputation=c.num(f, "reputation", fp, 0.5, 0, 1),
                focus=c.text(f, "focus", fp, "commodity", FOCI),
                road=c.text(f, "road", fp, "high", ROADS),
                union_share=c.num(f, "union_share", fp, institutions["union_density"], 0, 1),
                location=location,
                seat_id=sid,
            )
        )

    bg = c.table(data, "background", "background")
    c.keys(
        bg,
        "background",
        [
            "count",
            "sectors",
            "workers",
            "skill",
            "technology",
            "wage",
            "cash",
            "capability",
            "operations_per_firm",
            "union_share",
            "high_road_share",
            "niche_share",
        ],
    )
    bg_sectors = c.texts(bg, "sectors", "background") or tuple(sectors)
    for s in bg_sectors:
        if s not in sectors:
            c.bad("background.sectors", f"unknown sector '{s}' (known: {', '.join(sectors)})")
    opf = c.range_(bg, "operations_per_firm", "background", (1, 2), 1, len(operations))
    background = BackgroundSpec(
        count=int(c.num(bg, "count", "background", 0, 0, 20000, integer=True)),
        sectors=tuple(bg_sectors),
        workers=c.range_(bg, "workers", "background", (3, 15), 1, 100000),
        skill=c.range_(bg, "skill", "background", (0.3, 0.6), 0, 1),
        technology=c.range_(bg, "technology", "background", (0.2, 0.5), 0, 1),
        wage=c.range_(
            bg,
            "wage",
            "background",
            (institutions["wage_floor"] * 0.95, institutions["reference_wage"]),
            0,
            1e6,
        ),
        cash=c.range_(bg, "cash", "background", (30, 80), 0, 1e9),
        capability=c.range_(bg, "capability", "background", (0.3, 0.7), 0, 1),
        operations_per_firm=(int(opf[0]), int(opf[1])),
        union_share=c.range_(bg, "union_share", "background", (0.0, 0.3), 0, 1),
        high_road_share=c.num(bg, "high_road_share", "background", 0.5, 0, 1),
        niche_share=c.num(bg, "niche_share", "background", 0.3, 0, 1),
    )
    if len(firms) + background.count == 0:
        c.bad("firms", "the district has no firms (give [[firms]] or background.count)")

    networks: list[NetworkSpec] = []
    for i, n in enumerate(c.tables(data, "networks", "networks")):
        np_ = f"networks[{i}]"
        c.keys(n, np_, ["name", "members", "stock", "dues"])
        members = n.get("members", [])
        if members == "*":
            members = ["*"]
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            c.bad(f"{np_}.members", 'expected a list of firm names, or "*" for every firm')
            members = []
        for m in members:
            if m != "*" and m not in names_seen:
                c.bad(f"{np_}.members", f"no firm named '{m}'")
        networks.append(
            NetworkSpec(
                name=c.text(n, "name", np_),
                members=tuple(members),
                stock=c.levels(n, "stock", np_, FACTORS, "factor"),
                dues=c.num(n, "dues", np_, 0.0, 0, 1e6),
            )
        )

    seats: list[SeatSpec] = []
    ids_seen: set[str] = set()
    for fs in firms:
        if fs.seat:
            seats.append(
                SeatSpec(id=fs.seat_id, role="firm", name=fs.name, road=fs.road, firm=fs.name)
            )
    for i, s in enumerate(c.tables(data, "seats", "seats")):
        sp = f"seats[{i}]"
        c.keys(s, sp, ["id", "role", "name", "road"])
        role = c.text(s, "role", sp, choices=["union", "government", "broker"])
        sid = c.text(s, "id", sp, default=role if role != "broker" else f"broker:{i}")
        if role in ("union", "government") and sid != role:
            c.bad(f"{sp}.id", f"the {role} seat's id must be '{role}'")
        if role == "broker" and not sid.startswith("broker:"):
            c.bad(f"{sp}.id", f"a broker seat id must start with 'broker:', got '{sid}'")
        seats.append(
            SeatSpec(
                id=sid,
                role=role,
                name=c.text(s, "name", sp, default=role.title()),
                road=c.text(s, "road", sp, "high", ROADS),
            )
        )
    for s in seats:
        if s.id in ids_seen:
            c.bad("seats", f"seat id '{s.id}' is used twice")
        ids_seen.add(s.id)

    tenders: list[TenderSpec] = []
    tender_ids: set[str] = set()
    for i, t in enumerate(c.tables(data, "tenders", "tenders")):
        tp = f"tenders[{i}]"
        c.keys(
            t,
            tp,
            [
                "id",
                "round",
                "buyer",
                "operations",
                "volume",
                "price",
                "min_quality",
                "delivery_rounds",
                "penalty",
            ],
        )
        tid = c.text(t, "id", tp)
        if tid in tender_ids:
            c.bad(f"{tp}.id", f"tender id '{tid}' is used twice")
        tender_ids.add(tid)
        ops = c.levels(t, "operations", tp, operations, "operation")
        if not ops:
            c.bad(f"{tp}.operations", "a tender needs at least one operation")
        tenders.append(
            TenderSpec(
                id=tid,
                round=int(c.num(t, "round", tp, None, 1, rounds, integer=True)),
                buyer=c.text(t, "buyer", tp, "outside buyer"),
                operations=ops,
                volume=c.num(t, "volume", tp, None, 0.1, 1e7),
                price=c.num(t, "price", tp, None, 0.01, 1e7),
                min_quality=c.num(t, "min_quality", tp, 0.4, 0, 1),
                delivery_rounds=int(c.num(t, "delivery_rounds", tp, 1, 1, 10, integer=True)),
                penalty=c.num(t, "penalty", tp, 0.2, 0, 5),
            )
        )

    events: list[EventSpec] = []
    for i, e in enumerate(c.tables(data, "events", "events")):
        ep = f"events[{i}]"
        c.keys(e, ep, ["round", "kind", "value", "headline", "market", "keep", "source"])
        kind = c.text(e, "kind", ep, choices=list(EVENT_KINDS))
        market = c.text(e, "market", ep, "", MARKETS + [""])
        if kind == "demand" and not market:
            c.bad(f"{ep}.market", f"a demand event needs market = one of {', '.join(MARKETS)}")
        lo, hi = {
            "import_pressure": (0, 0.9),
            "enforcement": (0, 1),
            "demand": (0, 10),
            "surplus": (-0.5, 0.9),
            "scandal": (0, 1),
            "interest": (0, 1),
            "supplier_cut": (0, 1),
        }.get(kind, (-1e9, 1e9))
        events.append(
            EventSpec(
                round=int(c.num(e, "round", ep, None, 1, rounds, integer=True)),
                kind=kind,
                value=c.num(e, "value", ep, 0.0 if kind == "message" else None, lo, hi),
                headline=c.text(e, "headline", ep),
                market=market,
                keep=int(c.num(e, "keep", ep, 0, 0, 100000, integer=True)),
                source=c.text(e, "source", ep, ""),
            )
        )

    pt = c.table(data, "params", "params")
    overrides: dict[str, float] = {}
    for k, _v in pt.items():
        if k not in PARAM_FIELDS:
            c.bad(
                f"params.{k}",
                f"unknown parameter (see docs/model.md; known: {len(PARAM_FIELDS)} names "
                f"such as {', '.join(list(PARAM_FIELDS)[:4])}, ...)",
            )
            continue
        md = PARAM_FIELDS[k].metadata
        overrides[k] = c.num(pt, k, "params", None, md["lo"], md["hi"])
    params = Params().overridden(overrides)

    players_raw = c.table(data, "players", "players")
    # the players table refers to seats: check it once the seats themselves are sound
    players = (
        parse_players(players_raw, [s.id for s in seats], c.problems)
        if not c.problems
        else players_raw
    )

    if c.problems:
        raise ScenarioError(source, c.problems)
    return Scenario(
        name=name,
        title=title,
        summary=summary,
        teaches=teaches,
        questions=questions,
        sources=tuple(sources),
        rounds=rounds,
        round_length=round_length,
        currency=currency,
        operations=tuple(operations),
        sectors=tuple(sectors),
        institutions=institutions,
        markets=markets,
        trust=trust,
        firms=tuple(firms),
        background=background,
        networks=tuple(networks),
        seats=tuple(seats),
        tenders=tuple(tenders),
        events=tuple(events),
        params=params,
        extra={"players": players},
        path=source,
    )


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(str(path), [f"cannot read the file: {e.strerror}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(str(path), [f"not valid TOML: {e}"]) from None
    return parse_scenario(data, str(path))


def list_scenarios(directory: Path = SCENARIO_DIR) -> list[Path]:
    return sorted(directory.glob("*.toml"))


def find_scenario(name_or_path: str, directory: Path = SCENARIO_DIR) -> Scenario:
    """A scenario by its name (a file in scenarios/) or by a path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return load_scenario(p)
    candidate = directory / f"{name_or_path}.toml"
    if candidate.exists():
        return load_scenario(candidate)
    known = ", ".join(x.stem for x in list_scenarios(directory))
    raise ScenarioError(name_or_path, [f"no scenario named '{name_or_path}' (known: {known})"])
