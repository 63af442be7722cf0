"""A store in dicts, for tests: the same behaviour as the SQLite store (a batch is stored all or
none; entries come back as msgpack gives them back), nothing on disk. `refuse` makes chosen writes
fail, to test what a failing store does to the server.

Several servers in one test process may share one: `MemoryStore.shared_with(other)` gives a store
with the same data and its own leases held (the behaviour of two processes on one PostgreSQL
store, leases and fencing included), and `clock` decides when leases expire."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from district.server.store import (
    AddToken,
    AppendEntry,
    Archive,
    DropToken,
    Entry,
    Finish,
    Lease,
    LeaseLost,
    NewSession,
    NewWorkshop,
    Note,
    Quarantine,
    SessionStatus,
    SetWorkshop,
    Snapshot,
    Store,
    StoredSession,
    StoreError,
    Write,
    pack_entry,
    unpack_entry,
)


@dataclass(slots=True)
class _Session:
    info: dict[str, Any]
    scenario_text: str
    finished: float | None = None
    entries: dict[int, bytes] = field(default_factory=dict)
    snapshot: tuple[int, bytes, str] | None = None  # (n, blob, hash)
    started: bool = False
    archived: float | None = None
    quarantined: str | None = None
    notes: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    workshop: str | None = None


@dataclass(slots=True)
class _Shared:
    """What the stores of several "processes" share: leases, statuses, workshops."""

    leases: dict[str, Lease] = field(default_factory=dict)
    statuses: dict[str, SessionStatus] = field(default_factory=dict)
    workshops: dict[str, str] = field(default_factory=dict)  # name -> key hash
    drains: dict[str, str] = field(default_factory=dict)  # process name -> drain state


class MemoryStore(Store):
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.sessions: dict[str, _Session] = {}
        self.tokens: dict[str, tuple[str, str]] = {}
        self.refuse: Callable[[Write], bool] | None = None
        self.batches = 0  # batches stored
        self.closed = False
        self.clock = clock
        self._shared = _Shared()
        self.held: dict[str, int] = {}  # session -> fence this store claimed it with

    def shared_with(self) -> MemoryStore:
        """Another store on the same data, as a second process would see it: its own leases."""
        other = MemoryStore(self.clock)
        other.sessions, other.tokens, other._shared = self.sessions, self.tokens, self._shared
        other.shared = self.shared = True
        return other

    def start(self) -> None:
        self.closed = False

    async def close(self) -> None:
        self.closed = True

    async def write(self, writes: Sequence[Write]) -> None:
        if not writes:
            return
        if self.closed:
            raise StoreError("the store is closed")
        await asyncio.sleep(0)  # like a real store, a write lets other tasks run
        if self.refuse is not None and any(self.refuse(w) for w in writes):
            raise StoreError("refused (MemoryStore.refuse)")
        if self.shared:
            lost = sorted(
                {
                    sid
                    for w in writes
                    if (sid := _session_of(w)) is not None and not self._holds(sid)
                }
            )
            if lost:
                raise LeaseLost(lost)
        undo: list[Callable[[], object]] = []
        try:
            for w in writes:
                self._apply(w, undo)
        except Exception as e:
            for u in reversed(undo):
                u()
            raise StoreError(str(e)) from e
        self.batches += 1

    def _apply(self, w: Write, undo: list[Callable[[], object]]) -> None:
        if isinstance(w, AppendEntry):
            s = self._session(w.session)
            if w.n in s.entries:
                raise ValueError(f"entry {w.n} of {w.session} exists")
            s.entries[w.n] = pack_entry(w.entry)
            undo.append(lambda: s.entries.pop(w.n))
            if w.entry.get("k") == "start" and not s.started:
                s.started = True
                undo.append(lambda: setattr(s, "started", False))
        elif isinstance(w, Archive | Quarantine):
            s = self._session(w.session)
            name, value = (
                ("archived", w.when) if isinstance(w, Archive) else ("quarantined", w.reason)
            )
            old_value = getattr(s, name)
            setattr(s, name, value)
            undo.append(lambda: setattr(s, name, old_value))
        elif isinstance(w, AddToken | DropToken):
            old = self.tokens.get(w.hash)
            if isinstance(w, AddToken):
                self.tokens[w.hash] = (w.session, w.seat)
            else:
                self.tokens.pop(w.hash, None)
            undo.append(lambda: self._put_token(w.hash, old))
        elif isinstance(w, Snapshot):
            s = self._session(w.session)
            old_snap = s.snapshot
            if old_snap is None or old_snap[0] <= w.n:
                s.snapshot = (w.n, bytes(w.blob), w.hash)
            undo.append(lambda: setattr(s, "snapshot", old_snap))
        elif isinstance(w, Finish):
            if w.session in self.sessions:
                s = self.sessions[w.session]
                old_finished = s.finished
                s.finished = w.when
                undo.append(lambda: setattr(s, "finished", old_finished))
        elif isinstance(w, Note):
            s = self._session(w.session)
            s.notes.append((w.t, w.seat, dict(w.data)))
            undo.append(s.notes.pop)
        elif isinstance(w, NewWorkshop):
            if w.name in self._shared.workshops:
                raise ValueError(f"workshop {w.name} exists")
            self._shared.workshops[w.name] = w.key_hash
            undo.append(lambda: self._shared.workshops.pop(w.name))
        elif isinstance(w, SetWorkshop):
            s = self._session(w.session)
            if w.workshop not in self._shared.workshops:
                raise ValueError(f"no workshop {w.workshop}")
            old_w = s.workshop
            s.workshop = w.workshop
            undo.append(lambda: setattr(s, "workshop", old_w))
        elif isinstance(w, NewSession):
            sid, code = w.info["id"], w.info["code"]
            if sid in self.sessions or any(x.info["code"] == code for x in self.sessions.values()):
                raise ValueError(f"session {sid} or code {code} exists")
            self.sessions[sid] = _Session(info=dict(w.info), scenario_text=w.scenario_text)
            self.tokens[w.info["facilitator_hash"]] = (sid, "facilitator")
            undo.append(lambda: self.sessions.pop(sid))
            undo.append(lambda: self.tokens.pop(w.info["facilitator_hash"], None))
        else:
            raise TypeError(f"not a store write: {w!r}")

    def _session(self, sid: str) -> _Session:
        s = self.sessions.get(sid)
        if s is None:
            raise ValueError(f"no session {sid}")
        return s

    def _put_token(self, h: str, old: tuple[str, str] | None) -> None:
        if old is None:
            self.tokens.pop(h, None)
        else:
            self.tokens[h] = old

    async def load(self, session: str, full: bool = False) -> StoredSession | None:
        s = self.sessions.get(session)
        if s is None:
            return None
        if s.quarantined is not None:
            return StoredSession(
                info={"id": s.info["id"], "code": s.info["code"]},
                scenario_text="",
                finished=s.finished,
                snapshot=None,
                snapshot_n=0,
                entries=[],
                quarantined=s.quarantined,
            )
        snap = None if full else s.snapshot
        n0 = snap[0] if snap else 0
        return StoredSession(
            info=dict(s.info),
            scenario_text=s.scenario_text,
            finished=s.finished,
            snapshot=snap[1] if snap else None,
            snapshot_n=n0,
            entries=[unpack_entry(s.entries[n]) for n in sorted(s.entries) if n > n0],
        )

    async def all_entries(self, session: str) -> list[Entry]:
        s = self.sessions.get(session)
        return [] if s is None else [unpack_entry(s.entries[n]) for n in sorted(s.entries)]

    async def notes(self, session: str) -> list[dict[str, Any]]:
        s = self.sessions.get(session)
        if s is None:
            return []
        # as a real store gives them back: the data through msgpack
        return [{**unpack_entry(pack_entry(d)), "t": t, "seat": seat} for t, seat, d in s.notes]

    async def open_ids(self) -> list[str]:
        live = [
            s
            for s in self.sessions.values()
            if s.finished is None and s.started and s.archived is None and s.quarantined is None
        ]
        return [s.info["id"] for s in sorted(live, key=lambda s: s.info["created"])]

    async def lookup_token(self, hash_: str) -> tuple[str, str] | None:
        return self.tokens.get(hash_)

    async def lookup_code(self, code: str) -> str | None:
        return next((sid for sid, s in self.sessions.items() if s.info["code"] == code), None)

    # --- several processes --------------------------------------------------------------------

    def _holds(self, sid: str) -> bool:
        """This store may write the session: it holds its live lease with the fence it claimed
        (a process creating a session claims it first)."""
        lease = self._shared.leases.get(sid)
        return (
            lease is not None and self.held.get(sid) == lease.fence and lease.expires > self.clock()
        )

    async def claim(self, session: str, owner: str, address: str, ttl: float) -> Lease | None:
        await asyncio.sleep(0)
        now = self.clock()
        old = self._shared.leases.get(session)
        if old is not None and old.owner != owner and old.expires > now:
            return None
        if old is None:
            fence = 1
        elif old.owner == owner and old.expires > now:  # a live lease kept: the same fence
            fence = old.fence
        else:  # a new owner, or an expired lease (even one's own: a frozen namesake is fenced out)
            fence = old.fence + 1
        lease = self._shared.leases[session] = Lease(session, owner, address, fence, now + ttl)
        self.held[session] = fence
        return lease

    async def renew(self, owner: str, ttl: float) -> set[str]:
        await asyncio.sleep(0)
        now = self.clock()
        kept: set[str] = set()
        for sid in list(self.held):
            lease = self._shared.leases.get(sid)
            if (
                lease is not None
                and lease.owner == owner
                and lease.fence == self.held[sid]
                and lease.expires > now
            ):
                self._shared.leases[sid] = Lease(sid, owner, lease.address, lease.fence, now + ttl)
                kept.add(sid)
            else:
                del self.held[sid]
        return kept

    async def release(self, session: str, owner: str) -> None:
        lease = self._shared.leases.get(session)
        if lease is not None and lease.owner == owner and self.held.get(session) == lease.fence:
            # expired now: the next claim by anyone takes it, with the next fence
            self._shared.leases[session] = Lease(
                session, owner, lease.address, lease.fence, self.clock() - 1.0
            )
        self.held.pop(session, None)

    async def lease(self, session: str) -> Lease | None:
        lease = self._shared.leases.get(session)
        return lease if lease is not None and lease.expires > self.clock() else None

    async def orphans(self) -> list[str]:
        now = self.clock()
        return [
            sid
            for sid in await self.open_ids()
            if (lease := self._shared.leases.get(sid)) is None or lease.expires <= now
        ]

    async def held_by(self, owner: str) -> list[str]:
        now = self.clock()
        return sorted(
            sid for sid, x in self._shared.leases.items() if x.owner == owner and x.expires > now
        )

    async def set_drain(self, owner: str, state: str | None) -> None:
        if state is None:
            self._shared.drains.pop(owner, None)
        else:
            self._shared.drains[owner] = state

    async def drain_state(self, owner: str) -> str | None:
        return self._shared.drains.get(owner)

    async def publish(self, statuses: Sequence[SessionStatus]) -> None:
        for st in statuses:
            self._shared.statuses[st.session] = st

    async def workshop_key(self, name: str) -> str | None:
        return self._shared.workshops.get(name)

    async def workshop_sessions(self, name: str) -> list[SessionStatus]:
        out: list[SessionStatus] = []
        members = [s for s in self.sessions.values() if s.workshop == name]
        for s in sorted(members, key=lambda s: s.info["created"]):
            sid = s.info["id"]
            lease = await self.lease(sid)
            st = self._shared.statuses.get(sid) or SessionStatus(
                sid, s.info["code"], s.info["scenario"], 0, "lobby", "lobby", 0, 0, "", "", 0.0
            )
            out.append(
                SessionStatus(
                    **{
                        **{f: getattr(st, f) for f in SessionStatus.__slots__},
                        "owner": lease.owner if lease else "",
                        "address": lease.address if lease else "",
                    }
                )
            )
        return out


def _session_of(w: Write) -> str | None:
    """The session a write changes, if it is one a lease guards."""
    if isinstance(w, NewSession):
        return str(w.info["id"])
    if isinstance(w, DropToken | NewWorkshop):
        return None
    return w.session
