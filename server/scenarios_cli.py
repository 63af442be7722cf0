"""`district scenarios list | show NAME | validate PATH...`

- list: one line per scenario in scenarios/: name, players, rounds, what it teaches.
- show: the teacher's page of one scenario: summary, what it teaches, debrief questions, who sits
  where for classes of 6, 12, 24 and 40, the district at the start, round by round, sources.
- validate: every problem of every file with its place (file:line: key: message); exit code 1 if
  any file has one. Besides the engine's checks (server.engine.scenario_parse) it checks that every
  figure cites its source or says it is an assumption (see docs/scenarios.md, "Sources").
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import textwrap
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from district.server.engine.errors import ScenarioError
from district.server.engine.scenario import Scenario, slug
from district.server.engine.scenario_files import find_scenario, list_scenarios, load_scenario
from district.server.engine.seating import STANDARD_CLASSES, parse_players, players_of

CITATION = re.compile(r"\b00[0234]\b|assum", re.IGNORECASE)
# tables whose every line is a figure that needs its own source or "assumption"
FIGURE_TABLES = ("institutions", "markets", "trust", "background", "params")
# arrays of tables whose every block needs a source or "assumption" (a comment in or just above it)
FIGURE_BLOCKS = ("firms", "networks", "tenders", "events")


# --- where things are in a TOML file -------------------------------------------------------------


@dataclass
class Place:
    line: int
    comment: str = ""


@dataclass
class TomlIndex:
    """Line numbers and end-of-line comments of the tables and keys of a TOML file, by path
    ("institutions.wage_floor", "firms[3]", "firms[3].workers", "players.classes.6")."""

    places: dict[str, Place] = field(default_factory=dict)
    # for each array-of-tables block: its lines (first, last) and the comments in and just above it
    blocks: dict[str, tuple[int, int, list[str]]] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        """The line of the deepest known prefix of a problem's path."""
        p = path
        while p:
            if p in self.places:
                return self.places[p].line
            cut = max(p.rfind("."), p.rfind("["))
            if cut <= 0:
                break
            p = p[:cut]
        return None


def _split_comment(line: str, state: dict[str, object]) -> tuple[str, str]:
    """Code and comment of one line, keeping track of multi-line strings and arrays in `state`."""
    code: list[str] = []
    i = 0
    quote = state.get("quote")  # None, '"', "'", '"""' or "'''"
    while i < len(line):
        ch = line[i]
        if quote:
            if quote in ('"""', "'''"):
                if line.startswith(quote, i):
                    code.append(quote)
                    i += 3
                    quote = None
                    continue
            elif ch == "\\" and quote == '"':
                code.append(line[i : i + 2])
                i += 2
                continue
            elif ch == quote:
                quote = None
            code.append(ch)
            i += 1
            continue
        if line.startswith('"""', i) or line.startswith("'''", i):
            quote = line[i : i + 3]
            code.append(quote)
            i += 3
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "#":
            state["quote"] = quote
            return "".join(code), line[i + 1 :].strip()
        elif ch in "[{":
            state["depth"] = int(state.get("depth", 0)) + 1  # type: ignore[call-overload]
        elif ch in "]}":
            state["depth"] = int(state.get("depth", 0)) - 1  # type: ignore[call-overload]
        code.append(ch)
        i += 1
    state["quote"] = quote
    return "".join(code), ""


KEY = re.compile(r'^\s*("[^"]*"|\'[^\']*\'|[A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=')
HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*$")


def index_toml(text: str) -> TomlIndex:
    idx = TomlIndex()
    counts: Counter[str] = Counter()
    table = ""
    block = ""
    pending: list[str] = []  # comment lines just above the next header
    state: dict[str, object] = {"quote": None, "depth": 0}
    for n, raw in enumerate(text.splitlines(), start=1):
        inside = bool(state.get("quote")) or int(state.get("depth", 0)) > 0  # type: ignore[call-overload]
        code, comment = _split_comment(raw, state)
        is_header = not inside and bool(HEADER.match(code)) and not KEY.match(code)
        if block and block in idx.blocks and comment and not is_header:
            idx.blocks[block][2].append(comment)
        if inside:
            if block in idx.blocks:
                first, _last, comments = idx.blocks[block]
                idx.blocks[block] = (first, n, comments)
            continue
        stripped = code.strip()
        if not stripped:
            if comment:
                pending.append(comment)
            else:
                pending = []
            continue
        m = HEADER.match(code)
        if m and is_header:
            name = m.group(2).replace(" ", "")
            if m.group(1) == "[[":
                table = f"{name}[{counts[name]}]"
                counts[name] += 1
                block = table
                idx.blocks[block] = (n, n, list(pending) + ([comment] if comment else []))
            else:
                table = name
                block = ""
            idx.places[table] = Place(n, comment)
            pending = []
            continue
        pending = []
        km = KEY.match(code)
        if km:
            key = km.group(1).strip().strip("\"'").replace(" ", "")
            path = f"{table}.{key}" if table else key
            idx.places[path] = Place(n, comment)
        if block in idx.blocks:
            first, _last, comments = idx.blocks[block]
            idx.blocks[block] = (first, n, comments)
    return idx


# --- validate ------------------------------------------------------------------------------------


def source_problems(text: str, data_keys: dict[str, list[str]] | None = None) -> list[str]:
    """Figures without a source: every line of the figure tables, and every block of firms,
    networks, tenders and events, must cite a seed (000, 002, 003, 004) or say 'assumption'."""
    idx = index_toml(text)
    out: list[str] = []
    for path, place in idx.places.items():
        head = path.split(".", 1)[0]
        if head in FIGURE_TABLES and "." in path and not CITATION.search(place.comment):
            out.append(
                f"{path}: no source; end the line with a comment citing the seed and "
                "section (e.g. '# 000 III.1 L159') or saying 'assumption'"
            )
    for block, (_first, _last, comments) in idx.blocks.items():
        kind = block.split("[", 1)[0]
        if kind not in FIGURE_BLOCKS:
            continue
        src = idx.places.get(f"{block}.source")
        if any(CITATION.search(c) for c in comments):
            continue
        if kind == "events" and src is not None:
            continue  # an event's `source` field is checked below
        out.append(
            f"{block}: no source; cite the seed and section in a comment in the block "
            "(or just above it), or say 'assumption'"
        )
    return out


def _event_source_problems(sc: Scenario) -> list[str]:
    return [
        f"events[{i}].source: '{e.source}' cites no seed (000, 002, 003, 004) and does not say "
        "'assumption'"
        for i, e in enumerate(sc.events)
        if e.source and not CITATION.search(e.source)
    ]


def _players_problems(text: str) -> list[str]:
    """The [players] table checked against the seats the file declares, even when the engine
    stopped before it because of other problems (so that every problem is listed at once)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    seat_ids: list[str] = []
    for f in raw.get("firms", []) if isinstance(raw.get("firms"), list) else []:
        if isinstance(f, dict) and f.get("seat") is True and isinstance(f.get("name"), str):
            sid = f.get("id")
            seat_ids.append(sid if isinstance(sid, str) else "firm:" + slug(f["name"]))
    for i, s in enumerate(raw.get("seats", []) if isinstance(raw.get("seats"), list) else []):
        if isinstance(s, dict) and isinstance(s.get("role"), str):
            role = s["role"]
            sid = s.get("id", role if role != "broker" else f"broker:{i}")
            if isinstance(sid, str):
                seat_ids.append(sid)
    players = raw.get("players", {})
    if not isinstance(players, dict):
        return []
    out: list[str] = []
    parse_players(players, seat_ids, out)
    return out


def validate_file(path: str | Path) -> list[str]:
    """Every problem of one scenario file, each as 'file:line: place: message'."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        return [f"{p}: cannot read the file: {e.strerror}"]
    problems: list[str] = []
    sc: Scenario | None = None
    try:
        sc = load_scenario(p)
    except ScenarioError as e:
        problems += e.problems
    toml_ok = not any(x.startswith("not valid TOML") for x in problems)
    if sc is None and toml_ok:
        problems += [x for x in _players_problems(text) if x not in problems]
    if toml_ok:
        problems += source_problems(text)
    if sc is not None:
        problems += _event_source_problems(sc)
    idx = index_toml(text)
    out = []
    for prob in problems:
        where = prob.split(":", 1)[0]
        m = re.search(r"line (\d+)", prob) if prob.startswith("not valid TOML") else None
        line = int(m.group(1)) if m else idx.line_of(where)
        out.append(f"{p}:{line}: {prob}" if line else f"{p}: {prob}")
    return out


def cmd_validate(paths: list[str], out: TextIO) -> int:
    bad = 0
    for path in paths:
        probs = validate_file(path)
        if probs:
            bad += 1
            print(f"{path}: {len(probs)} problem(s)", file=out)
            for prob in probs:
                print(f"  {prob}", file=out)
        else:
            sc = load_scenario(path)
            print(
                f"{path}: ok ({sc.name}, {sc.rounds} rounds, {len(sc.seats)} seats, "
                f"{len(sc.firms) + sc.background.count} firms)",
                file=out,
            )
    if len(paths) > 1:
        print(f"{len(paths) - bad} of {len(paths)} file(s) valid", file=out)
    return 1 if bad else 0


# --- list ----------------------------------------------------------------------------------------


def teaches_short(sc: Scenario) -> str:
    """What a scenario teaches in a phrase: its title after the place ("Oregon plastics: training
    or poaching" -> "training or poaching"), else its first lesson without the citation."""
    if ": " in sc.title:
        place, what = sc.title.split(": ", 1)
        return ("tutorial: " if "tutorial" in place.lower() else "") + what.strip()
    t = sc.teaches[0] if sc.teaches else sc.title
    return re.sub(r"\s*\((?:[^()]*\b00[0234]\b[^()]*)\)\s*\.?\s*$", "", t).rstrip(" .")


def players_range(sc: Scenario) -> str:
    pl = players_of(sc)
    return f"{pl['min']}-{pl['max']}"


def cmd_list(out: TextIO, directory: Path | None = None) -> int:
    paths = list_scenarios(directory) if directory else list_scenarios()
    width = max(80, min(140, shutil.get_terminal_size((100, 20)).columns))
    rows: list[tuple[str, str, str, str]] = []
    problems = 0
    for p in paths:
        try:
            sc = load_scenario(p)
        except ScenarioError as e:
            rows.append(
                (
                    p.stem,
                    "-",
                    "-",
                    f"INVALID: {len(e.problems)} problem(s); run 'district scenarios validate {p}'",
                )
            )
            problems += 1
            continue
        rows.append((sc.name, players_range(sc), str(sc.rounds), teaches_short(sc)))
    w0 = max([len("NAME")] + [len(r[0]) for r in rows])
    head = f"{'NAME':<{w0}}  PLAYERS  ROUNDS  TEACHES"
    print(head, file=out)
    room = max(20, width - len(head) + len("TEACHES"))
    for name, players, rounds, teaches in rows:
        if len(teaches) > room:
            teaches = teaches[: room - 1].rstrip() + "…"
        print(f"{name:<{w0}}  {players:>7}  {rounds:>6}  {teaches}", file=out)
    return 1 if problems else 0


# --- show ----------------------------------------------------------------------------------------

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


def cmd_show(name: str, out: TextIO) -> int:
    sc = find_scenario(name)
    text = Path(sc.path).read_text(encoding="utf-8") if sc.path and Path(sc.path).exists() else ""
    out.write(show_page(sc, text))
    return 0


def main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if args.action == "list":
        return cmd_list(out)
    if args.action == "show":
        return cmd_show(args.name, out)
    if args.action == "validate":
        return cmd_validate(list(args.paths), out)
    raise ValueError(f"unknown action {args.action!r}")
