"""Storage behind one interface: what a session server keeps, and what it asks for back.

A session is kept as its creation record (what it was made from, including the scenario's text, so
a recovery never depends on files that may have changed), its entries in order (the fold of
server/session/state.py), its latest snapshot, and the hashes of its seat tokens. The server hands
a store typed writes, batched per flush, and awaits them: `write` returns once the whole batch is
stored ("written before acknowledged"), or raises `StoreError` and stores none of it.

`SQLiteStore` (server/store/sqlite.py) is the embedded implementation `district serve` uses;
`MemoryStore` (server/store/memory.py) keeps everything in dicts, for tests; `PostgresStore`
(server/store/postgres.py, the `postgres` extra) is the store several server processes share.
`open_store` picks one from the `--store` URL.

Several processes (issue 14): each session is owned by one process at a time through a *lease*
(`claim`, `renew`, `release`) with a *fencing token*: the fence grows by one every time a session
changes owner, and a store's `write` touching a session checks, in the same transaction, that this
store still holds the session's lease with the fence it claimed; if not it raises `LeaseLost` and
stores nothing, so an owner that lost its lease (paused, partitioned, presumed dead) can never
write after its successor. Leases expire by the store's own clock, so processes' clocks need not
agree. A store used by one process only (`shared` False: SQLite, locked to one process) grants
every claim to that process. Owners also publish each session's status (round, phase, who is
online) for the workshop console, and sessions may belong to a workshop, whose lead facilitator
holds the workshop's key.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
from district.server.protocol import plain_default

Entry = dict[str, Any]

# The fields of a session's creation record (server/session/state.py's SessionInfo).
INFO_FIELDS = (
    "id",
    "code",
    "scenario",
    "seed",
    "facilitator_hash",
    "created",
    "negotiation_seconds",
    "report_seconds",
)


def pack_entry(e: Entry) -> bytes:
    return msgpack.packb(e, use_bin_type=True, default=plain_default)


def unpack_entry(b: bytes) -> Entry:
    return msgpack.unpackb(b, raw=False, strict_map_key=False)


# --- writes ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session is created: its record (INFO_FIELDS), its scenario's text; the facilitator's
    token hash is looked up like a seat token (seat "facilitator")."""

    info: dict[str, Any]
    scenario_text: str


@dataclass(frozen=True, slots=True)
class AppendEntry:
    """Entry number `n` (1, 2, ... with no gaps) of a session."""

    session: str
    n: int
    entry: Entry
    packed: bytes | None = None  # pack_entry(entry), if the writer has it already


@dataclass(frozen=True, slots=True)
class AddToken:
    hash: str
    session: str
    seat: str


@dataclass(frozen=True, slots=True)
class DropToken:
    hash: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The session's state after its first `n` entries; older snapshots may be dropped."""

    session: str
    n: int
    blob: bytes
    hash: str


@dataclass(frozen=True, slots=True)
class Finish:
    """The game is over: the session is no longer recovered at start-up (it can still be loaded)."""

    session: str
    when: float


@dataclass(frozen=True, slots=True)
class Archive:
    """The session is out of memory (idle, or finished) since `when`, and is not recovered at
    start-up until someone comes back to it; `when` None: it is loaded again."""

    session: str
    when: float | None


@dataclass(frozen=True, slots=True)
class Quarantine:
    """The session's stored data cannot be loaded (`reason`): it is set aside, never recovered or
    loaded again, and kept as it is for someone to look at."""

    session: str
    reason: str


@dataclass(frozen=True, slots=True)
class Note:
    """Something a session did that is kept for its debrief but is not an entry: never replayed,
    so it costs a recovery nothing (a preview asked: issue 13). `data` is plain data."""

    session: str
    t: float  # server time
    seat: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewWorkshop:
    """A workshop (a set of sessions one lead facilitator oversees) with its key's hash."""

    name: str
    key_hash: str


@dataclass(frozen=True, slots=True)
class SetWorkshop:
    """Session `session` belongs to workshop `workshop` (which exists)."""

    session: str
    workshop: str


Write = (
    NewSession
    | AppendEntry
    | AddToken
    | DropToken
    | Snapshot
    | Finish
    | Archive
    | Quarantine
    | Note
    | NewWorkshop
    | SetWorkshop
)


# --- reads ----------------------------------------------------------------------------------


@dataclass(slots=True)
class StoredSession:
    info: dict[str, Any]  # INFO_FIELDS
    scenario_text: str
    finished: float | None
    snapshot: bytes | None  # latest snapshot, or None
    snapshot_n: int  # entries it covers
    entries: list[Entry]  # entries after the snapshot, in order
    quarantined: str | None = None  # why it was set aside, if it was (see Quarantine)


@dataclass(frozen=True, slots=True)
class Lease:
    """Who owns a session now."""

    session: str
    owner: str  # the owning process's name (unique among the processes of a store)
    address: str  # where clients reach the owner: its ws:// or wss:// URL
    fence: int  # grows by one each time the session changes owner
    expires: float  # seconds since the epoch, by the store's clock


@dataclass(frozen=True, slots=True)
class SessionStatus:
    """What the workshop console shows of a session, as its owner last published it."""

    session: str
    code: str
    scenario: str
    round: int
    phase: str  # lobby, negotiation, report, ended (the session's own words)
    status: str  # lobby, running, paused, ended
    online: int  # players connected now
    away: int  # players with a seat who are not connected
    owner: str  # process name ("" if nobody owns it now)
    address: str  # owner's URL ("" if nobody owns it now)
    updated: float  # when it was published (seconds since the epoch)


class StoreError(Exception):
    """A write or read failed; nothing of a failed write was stored."""


class LeaseLost(StoreError):
    """A write touched a session whose lease this store no longer holds (another process took it
    over, or it was released): nothing of the batch was stored. `sessions` are the ones lost."""

    def __init__(self, sessions: Sequence[str]) -> None:
        self.sessions = tuple(sessions)
        super().__init__(f"this server no longer owns session(s) {', '.join(self.sessions)}")


class StoreLocked(StoreError):
    """Another server process is using the store (one server per database file)."""


class Store(ABC):
    """What the server needs of storage. Every method but `start` may be awaited from any task of
    the server's event loop; writes of one batch are stored all or none."""

    @abstractmethod
    def start(self) -> None:
        """Get ready to serve (threads, connection pools). Idempotent."""

    @abstractmethod
    async def close(self) -> None:
        """Finish every write already handed over, then release everything."""

    @abstractmethod
    async def write(self, writes: Sequence[Write]) -> None:
        """Store the writes in one transaction; returns once they are stored. Raises StoreError
        (and stores none of them) if any cannot be."""

    @abstractmethod
    async def load(self, session: str, full: bool = False) -> StoredSession | None:
        """A session with its latest snapshot and the entries after it (every entry and no
        snapshot if `full`); None if there is no such session."""

    @abstractmethod
    async def all_entries(self, session: str) -> list[Entry]:
        """Every entry of a session, in order."""

    @abstractmethod
    async def notes(self, session: str) -> list[dict[str, Any]]:
        """The session's notes (see Note), in the order they were stored: each its `data` with
        `t` (server time) and `seat` added; [] if there is no such session or it has none."""

    @abstractmethod
    async def open_ids(self) -> list[str]:
        """Sessions a starting server recovers, oldest first: started (a game under way), not
        finished, archived or quarantined. Other sessions are loaded when someone comes to them."""

    @abstractmethod
    async def lookup_token(self, hash_: str) -> tuple[str, str] | None:
        """(session, seat or "facilitator") holding a token hash."""

    @abstractmethod
    async def lookup_code(self, code: str) -> str | None:
        """The session of a join code."""

    # --- several processes (issue 14) ----------------------------------------------------------

    shared: bool = False  # several server processes use this store: leases decide who serves

    async def claim(self, session: str, owner: str, address: str, ttl: float) -> Lease | None:
        """Take or keep the session's lease for `ttl` seconds. The lease if `owner` holds it now
        (the fence grows when it changes hands or had expired, not when the same owner claims its
        live lease again), None if another owner holds a lease that has not expired. Until the lease is lost or released,
        this store fences its writes of the session with it (see LeaseLost). One process: every
        claim is granted."""
        return Lease(session, owner, address, 1, float("inf"))

    async def renew(self, owner: str, ttl: float) -> set[str]:
        """Extend every lease `owner` holds by `ttl` seconds from now; the sessions it still
        holds (any it held that are not in the set were lost: taken over or released)."""
        return set()

    async def release(self, session: str, owner: str) -> None:
        """Give the lease up (if `owner` holds it) so another process may take the session at
        once; this store no longer writes the session."""
        return None

    async def lease(self, session: str) -> Lease | None:
        """The session's lease if it has not expired (who serves it now), else None."""
        return None

    async def orphans(self) -> list[str]:
        """Sessions that need an owner: those `open_ids` lists whose lease is missing or has
        expired, oldest first."""
        return await self.open_ids()

    async def publish(self, statuses: Sequence[SessionStatus]) -> None:
        """Record the status of sessions the caller owns, for the workshop console (not fenced:
        a stale status is harmless, and `owner`/`address` say who published it)."""
        return None

    async def held_by(self, owner: str) -> list[str]:
        """The sessions whose live lease `owner` holds (how far a drain has got)."""
        return []

    async def set_drain(self, owner: str, state: str | None) -> None:
        """Ask the process `owner` to drain ("asked"), say it is draining ("draining"), or clear
        the request (None: the process has drained and exited, or nobody took the request). One
        process (no shared store): nothing is kept."""
        return None

    async def drain_state(self, owner: str) -> str | None:
        """What `set_drain` last said of `owner`, None if nothing."""
        return None

    async def workshop_key(self, name: str) -> str | None:
        """The key hash of a workshop, None if there is no such workshop."""
        return None

    async def workshop_sessions(self, name: str) -> list[SessionStatus]:
        """Every session of a workshop (oldest first), each with its last published status, or a
        status with round 0 and phase "lobby" if none was published; `owner` and `address` from
        its live lease ("" if none)."""
        return []


from district.server.store.memory import MemoryStore  # noqa: E402
from district.server.store.sqlite import SQLiteStore  # noqa: E402


def open_store(url: str | None, db: Path, durable: bool = False) -> Store:
    """The store a server process uses: None -> the SQLite file `db` (one process, as `district
    serve` always did); `postgresql://...` or `postgres://...` -> the PostgreSQL database several
    processes share (needs the `postgres` extra). Anything else: ValueError saying what is
    accepted."""
    if url is None:
        return SQLiteStore(db, durable=durable)
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme in ("postgresql", "postgres"):
        try:
            from district.server.store.postgres import PostgresStore
        except ImportError as e:
            if e.name not in ("asyncpg", None) and not str(e.name).startswith("asyncpg"):
                raise
            raise ValueError(
                "the PostgreSQL store needs the asyncpg driver, which is not installed: "
                "pip install 'district[postgres]'"
            ) from None
        return PostgresStore(url)
    shown = url if len(url) <= 60 else url[:57] + "..."
    shown = shown.split("@", 1)[-1] if "@" in shown else shown  # never echo a password
    raise ValueError(
        f"unknown store {shown!r}: give a postgresql://user@host:port/database URL, "
        "or no store option for the SQLite file"
    )


__all__ = [
    "INFO_FIELDS",
    "Lease",
    "LeaseLost",
    "NewWorkshop",
    "SessionStatus",
    "SetWorkshop",
    "AddToken",
    "AppendEntry",
    "Archive",
    "DropToken",
    "Entry",
    "Finish",
    "MemoryStore",
    "NewSession",
    "Note",
    "Quarantine",
    "SQLiteStore",
    "Snapshot",
    "Store",
    "StoreError",
    "StoreLocked",
    "StoredSession",
    "Write",
    "open_store",
    "pack_entry",
    "unpack_entry",
]
