"""The store several server processes share: one PostgreSQL database (issue 14).

The same data as the SQLite store (sessions, entries, the latest snapshot, notes, tokens,
workshops, published statuses) plus `leases`, the session directory: who owns each session, where
clients reach it, its fencing token and when the lease expires. Expiry is always judged by the
database's clock (`clock_timestamp()`), never a process's, so the processes' clocks need not agree.

Writes are fenced: the transaction storing a batch first reads, `FOR SHARE`, the lease of every
session the batch touches, and goes on only if this store still holds it live with the fence it
claimed; else `LeaseLost` and nothing is stored. A takeover (`claim` by another owner) updates the
lease row, so it waits for a write already holding the row's share lock, and a write that comes
after it sees the new owner: an old owner's write can never land after its successor's first.

Group commit as in the SQLite store: the writes asked in one turn of the event loop, and those
asked while a commit is under way, go in one transaction; if it fails the innocent are not failed
with the guilty (batches touching a lost lease fail and the rest are stored together; a batch the
database refuses is found by retrying one by one). One writer task commits at a time, in the order
the writes were asked. Reads wait for the writes asked before them.

Connection trouble (the database down or restarting) becomes `StoreError` with one sentence; the
pool reconnects by itself once the database answers again. asyncpg is imported here only: a
process on the SQLite store never needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
import msgpack
from district.server.protocol import within
from district.server.store import (
    Entry,
    Lease,
    LeaseLost,
    SessionStatus,
    Store,
    StoredSession,
    StoreError,
    Write,
    pack_entry,
    unpack_entry,
)
from district.server.store.memory import _session_of
from district.server.store.sql import Statement, statements

log = logging.getLogger("district.store")

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS workshops (
    name TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    scenario TEXT NOT NULL,
    scenario_text TEXT NOT NULL,
    seed BIGINT NOT NULL,
    settings BYTEA NOT NULL,
    facilitator_hash TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    finished DOUBLE PRECISION,
    started DOUBLE PRECISION,
    archived DOUBLE PRECISION,
    quarantined TEXT,
    workshop TEXT REFERENCES workshops (name)
);
CREATE INDEX IF NOT EXISTS sessions_workshop ON sessions (workshop) WHERE workshop IS NOT NULL;
CREATE TABLE IF NOT EXISTS entries (
    session TEXT NOT NULL,
    n BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (session, n)
);
CREATE TABLE IF NOT EXISTS snapshots (
    session TEXT NOT NULL,
    n BIGINT NOT NULL,
    data BYTEA NOT NULL,
    hash TEXT NOT NULL,
    created DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (session, n)
);
CREATE TABLE IF NOT EXISTS notes (
    id BIGSERIAL PRIMARY KEY,
    session TEXT NOT NULL,
    t DOUBLE PRECISION NOT NULL,
    seat TEXT NOT NULL,
    data BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_session ON notes (session, id);
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    session TEXT NOT NULL,
    seat TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS statuses (
    session TEXT PRIMARY KEY,
    data BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS drains (
    owner TEXT PRIMARY KEY,
    state TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
    session TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    address TEXT NOT NULL,
    fence BIGINT NOT NULL,
    expires TIMESTAMPTZ NOT NULL
);
"""

# one lock number for "creating the schema", so processes starting together do not race
SCHEMA_LOCK = 0x44495354  # "DIST"

# errors of the data, not of the connection: a group failing with one is retried one by one
DATA_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.IntegrityConstraintViolationError,  # a duplicate entry or code, an unknown workshop
    asyncpg.DataError,  # a value the column cannot hold
    asyncpg.exceptions._base.DataError,  # asyncpg's own refusal of an argument
)


LEASE_COLUMNS = "session, owner, address, fence, extract(epoch FROM expires)::float8 AS expires"


def _lease(row: Any) -> Lease:
    return Lease(row["session"], row["owner"], row["address"], row["fence"], row["expires"])


OPEN = (
    "s.finished IS NULL AND s.started IS NOT NULL AND s.archived IS NULL AND s.quarantined IS NULL"
)


class _DataError(StoreError):
    """The database refused what a write holds (a duplicate entry or code, an unknown workshop):
    the data's fault, not the connection's."""


class _Batch:
    """One caller's writes, waiting for the writer task."""

    __slots__ = ("stmts", "sessions", "fut")

    def __init__(self, stmts: list[Statement], sessions: list[str], fut: asyncio.Future[None]):
        self.stmts = stmts
        self.sessions = sessions
        self.fut = fut


class PostgresStore(Store):
    """A PostgreSQL database several server processes share. Create, then `start()` (the pool
    opens on the first call that needs it); `close()` finishes the writes asked and closes it."""

    shared = True

    def __init__(
        self,
        url: str,
        pool_size: int = 8,
        connect_timeout: float = 5.0,
        lock_timeout: float = 10.0,
        stalled_after: float = 5.0,
    ) -> None:
        self.url = url
        self.pool_size = pool_size
        self.connect_timeout = connect_timeout
        self.lock_timeout = lock_timeout
        self.stalled_after = stalled_after
        parts = urlsplit(url)
        # said in errors; never the password
        self.where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
        self.held: dict[str, tuple[str, int]] = {}  # session -> (owner, fence) this store claimed
        self.commits = 0
        self._pool: Any = None
        self._pool_lock: asyncio.Lock | None = None
        self._started = False
        self._closed = False
        self._pending: list[_Batch] = []
        self._writer: asyncio.Task[None] | None = None
        self._last: asyncio.Future[None] | None = None  # the last write asked (reads wait for it)

    # --- connections ---------------------------------------------------------------------------

    def _down(self, e: BaseException) -> StoreError:
        what = str(e).strip() or type(e).__name__
        return StoreError(f"the PostgreSQL store at {self.where} cannot be reached now ({what})")

    def _connect_args(self) -> dict[str, Any]:
        return {
            "timeout": self.connect_timeout,
            "command_timeout": max(30.0, self.lock_timeout * 2),
            "server_settings": {
                # a write waiting for a lease row (a takeover under way) gives up in the end
                "lock_timeout": f"{int(self.lock_timeout * 1000)}",
                # a process that vanished in the middle of a write (its machine lost, no FIN)
                # leaves a transaction holding its leases' rows: the database ends it, so a
                # takeover waits seconds for it, not hours of TCP keepalive
                "idle_in_transaction_session_timeout": f"{int(self.stalled_after * 1000)}",
            },
        }

    async def _prepare(self, c: Any) -> None:
        """The schema, made if missing (processes starting together take turns)."""
        async with c.transaction():
            await c.execute("SELECT pg_advisory_xact_lock($1)", SCHEMA_LOCK)
            await c.execute(SCHEMA)

    async def _get_pool(self) -> Any:
        if self._pool is not None:
            return self._pool
        if self._pool_lock is None:
            self._pool_lock = asyncio.Lock()
        async with self._pool_lock:
            if self._pool is None:
                pool = await asyncpg.create_pool(
                    self.url, min_size=1, max_size=self.pool_size, **self._connect_args()
                )
                try:
                    async with pool.acquire() as c:
                        await self._prepare(c)
                except BaseException:
                    pool.terminate()
                    raise
                self._pool = pool
        return self._pool

    def _error(self, e: Exception) -> StoreError:
        if isinstance(e, StoreError):
            return e
        if isinstance(e, DATA_ERRORS):
            return _DataError(f"the PostgreSQL store at {self.where} refused this: {e}")
        if isinstance(e, ValueError | TypeError) or (
            isinstance(e, asyncpg.PostgresError)
            and not isinstance(
                e,
                asyncpg.PostgresConnectionError
                | asyncpg.exceptions.OperatorInterventionError
                | asyncpg.exceptions.InsufficientResourcesError,
            )
        ):
            return StoreError(f"the PostgreSQL store at {self.where} refused this: {e}")
        return self._down(e)

    async def _run(self, fn: Callable[[Any], Awaitable[T]]) -> T:
        """`fn(connection)`, on a pooled connection while the store is started (else on a
        connection of its own, as a tool reads); every failure a StoreError."""
        try:
            if self._started:
                pool = await self._get_pool()
                async with pool.acquire() as c:
                    return await fn(c)
            c = await asyncpg.connect(self.url, **self._connect_args())
            try:
                await self._prepare(c)
                return await fn(c)
            finally:
                await c.close()
        except StoreError:
            raise
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as e:
            raise self._error(e) from None
        except ValueError as e:  # a URL asyncpg cannot use
            raise self._error(e) from None

    def start(self) -> None:
        self._started = True
        self._closed = False

    async def close(self) -> None:
        """Finish the writes asked, then close the pool."""
        self._closed = True
        writer = self._writer
        if writer is not None:
            with contextlib.suppress(Exception):
                await writer
        self._writer = None
        self._started = False
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await within(pool.close(), 5.0)
            except Exception:  # a connection would not close in time (the database is gone)
                pool.terminate()

    # --- writes --------------------------------------------------------------------------------

    async def write(self, writes: Sequence[Write]) -> None:
        if not writes:
            return
        if self._closed or not self._started:
            raise StoreError("the store is closed")
        try:
            stmts = [s for w in writes for s in statements(w)]
        except Exception as e:  # a value msgpack cannot hold: nothing is written
            raise StoreError(f"cannot store this: {e}") from e
        sessions = sorted({sid for w in writes if (sid := _session_of(w)) is not None})
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._pending.append(_Batch(stmts, sessions, fut))
        self._last = fut
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_all(), name="store:postgres")
        await asyncio.shield(fut)

    async def _write_all(self) -> None:
        """The writer: every batch waiting goes in one transaction, until none is left."""
        while self._pending:
            group, self._pending = self._pending, []
            await self._commit(group)

    async def _commit(self, group: list[_Batch]) -> None:
        try:
            await self._run(lambda c: self._transaction(c, group))
        except Exception as e:
            if len(group) > 1 and isinstance(e, LeaseLost):
                # the batches touching a lost session fail; the others are stored together
                lost = set(e.sessions)
                innocent = []
                for b in group:
                    if mine := [sid for sid in b.sessions if sid in lost]:
                        if not b.fut.done():
                            b.fut.set_exception(LeaseLost(mine))
                    else:
                        innocent.append(b)
                if innocent:
                    await self._commit(innocent)
                return
            if len(group) > 1 and isinstance(e, _DataError):
                for b in group:  # do not fail the innocent with the guilty: one by one
                    await self._commit([b])
                return
            err = self._error(e)
            if not isinstance(err, LeaseLost | _DataError):
                log.error("[-] store write failed: %s", err)
            for b in group:
                if not b.fut.done():
                    b.fut.set_exception(err)
            return
        self.commits += 1
        for b in group:
            if not b.fut.done():
                b.fut.set_result(None)

    async def _transaction(self, c: Any, group: list[_Batch]) -> None:
        async with c.transaction():
            touched = sorted({sid for b in group for sid in b.sessions})
            if touched:
                rows = await c.fetch(
                    "SELECT session, owner, fence FROM leases WHERE session = ANY($1::text[]) "
                    "AND expires > clock_timestamp() ORDER BY session FOR SHARE",
                    touched,
                )
                live = {r["session"]: (r["owner"], r["fence"]) for r in rows}
                lost = [sid for sid in touched if live.get(sid, (None, None)) != self.held.get(sid)]
                if lost:
                    raise LeaseLost(lost)
            stmts = [s for b in group for s in b.stmts]
            i = 0
            while i < len(stmts):  # runs of one statement go together (one round trip)
                sql = stmts[i][0]
                j = i
                while j < len(stmts) and stmts[j][0] == sql:
                    j += 1
                if j - i == 1:
                    await c.execute(sql, *stmts[i][1])
                else:
                    await c.executemany(sql, [p for _s, p in stmts[i:j]])
                i = j

    async def _settled(self) -> None:
        """Wait for the writes asked before now (whatever became of them)."""
        last = self._last
        if last is not None and not last.done():
            await asyncio.wait([last])

    # --- reads ---------------------------------------------------------------------------------

    async def _read(self, fn: Callable[[Any], Awaitable[T]]) -> T:
        await self._settled()
        return await self._run(fn)

    async def load(self, session: str, full: bool = False) -> StoredSession | None:
        async def go(c: Any) -> StoredSession | None:
            async with c.transaction(isolation="repeatable_read", readonly=True):
                row = await c.fetchrow(
                    "SELECT id, code, scenario, scenario_text, seed, settings, facilitator_hash, "
                    "created, finished, quarantined FROM sessions WHERE id = $1",
                    session,
                )
                if row is None:
                    return None
                if row["quarantined"] is not None:
                    return StoredSession(
                        info={"id": row["id"], "code": row["code"]},
                        scenario_text="",
                        finished=row["finished"],
                        snapshot=None,
                        snapshot_n=0,
                        entries=[],
                        quarantined=row["quarantined"],
                    )
                settings = msgpack.unpackb(row["settings"], raw=False)
                info = {
                    "id": row["id"],
                    "code": row["code"],
                    "scenario": row["scenario"],
                    "seed": row["seed"],
                    "facilitator_hash": row["facilitator_hash"],
                    "created": row["created"],
                    "negotiation_seconds": settings["negotiation_seconds"],
                    "report_seconds": settings["report_seconds"],
                }
                snap = (
                    None
                    if full
                    else await c.fetchrow(
                        "SELECT n, data FROM snapshots WHERE session = $1 ORDER BY n DESC LIMIT 1",
                        session,
                    )
                )
                n0 = snap["n"] if snap else 0
                return StoredSession(
                    info=info,
                    scenario_text=row["scenario_text"],
                    finished=row["finished"],
                    snapshot=bytes(snap["data"]) if snap else None,
                    snapshot_n=n0,
                    entries=await _entries(c, session, n0),
                )

        return await self._read(go)

    async def all_entries(self, session: str) -> list[Entry]:
        return await self._read(lambda c: _entries(c, session))

    async def notes(self, session: str) -> list[dict[str, Any]]:
        async def go(c: Any) -> list[dict[str, Any]]:
            rows = await c.fetch(
                "SELECT t, seat, data FROM notes WHERE session = $1 ORDER BY id", session
            )
            return [{**unpack_entry(r["data"]), "t": r["t"], "seat": r["seat"]} for r in rows]

        return await self._read(go)

    async def open_ids(self) -> list[str]:
        async def go(c: Any) -> list[str]:
            rows = await c.fetch(f"SELECT id FROM sessions s WHERE {OPEN} ORDER BY created")
            return [r["id"] for r in rows]

        return await self._read(go)

    async def lookup_token(self, hash_: str) -> tuple[str, str] | None:
        async def go(c: Any) -> tuple[str, str] | None:
            row = await c.fetchrow("SELECT session, seat FROM tokens WHERE hash = $1", hash_)
            return (row["session"], row["seat"]) if row else None

        return await self._read(go)

    async def lookup_code(self, code: str) -> str | None:
        async def go(c: Any) -> str | None:
            return await c.fetchval("SELECT id FROM sessions WHERE code = $1", code)

        return await self._read(go)

    # --- several processes ---------------------------------------------------------------------

    async def claim(self, session: str, owner: str, address: str, ttl: float) -> Lease | None:
        async def go(c: Any) -> Lease | None:
            row = await c.fetchrow(
                "INSERT INTO leases AS l (session, owner, address, fence, expires) "
                "VALUES ($1, $2, $3, 1, clock_timestamp() + make_interval(secs => $4)) "
                "ON CONFLICT (session) DO UPDATE SET owner = excluded.owner, "
                "address = excluded.address, expires = excluded.expires, "
                "fence = CASE WHEN l.owner = excluded.owner AND l.expires > clock_timestamp() "
                "THEN l.fence ELSE l.fence + 1 END "
                "WHERE l.owner = excluded.owner OR l.expires <= clock_timestamp() "
                f"RETURNING {LEASE_COLUMNS}",
                session,
                owner,
                address,
                float(ttl),
            )
            return None if row is None else _lease(row)

        got = await self._run(go)
        if got is not None:
            self.held[session] = (owner, got.fence)
        else:  # another owner holds it: whatever this store held of it is gone
            self.held.pop(session, None)
        return got

    async def renew(self, owner: str, ttl: float) -> set[str]:
        mine = {sid: fence for sid, (o, fence) in self.held.items() if o == owner}
        if not mine:
            return set()

        async def go(c: Any) -> set[str]:
            # rows locked in the order a write locks them (by session): never a deadlock
            rows = await c.fetch(
                "WITH mine AS (SELECT l.session FROM leases l "
                "JOIN unnest($3::text[], $4::bigint[]) AS h(session, fence) "
                "ON l.session = h.session AND l.fence = h.fence "
                "WHERE l.owner = $1 AND l.expires > clock_timestamp() "
                "ORDER BY l.session FOR UPDATE OF l) "
                "UPDATE leases SET expires = clock_timestamp() + make_interval(secs => $2) "
                "FROM mine WHERE leases.session = mine.session RETURNING leases.session",
                owner,
                float(ttl),
                list(mine),
                list(mine.values()),
            )
            return {r["session"] for r in rows}

        kept = await self._run(go)
        for sid in mine:
            if sid not in kept and self.held.get(sid) == (owner, mine[sid]):
                del self.held[sid]
        return kept

    async def release(self, session: str, owner: str) -> None:
        held = self.held.pop(session, None)
        if held is None or held[0] != owner:
            return

        async def go(c: Any) -> None:
            await c.execute(
                "UPDATE leases SET expires = clock_timestamp() "
                "WHERE session = $1 AND owner = $2 AND fence = $3",
                session,
                owner,
                held[1],
            )

        await self._run(go)

    async def lease(self, session: str) -> Lease | None:
        async def go(c: Any) -> Lease | None:
            row = await c.fetchrow(
                f"SELECT {LEASE_COLUMNS} FROM leases "
                "WHERE session = $1 AND expires > clock_timestamp()",
                session,
            )
            return None if row is None else _lease(row)

        return await self._run(go)

    async def orphans(self) -> list[str]:
        async def go(c: Any) -> list[str]:
            rows = await c.fetch(
                "SELECT s.id FROM sessions s LEFT JOIN leases l "
                "ON l.session = s.id AND l.expires > clock_timestamp() "
                f"WHERE {OPEN} AND l.session IS NULL ORDER BY s.created"
            )
            return [r["id"] for r in rows]

        return await self._read(go)

    async def held_by(self, owner: str) -> list[str]:
        async def go(c: Any) -> list[str]:
            rows = await c.fetch(
                "SELECT session FROM leases WHERE owner = $1 AND expires > clock_timestamp() "
                "ORDER BY session",
                owner,
            )
            return [r["session"] for r in rows]

        return await self._run(go)

    async def set_drain(self, owner: str, state: str | None) -> None:
        async def go(c: Any) -> None:
            if state is None:
                await c.execute("DELETE FROM drains WHERE owner = $1", owner)
            else:
                await c.execute(
                    "INSERT INTO drains (owner, state) VALUES ($1, $2) "
                    "ON CONFLICT (owner) DO UPDATE SET state = excluded.state",
                    owner,
                    state,
                )

        await self._run(go)

    async def drain_state(self, owner: str) -> str | None:
        async def go(c: Any) -> str | None:
            v = await c.fetchval("SELECT state FROM drains WHERE owner = $1", owner)
            return None if v is None else str(v)

        return await self._run(go)

    async def publish(self, statuses: Sequence[SessionStatus]) -> None:
        if not statuses:
            return
        rows = [
            (st.session, pack_entry({f: getattr(st, f) for f in SessionStatus.__slots__}))
            for st in statuses
        ]

        async def go(c: Any) -> None:
            await c.executemany(
                "INSERT INTO statuses (session, data) VALUES ($1, $2) "
                "ON CONFLICT (session) DO UPDATE SET data = excluded.data",
                rows,
            )

        await self._run(go)

    async def workshop_key(self, name: str) -> str | None:
        async def go(c: Any) -> str | None:
            return await c.fetchval("SELECT key_hash FROM workshops WHERE name = $1", name)

        return await self._read(go)

    async def workshop_sessions(self, name: str) -> list[SessionStatus]:
        async def go(c: Any) -> list[SessionStatus]:
            rows = await c.fetch(
                "SELECT s.id, s.code, s.scenario, st.data, l.owner, l.address FROM sessions s "
                "LEFT JOIN statuses st ON st.session = s.id "
                "LEFT JOIN leases l ON l.session = s.id AND l.expires > clock_timestamp() "
                "WHERE s.workshop = $1 ORDER BY s.created",
                name,
            )
            out: list[SessionStatus] = []
            for r in rows:
                if r["data"] is not None:
                    fields = unpack_entry(r["data"])
                else:
                    fields = dict(
                        session=r["id"],
                        code=r["code"],
                        scenario=r["scenario"],
                        round=0,
                        phase="lobby",
                        status="lobby",
                        online=0,
                        away=0,
                        owner="",
                        address="",
                        updated=0.0,
                    )
                fields["owner"] = r["owner"] or ""
                fields["address"] = r["address"] or ""
                out.append(SessionStatus(**fields))
            return out

        return await self._read(go)


async def _entries(c: Any, session: str, after: int = 0) -> list[Entry]:
    rows = await c.fetch(
        "SELECT data FROM entries WHERE session = $1 AND n > $2 ORDER BY n", session, after
    )
    return [unpack_entry(r["data"]) for r in rows]
