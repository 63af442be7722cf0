"""A store in dicts, for tests: the same behaviour as the SQLite store (a batch is stored all or
none; entries come back as msgpack gives them back), nothing on disk. `refuse` makes chosen writes
fail, to test what a failing store does to the server."""

from __future__ import annotations

import asyncio
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
    NewSession,
    Note,
    Quarantine,
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


class MemoryStore(Store):
    def __init__(self) -> None:
        self.sessions: dict[str, _Session] = {}
        self.tokens: dict[str, tuple[str, str]] = {}
        self.refuse: Callable[[Write], bool] | None = None
        self.batches = 0  # batches stored
        self.closed = False

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
