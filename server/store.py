"""SQLite event log and snapshots: the embedded store of the server.

Every session is a row in `sessions` (what it was made from, including the scenario's text, so a
recovery never depends on files that may have changed), its entries in `entries` (the fold of
server/session.py), snapshots of its state at the start of rounds in `snapshots`, and the hashes of
its seat tokens in `tokens`.

One thread owns the connection. Writers hand it batches of statements and await them; the thread
takes every batch waiting, runs them in one transaction and commits once (group commit), so a
busy server pays one commit for many commands. A batch's future is resolved only after the commit:
"written before acknowledged". The database runs in WAL mode; with `durable=False` (the default)
a commit survives the server process being killed at any moment (the data is in the OS's hands),
with `durable=True` it also survives a power cut (fsync on every commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
from district.server.protocol import plain_default

log = logging.getLogger("district.store")

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    scenario TEXT NOT NULL,
    scenario_text TEXT NOT NULL,
    seed INTEGER NOT NULL,
    settings BLOB NOT NULL,
    facilitator_hash TEXT NOT NULL,
    created REAL NOT NULL,
    finished REAL
);
CREATE TABLE IF NOT EXISTS entries (
    session TEXT NOT NULL,
    n INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (session, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
    session TEXT NOT NULL,
    n INTEGER NOT NULL,
    data BLOB NOT NULL,
    hash TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (session, n)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    session TEXT NOT NULL,
    seat TEXT NOT NULL
);
"""

Statement = tuple[str, tuple[Any, ...]]
Entry = dict[str, Any]


def pack_entry(e: Entry) -> bytes:
    return msgpack.packb(e, use_bin_type=True, default=plain_default)


def unpack_entry(b: bytes) -> Entry:
    return msgpack.unpackb(b, raw=False, strict_map_key=False)


@dataclass(slots=True)
class StoredSession:
    info: dict[str, Any]  # the fields of server.session.SessionInfo
    scenario_text: str
    finished: float | None
    snapshot: bytes | None  # latest snapshot, or None
    snapshot_n: int  # entries it covers
    entries: list[Entry]  # entries after the snapshot, in order


class StoreError(Exception):
    pass


class Store:
    """The SQLite file behind one server process. Create, then `start()` in the event loop."""

    def __init__(self, path: str | Path, durable: bool = False) -> None:
        self.path = Path(path)
        self.durable = durable
        self._q: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self.commits = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()  # create the schema now, so errors show at start
        conn.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'NORMAL'}")
        conn.execute("PRAGMA busy_timeout=5000")
        conn.executescript(SCHEMA)
        return conn

    # --- the writer thread -----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._conn = self._connect()
        self._thread = threading.Thread(
            target=self._run, name=f"store:{self.path.name}", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Finish every queued write, then close the file."""
        if self._thread is None:
            return
        self._q.put(None)
        self._thread.join()
        self._thread = None

    def _run(self) -> None:
        conn = self._conn
        assert conn is not None
        while True:
            job = self._q.get()
            if job is None:
                break
            jobs = [job]
            stop = False
            while True:
                try:
                    j = self._q.get_nowait()
                except queue.Empty:
                    break
                if j is None:
                    stop = True
                    break
                jobs.append(j)
            writes = [j for j in jobs if j[0] == "write"]
            reads = [j for j in jobs if j[0] == "read"]
            if writes:
                self._commit(conn, writes)
            for _k, fn, loop, fut in reads:
                try:
                    res = fn(conn)
                except Exception as e:  # handed back to the caller
                    _resolve(loop, fut, None, e)
                else:
                    _resolve(loop, fut, res, None)
            if stop:
                break
        conn.close()

    def _commit(self, conn: sqlite3.Connection, writes: list[Any]) -> None:
        try:
            conn.execute("BEGIN")
            for _k, stmts, _loop, _fut in writes:
                for sql, params in stmts:
                    conn.execute(sql, params)
            conn.execute("COMMIT")
            self.commits += 1
        except Exception as e:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            if len(writes) > 1:  # do not fail the innocent with the guilty: retry one by one
                for w in writes:
                    self._commit(conn, [w])
                return
            log.error("[-] store write failed: %s", e)
            _resolve(writes[0][2], writes[0][3], None, StoreError(str(e)))
            return
        for _k, _stmts, loop, fut in writes:
            _resolve(loop, fut, None, None)

    async def write(self, stmts: list[Statement]) -> None:
        """Run the statements in one transaction (maybe with other batches); returns once committed."""
        if not stmts:
            return
        if self._thread is None:
            raise StoreError("the store is closed")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._q.put(("write", stmts, loop, fut))
        await fut

    async def read(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        if self._thread is None:
            raise StoreError("the store is closed")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        self._q.put(("read", fn, loop, fut))
        return await fut

    # --- statements ------------------------------------------------------------------------

    @staticmethod
    def new_session(info: dict[str, Any], scenario_text: str) -> list[Statement]:
        settings = msgpack.packb(
            {
                "negotiation_seconds": info["negotiation_seconds"],
                "report_seconds": info["report_seconds"],
            }
        )
        return [
            (
                "INSERT INTO sessions (id, code, scenario, scenario_text, seed, settings, facilitator_hash,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    info["id"],
                    info["code"],
                    info["scenario"],
                    scenario_text,
                    info["seed"],
                    settings,
                    info["facilitator_hash"],
                    info["created"],
                ),
            ),
            (
                "INSERT INTO tokens (hash, session, seat) VALUES (?, ?, ?)",
                (info["facilitator_hash"], info["id"], "facilitator"),
            ),
        ]

    @staticmethod
    def entry(session: str, n: int, e: Entry) -> Statement:
        return (
            "INSERT INTO entries (session, n, data) VALUES (?, ?, ?)",
            (session, n, pack_entry(e)),
        )

    @staticmethod
    def token(hash_: str, session: str, seat: str) -> Statement:
        return (
            "INSERT OR REPLACE INTO tokens (hash, session, seat) VALUES (?, ?, ?)",
            (hash_, session, seat),
        )

    @staticmethod
    def drop_token(hash_: str) -> Statement:
        return ("DELETE FROM tokens WHERE hash = ?", (hash_,))

    @staticmethod
    def snapshot(session: str, n: int, blob: bytes, hash_: str) -> list[Statement]:
        return [
            (
                "INSERT OR REPLACE INTO snapshots (session, n, data, hash, created) VALUES (?, ?, ?, ?, ?)",
                (session, n, blob, hash_, time.time()),
            ),
            ("DELETE FROM snapshots WHERE session = ? AND n < ?", (session, n)),
        ]

    @staticmethod
    def finish(session: str, when: float) -> Statement:
        return ("UPDATE sessions SET finished = ? WHERE id = ?", (when, session))

    # --- reads (synchronous: at start-up, or inside `read`) --------------------------------

    def open_ids(self) -> list[str]:
        conn = self._connect()
        try:
            return [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM sessions WHERE finished IS NULL ORDER BY created"
                )
            ]
        finally:
            conn.close()

    def load(
        self, session: str, conn: sqlite3.Connection | None = None, full: bool = False
    ) -> StoredSession | None:
        """A session with its latest snapshot and the entries after it (all entries if `full`)."""
        own = conn is None
        c = conn or self._connect()
        try:
            row = c.execute(
                "SELECT id, code, scenario, scenario_text, seed, settings, facilitator_hash, "
                "created, finished FROM sessions WHERE id = ?",
                (session,),
            ).fetchone()
            if row is None:
                return None
            settings = msgpack.unpackb(row[5], raw=False)
            info = {
                "id": row[0],
                "code": row[1],
                "scenario": row[2],
                "seed": row[4],
                "facilitator_hash": row[6],
                "created": row[7],
                "negotiation_seconds": settings["negotiation_seconds"],
                "report_seconds": settings["report_seconds"],
            }
            snap = (
                None
                if full
                else c.execute(
                    "SELECT n, data FROM snapshots WHERE session = ? ORDER BY n DESC LIMIT 1",
                    (session,),
                ).fetchone()
            )
            n0 = snap[0] if snap else 0
            entries = [
                unpack_entry(r[0])
                for r in c.execute(
                    "SELECT data FROM entries WHERE session = ? AND n > ? ORDER BY n", (session, n0)
                )
            ]
            return StoredSession(
                info=info,
                scenario_text=row[3],
                finished=row[8],
                snapshot=snap[1] if snap else None,
                snapshot_n=n0,
                entries=entries,
            )
        finally:
            if own:
                c.close()

    def all_entries(self, session: str) -> list[Entry]:
        conn = self._connect()
        try:
            return [
                unpack_entry(r[0])
                for r in conn.execute(
                    "SELECT data FROM entries WHERE session = ? ORDER BY n", (session,)
                )
            ]
        finally:
            conn.close()

    @staticmethod
    def lookup_token(conn: sqlite3.Connection, hash_: str) -> tuple[str, str] | None:
        row = conn.execute("SELECT session, seat FROM tokens WHERE hash = ?", (hash_,)).fetchone()
        return (row[0], row[1]) if row else None

    @staticmethod
    def lookup_code(conn: sqlite3.Connection, code: str) -> str | None:
        row = conn.execute("SELECT id FROM sessions WHERE code = ?", (code,)).fetchone()
        return row[0] if row else None


def _resolve(
    loop: asyncio.AbstractEventLoop,
    fut: asyncio.Future[Any],
    result: Any,
    error: BaseException | None,
) -> None:
    def done() -> None:
        if fut.done():
            return
        if error is not None:
            fut.set_exception(error)
        else:
            fut.set_result(result)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
        loop.call_soon_threadsafe(done)
