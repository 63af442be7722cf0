"""Scenario data (a dict, as tomllib returns it) validated completely into a `Scenario`: a wrong
one raises ScenarioError with every problem listed with its place and what was expected.
"""

from __future__ import annotations

from typing import Any

from district.server.engine.errors import ScenarioError
from district.server.engine.params import PARAM_FIELDS, Params
from district.server.engine.scenario import (
    EVENT_KINDS,
    FACTORS,
    FOCI,
    INSTITUTION_KEYS,
    MARKET_KEYS,
    MARKETS,
    OPERATIONS_DEFAULT,
    ROADS,
    TRUST_KEYS,
    BackgroundSpec,
    EventSpec,
    FirmSpec,
    NetworkSpec,
    Scenario,
    SeatSpec,
    TenderSpec,
    slug,
)
from district.server.engine.scenario_check import Checker
from district.server.engine.seating import parse_players

# the keys a `[[firms]]` table and the `[background]` table may hold (docs/scenarios.md explains each)
FIRM_KEYS = [
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
BACKGROUND_KEYS = [
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
    "names",
]


def parse_scenario(data: dict[str, Any], source: str = "<memory>") -> Scenario:
    """Validate a scenario given as a dict (as tomllib returns it). Raises ScenarioError."""
    c = Checker()
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
    for i, f in enumerate(c.tables(data, "firms", "firms")):
        fp = f"firms[{i}]"
        c.keys(f, fp, FIRM_KEYS)
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
    c.keys(bg, "background", BACKGROUND_KEYS)
    bg_names = _background_names(c, bg, {fs.name for fs in firms})
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
        names=bg_names,
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


def _background_names(c: Checker, bg: dict[str, Any], firm_names: set[str]) -> tuple[str, ...]:
    """`background.names`: a list of distinct texts of 1-80 characters, none a [[firms]] name."""
    if "names" not in bg:
        return ()
    v = bg["names"]
    if not isinstance(v, list):
        c.bad("background.names", f"expected a list of firm names, got {v!r}")
        return ()
    if len(v) > 20000:
        c.bad("background.names", f"{len(v)} names; at most 20000")
    out: list[str] = []
    first: dict[str, int] = {}
    for i, nm in enumerate(v):
        path = f"background.names[{i}]"
        if not isinstance(nm, str):
            c.bad(path, f"expected text, got {nm!r}")
            continue
        if not 1 <= len(nm.strip()) <= 80 or nm != nm.strip():
            c.bad(path, f"'{nm}': a name is 1-80 characters without leading or trailing spaces")
            continue
        if nm in first:
            c.bad(path, f"'{nm}' repeats background.names[{first[nm]}]")
            continue
        if nm in firm_names:
            c.bad(path, f"'{nm}' is already the name of a [[firms]] firm")
            continue
        first[nm] = i
        out.append(nm)
    return tuple(out)
