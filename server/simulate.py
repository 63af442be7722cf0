"""Bots-only games: `district simulate` prints the district round by round and can write every
round's indicators (CSV, long format), the events and the final state (JSON)."""

from __future__ import annotations

import json
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from district.server.bots.turns import BotTurns, bot_commands
from district.server.engine import EngineError, Game, Scenario
from district.server.engine.deals.kinds import KINDS
from district.server.engine.views import view

INDEX = "index"  # a 0-1 index (skill, quality) shown as a whole number out of 100, as in the game


def shown(fmt: str, x: float) -> str:
    """`x` in `fmt`: a format string, or INDEX."""
    return f"{x * 100:.0f}" if fmt == INDEX else fmt.format(x)


# (header, indicator, format): one row a round in a terminal, so the headers are short; LEGEND says
# what they mean and in which unit.
COLUMNS = [
    ("round", "round", "{:.0f}"),
    ("firms", "firms_alive", "{:.0f}"),
    ("jobs", "employment", "{:.0f}"),
    ("wage", "mean_wage", "{:.1f}"),
    ("floor", "wage_floor", "{:.1f}"),
    ("skill", "mean_skill", INDEX),
    ("output", "output", "{:.0f}"),
    ("export", "exports", "{:.0f}"),
    ("tenders", "tenders_won", "{:.0f}"),
    ("budget", "government_budget", "{:.0f}"),
    ("compet", "competitiveness", "{:.1f}"),
    ("welfare", "worker_welfare", "{:.1f}"),
    ("region", "region", "{:.1f}"),
]
WIDTHS = [
    max(len(name), 6 if k in ("output", "exports", "government_budget") else 5)
    for name, k, _f in COLUMNS
]
LEGEND = (
    "firms alive, jobs (workers employed), mean wage and legal wage floor (k a worker a round), "
    "mean skill (0-100), output and exports (units), tenders won, government budget (k); "
    "scoreboards: competitiveness, worker welfare, region (levels on 0-100); "
    "hash: the district's fingerprint, the same on every replay of this scenario and seed"
)


def play_bots_round(
    game: Game,
    personalities: dict[str, str] | None = None,
    skip: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The bots of every seat but `skip` take their turns of this negotiation phase, as
    `BotTurns` orders them (the same scheduler a session uses). Returns the events."""
    st = game.state
    turns = BotTurns()
    turns.begin(s for s in st.seats if s not in skip)
    events: list[dict[str, Any]] = []
    while (seat := turns.next()) is not None:
        p = (personalities or {}).get(seat, st.seats[seat].road)
        for cmd in bot_commands(game.view(seat), game.seed, p):
            try:
                events += game.apply(seat, cmd)
            except EngineError as e:  # a bot's mistake must not stop the game; it is reported
                events.append(
                    {"kind": "bot_error", "audience": "public", "seat": seat, "error": e.to_dict()}
                )
        turns.acted(seat)
    return events


def run_game(
    scenario: Scenario,
    seed: int,
    rounds: int | None = None,
    personalities: dict[str, str] | None = None,
    on_round: Any = None,
) -> tuple[Game, list[dict[str, Any]]]:
    """A bots-only game: the server's bots-only game of the same scenario and seed, move for move.
    A whole game ends as the server's does, in the phase "ended"; with `rounds` short of the
    scenario's, it stops at that round's report."""
    game = Game(scenario, seed)
    events: list[dict[str, Any]] = list(game.start_events)
    last = min(rounds or scenario.rounds, scenario.rounds)
    while not game.over:
        events += play_bots_round(game, personalities)
        report = game.resolve()
        if on_round:
            on_round(game, report)
        if game.state.round >= last and last < scenario.rounds:
            break
        events += game.advance()
    return game, events


def header() -> str:
    return (
        " ".join(f"{name:>{w}}" for (name, _k, _f), w in zip(COLUMNS, WIDTHS, strict=True))
        + "  hash"
    )


def legend() -> str:
    """What the columns mean, wrapped to the table's width."""
    return "\n".join(textwrap.wrap(LEGEND, width=len(header()) + 12))


def row(ind: dict[str, float], h: str) -> str:
    return (
        " ".join(
            f"{shown(fmt, ind.get(k, 0.0)):>{w}}"
            for (_n, k, fmt), w in zip(COLUMNS, WIDTHS, strict=True)
        )
        + f"  {h}"
    )


def deal_words(kind: str) -> str:
    """A deal kind as a teacher reads it: its title ('conditional credit'), not its key."""
    k = KINDS.get(kind)
    title = k.title.split(" (")[0] if k is not None else kind.replace("_", " ")
    return title[:1].lower() + title[1:]


def deal_line(report: dict[str, Any]) -> str:
    d = report["details"].get("deal_summary")
    if not d:
        return ""
    parts = [
        f"{what} {', '.join(sorted(f'{deal_words(k)} {v}' for k, v in kinds.items()))}"
        for what, kinds in d.items()
        if kinds
    ]
    return "      deals: " + "; ".join(parts) if parts else ""


def simulate(
    scenario: Scenario,
    seed: int,
    rounds: int | None,
    out: Path | None,
    stream: TextIO | None = None,
) -> Game:
    stream = stream or sys.stdout  # looked up at call time (tests and callers may redirect it)
    n = rounds or scenario.rounds
    print(
        f"{scenario.title} - seed {seed}, {n} round{'s' if n != 1 else ''}, "
        f"{len(scenario.firms) + scenario.background.count} firms, {len(scenario.seats)} seats (all bots)",
        file=stream,
    )
    print(header(), file=stream)
    print(legend(), file=stream)

    def on_round(game: Game, report: dict[str, Any]) -> None:
        print(row(report["indicators"], game.hash()), file=stream)
        for n in report["news"]:
            print(f"      news: {n['headline']}", file=stream)
        line = deal_line(report)
        if line:
            print(line, file=stream)
        stream.flush()

    game, events = run_game(scenario, seed, rounds, on_round=on_round)
    print(summary(game), file=stream)
    if out is not None:
        write_outputs(game, events, out)
        print(
            f"wrote {out}/events.csv, deals.csv, indicators.csv, chat.csv, flows.csv, "
            "session.json, dictionary.csv (docs/export.md) and final_state.json",
            file=stream,
        )
    return game


def summary(game: Game) -> str:
    h = game.state.history
    if not h:
        return "no round was played"
    a, b = h[0], h[-1]
    lines = ["", "From round 1 to the end:"]
    for label, k, fmt in (
        ("firms alive", "firms_alive", "{:.0f}"),
        ("employment", "employment", "{:.0f}"),
        ("mean wage", "mean_wage", "{:.1f}"),
        ("wage floor", "wage_floor", "{:.1f}"),
        ("mean skill (0-100)", "mean_skill", INDEX),
        ("quality (0-100)", "quality", INDEX),
        ("exports", "exports", "{:.0f}"),
        ("compliance", "compliance", "{:.0%}"),
        ("networked firms", "networked_share", "{:.0%}"),
    ):
        lines.append(f"  {label:<18} {shown(fmt, a[k]):>8} -> {shown(fmt, b[k]):>8}")
    lines.append(
        "  scoreboards        "
        + ", ".join(
            f"{k.replace('_', ' ')} {b[k]:.0f}"
            for k in ("competitiveness", "worker_welfare", "region")
        )
    )
    return "\n".join(lines)


def _plain(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple | set):
        return [_plain(v) for v in x]
    return x


def out_problem(out: Path) -> str | None:
    """Why the outputs could not be written to `out`, found before a game is played (the folder is
    created if missing); None if they can."""
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder: give a folder (it is created if missing)"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        return f"cannot write to --out {out} ({e.strerror or e}): give a folder you can write"
    return None


def write_outputs(game: Game, events: list[dict[str, Any]], out: Path) -> None:
    """The research export of this game (the files `district export` writes for a played
    session: docs/export.md), and its final state as JSON. Its bots-only baseline is itself."""
    from district.server.debrief.export import write_export
    from district.server.debrief.log import SessionLog

    out.mkdir(parents=True, exist_ok=True)
    st = game.state
    write_export(SessionLog.from_game(game), out, baseline=False)
    final = {
        "scenario": st.scenario.name,
        "seed": game.seed,
        "round": st.round,
        "hash": game.hash(),
        "reports": _plain(st.reports),
        "facilitator_view": _plain(view(st, "facilitator")),
        "firms": {
            name: _plain(getattr(st.firms, name))
            for name in ["name"] + st.firms.array_fields()
            if name not in ("pipeline",)
        },
        "deals": _plain([d.to_dict() if hasattr(d, "to_dict") else d for d in st.deals.values()]),
    }
    (out / "final_state.json").write_text(json.dumps(final))
