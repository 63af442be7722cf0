"""The embedded store: one SQLite file.

Every session is a row in `sessions`, its entries in `entries`, its latest snapshot in
`snapshots`, and the hashes of its seat tokens in `tokens`. All SQL of the server is in this
module.

Writes asked for in one turn of the event loop are committed together at the turn's end, in one
transaction (group commit), so a busy server pays one commit for many commands. A write's future is
resolved only after the commit: "written before acknowledged". The database runs in WAL mode.

- With `durable=False` (the default) a commit survives the server process being killed at any
  moment (the data is in the OS's hands). Such a commit writes to the WAL and never waits for the
  disk, so it is made on the event loop's own connection, at the turn's end: handing it to a
  thread cost more than the commit (a queue, a lock, a wake-up of the loop from the thread: about
  a sixth of a command's CPU, docs/performance.md). Checkpoints, which do wait for the disk, are
  left to the thread (PASSIVE, about once a second while writes come in), and a turn's writes go
  to the thread instead when the file's write lock is held elsewhere (a tool, or the thread's own
  short write) or writes handed to the thread are still under way, so the order is kept.
- With `durable=True` a commit also survives a power cut (fsync on every commit): every commit is
  the thread's, so the loop never waits for the disk.

A thread owns a second connection: reads, checkpoints, and the writes handed to it. A read is
handed over after the writes asked for before it, so it sees them.

One server process at a time: `start()` takes an exclusive lock on `<file>.lock` (held until
`close()`), and a second server on the same file gets `StoreLocked` with a sentence saying so.
Tools that only read (a store never started) take no lock.

Start-up reads only what it needs: `sessions.started` (set by the `start` entry) tells which
sessions have a game under way; `archived` and `quarantined` keep idle and damaged sessions out.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import queue
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import msgpack
from district.server.store import (
    Entry,
    SessionStatus,
    Store,
    StoredSession,
    StoreError,
    StoreLocked,
    Write,
    pack_entry,
    unpack_entry,
)
from district.server.store.sql import Statement, sqlite_sql
from district.server.store.sql import statements as shared_statements

log = logging.getLogger("district.store")

LOOP_BUSY_MS = 20  # the loop's connection waits at most this for the write lock
CHECKPOINT_EVERY = 1.0  # seconds: how often, while writes come in, the thread checkpoints
WAL_LIMIT = 16 * 1024 * 1024  # bytes: the WAL file is cut back to this when it starts again

T = TypeVar("T")

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
    finished REAL,
    started REAL,
    archived REAL,
    quarantined TEXT
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
CREATE TABLE IF NOT EXISTS notes (
    session TEXT NOT NULL,
    t REAL NOT NULL,
    seat TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    session TEXT NOT NULL,
    seat TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS workshops (
    name TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS statuses (
    session TEXT PRIMARY KEY,
    data BLOB NOT NULL
);
"""


# columns added since the first schema: (name, type, value given to existing rows)
ADDED_COLUMNS = (
    # sessions of an older file were all recovered at start-up: the unfinished ones still are
    ("started", "REAL", "created"),
    ("archived", "REAL", "NULL"),
    ("quarantined", "TEXT", "NULL"),
    ("workshop", "TEXT", "NULL"),
)


def migrate(conn: sqlite3.Connection) -> None:
    have = {r[1] for r in conn.execute("PRAGMA table_info(sessions)")}
    for name, kind, value in ADDED_COLUMNS:
        if name not in have:
            conn.execute(f"ALTER TABLE sessions ADD COLUMN {name} {kind}")
            conn.execute(f"UPDATE sessions SET {name} = {value}")


def statements(w: Write) -> list[Statement]:
    """The SQL of one typed write (server/store/sql.py), as SQLite takes it."""
    return [(sqlite_sql(sql), params) for sql, params in shared_statements(w)]


# --- reads, on a connection ------------------------------------------------------------------


def _load(c: sqlite3.Connection, session: str, full: bool) -> StoredSession | None:
    row = c.execute(
        "SELECT id, code, scenario, scenario_text, seed, settings, facilitator_hash, "
        "created, finished, quarantined FROM sessions WHERE id = ?",
        (session,),
    ).fetchone()
    if row is None:
        return None
    if row[9] is not None:  # set aside: nothing more of it is read
        return StoredSession(
            info={"id": row[0], "code": row[1]},
            scenario_text="",
            finished=row[8],
            snapshot=None,
            snapshot_n=0,
            entries=[],
            quarantined=row[9],
        )
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
    return StoredSession(
        info=info,
        scenario_text=row[3],
        finished=row[8],
        snapshot=snap[1] if snap else None,
        snapshot_n=n0,
        entries=_entries(c, session, n0),
    )


def _entries(c: sqlite3.Connection, session: str, after: int = 0) -> list[Entry]:
    return [
        unpack_entry(r[0])
        for r in c.execute(
            "SELECT data FROM entries WHERE session = ? AND n > ? ORDER BY n", (session, after)
        )
    ]


def _open_ids(c: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in c.execute(
            "SELECT id FROM sessions WHERE finished IS NULL AND started IS NOT NULL "
            "AND archived IS NULL AND quarantined IS NULL ORDER BY created"
        )
    ]


def _token(c: sqlite3.Connection, hash_: str) -> tuple[str, str] | None:
    row = c.execute("SELECT session, seat FROM tokens WHERE hash = ?", (hash_,)).fetchone()
    return (row[0], row[1]) if row else None


def _code(c: sqlite3.Connection, code: str) -> str | None:
    row = c.execute("SELECT id FROM sessions WHERE code = ?", (code,)).fetchone()
    return row[0] if row else None


def _workshop_sessions(c: sqlite3.Connection, name: str) -> list[SessionStatus]:
    out: list[SessionStatus] = []
    for sid, code, scenario, data in c.execute(
        "SELECT s.id, s.code, s.scenario, st.data FROM sessions s "
        "LEFT JOIN statuses st ON st.session = s.id WHERE s.workshop = ? ORDER BY s.created",
        (name,),
    ):
        if data is not None:
            out.append(SessionStatus(**unpack_entry(data)))
        else:
            out.append(SessionStatus(sid, code, scenario, 0, "lobby", "lobby", 0, 0, "", "", 0.0))
    return out


def _publish(c: sqlite3.Connection, statuses: Sequence[SessionStatus]) -> None:
    rows = [
        (st.session, pack_entry({f: getattr(st, f) for f in SessionStatus.__slots__}))
        for st in statuses
    ]
    c.execute("BEGIN")
    try:
        c.executemany("INSERT OR REPLACE INTO statuses (session, data) VALUES (?, ?)", rows)
        c.execute("COMMIT")
    except BaseException:
        c.execute("ROLLBACK")
        raise


def _notes(c: sqlite3.Connection, session: str) -> list[dict[str, Any]]:
    """A session's notes in the order stored (a database older than notes has none)."""
    has_notes = c.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notes'"
    ).fetchone()
    if not has_notes:
        return []
    return [
        {**unpack_entry(data), "t": t, "seat": seat}
        for t, seat, data in c.execute(
            "SELECT t, seat, data FROM notes WHERE session = ? ORDER BY rowid", (session,)
        )
    ]


def read_session(
    path: Path, session: str
) -> tuple[dict[str, Any], str, dict[str, Any], list[Entry], list[dict[str, Any]]]:
    """A session of a database file by its join code or id, read without writing anything:
    (info, scenario text, settings, every entry, its notes). Raises ValueError with one line
    saying what was wrong (no such file, not a District database, no such session)."""
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    try:
        c = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise ValueError(f"{path} cannot be opened: {e}") from None
    try:
        try:
            row = c.execute(
                "SELECT id FROM sessions WHERE code = ? OR id = ?", (session.upper(), session)
            ).fetchone()
        except sqlite3.DatabaseError:
            raise ValueError(f"{path} is not a District database") from None
        if row is None:
            raise ValueError(f"{path} has no session {session!r}")
        got = _load(c, row[0], full=True)
        if got is None or got.quarantined:
            why = got.quarantined if got else "gone"
            raise ValueError(f"session {session} cannot be read: {why}")
        settings = msgpack.unpackb(
            c.execute("SELECT settings FROM sessions WHERE id = ?", (row[0],)).fetchone()[0],
            raw=False,
        )
        return got.info, got.scenario_text, settings, got.entries, _notes(c, row[0])
    except sqlite3.DatabaseError as e:
        raise ValueError(f"{path} cannot be read: {e}") from None
    finally:
        c.close()


class SQLiteStore(Store):
    """The SQLite file behind one server process. Create, then `start()` in the event loop. Reads
    before `start()` (or after `close()`) run at once on a connection of their own: tools and
    tests may read a database another process writes."""

    def __init__(self, path: str | Path, durable: bool = False) -> None:
        self.path = Path(path)
        self.durable = durable
        self._q: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        # writes asked for in this turn of the event loop, committed together at its end
        self._pending: list[tuple[list[Statement], asyncio.Future[None]]] = []
        self._pending_loop: asyncio.AbstractEventLoop | None = None
        self._conn: sqlite3.Connection | None = None  # the thread's
        # the event loop's own connection (durable=False): a turn's writes are committed on it
        self._loop_conn: sqlite3.Connection | None = None
        self._in_thread = 0  # write jobs handed to the thread and not yet resolved on the loop
        self._checkpoint_due = 0.0  # (monotonic) when the thread is next asked to checkpoint
        self.commits = 0
        self.inline_commits = 0  # of `commits`, those made on the loop's connection
        self._lock: Any = None  # the open lock file while started
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()  # create the schema now, so errors show at start
        conn.close()

    def _connect(self, loop_writer: bool = False) -> sqlite3.Connection:
        """A connection to the file. `loop_writer`: the event loop's own, which must never wait
        long: it waits at most LOOP_BUSY_MS for the write lock (else its writes go to the
        thread), and leaves checkpoints to the thread."""
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={'FULL' if self.durable else 'NORMAL'}")
        # a WAL file grown by a burst is cut back to this size when it starts again
        conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
        if loop_writer:
            conn.execute(f"PRAGMA busy_timeout={LOOP_BUSY_MS}")
            conn.execute("PRAGMA wal_autocheckpoint=0")
        else:
            conn.execute("PRAGMA busy_timeout=5000")
        conn.executescript(SCHEMA)
        migrate(conn)
        return conn

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _take_lock(self) -> None:
        """The exclusive lock of a serving process, or StoreLocked naming the holder."""
        f = open(self.lock_path, "a+")  # noqa: SIM115 (held open until close)
        try:
            _lock_file(f)
        except OSError:
            f.seek(0)
            holder = f.read().strip() or "unknown"
            f.close()
            raise StoreLocked(
                f"the database {self.path} is in use by another district server (process "
                f"{holder}): stop that server first, or give this one another file with --db"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._lock = f

    def _release_lock(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self._lock.seek(0)
                self._lock.truncate()
            self._lock.close()  # closing the file lets the lock go
            self._lock = None

    # --- the writer thread -----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._take_lock()
        try:
            self._conn = self._connect()
            if not self.durable:
                self._loop_conn = self._connect(loop_writer=True)
        except BaseException:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._release_lock()
            raise
        self._thread = threading.Thread(
            target=self._run, name=f"store:{self.path.name}", daemon=True
        )
        self._thread.start()

    async def close(self) -> None:
        """Finish every queued write, then close the file."""
        thread = self._thread
        if thread is None:
            return
        self._hand_over()
        self._q.put(None)
        await asyncio.to_thread(thread.join)
        self._thread = None
        if self._loop_conn is not None:
            self._loop_conn.close()
            self._loop_conn = None
        self._release_lock()

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
            writes = [(stmts, fut) for j in jobs if j[0] == "write" for stmts, fut in j[1]]
            # the jobs each loop holds back its own commits for (see _hand_over)
            loops: dict[asyncio.AbstractEventLoop, int] = {}
            for j in jobs:
                if j[0] in ("write", "checkpoint"):
                    loops[j[-1]] = loops.get(j[-1], 0) + 1
            reads = [j for j in jobs if j[0] == "read"]
            done: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
            if writes:
                self._commit(conn, writes, done)
            if any(j[0] == "checkpoint" for j in jobs):
                self._checkpoint(conn)
            for loop, n in loops.items():  # one wake-up of the loop for every waiting writer
                _resolve_all(loop, done, functools.partial(self._thread_wrote, n))
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

    def _thread_wrote(self, jobs: int) -> None:
        """(On the loop) `jobs` write or checkpoint jobs handed to the thread are done with."""
        self._in_thread -= jobs

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        """Copy the WAL back into the database file (the thread, while the loop commits
        nothing: its writes come here meanwhile). With no commit made since, the next one
        starts the WAL from its beginning again, so the file does not grow."""
        try:
            # (read to its end: a statement left open would keep the WAL from restarting)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as e:  # the next one may do; the WAL only grows meanwhile
            log.warning("[-] checkpoint failed: %s", e)

    def _commit(
        self,
        conn: sqlite3.Connection,
        writes: list[tuple[list[Statement], asyncio.Future[None]]],
        done: list[tuple[asyncio.Future[Any], Any, BaseException | None]],
        begun: bool = False,
    ) -> None:
        """Commit `writes` in one transaction; each one's outcome goes to `done`. `begun`: the
        transaction is already open."""
        try:
            if not begun:
                conn.execute("BEGIN IMMEDIATE")
            for stmts, _fut in writes:
                for sql, params in stmts:
                    conn.execute(sql, params)
            conn.execute("COMMIT")
            self.commits += 1
        except Exception as e:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            if len(writes) > 1:  # do not fail the innocent with the guilty: retry one by one
                for w in writes:
                    self._commit(conn, [w], done)
                return
            log.error("[-] store write failed: %s", e)
            done.append((writes[0][1], None, StoreError(str(e))))
            return
        done.extend((fut, None, None) for _stmts, fut in writes)

    async def write(self, writes: Sequence[Write]) -> None:
        if not writes:
            return
        if self._thread is None:
            raise StoreError("the store is closed")
        try:
            stmts = [s for w in writes for s in statements(w)]
        except Exception as e:  # a value msgpack cannot hold: nothing is written
            raise StoreError(f"cannot store this: {e}") from e
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        if not self._pending:  # the first write of this turn: hand them over at its end
            self._pending_loop = loop
            loop.call_soon(self._hand_over)
        self._pending.append((stmts, fut))
        await fut

    def _hand_over(self) -> None:
        """Commit every write of this turn of the event loop: here, on the loop's connection, or
        (durable, or the write lock held elsewhere, or writes already with the thread) by the
        thread, in one job."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        if self._loop_conn is not None and self._in_thread == 0 and self._commit_here(pending):
            return
        self._in_thread += 1
        self._q.put(("write", pending, self._pending_loop))

    def _commit_here(self, pending: list[tuple[list[Statement], asyncio.Future[None]]]) -> bool:
        """Commit `pending` on the loop's connection and resolve their futures; False (nothing
        done) if the write lock cannot be had at once."""
        conn = self._loop_conn
        assert conn is not None
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:  # locked (or failing): the thread waits for it, or says why
            return False
        done: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        self._commit(conn, pending, done, begun=True)
        self.inline_commits += 1
        _settle(self._pending_loop, done)
        now = time.monotonic()
        if now >= self._checkpoint_due:
            # the thread copies the WAL back into the file; until it has, this loop's writes go
            # to the thread too (after it), so that the checkpoint catches up with the WAL
            self._checkpoint_due = now + CHECKPOINT_EVERY
            self._in_thread += 1
            self._q.put(("checkpoint", self._pending_loop))
        return True

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._thread is None:
            conn = self._connect()
            try:
                return fn(conn)
            finally:
                conn.close()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        self._hand_over()  # a read sees every write asked for before it
        self._q.put(("read", fn, loop, fut))
        return await fut

    # --- reads -----------------------------------------------------------------------------

    async def load(self, session: str, full: bool = False) -> StoredSession | None:
        return await self._read(lambda c: _load(c, session, full))

    async def all_entries(self, session: str) -> list[Entry]:
        return await self._read(lambda c: _entries(c, session))

    async def notes(self, session: str) -> list[dict[str, Any]]:
        return await self._read(lambda c: _notes(c, session))

    async def open_ids(self) -> list[str]:
        return await self._read(_open_ids)

    async def lookup_token(self, hash_: str) -> tuple[str, str] | None:
        return await self._read(lambda c: _token(c, hash_))

    async def lookup_code(self, code: str) -> str | None:
        return await self._read(lambda c: _code(c, code))

    # --- one process: every lease is this process's (Store's defaults); workshops are kept ----

    async def publish(self, statuses: Sequence[SessionStatus]) -> None:
        if statuses:
            await self._read(lambda c: _publish(c, statuses))

    async def workshop_key(self, name: str) -> str | None:
        def key(c: sqlite3.Connection) -> str | None:
            row = c.execute("SELECT key_hash FROM workshops WHERE name = ?", (name,)).fetchone()
            return row[0] if row else None

        return await self._read(key)

    async def workshop_sessions(self, name: str) -> list[SessionStatus]:
        return await self._read(lambda c: _workshop_sessions(c, name))


def _lock_file(f: Any) -> None:
    """An exclusive lock on an open file, without waiting: OSError if another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _resolve(
    loop: asyncio.AbstractEventLoop,
    fut: asyncio.Future[Any],
    result: Any,
    error: BaseException | None,
) -> None:
    _resolve_all(loop, [(fut, result, error)])


def _settle(
    loop: asyncio.AbstractEventLoop | None,
    done: list[tuple[asyncio.Future[Any], Any, BaseException | None]],
) -> None:
    """(On `loop`) give its futures among `done` their outcome."""
    for fut, result, error in done:
        if fut.get_loop() is not loop or fut.done():
            continue
        if error is not None:
            fut.set_exception(error)
        else:
            fut.set_result(result)


def _resolve_all(
    loop: asyncio.AbstractEventLoop,
    done: list[tuple[asyncio.Future[Any], Any, BaseException | None]],
    then: Callable[[], None] | None = None,
) -> None:
    """Resolve the futures of `loop` among `done` in one call from the thread (and call `then`
    there first)."""

    def resolve() -> None:
        if then is not None:
            then()
        _settle(loop, done)

    with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
        loop.call_soon_threadsafe(resolve)
