"""The SQL of the store's writes, one definition for both databases: PostgreSQL runs it as it is,
SQLite with its parameters renumbered (`sqlite_sql`: `$1` -> `?1`). Both databases take the same
upserts (`ON CONFLICT ... DO UPDATE SET ... = excluded....`)."""

from __future__ import annotations

import functools
import re
import time
from typing import Any

import msgpack
from district.server.store import (
    AddToken,
    AppendEntry,
    Archive,
    DropToken,
    Finish,
    NewSession,
    NewWorkshop,
    Note,
    Quarantine,
    SetWorkshop,
    Snapshot,
    Write,
    pack_entry,
)

Statement = tuple[str, tuple[Any, ...]]

_PARAMETER = re.compile(r"\$(\d+)")


@functools.lru_cache(maxsize=256)
def sqlite_sql(sql: str) -> str:
    """A statement of `statements` as SQLite takes it: `$n` -> `?n` (SQLite's numbered parameter)."""
    return _PARAMETER.sub(r"?\1", sql)


def statements(w: Write) -> list[Statement]:
    """The SQL of one typed write, with PostgreSQL's numbered parameters ($1, $2, ...)."""
    if isinstance(w, AppendEntry):
        out: list[Statement] = [
            (
                "INSERT INTO entries (session, n, data) VALUES ($1, $2, $3)",
                (w.session, w.n, w.packed if w.packed is not None else pack_entry(w.entry)),
            )
        ]
        if w.entry.get("k") == "start":  # the game is under way: recovered at start-up
            out.append(
                (
                    "UPDATE sessions SET started = coalesce(started, created) WHERE id = $1",
                    (w.session,),
                )
            )
        return out
    if isinstance(w, Archive):
        return [("UPDATE sessions SET archived = $1 WHERE id = $2", (w.when, w.session))]
    if isinstance(w, Quarantine):
        return [("UPDATE sessions SET quarantined = $1 WHERE id = $2", (w.reason, w.session))]
    if isinstance(w, AddToken):
        return [
            (
                "INSERT INTO tokens (hash, session, seat) VALUES ($1, $2, $3) "
                "ON CONFLICT (hash) DO UPDATE SET session = excluded.session, seat = excluded.seat",
                (w.hash, w.session, w.seat),
            )
        ]
    if isinstance(w, DropToken):
        return [("DELETE FROM tokens WHERE hash = $1", (w.hash,))]
    if isinstance(w, Snapshot):
        return [
            (
                "INSERT INTO snapshots (session, n, data, hash, created) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session, n) DO UPDATE SET "
                "data = excluded.data, hash = excluded.hash, created = excluded.created",
                (w.session, w.n, bytes(w.blob), w.hash, time.time()),
            ),
            ("DELETE FROM snapshots WHERE session = $1 AND n < $2", (w.session, w.n)),
        ]
    if isinstance(w, Note):
        return [
            (
                "INSERT INTO notes (session, t, seat, data) VALUES ($1, $2, $3, $4)",
                (w.session, w.t, w.seat, pack_entry(w.data)),
            )
        ]
    if isinstance(w, Finish):
        return [("UPDATE sessions SET finished = $1 WHERE id = $2", (w.when, w.session))]
    if isinstance(w, NewWorkshop):
        return [("INSERT INTO workshops (name, key_hash) VALUES ($1, $2)", (w.name, w.key_hash))]
    if isinstance(w, SetWorkshop):
        # PostgreSQL: the column references workshops, so an unknown workshop fails the batch
        return [("UPDATE sessions SET workshop = $1 WHERE id = $2", (w.workshop, w.session))]
    if isinstance(w, NewSession):
        info = w.info
        settings = msgpack.packb(
            {
                "negotiation_seconds": info["negotiation_seconds"],
                "report_seconds": info["report_seconds"],
            }
        )
        return [
            (
                "INSERT INTO sessions (id, code, scenario, scenario_text, seed, settings, "
                "facilitator_hash, created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                (
                    info["id"],
                    info["code"],
                    info["scenario"],
                    w.scenario_text,
                    int(info["seed"]),
                    settings,
                    info["facilitator_hash"],
                    float(info["created"]),
                ),
            ),
            (
                "INSERT INTO tokens (hash, session, seat) VALUES ($1, $2, $3)",
                (info["facilitator_hash"], info["id"], "facilitator"),
            ),
        ]
    raise TypeError(f"not a store write: {w!r}")
