"""One running session, in two layers.

`SessionCore` is the pure part: the engine's game plus who holds which seat, the status, the clock
and every recipient's numbered stream. It changes only by `apply(entry)`, and an entry carries
every input it needs (even the times of deadlines), so a session is a fold of its entries: the store
keeps the entries, and replaying them (from a snapshot) rebuilds the identical session.

`Session` is the actor around it: one asyncio task takes jobs from a queue, turns them into
entries, has the store write them, and only then acknowledges and fans the results out to the
connections. Commands of one session therefore never race, and nothing is acknowledged or shown
to anyone before it is on disk.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import pickle
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgpack
from district.server.engine import EngineError, Game, Scenario
from district.server.engine.state import restore, snapshot
from district.server.protocol import (
    CLOSE_RELEASED,
    CLOSE_REPLACED,
    PROTOCOL_VERSION,
    SESSION_QUEUE,
    encode,
    plain_default,
    valid_name,
)
from district.server.store import Statement, Store, StoredSession

Entry = dict[str, Any]
Delivery = tuple[Any, ...]  # ("event", recipient, seq, packed event) | ("view", recipient, seq)

FACILITATOR = "facilitator"
OBSERVER = "observer"
ROLE_ORDER = {"firm": 0, "union": 1, "government": 2, "broker": 3}
BOT_PASSES = 3  # times a bot may act in one negotiation phase (first move, then answers to deals)
MAX_CIDS = 4096  # idempotency keys remembered per seat
YIELD_EVERY = 0.005  # seconds of fan-out work after which a session lets the others run


class SessionError(Exception):
    """A refusal by the session (not the engine): stable code, readable message, place."""

    def __init__(self, code: str, message: str, where: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.where = where


@dataclass(slots=True)
class SessionInfo:
    """What a session is made from; fixed for its life."""

    id: str
    code: str
    scenario: str
    seed: int
    facilitator_hash: str
    created: float
    negotiation_seconds: float = 480.0
    report_seconds: float = 120.0


@dataclass(slots=True)
class SeatInfo:
    id: str
    role: str
    name: str
    road: str
    player: str | None = None  # display name of the human holding the seat
    token_hash: str | None = None
    bot: bool = False

    @property
    def controller(self) -> str:
        return "bot" if self.bot else ("human" if self.player is not None else "open")


@dataclass(slots=True)
class Stream:
    """A recipient's numbered stream: `seq` is the last number used, `view_seq` the number of the
    latest phase view; `items` are the events after that view (older ones are superseded by it)."""

    seq: int = 0
    view_seq: int = 0
    items: list[tuple[int, bytes]] = field(default_factory=list)  # (seq, the event packed)


def plain(x: Any) -> Any:
    """Round-trip through msgpack: what a replay from the store will see, exactly."""
    return msgpack.unpackb(
        msgpack.packb(x, use_bin_type=True, default=plain_default), raw=False, strict_map_key=False
    )


def seat_order(scenario: Scenario) -> list[str]:
    """The order in which people take seats: the scenario's seating order if it has one,
    else firms, union, government, brokers."""
    ids = [s.id for s in scenario.seats]
    order = (getattr(scenario, "extra", None) or {}).get("players", {}).get("order")
    if isinstance(order, list) and sorted(set(order)) == sorted(ids):
        return list(dict.fromkeys(order))
    role = {s.id: s.role for s in scenario.seats}
    return sorted(ids, key=lambda s: (ROLE_ORDER.get(role[s], 9), ids.index(s)))


class SessionCore:
    def __init__(self, info: SessionInfo, scenario: Scenario) -> None:
        self.info = info
        self.scenario = scenario
        self.game = Game(scenario, info.seed)
        self.status = "lobby"
        self.deadline: float | None = None
        self.remaining: float | None = None  # while paused: seconds that were left
        self.negotiation_seconds = info.negotiation_seconds
        self.report_seconds = info.report_seconds
        st = self.game.state
        self.seats: dict[str, SeatInfo] = {
            s.id: SeatInfo(id=s.id, role=s.role, name=s.name, road=s.road)
            for s in st.seats.values()
        }
        self.order = seat_order(scenario)
        self.streams: dict[str, Stream] = {r: Stream(seq=1, view_seq=1) for r in self.recipients()}
        self.cids: dict[str, OrderedDict[str, int]] = {}
        self.bot_passes: dict[str, int] = {}
        self.pending_bots: list[str] = []
        self.entries = 0  # entries applied
        self.commands = 0  # game commands accepted

    # --- questions -------------------------------------------------------------------------

    def recipients(self) -> list[str]:
        return [*self.seats, FACILITATOR, OBSERVER]

    @property
    def phase(self) -> str:
        return self.game.state.phase

    @property
    def round(self) -> int:
        return self.game.state.round

    def seen_cid(self, seat: str, cid: str | None) -> bool:
        return cid is not None and cid in self.cids.get(seat, {})

    def free_seat(self, role: str | None) -> str | None:
        """The seat a new player gets: the first nobody holds in seating order (of `role` if
        given), preferring seats no bot plays."""
        cands = [
            s
            for s in self.order
            if self.seats[s].player is None and (role is None or self.seats[s].role == role)
        ]
        open_ = [s for s in cands if not self.seats[s].bot]
        return (open_ or cands or [None])[0]

    def negotiation_done(self) -> bool:
        """Every played seat has said ready (a bot counts once it has acted)."""
        if self.status != "running" or self.phase != "negotiation" or self.pending_bots:
            return False
        played = [s for s in self.seats.values() if s.bot or s.player is not None]
        if not played:
            return False
        ready = self.game.state.ready
        return all(s.id in ready or (s.bot and self.bot_passes.get(s.id, 0) > 0) for s in played)

    def clock(self, now: float) -> dict[str, Any]:
        return {
            "type": "clock",
            "status": self.status,
            "round": self.round,
            "phase": self.phase,
            "deadline": self.deadline,
            "remaining": (
                max(0.0, self.deadline - now)
                if self.deadline is not None
                else self.remaining
                if self.status == "paused"
                else None
            ),
            "server_time": now,
            "negotiation_seconds": self.negotiation_seconds,
            "report_seconds": self.report_seconds,
        }

    def catch_up(self, recipient: str, last: int | None) -> tuple[str, list[tuple[int, bytes]]]:
        """("events", missed items) when `last` is at or after the latest view, else ("view", [])."""
        st = self.streams[recipient]
        if last is not None and st.view_seq <= last <= st.seq:
            return "events", [it for it in st.items if it[0] > last]
        return "view", []

    def audience_of(self, event: dict[str, Any]) -> list[str]:
        aud = event.get("audience", "public")
        if aud == "public":
            return self.recipients()
        if isinstance(aud, list | tuple):
            return [r for r in aud if r in self.streams and r != OBSERVER]
        return []

    # --- the fold --------------------------------------------------------------------------

    def apply(self, e: Entry) -> list[Delivery]:
        """Apply one entry; returns what to deliver. Raises EngineError (nothing changed) if a
        game command is refused; every other entry was checked before it was made."""
        k = e["k"]
        out: list[Delivery] = []
        if k == "cmd":
            seat = e["seat"]
            events = self.game.apply(seat, e["cmd"])
            self.commands += 1
            cid = e.get("cid")
            if cid is not None:
                seen = self.cids.setdefault(seat, OrderedDict())
                seen[cid] = 1
                if len(seen) > MAX_CIDS:
                    seen.popitem(last=False)
            out += self._events(events)
            if self.phase == "negotiation":
                self._wake_bots(events, seat)
        elif k == "bot_done":
            s = e["seat"]
            self.bot_passes[s] = self.bot_passes.get(s, 0) + 1
            if s in self.pending_bots:
                self.pending_bots.remove(s)
        elif k == "resolve":
            self.game.resolve()
            self.deadline = e.get("deadline")
            self.pending_bots = []
            out += self._events(
                [{"kind": "phase", "audience": "public", "round": self.round, "phase": "report"}]
            )
            out += self._views()
        elif k == "advance":
            events = self.game.advance()
            self.bot_passes = {}
            if self.game.over:
                self.status = "ended"
                self.deadline = None
            else:
                self.deadline = e.get("deadline")
                self.pending_bots = [s for s in self.order if self.seats[s].bot]
            out += self._events(events)
            out += self._views()
        elif k == "start":
            self.status = "running"
            self.deadline = e["deadline"]
            if e.get("fill", True):
                for s in self.seats.values():
                    if s.player is None:
                        s.bot = True
            self._bots_join()
        elif k == "pause":
            self.status = "paused"
            self.remaining = e["remaining"]
            self.deadline = None
        elif k == "resume":
            self.status = "running"
            self.remaining = None
            self.deadline = e["deadline"]
        elif k == "deadline":
            self.deadline = e["deadline"]
            self.remaining = e.get("remaining", self.remaining)
        elif k == "timers":
            self.negotiation_seconds = e.get("negotiation_seconds", self.negotiation_seconds)
            self.report_seconds = e.get("report_seconds", self.report_seconds)
        elif k == "end":
            self.status = "ended"
            self.deadline = None
            self.remaining = None
            self.pending_bots = []
            out += self._events(
                [
                    {
                        "kind": "phase",
                        "audience": "public",
                        "round": self.round,
                        "phase": "ended",
                        "by": "facilitator",
                    }
                ]
            )
            out += self._views()
        elif k == "join":
            s = self.seats[e["seat"]]
            s.player = e["name"]
            s.token_hash = e["token"]
            s.bot = False
            if s.id in self.pending_bots:
                self.pending_bots.remove(s.id)
        elif k == "release":
            s = self.seats[e["seat"]]
            s.player = None
            s.token_hash = None
            s.bot = self.status in ("running", "paused")
            self._bots_join()
        elif k == "bot":
            self.seats[e["seat"]].bot = True
            self._bots_join()
        elif k == "unbot":
            s = self.seats[e["seat"]]
            s.bot = False
            if s.id in self.pending_bots:
                self.pending_bots.remove(s.id)
        else:
            raise ValueError(f"unknown entry {k!r}")
        self.entries += 1
        return out

    def _bots_join(self) -> None:
        """Bots that have not acted in this negotiation phase get their turn."""
        if self.status != "running" and self.status != "paused":
            return
        if self.phase != "negotiation":
            return
        for s in self.order:
            if self.seats[s].bot and self.bot_passes.get(s, 0) == 0 and s not in self.pending_bots:
                self.pending_bots.append(s)

    def _wake_bots(self, events: list[dict[str, Any]], by: str) -> None:
        """A deal event addressed to a bot seat (by someone else) gives that bot another turn."""
        for ev in events:
            if not str(ev.get("kind", "")).startswith("deal_"):
                continue
            aud = ev.get("audience")
            if not isinstance(aud, list | tuple):
                continue
            for s in aud:
                si = self.seats.get(s)
                if (
                    si is not None
                    and si.bot
                    and s != by
                    and s not in self.pending_bots
                    and 0 < self.bot_passes.get(s, 0) < BOT_PASSES
                ):
                    self.pending_bots.append(s)

    def _events(self, events: list[dict[str, Any]]) -> list[Delivery]:
        out: list[Delivery] = []
        for ev in events:
            # packed once: the same bytes go to every recipient, and kept as bytes they cost the
            # garbage collector nothing
            packed = encode({k: v for k, v in ev.items() if k != "audience"})
            for r in self.audience_of(ev):
                st = self.streams[r]
                st.seq += 1
                st.items.append((st.seq, packed))
                out.append(("event", r, st.seq, packed))
        return out

    def _views(self) -> list[Delivery]:
        out: list[Delivery] = []
        for r, st in self.streams.items():
            st.seq += 1
            st.view_seq = st.seq
            st.items = []
            out.append(("view", r, st.seq))
        return out

    # --- snapshots -------------------------------------------------------------------------

    def snapshot(self) -> bytes:
        meta = {
            "status": self.status,
            "deadline": self.deadline,
            "remaining": self.remaining,
            "negotiation_seconds": self.negotiation_seconds,
            "report_seconds": self.report_seconds,
            "seats": {k: (s.player, s.token_hash, s.bot) for k, s in self.seats.items()},
            "streams": {r: (s.seq, s.view_seq, list(s.items)) for r, s in self.streams.items()},
            "cids": {k: list(v) for k, v in self.cids.items()},
            "bot_passes": dict(self.bot_passes),
            "pending_bots": list(self.pending_bots),
            "entries": self.entries,
            "commands": self.commands,
        }
        return pickle.dumps(
            {"state": snapshot(self.game.state), "meta": meta, "hash": self.game.hash()}, protocol=5
        )

    def restore(self, blob: bytes) -> None:
        """Load a snapshot made by `snapshot` (trusted storage). Raises ValueError if it does not
        give back the state it was made from."""
        data = pickle.loads(blob)
        state = restore(data["state"])
        game = Game(self.scenario, self.info.seed)
        game.state = state
        if game.hash() != data["hash"]:
            raise ValueError("the snapshot's state hash does not match")
        m = data["meta"]
        self.game = game
        self.status, self.deadline, self.remaining = m["status"], m["deadline"], m["remaining"]
        self.negotiation_seconds, self.report_seconds = (
            m["negotiation_seconds"],
            m["report_seconds"],
        )
        for k, (player, token, bot) in m["seats"].items():
            s = self.seats[k]
            s.player, s.token_hash, s.bot = player, token, bot
        self.streams = {
            r: Stream(seq=a, view_seq=b, items=list(c)) for r, (a, b, c) in m["streams"].items()
        }
        self.cids = {k: OrderedDict((c, 1) for c in v) for k, v in m["cids"].items()}
        self.bot_passes = dict(m["bot_passes"])
        self.pending_bots = list(m["pending_bots"])
        self.entries, self.commands = m["entries"], m["commands"]

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything a refused message must leave unchanged (for tests and checks)."""
        return (
            self.game.hash(),
            self.status,
            self.deadline,
            self.remaining,
            self.entries,
            tuple((s.id, s.player, s.token_hash, s.bot) for s in self.seats.values()),
            tuple((r, s.seq, s.view_seq, len(s.items)) for r, s in self.streams.items()),
            tuple(self.pending_bots),
            self.negotiation_seconds,
            self.report_seconds,
        )


def replay_entries(
    core: SessionCore, entries: list[Entry], log: logging.LoggerAdapter[Any] | None = None
) -> None:
    """Apply stored entries (recovery). A stored command the engine now refuses is skipped and
    logged: it cannot happen with the same engine, and must not stop a recovery."""
    for e in entries:
        try:
            core.apply(e)
        except EngineError as err:
            core.entries += 1
            if log is not None:
                log.error("stored entry %d refused on replay: %s", core.entries, err)


# --- the actor ------------------------------------------------------------------------------


class SessionLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Every line says which session it is about."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{self.extra['session'] if self.extra else '-'}] {msg}", kwargs


class Conn(Protocol):
    """What the session needs of a connection (server/net.py's Connection)."""

    recipient: str | None
    closed: bool

    def send(self, msg: dict[str, Any]) -> None: ...
    def send_bytes(self, data: bytes) -> None: ...
    def bind(self, session: Session, recipient: str) -> None: ...
    def bye(self, reason: str, message: str, code: int) -> None: ...


class Hub(Protocol):
    """What the session tells the server about: tokens and codes it must be found by."""

    def token_added(self, hash_: str, session: str, who: str) -> None: ...
    def token_removed(self, hash_: str) -> None: ...
    def session_ended(self, session: str) -> None: ...
    def stats(self) -> dict[str, Any]: ...


@functools.cache
def deal_kinds() -> dict[str, Any]:
    """The engine's schema of every deal kind (parties, terms with types and ranges), as plain
    data: clients build their deal composer from it."""
    from district.server.engine import deals

    return plain(getattr(deals, "DEAL_SPECS", {}))


def new_token() -> str:
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_EVENT_HEAD = b"\x83" + msgpack.packb("type") + msgpack.packb("event") + msgpack.packb("seq")
_EVENT_KEY = msgpack.packb("event")


def event_frame(seq: int, packed_event: bytes) -> bytes:
    """{type: "event", seq, event} without packing the event again for every recipient."""
    return _EVENT_HEAD + msgpack.packb(seq) + _EVENT_KEY + packed_event


class Session:
    """The actor of one session. Jobs go in with `submit`; one task handles them in order."""

    def __init__(
        self,
        core: SessionCore,
        store: Store,
        hub: Hub,
        *,
        grace: float = 15.0,
        clock: Callable[[], float] = time.time,
        bot: Callable[[dict[str, Any], int, str], list[dict[str, Any]]] | None = None,
    ) -> None:
        self.core = core
        self.store = store
        self.hub = hub
        self.grace = grace
        self.now = clock
        self.bot = bot
        self.log = SessionLog(logging.getLogger("district.session"), {"session": core.info.id})
        self.queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self.waiting = 0  # client jobs in the queue
        self.conns: dict[str, Conn] = {}
        self.observers: set[Conn] = set()
        self._stmts: list[Statement] = []
        self._out: list[tuple[Any, ...]] = []
        self._roster_dirty = False
        self._clock_dirty = False
        self._snapshot_due = False
        self._finish_due = False
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def id(self) -> str:
        return self.core.info.id

    # --- life ------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"session:{self.id}")
        self.submit(("tick",), client=False)  # bots owed a turn, a deadline already due

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None and not self._task.done():
            self.queue.put_nowait(("stop",))
            await self._task

    def submit(self, job: tuple[Any, ...], client: bool = True) -> bool:
        """Queue a job; False (the caller answers `busy`) when too many client jobs wait."""
        if client:
            if self.waiting >= SESSION_QUEUE:
                return False
            self.waiting += 1
        self.queue.put_nowait(job)
        return True

    async def call(self, fn: Callable[[Session], Any]) -> Any:
        """Run fn(self) inside the actor, between jobs (tests, the server's own questions)."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait(("call", fn, fut))
        return await fut

    async def recovered(self) -> None:
        """After loading from the store: a deadline that passed while the server was down (or is
        closer than `grace` seconds) moves to `grace` seconds from now, so that players have time
        to come back."""
        c = self.core
        now = self.now()
        if c.status == "running" and c.deadline is not None and c.deadline < now + self.grace:
            self._record({"k": "deadline", "deadline": now + self.grace})
            await self._flush()

    async def _run(self) -> None:
        self._arm()
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < 64:
                batch.append(self.queue.get_nowait())
            for i, job in enumerate(batch):
                if job[0] == "stop":
                    await self._flush()
                    self._abandon(batch[i + 1 :])
                    return
                if job[0] in ("hello", "command", "control", "sync"):
                    self.waiting -= 1
                try:
                    await self._handle(job)
                except Exception as e:
                    self.log.exception("failed on a %s job", job[0])
                    await self._internal(job, e)
            try:
                await self._flush()
                await self._progress()
            except Exception:
                self.log.exception("failed while moving the game on")
                try:
                    await self._reload()
                except Exception:  # the store itself is failing: keep serving what we have
                    self.log.exception("could not reload from the store")
            self._arm()

    def _abandon(self, jobs: list[tuple[Any, ...]]) -> None:
        """The session is stopping: nobody may wait for ever on a job it will not run."""
        while not self.queue.empty():
            jobs.append(self.queue.get_nowait())
        for job in jobs:
            fut = (
                job[4]
                if job[0] == "hello" and len(job) > 4
                else job[2]
                if job[0] == "call"
                else None
            )
            if fut is not None and not fut.done():
                if job[0] == "hello":
                    job[1].send(
                        {
                            "type": "error",
                            "re": job[2].get("id"),
                            "code": "busy",
                            "message": "the server is shutting down; try again in a moment",
                            "where": "",
                        }
                    )
                    fut.set_result(False)
                else:
                    fut.set_exception(RuntimeError("the session has stopped"))

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        c = self.core
        if c.status == "running" and c.deadline is not None:
            delay = max(0.0, c.deadline - self.now())
            self._timer = asyncio.get_running_loop().call_later(
                delay, lambda: self.submit(("tick",), client=False)
            )

    # --- jobs ------------------------------------------------------------------------------

    async def _handle(self, job: tuple[Any, ...]) -> None:
        kind = job[0]
        if kind == "command":
            self._command(job[1], job[2])
        elif kind == "control":
            await self._control(job[1], job[2])
        elif kind == "hello":
            try:
                await self._hello(job[1], job[2], job[3])
            finally:
                fut = job[4] if len(job) > 4 else None
                if fut is not None and not fut.done():
                    fut.set_result(job[1].recipient is not None)
        elif kind == "sync":
            await self._flush()
            conn, msg = job[1], job[2]
            if conn.recipient is not None:
                self._catch_up(conn, conn.recipient, msg["last_event"])
                conn.send(
                    {
                        "type": "ack",
                        "re": msg.get("id"),
                        "seq": self.core.streams[conn.recipient].seq,
                    }
                )
        elif kind == "gone":
            self._gone(job[1])
        elif kind == "call":
            await self._flush()
            fut = job[2]
            try:
                res = job[1](self)
            except Exception as e:
                fut.set_exception(e)
            else:
                fut.set_result(res)
        # "tick": nothing to do here; _progress looks at the clock after every batch

    def _error(self, conn: Conn, re: Any, code: str, message: str, where: str = "") -> None:
        self._out.append(
            (
                "send",
                conn,
                {"type": "error", "re": re, "code": code, "message": message, "where": where},
            )
        )

    def _command(self, conn: Conn, msg: dict[str, Any]) -> None:
        c = self.core
        seat = conn.recipient
        re = msg.get("id")
        if seat is None or conn.closed:
            return
        if seat == OBSERVER:
            return self._error(
                conn, re, "forbidden", "observers watch; they cannot send game commands"
            )
        if c.status == "ended":
            return self._error(conn, re, "ended", "the game is over")
        if seat != FACILITATOR:
            if c.status == "lobby":
                return self._error(
                    conn, re, "not_started", "the facilitator has not started the game yet"
                )
            if c.status == "paused":
                return self._error(conn, re, "paused", "the game is paused")
            if c.seats[seat].bot:
                return self._error(
                    conn,
                    re,
                    "bot_playing",
                    f"a bot is playing {seat}; ask the facilitator to give the seat back",
                )
        cid = msg.get("cid")
        if c.seen_cid(seat, cid):
            self._out.append(
                (
                    "send",
                    conn,
                    {"type": "ack", "re": re, "seq": c.streams[seat].seq, "duplicate": True},
                )
            )
            return
        entry: Entry = {"k": "cmd", "seat": seat, "cmd": msg["command"]}
        if cid is not None:
            entry["cid"] = cid
        try:
            self._record(entry)
        except EngineError as e:
            return self._error(conn, re, e.code, e.message, e.where)
        self._out.append(("ack", conn, {"type": "ack", "re": re, "seq": c.streams[seat].seq}))

    async def _control(self, conn: Conn, msg: dict[str, Any]) -> None:
        c = self.core
        re = msg.get("id")
        action = msg["action"]
        if conn.recipient != FACILITATOR:
            return self._error(conn, re, "forbidden", f"only the facilitator can {action}")
        now = self.now()
        result: dict[str, Any] | None = None
        seat = msg.get("seat")
        if seat is not None and seat not in c.seats:
            return self._error(
                conn,
                re,
                "unknown_seat",
                f"there is no seat {seat!r} (seats: {', '.join(c.seats)})",
                "seat",
            )
        if c.status == "ended" and action not in ("info",):
            return self._error(conn, re, "ended", "the game is over")
        if action == "start":
            if c.status != "lobby":
                return self._error(
                    conn, re, "wrong_phase", f"the game has already started (status {c.status})"
                )
            self._record(
                {
                    "k": "start",
                    "deadline": now + c.negotiation_seconds,
                    "fill": msg.get("fill_bots", True),
                }
            )
            self._clock_dirty = self._roster_dirty = True
        elif action == "pause":
            if c.status != "running":
                return self._error(
                    conn,
                    re,
                    "wrong_phase",
                    f"only a running game can be paused (status {c.status})",
                )
            left = max(0.0, c.deadline - now) if c.deadline is not None else None
            self._record({"k": "pause", "remaining": left})
            self._clock_dirty = True
        elif action == "resume":
            if c.status != "paused":
                return self._error(
                    conn,
                    re,
                    "wrong_phase",
                    f"only a paused game can be resumed (status {c.status})",
                )
            left = c.remaining if c.remaining is not None else self._phase_length()
            self._record({"k": "resume", "deadline": now + left})
            self._clock_dirty = True
        elif action == "extend":
            secs = float(msg["seconds"])
            if c.status == "running" and c.deadline is not None:
                self._record({"k": "deadline", "deadline": max(now, c.deadline + secs)})
            elif c.status == "paused" and c.remaining is not None:
                self._record(
                    {"k": "deadline", "deadline": None, "remaining": max(0.0, c.remaining + secs)}
                )
            else:
                return self._error(
                    conn, re, "wrong_phase", f"there is no clock to extend (status {c.status})"
                )
            self._clock_dirty = True
        elif action == "advance":
            if c.status == "lobby":
                return self._error(conn, re, "wrong_phase", "start the game first")
            self._end_phase(now)
        elif action == "end":
            self._record({"k": "end"})
            self._finish_due = self._clock_dirty = True
        elif action == "bot":
            self._record({"k": "bot", "seat": seat})
            self._roster_dirty = True
        elif action == "unbot":
            self._record({"k": "unbot", "seat": seat})
            self._roster_dirty = True
        elif action == "assign":
            name = valid_name(msg["name"])
            if name is None:
                return self._error(
                    conn, re, "bad_message", "a name is 1-40 printable characters", "name"
                )
            holder = c.seats[seat].player
            if holder is not None:
                return self._error(
                    conn, re, "forbidden", f"{seat} is held by {holder}; release it first", "seat"
                )
            token = new_token()
            h = hash_token(token)
            self._record({"k": "join", "seat": seat, "name": name, "token": h})
            self._stmts.append(Store.token(h, self.id, seat))
            self.hub.token_added(h, self.id, seat)
            self._roster_dirty = True
            result = {"seat": seat, "token": token}
        elif action == "release":
            s = c.seats[seat]
            old = s.token_hash
            if s.player is not None:
                self._record({"k": "release", "seat": seat})
                if old is not None:
                    self._stmts.append(Store.drop_token(old))
                    self.hub.token_removed(old)
                held = self.conns.pop(seat, None)
                if held is not None:
                    held.bye("released", f"the facilitator released {seat}", CLOSE_RELEASED)
                self._roster_dirty = True
        elif action == "timers":
            e: Entry = {"k": "timers"}
            for k in ("negotiation_seconds", "report_seconds"):
                if k in msg:
                    e[k] = float(msg[k])
            self._record(e)
            self._clock_dirty = True
        elif action == "info":
            result = {
                "status": c.status,
                "round": c.round,
                "phase": c.phase,
                "hash": c.game.hash(),
                "entries": c.entries,
                "commands": c.commands,
                "seed": c.info.seed,
                "scenario": c.info.scenario,
                "server": self.hub.stats(),
            }
        ack: dict[str, Any] = {"type": "ack", "re": re, "seq": c.streams[FACILITATOR].seq}
        if result is not None:
            ack["result"] = result
        self._out.append(("ack", conn, ack))
        if action in ("advance", "end"):
            await self._flush()

    def _phase_length(self) -> float:
        c = self.core
        return c.negotiation_seconds if c.phase == "negotiation" else c.report_seconds

    def _end_phase(self, now: float) -> None:
        """Negotiation -> report (resolve), report -> next round or the end (advance)."""
        c = self.core
        nxt = c.report_seconds if c.phase == "negotiation" else c.negotiation_seconds
        e: Entry = {"k": "resolve" if c.phase == "negotiation" else "advance"}
        if c.status == "running":
            e["deadline"] = now + nxt
        self._record(e)
        if c.status == "paused":
            self._record({"k": "deadline", "deadline": None, "remaining": nxt})
        if e["k"] == "advance":
            self._snapshot_due = True
            if c.status == "ended":
                self._finish_due = True
        self._clock_dirty = self._roster_dirty = True

    async def _hello(self, conn: Conn, msg: dict[str, Any], how: tuple[Any, ...]) -> None:
        await self._flush()
        c = self.core
        re = msg.get("id")
        token: str | None = None
        if how[0] == "token":
            who, h = how[1], how[2]
            ok = (
                (c.info.facilitator_hash == h)
                if who == FACILITATOR
                else (who in c.seats and c.seats[who].token_hash == h)
            )
            if not ok:
                conn.send(
                    {
                        "type": "error",
                        "re": re,
                        "code": "bad_token",
                        "message": "no seat or facilitator holds this token",
                        "where": "token",
                    }
                )
                return
            recipient = who
        elif how[0] == "observer":
            recipient = OBSERVER
        else:
            name = valid_name(msg.get("name") or "")
            if name is None:
                conn.send(
                    {
                        "type": "error",
                        "re": re,
                        "code": "bad_message",
                        "message": "joining needs a name of 1-40 printable characters",
                        "where": "name",
                    }
                )
                return
            if c.status == "ended":
                conn.send(
                    {
                        "type": "error",
                        "re": re,
                        "code": "ended",
                        "message": "this game is over",
                        "where": "code",
                    }
                )
                return
            role = msg.get("role")
            seat = c.free_seat(role)
            if seat is None:
                conn.send(
                    {
                        "type": "error",
                        "re": re,
                        "code": "session_full",
                        "message": f"every {role + ' ' if role else ''}seat of this session is taken",
                        "where": "role" if role else "code",
                    }
                )
                return
            token = new_token()
            h = hash_token(token)
            self._record({"k": "join", "seat": seat, "name": name, "token": h})
            self._stmts.append(Store.token(h, self.id, seat))
            if not await self._flush():
                conn.send(
                    {
                        "type": "error",
                        "re": re,
                        "code": "storage",
                        "message": "the server could not save your seat; try again",
                        "where": "",
                    }
                )
                return
            self.hub.token_added(h, self.id, seat)
            recipient = seat
        if recipient == OBSERVER:
            self.observers.add(conn)
        else:
            old = self.conns.get(recipient)
            if old is not None and old is not conn:
                old.bye("replaced", "another connection took this seat", CLOSE_REPLACED)
            self.conns[recipient] = conn
        conn.bind(self, recipient)
        welcome: dict[str, Any] = {
            "type": "welcome",
            "re": re,
            "version": PROTOCOL_VERSION,
            "session": self.id,
            "code": c.info.code,
            "seat": recipient,
            "role": c.seats[recipient].role if recipient in c.seats else recipient,
            "name": (c.seats[recipient].player or c.seats[recipient].name)
            if recipient in c.seats
            else recipient.title(),
            "scenario": c.info.scenario,
            "status": c.status,
            "last_event": c.streams[recipient].seq,
            "server_time": self.now(),
        }
        if recipient in c.seats:
            welcome["road"] = c.seats[recipient].road
        welcome["deal_kinds"] = deal_kinds()
        if token is not None:
            welcome["token"] = token
        conn.send(welcome)
        self._catch_up(conn, recipient, msg.get("last_event"))
        conn.send(c.clock(self.now()))
        self._roster_dirty = True
        self.log.info("%s connected as %s", "new player" if token else "client", recipient)

    def _catch_up(self, conn: Conn, recipient: str, last: int | None) -> None:
        c = self.core
        how, items = c.catch_up(recipient, last)
        if how == "events":
            for seq, packed in items:
                conn.send_bytes(event_frame(seq, packed))
        else:
            conn.send(
                {"type": "view", "seq": c.streams[recipient].seq, "view": c.game.view(recipient)}
            )

    def _gone(self, conn: Conn) -> None:
        r = conn.recipient
        if r == OBSERVER:
            self.observers.discard(conn)
        elif r is not None and self.conns.get(r) is conn:
            del self.conns[r]
            self.log.info("%s disconnected", r)
        self._roster_dirty = True

    # --- entries, the store and fan-out ----------------------------------------------------

    def _record(self, e: Entry) -> None:
        """Apply an entry now; it is written and its results sent at the next flush."""
        e = plain(e)
        ready = len(self.core.game.state.ready)
        out = self.core.apply(e)
        if len(self.core.game.state.ready) != ready:
            self._roster_dirty = True
        self._stmts.append(Store.entry(self.id, self.core.entries, e))
        self._out.extend(out)

    async def _flush(self) -> bool:
        """Write what was recorded, then send it out. False if the store failed (then nothing of
        it happened: the session is reloaded from the store and the senders get `storage`)."""
        stmts, out = self._stmts, self._out
        self._stmts, self._out = [], []
        if self._finish_due and self.core.status == "ended":
            stmts.append(Store.finish(self.id, self.now()))
        if stmts:
            try:
                await self.store.write(stmts)
            except Exception as e:
                self.log.error("could not save %d statements: %s", len(stmts), e)
                await self._reload()
                for d in out:
                    if d[0] == "ack":
                        d[1].send(
                            {
                                "type": "error",
                                "re": d[2].get("re"),
                                "code": "storage",
                                "message": "the server could not save this; nothing was changed",
                                "where": "",
                            }
                        )
                return False
        await self._deliver(out)
        if self._clock_dirty:
            self._clock_dirty = False
            self._broadcast(self.core.clock(self.now()))
        if self._roster_dirty:
            self._roster_dirty = False
            self._broadcast(self.roster())
        if self._finish_due and self.core.status == "ended":
            self._finish_due = False
            self.hub.session_ended(self.id)
            self.log.info("game over: round %d, hash %s", self.core.round, self.core.game.hash())
        if self._snapshot_due:
            self._snapshot_due = False
            try:
                await self.store.write(
                    Store.snapshot(
                        self.id, self.core.entries, self.core.snapshot(), self.core.game.hash()
                    )
                )
            except Exception as e:  # a missing snapshot only makes a recovery slower
                self.log.error("could not save a snapshot: %s", e)
        return True

    async def _deliver(self, out: list[tuple[Any, ...]]) -> None:
        """Send what a flush made. Views are computed here, one per recipient: for a big session
        that is many milliseconds of work, so the loop is given back to the other sessions every
        few milliseconds (this session's state cannot change meanwhile: only this task changes it)."""
        game = self.core.game
        slice_start = time.perf_counter()
        for d in out:
            kind = d[0]
            if kind == "event":
                _k, r, seq, packed = d
                targets = self._targets(r)
                if targets:
                    frame = event_frame(seq, packed)
                    for t in targets:
                        t.send_bytes(frame)
            elif kind == "view":
                _k, r, seq = d
                targets = self._targets(r)
                if targets:
                    frame = encode({"type": "view", "seq": seq, "view": game.view(r)})
                    for t in targets:
                        t.send_bytes(frame)
                    if time.perf_counter() - slice_start > YIELD_EVERY:
                        await asyncio.sleep(0)
                        slice_start = time.perf_counter()
            else:  # "send" or "ack"
                d[1].send(d[2])

    def _targets(self, r: str) -> list[Conn]:
        if r == OBSERVER:
            return [c for c in self.observers if not c.closed]
        c = self.conns.get(r)
        return [c] if c is not None and not c.closed else []

    def _broadcast(self, msg: dict[str, Any]) -> None:
        frame = encode(msg)
        for c in [*self.conns.values(), *self.observers]:
            if not c.closed:
                c.send_bytes(frame)

    def roster(self) -> dict[str, Any]:
        c = self.core
        ready = c.game.state.ready
        seats = [
            {
                "id": s.id,
                "role": s.role,
                "name": s.name,
                "player": s.player,
                "controller": s.controller,
                "connected": s.id in self.conns and not self.conns[s.id].closed,
                "ready": s.id in ready,
            }
            for s in c.seats.values()
        ]
        return {
            "type": "roster",
            "seats": seats,
            "facilitator": FACILITATOR in self.conns,
            "observers": len(self.observers),
        }

    # --- moving the game on ----------------------------------------------------------------

    async def _progress(self) -> None:
        """Bots take their turns; a phase whose time is up, or whose seats are all ready, ends."""
        c = self.core
        slice_start = time.perf_counter()
        for _ in range(10000):
            c = self.core
            if c.status != "running":
                break
            now = self.now()
            due = c.deadline is not None and now >= c.deadline
            if c.phase == "negotiation" and c.pending_bots:
                self._bot_turn(c.pending_bots[0])
                if time.perf_counter() - slice_start > YIELD_EVERY:  # let the other sessions run
                    await asyncio.sleep(0)
                    slice_start = time.perf_counter()
                continue
            if (c.phase == "negotiation" and (due or c.negotiation_done())) or (
                c.phase == "report" and due
            ):
                self._end_phase(now)
                await self._flush()
                continue
            break
        await self._flush()

    def _bot_turn(self, seat: str) -> None:
        c = self.core
        cmds: list[dict[str, Any]] = []
        if self.bot is not None:
            try:
                cmds = self.bot(c.game.view(seat), c.info.seed, c.seats[seat].road)
            except Exception:
                self.log.exception("the bot of %s failed to decide", seat)
        for cmd in cmds:
            try:
                self._record({"k": "cmd", "seat": seat, "cmd": cmd, "bot": True})
            except EngineError as e:
                self.log.info("bot %s: %s refused: %s", seat, cmd.get("type"), e)
        self._record({"k": "bot_done", "seat": seat})

    # --- failures --------------------------------------------------------------------------

    async def _internal(self, job: tuple[Any, ...], error: Exception) -> None:
        """An unexpected failure while handling a job: whatever it half-did is thrown away by
        reloading the session from the store (after saving what was complete before it)."""
        await self._flush()
        await self._reload()
        if job[0] in ("command", "control", "hello", "sync"):
            conn, msg = job[1], job[2]
            conn.send(
                {
                    "type": "error",
                    "re": msg.get("id") if isinstance(msg, dict) else None,
                    "code": "internal",
                    "message": f"the server failed on this message ({type(error).__name__}: "
                    f"{str(error)[:200]}); nothing was changed",
                    "where": "",
                }
            )

    async def _reload(self) -> None:
        self._stmts, self._out = [], []
        stored = await self.store.read(lambda conn: self.store.load(self.id, conn))
        self.core = build_core(stored, self.core.scenario, self.log, self.store)
        self.log.warning("reloaded from the store at entry %d", self.core.entries)


def build_core(
    stored: StoredSession,
    scenario: Scenario,
    log: logging.LoggerAdapter[Any] | None = None,
    store: Store | None = None,
) -> SessionCore:
    """A session's core from what the store holds: its snapshot plus the later entries, or every
    entry from the start if the snapshot cannot be used."""
    info = SessionInfo(**stored.info)
    core = SessionCore(info, scenario)
    if stored.snapshot is not None:
        try:
            core.restore(stored.snapshot)
            if core.entries != stored.snapshot_n:
                raise ValueError(
                    f"snapshot covers {core.entries} entries, stored as {stored.snapshot_n}"
                )
        except Exception as e:
            if log is not None:
                log.warning("snapshot unusable (%s); replaying every entry", e)
            core = SessionCore(info, scenario)
            if store is None:
                raise
            replay_entries(core, store.all_entries(info.id), log)
            return core
    replay_entries(core, stored.entries, log)
    return core
