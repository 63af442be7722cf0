"""A session's log, wherever it comes from: the store (a real SQLite file), an `export` or
`simulate --out` folder, or a scripting-API game. A log is what the session fold stored: its
entries in order (`{"k": "cmd", "seat", "cmd"}`, `{"k": "resolve"}`, ... with the server time `t`
where the server recorded one), plus what the fold never replays (previews asked: `notes`).

`replay(log)` plays the game entries through the engine and gives the session's final state, hash
for hash; `SessionLog.game_log()` is the engine's own log (what `api.Game.log` holds).
"""

from __future__ import annotations

import csv
import json
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from district.server.engine import Game, Scenario, find_scenario
from district.server.engine.scenario_parse import parse_scenario
from district.server.engine.state import role_of

Entry = dict[str, Any]
GAME_ENTRIES = ("cmd", "resolve", "advance", "end")  # what the engine replays


class LogError(Exception):
    """The log cannot be read: the message says what was wrong and where (one line)."""


@dataclass(slots=True)
class SessionLog:
    scenario: Scenario
    seed: int
    entries: list[Entry]
    seats: list[dict[str, Any]] = field(default_factory=list)  # {seat, role, name, controller}
    settings: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    notes: list[dict[str, Any]] = field(default_factory=list)  # {t, seat, kind, ...}: previews
    created: float | None = None  # server time the session was created (None: simulated)
    final_hash: str = ""  # as recorded (an export's session.json), "" if unknown
    scenario_text: str = ""  # the scenario's TOML as played, "" if unknown

    # --- constructors -------------------------------------------------------------------------

    @classmethod
    def from_game(cls, game: Any, code: str = "") -> SessionLog:
        """A scripting-API game (`api.Game`) or an engine `Game`: every seat a bot."""
        eng = getattr(game, "_game", game)
        entries = [entry_of(e) for e in eng.log]
        log = cls(scenario=eng.scenario, seed=int(eng.seed), entries=entries, code=code)
        log.seats = seats_of(eng.scenario, entries)
        log.final_hash = eng.hash()
        log.scenario_text = scenario_file_text(eng.scenario)
        return log

    @classmethod
    def from_store(cls, db_path: str | Path, session: str) -> SessionLog:
        """A session of a District database (its join code or its id), read without writing."""
        from district.server.store.sqlite import read_session

        try:
            got = read_session(Path(db_path), session)
        except ValueError as e:
            raise LogError(str(e)) from None
        info, text, settings, entries, notes = got
        try:
            scenario = parse_scenario(tomllib.loads(text), f"{info['scenario']} (stored)")
        except Exception as e:
            raise LogError(f"session {session}: its stored scenario does not load: {e}") from None
        log = cls(
            scenario=scenario,
            seed=int(info["seed"]),
            entries=entries,
            settings=settings,
            code=str(info["code"]),
            notes=notes,
            created=float(info["created"]),
            scenario_text=text,
        )
        log.seats = seats_of(scenario, entries)
        return log

    @classmethod
    def from_dir(cls, path: str | Path) -> SessionLog:
        """An `export` or `simulate --out` folder: session.json and events.csv."""
        d = Path(path)
        meta_path = d / "session.json"
        if not meta_path.is_file():
            raise LogError(f"{d}: no session.json (give a folder written by export or simulate)")
        try:
            meta = json.loads(meta_path.read_text())
            scenario = scenario_of(meta)
        except (ValueError, KeyError, OSError) as e:
            raise LogError(f"{meta_path}: cannot read it ({e})") from None
        entries: list[Entry] = []
        notes: list[dict[str, Any]] = []
        ev = d / "events.csv"
        if not ev.is_file():
            raise LogError(f"{d}: no events.csv")
        with open(ev, newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                try:
                    e = entry_of_row(row)
                except (ValueError, KeyError) as err:
                    raise LogError(f"{ev} line {line}: {err}") from None
                if e is None:
                    continue
                if e.get("k") == "note":
                    notes.append(e)
                else:
                    entries.append(e)
        log = cls(
            scenario=scenario,
            seed=int(meta["seed"]),
            entries=entries,
            settings=dict(meta.get("settings") or {}),
            code=str(meta.get("code") or ""),
            notes=notes,
            created=meta.get("created"),
            final_hash=str(meta.get("final_hash") or ""),
            scenario_text=str(meta.get("scenario_text") or ""),
        )
        log.seats = list(meta.get("seats") or seats_of(scenario, entries))
        return log

    # --- what it holds ----------------------------------------------------------------------

    def game_log(self) -> list[tuple[Any, ...]]:
        """The engine's log: the game entries only (an `api.Game.log`)."""
        out: list[tuple[Any, ...]] = []
        for e in self.entries:
            if e["k"] == "cmd":
                out.append(("cmd", e["seat"], e["cmd"]))
            elif e["k"] in GAME_ENTRIES:
                out.append((e["k"],))
        return out

    def title(self) -> str:
        return self.scenario.title


def entry_of(e: tuple[Any, ...]) -> Entry:
    """An engine log entry as a session entry."""
    if e[0] == "cmd":
        return {"k": "cmd", "seat": e[1], "cmd": e[2]}
    return {"k": e[0]}


def seats_of(scenario: Scenario, entries: list[Entry]) -> list[dict[str, Any]]:
    """Every seat with who played it: "person" if someone joined it during the game (their
    display name in `player`), else "bot"."""
    players: dict[str, str] = {}
    for e in entries:
        if e.get("k") == "join" and e.get("seat"):
            players.setdefault(e["seat"], str(e.get("name") or ""))
    return [
        {
            "seat": s.id,
            "role": s.role,
            "name": s.name,
            "controller": "person" if s.id in players else "bot",
            **({"player": players[s.id]} if s.id in players else {}),
        }
        for s in scenario.seats
    ]


def scenario_file_text(scenario: Scenario) -> str:
    """The TOML a scenario was read from, if it came from a file that is still readable."""
    try:
        p = Path(scenario.path)
        return p.read_text(encoding="utf-8") if scenario.path and p.is_file() else ""
    except OSError:
        return ""


def scenario_of(meta: dict[str, Any]) -> Scenario:
    """The scenario of an exported session: its stored text if the export has it, else the
    shipped scenario of that name."""
    text = meta.get("scenario_text")
    if text:
        return parse_scenario(tomllib.loads(text), f"{meta['scenario']} (exported)")
    return find_scenario(str(meta["scenario"]))


# --- events.csv rows <-> entries ------------------------------------------------------------

CONTROL = {"resolve", "advance", "end"}


def entry_of_row(row: dict[str, str]) -> Entry | None:
    """The entry an events.csv row records, or None (an engine event: not replayed)."""
    kind, name = row["kind"], row["name"]
    fields = json.loads(row["fields"]) if row.get("fields") else {}
    t = datetime.fromisoformat(row["time"]).timestamp() if row.get("time") else None
    if kind == "command":
        e: Entry = {"k": "cmd", "seat": row["seat"], "cmd": fields}
    elif kind == "control" and name in CONTROL:
        e = {"k": name}
    elif kind == "session":
        e = {"k": name, **fields}
    elif kind == "preview":
        return {
            **fields,
            "k": "note",
            "kind": "preview",
            "seat": row["seat"],
            "t": t,
            "round": int(row["round"]),
            "phase": row["phase"],
        }
    else:
        return None
    if t is not None:
        e["t"] = t
    return e


def replay(
    log: SessionLog,
    on_entry: Callable[[Game, Entry, Any], None] | None = None,
    on_start: Callable[[Game], None] | None = None,
) -> Game:
    """Play the log's game entries through the engine (the session fold's own game commands).
    `on_entry(game, entry, result)` is called after each (result: the events, or the report of a
    resolve). A stored command the engine refuses (it cannot happen with the same engine) stops
    the replay with LogError."""
    game = Game(log.scenario, log.seed, flows=True)
    if on_start is not None:
        on_start(game)
    for n, e in enumerate(log.entries, start=1):
        if e["k"] not in GAME_ENTRIES:
            if on_entry is not None:
                on_entry(game, e, None)
            continue
        try:
            if e["k"] == "cmd":
                result: Any = game.apply(e["seat"], e["cmd"])
            else:
                result = game.step((e["k"],))
        except Exception as err:
            raise LogError(f"entry {n} ({e['k']}) does not replay: {err}") from None
        if on_entry is not None:
            on_entry(game, e, result)
    return game


def seat_role(seat: str) -> str:
    return role_of(seat) or ("facilitator" if seat == "facilitator" else "")


def iter_game_entries(log: SessionLog) -> Iterator[Entry]:
    return (e for e in log.entries if e["k"] in GAME_ENTRIES)
