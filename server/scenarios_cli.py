"""`district scenarios list | show NAME | validate PATH...`

- list: one line per scenario in scenarios/: name, players, rounds, what it teaches.
- show: the teacher's page of one scenario (server/scenario_page.py): summary, what it teaches,
  debrief questions, who sits where for classes of 6, 12, 24 and 40, the district at the start,
  round by round, sources.
- validate: every problem of every file with its place (file:line: key: message); exit code 1 if
  any file has one. Besides the engine's checks (server.engine.scenario_parse) it checks that every
  figure cites its source or says it is an assumption (see docs/scenarios.md, "Sources").
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import TextIO

from district.server.engine.errors import ScenarioError
from district.server.engine.scenario import Scenario, slug
from district.server.engine.scenario_files import find_scenario, list_scenarios, load_scenario
from district.server.engine.seating import parse_players, players_of
from district.server.scenario_page import show_page
from district.server.toml_index import index_toml

CITATION = re.compile(r"\b00[0234]\b|assum", re.IGNORECASE)
# tables whose every line is a figure that needs its own source or "assumption"
FIGURE_TABLES = ("institutions", "markets", "trust", "background", "params")
# arrays of tables whose every block needs a source or "assumption" (a comment in or just above it)
FIGURE_BLOCKS = ("firms", "networks", "tenders", "events")


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
