"""A session's state, and the fold that changes it.

`SessionCore` is the engine's game plus who holds which seat, the status, the clock, every
recipient's numbered stream, the idempotency keys and the bots' turns. It changes only by
`apply(entry)`, and an entry carries every input it needs (even the times of deadlines), so a
session is a fold of its entries: the store keeps the entries, and replaying them (from a
snapshot) rebuilds the identical session. Nothing here knows about clocks, sockets or files.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import msgpack
from district.server.bots.turns import BotTurns
from district.server.engine import EngineError, Game, Scenario
from district.server.engine.snapshot import from_data, restore, snapshot, state_hash, to_data
from district.server.engine.state import State
from district.server.protocol import encode, plain_default
from district.server.session.outputs import Delivery, EventOut, ViewOut
from district.server.store import StoredSession

Entry = dict[str, Any]

FACILITATOR = "facilitator"
OBSERVER = "observer"
ROLE_ORDER = {"firm": 0, "union": 1, "government": 2, "broker": 3}
MAX_CIDS = 4096  # idempotency keys remembered per seat
LIVE = ("running", "paused")  # statuses in which the game is under way
STANDIN_SECONDS = 60.0  # default grace before a disconnected player's seat gets a stand-in


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
    standin: bool = False  # its player is away: a stand-in bot plays it until they come back

    @property
    def controller(self) -> str:
        return "bot" if self.bot else ("human" if self.player is not None else "open")


@dataclass(slots=True)
class Waiting:
    """A late joiner waiting for the facilitator to admit or refuse them (the session is locked).
    Not part of the fold: it lives as long as the joiner's connection (the actor's audience keeps
    it, like `away`), and a restart or a disconnection drops it."""

    id: str  # the request's id, as the facilitator's `admit`/`refuse` names it
    conn: Any  # the joiner's connection (server/session/audience.py Conn)
    name: str
    role: str | None
    re: Any  # the hello's id: the welcome or the refusal answers it
    last_event: int | None
    since: float  # server time the request arrived


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
    def __init__(self, info: SessionInfo, scenario: Scenario, state: State | None = None) -> None:
        """A new session in its lobby; with `state` (restored from a snapshot: `from_snapshot`)
        the game goes on from it instead of a new one being built."""
        self.info = info
        self.scenario = scenario
        self.game = (
            Game(scenario, info.seed)
            if state is None
            else Game.from_state(scenario, info.seed, state)
        )
        self.status = "lobby"
        self.deadline: float | None = None
        self.remaining: float | None = None  # while paused: seconds that were left
        self.negotiation_seconds = info.negotiation_seconds
        self.report_seconds = info.report_seconds
        self.standin_seconds = STANDIN_SECONDS  # a player away this long gets a stand-in
        self.locked = False  # closed to new players (the facilitator's lock)
        st = self.game.state
        self.seats: dict[str, SeatInfo] = {
            s.id: SeatInfo(id=s.id, role=s.role, name=s.name, road=s.road)
            for s in st.seats.values()
        }
        self.order = seat_order(scenario)
        self.streams: dict[str, Stream] = {r: Stream(seq=1, view_seq=1) for r in self.recipients()}
        self.cids: dict[str, OrderedDict[str, int]] = {}
        self.version = (
            0  # entries applied to this object: what was read of it is stale when it moves
        )
        self.turns = BotTurns()  # the bots' turns in this negotiation phase
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

    def is_bot(self, seat: str) -> bool:
        s = self.seats.get(seat)
        return s is not None and s.bot

    def bots(self) -> list[str]:
        """The seats bots play: the bots' own and the stand-ins of players who are away."""
        return [s.id for s in self.seats.values() if s.bot or s.standin]

    def awaited(self, seat: str) -> bool:
        """A person plays `seat` (not a bot, no stand-in): the seat can be stood in for."""
        s = self.seats.get(seat)
        return s is not None and s.player is not None and not s.bot and not s.standin

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
        return (open_ or cands)[0] if cands else None

    def negotiation_done(self) -> bool:
        """Every played seat has said ready (a bot counts once it has acted), and no bot's turn
        is still queued."""
        if self.status != "running" or self.phase != "negotiation" or self.turns.next():
            return False
        ready = self.game.state.ready
        played = False
        for s in self.seats.values():  # (after most commands the first seat played says no)
            if s.bot or s.player is not None:
                played = True
                if s.id not in ready and not ((s.bot or s.standin) and self.turns.has_acted(s.id)):
                    return False
        return played

    def phase_length(self) -> float:
        return self.negotiation_seconds if self.phase == "negotiation" else self.report_seconds

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
        self.version += 1
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
                self.turns.woken(events, seat, self.is_bot)
        elif k == "bot_done":
            self.turns.acted(e["seat"])
        elif k == "resolve":
            self.game.resolve()
            self.deadline = e.get("deadline")
            self.turns.clear()
            out += self._events(
                [{"kind": "phase", "audience": "public", "round": self.round, "phase": "report"}]
            )
            out += self._views()
        elif k == "advance":
            events = self.game.advance()
            if self.game.over:
                self.status = "ended"
                self.deadline = None
                self.turns.clear()
            else:
                self.deadline = e.get("deadline")
                self.turns.begin(self.bots())
            out += self._events(events)
            out += self._views()
        elif k == "start":
            self.status = "running"
            self.deadline = e["deadline"]
            if e.get("fill", True):
                for s in self.seats.values():
                    if s.player is None:
                        s.bot = True
            self.turns.begin(self.bots())
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
        elif k == "lock":
            self.locked = bool(e["locked"])
        elif k == "facilitator_token":  # a new facilitator token; the old one no longer works
            self.info.facilitator_hash = e["hash"]
        elif k == "timers":
            self.negotiation_seconds = e.get("negotiation_seconds", self.negotiation_seconds)
            self.report_seconds = e.get("report_seconds", self.report_seconds)
            self.standin_seconds = e.get("standin_seconds", self.standin_seconds)
        elif k == "end":
            self.status = "ended"
            self.deadline = None
            self.remaining = None
            self.turns.clear()
            out += self._events(self.game.end())  # the game's phase ends too: every view says so
            out += self._views()
        elif k == "join":
            s = self.seats[e["seat"]]
            s.player = e["name"]
            s.token_hash = e["token"]
            s.bot = s.standin = False
            self.turns.leave(s.id)
        elif k == "release":
            s = self.seats[e["seat"]]
            s.player = None
            s.token_hash = None
            s.standin = False
            s.bot = self.status in LIVE
            self._bot_joins(s.id)
        elif k == "bot":
            s = self.seats[e["seat"]]
            if s.player is not None and not s.bot:
                # the player is told (in their own stream, so also on coming back)
                notice = {"kind": "seat_taken_by_bot", "seat": s.id, "by": FACILITATOR}
                out += self._events([{**notice, "audience": [s.id]}])
            s.bot = True
            s.standin = False
            self._bot_joins(e["seat"])
        elif k == "unbot":
            self.seats[e["seat"]].bot = False
            self.turns.leave(e["seat"])
        elif k == "standin":
            # the player has been away past the grace period: a stand-in plays the seat
            s = self.seats[e["seat"]]
            s.standin = True
            self._bot_joins(s.id)
        elif k == "back":
            # the player is back: the seat is theirs again, and they are told
            s = self.seats[e["seat"]]
            s.standin = False
            self.turns.leave(s.id)
            out += self._events([{"kind": "seat_back", "seat": s.id, "audience": [s.id]}])
        else:
            raise ValueError(f"unknown entry {k!r}")
        self.entries += 1
        return out

    def _bot_joins(self, seat: str) -> None:
        """A bot took `seat` during a negotiation phase: it gets its turn (see BotTurns.join)."""
        s = self.seats[seat]
        if (s.bot or s.standin) and self.status in LIVE and self.phase == "negotiation":
            self.turns.join(seat)

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
                out.append(EventOut(r, st.seq, packed))
        return out

    def _views(self) -> list[Delivery]:
        out: list[Delivery] = []
        for r, st in self.streams.items():
            st.seq += 1
            st.view_seq = st.seq
            st.items = []
            out.append(ViewOut(r, st.seq))
        return out

    # --- snapshots -------------------------------------------------------------------------

    def snapshot(self) -> tuple[bytes, str]:
        """The session's state as bytes for `restore`, and the game's state hash."""
        meta = {
            "status": self.status,
            "deadline": self.deadline,
            "remaining": self.remaining,
            "negotiation_seconds": self.negotiation_seconds,
            "report_seconds": self.report_seconds,
            "standin_seconds": self.standin_seconds,
            "locked": self.locked,
            "facilitator_hash": self.info.facilitator_hash,
            "seats": {k: (s.player, s.token_hash, s.bot) for k, s in self.seats.items()},
            "standins": [k for k, s in self.seats.items() if s.standin],
            # items as lists, not tuples: msgpack packs a list itself, a tuple through a callback
            # (most of a snapshot's time once chat has filled the streams)
            "streams": {
                r: [s.seq, s.view_seq, [[n, b] for n, b in s.items]]
                for r, s in self.streams.items()
            },
            "cids": {k: list(v) for k, v in self.cids.items()},
            "turns": self.turns.to_plain(),
            "entries": self.entries,
            "commands": self.commands,
        }
        h = self.game.hash()
        blob = to_data({"state": snapshot(self.game.state), "meta": meta, "hash": h})
        return blob, h

    @classmethod
    def from_snapshot(cls, info: SessionInfo, scenario: Scenario, blob: bytes) -> SessionCore:
        """A session as a snapshot made by `snapshot` holds it (see `restore`), without first
        building a new game that the snapshot would replace."""
        decoded = decode_snapshot(blob, scenario)
        core = cls(info, scenario, state=decoded[0])
        core.restore(blob, decoded)
        return core

    def restore(self, blob: bytes, decoded: tuple[State, dict[str, Any]] | None = None) -> None:
        """Load a snapshot made by `snapshot` (data only: nothing in it is run). Raises ValueError
        (SnapshotError) if it is damaged, of another format, or does not give back the state it
        was made from (KeyError if a field is missing). `decoded`: `decode_snapshot(blob)`."""
        state, data = decoded or decode_snapshot(blob, self.scenario)
        m = data["meta"]
        turns = BotTurns.from_plain(m["turns"])
        if self.game.state is not state:
            self.game = Game.from_state(self.scenario, self.info.seed, state)
        self.status, self.deadline, self.remaining = m["status"], m["deadline"], m["remaining"]
        self.negotiation_seconds, self.report_seconds = (
            m["negotiation_seconds"],
            m["report_seconds"],
        )
        self.locked = m.get("locked", False)  # snapshots from before the lock have none
        self.info.facilitator_hash = m.get("facilitator_hash", self.info.facilitator_hash)
        # snapshots from before stand-ins have neither of these
        self.standin_seconds = m.get("standin_seconds", STANDIN_SECONDS)
        standins = set(m.get("standins", ()))
        for k, (player, token, bot) in m["seats"].items():
            s = self.seats[k]
            s.player, s.token_hash, s.bot = player, token, bot
            s.standin = k in standins
        self.streams = {
            r: Stream(seq=a, view_seq=b, items=[(n, b) for n, b in c])
            for r, (a, b, c) in m["streams"].items()
        }
        self.cids = {k: OrderedDict((c, 1) for c in v) for k, v in m["cids"].items()}
        self.turns = turns
        self.entries, self.commands = m["entries"], m["commands"]

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything a refused message must leave unchanged (for tests and checks)."""
        return (
            self.game.hash(),
            self.status,
            self.deadline,
            self.remaining,
            self.entries,
            self.commands,
            tuple((s.id, s.player, s.token_hash, s.bot, s.standin) for s in self.seats.values()),
            tuple((r, s.seq, s.view_seq, len(s.items)) for r, s in self.streams.items()),
            tuple((k, tuple(v)) for k, v in self.cids.items()),
            repr(self.turns.to_plain()),
            self.negotiation_seconds,
            self.report_seconds,
            self.standin_seconds,
            self.locked,
            self.info.facilitator_hash,
        )


def decode_snapshot(blob: bytes, scenario: Scenario) -> tuple[State, dict[str, Any]]:
    """The game's state in a session snapshot, and the whole snapshot's data; ValueError if it is
    damaged or does not give back the state it was made from (its hash)."""
    data = from_data(blob)
    if not isinstance(data, dict):
        raise ValueError("not a session snapshot")
    state = restore(data["state"], scenario)
    if state_hash(state) != data["hash"]:
        raise ValueError("the snapshot's state hash does not match")
    return state, data


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


def build_core(
    stored: StoredSession, scenario: Scenario, log: logging.LoggerAdapter[Any] | None = None
) -> SessionCore:
    """A session's state from what the store holds: its snapshot plus the later entries. Raises
    (ValueError, KeyError, ...) if the snapshot cannot be used: then load every entry
    (`Store.load(full=True)`) and build again."""
    info = SessionInfo(**stored.info)
    if stored.snapshot is not None:
        core = SessionCore.from_snapshot(info, scenario, stored.snapshot)
        if core.entries != stored.snapshot_n:
            raise ValueError(
                f"snapshot covers {core.entries} entries, stored as {stored.snapshot_n}"
            )
    else:
        core = SessionCore(info, scenario)
    replay_entries(core, stored.entries, log)
    return core
