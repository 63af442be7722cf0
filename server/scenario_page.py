"""The teacher's page of a scenario (`district scenarios show NAME`), as plain text: summary, what it
teaches, debrief questions, who sits where for classes of 6, 12, 24 and 40, the district at the
start with the source of each figure, round by round, sources."""

from __future__ import annotations

import textwrap
from collections import Counter

from district.server.engine.scenario import Scenario
from district.server.engine.seating import STANDARD_CLASSES, players_of
from district.server.toml_index import TomlIndex, index_toml

WRAP = 96


def _wrap(text: str, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(
        " ".join(text.split()),
        WRAP,
        initial_indent=first if first is not None else indent,
        subsequent_indent=indent,
    )


def _seat_label(sc: Scenario, seat: str) -> str:
    for s in sc.seats:
        if s.id == seat:
            return s.name
    return seat


def _class_line(sc: Scenario, n: int, seats: list[str]) -> str:
    count = Counter(seats)
    roles = Counter()
    by_id = {s.id: s for s in sc.seats}
    for s in count:
        roles[by_id[s].role] += 1
    parts = []
    for role, label in (
        ("government", "government"),
        ("union", "union"),
        ("broker", "broker"),
        ("firm", "firm"),
    ):
        k = roles.get(role, 0)
        if k:
            parts.append(f"{k} {label}{'s' if k > 1 and role in ('broker', 'firm') else ''}")
    teams = sum(1 for v in count.values() if v > 1)
    biggest = max(count.values()) if count else 0
    bots = len(sc.seats) - len(count)
    tail = []
    if teams:
        tail.append(f"{teams} seat{'s' if teams > 1 else ''} played by teams of up to {biggest}")
    tail.append(f"bots play {bots} seat{'s' if bots != 1 else ''}" if bots else "no bots")
    return f"{n:>3} players: " + ", ".join(parts) + "; " + "; ".join(tail)


def _named_seats(sc: Scenario, seats: list[str], most: int = 12) -> str:
    names = []
    for s in dict.fromkeys(seats):
        names.append(_seat_label(sc, s))
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _source(idx: TomlIndex, path: str) -> str:
    place = idx.places.get(path)
    return place.comment if place else ""


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else (f"{v:g}" if v == int(v) else f"{v:.2f}")


def show_page(sc: Scenario, text: str = "") -> str:
    """The teacher's page of a scenario, as plain text."""
    idx = index_toml(text) if text else TomlIndex()
    pl = players_of(sc)
    firm_seats = [s for s in sc.seats if s.role == "firm"]
    n_firms = len(sc.firms) + sc.background.count
    lines: list[str] = []
    lines += [sc.title, "=" * len(sc.title)]
    lines.append(
        _wrap(
            f"{sc.name} · {sc.rounds} rounds of a {sc.round_length} · {pl['min']} to {pl['max']} "
            f"players · {n_firms} firms, {len(firm_seats)} of them played · money in {sc.currency}"
        )
    )
    lines.append("")
    for para in sc.summary.strip().split("\n\n"):
        lines.append(_wrap(para))
        lines.append("")
    if sc.teaches:
        lines.append("What it teaches")
        for t in sc.teaches:
            lines.append(_wrap(t, "    ", "  - "))
        lines.append("")
    if sc.questions:
        lines.append("Questions for the debrief")
        for i, q in enumerate(sc.questions, 1):
            lines.append(_wrap(q, "     ", f"  {i}. "))
        lines.append("")

    lines.append("Seats (a firm's road is the strategy its bot plays when nobody takes the seat)")
    by_role: dict[str, list[str]] = {}
    for s in sc.seats:
        by_role.setdefault(s.role, []).append(
            s.name + (f" ({s.road} road)" if s.role == "firm" else "")
        )
    for role, label in (
        ("government", "Government"),
        ("union", "Union"),
        ("broker", "Brokers"),
        ("firm", "Firms"),
    ):
        if role in by_role:
            names = by_role[role]
            shown = "; ".join(names[:10]) + (
                f"; and {len(names) - 10} more" if len(names) > 10 else ""
            )
            lines.append(_wrap(f"{label} ({len(names)}): {shown}", "      ", "  "))
    if sc.background.count:
        b = sc.background
        src = _source(idx, "background.count")
        lines.append(
            _wrap(
                f"Background firms (always run by the computer): {sc.background.count} firms of "
                f"{b.workers[0]:g}-{b.workers[1]:g} workers, {b.high_road_share:.0%} of them "
                f"on the high road" + (f"  [{src}]" if src else ""),
                "      ",
                "  ",
            )
        )
    lines.append("")
    lines.append("Who sits where (people take these seats; bots play the rest)")
    for n in STANDARD_CLASSES:
        if n in pl["classes"]:
            lines.append(_wrap(_class_line(sc, n, pl["classes"][n]), "      ", "  "))
    small = min(pl["classes"]) if pl["classes"] else None
    if small is not None:
        lines.append(
            _wrap(
                f"The {small} seats of the smallest class: {_named_seats(sc, pl['classes'][small])}.",
                "      ",
                "  ",
            )
        )
    lines.append(
        _wrap(
            f"Bots take seats in this order: {_named_seats(sc, pl['bots_first'], 6)}.",
            "      ",
            "  ",
        )
    )
    if pl.get("advice"):
        lines.append(_wrap("Advice: " + pl["advice"], "      ", "  "))
    lines.append("")

    lines.append("The district at the start (figure, then its source)")
    inst = sc.institutions
    cur = sc.currency
    shown = [
        (
            "wage_floor",
            f"legal wage floor: {_fmt(inst['wage_floor'])} {cur} per worker a {sc.round_length}",
        ),
        (
            "reference_wage",
            f"going wage when labour is neither short nor in surplus: {_fmt(inst['reference_wage'])}",
        ),
        (
            "enforcement",
            f"chance that a firm paying below the floor is audited: {inst['enforcement']:.0%} a round",
        ),
        (
            "union_density",
            f"union members: {inst['union_density']:.0%} of workers, bargaining power "
            f"{inst['union_power']:.2f}",
        ),
        ("labour_surplus", f"unemployed: {inst['labour_surplus']:.0%} of the labour force"),
        ("government_budget", f"government budget: {_fmt(inst['government_budget'])} {cur}"),
    ]
    if inst["pass_through_clause"] > 0:
        shown.append(
            (
                "pass_through_clause",
                f"share of productivity growth passed to the floor by law: "
                f"{inst['pass_through_clause']:.0%}",
            )
        )
    for key, text in shown:
        src = _source(idx, f"institutions.{key}")
        lines.append(_wrap(text + (f"  [{src}]" if src else ""), "      ", "  - "))
    mk = sc.markets
    growth = f"; niche and export demand grow {mk['growth']:+.0%} a round" if mk["growth"] else ""
    lines.append(
        _wrap(
            f"markets: commodity {_fmt(mk['commodity_demand'])}, niche {_fmt(mk['niche_demand'])}, "
            f"export {_fmt(mk['export_demand'])} units a round; imports push the commodity price "
            f"down {mk['import_pressure']:.0%}{growth}",
            "      ",
            "  - ",
        )
    )
    tr = sc.trust
    lines.append(
        _wrap(
            f"trust (0-1) between firms {tr['firms']:.2f}, within a network {tr['network']:.2f}, "
            f"firms and union {tr['union']:.2f}, firms and government {tr['government']:.2f}, "
            f"firms and brokers {tr['broker']:.2f}",
            "      ",
            "  - ",
        )
    )
    for n in sc.networks:
        members = "every firm" if "*" in n.members else f"{len(n.members)} firms"
        stock = ", ".join(f"{k} {v:.1f}" for k, v in n.stock.items() if v > 0) or "no services yet"
        lines.append(
            _wrap(
                f"network '{n.name}': {members}; shared {stock}; dues {n.dues:g} {cur} a round",
                "      ",
                "  - ",
            )
        )
    lines.append("")

    lines.append("Round by round")
    by_round: dict[int, list[str]] = {}
    for t in sc.tenders:
        ops = ", ".join(t.operations)
        by_round.setdefault(t.round, []).append(
            f"tender '{t.id}' from {t.buyer}: {t.volume:g} units at up to {t.price:g} over "
            f"{t.delivery_rounds} round(s); needs {ops}; quality {t.min_quality:g}"
        )
    for e in sc.events:
        by_round.setdefault(e.round, []).append(e.headline + (f" [{e.source}]" if e.source else ""))
    for r in sorted(by_round):
        for i, item in enumerate(by_round[r]):
            lines.append(
                _wrap(
                    item, "            ", f"  {'round ' + str(r) + ':':<10}" if i == 0 else " " * 12
                )
            )
    if not by_round:
        lines.append("  (no scheduled events or tenders)")
    lines.append("")

    if sc.sources:
        lines.append("Sources (seed files in shared/seeds; notes cite section and line)")
        for s in sc.sources:
            lines.append(_wrap(f"{s['seed']} {s['section']}: {s['what']}", "      ", "  "))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
