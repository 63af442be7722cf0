"""Who is connected to a session as whom, and sending them what they may see.

A seat and the facilitator have at most one connection each (the newer one wins); any number of
observers share the observer's stream. Events are sent as they were packed by the fold; views are
computed when they are sent, one per recipient with a connection, and since that is many
milliseconds of work for a big session, the event loop is given back to the other sessions every
few milliseconds.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Protocol

from district.server.engine import Game
from district.server.protocol import CLOSE_REPLACED, encode
from district.server.session.messages import event_frame
from district.server.session.outputs import Bye, EventOut, Reply, ViewOut
from district.server.session.state import FACILITATOR, OBSERVER, SessionCore, Waiting

if TYPE_CHECKING:
    from district.server.session.actor import Session

YIELD_EVERY = 0.005  # seconds of work after which a session lets the others run
# A district of this many firms or more has its rounds resolved, its snapshots made and its new
# round's views built in a thread (a firm's view takes ~11 us a firm, 37 ms at 3,500; a round
# half a second at 5,000), so that the other sessions are answered meanwhile. A smaller one's are
# made on the event loop: a few milliseconds of Python work in a thread would only take turns
# with the loop for the interpreter's lock, every switch costing the loop up to 5 ms.
BIG_DISTRICT = 500


def big_district(game: Game) -> bool:
    return len(game.state.firms.alive) >= BIG_DISTRICT


Outgoing = EventOut | ViewOut | Reply | Bye


class Conn(Protocol):
    """What the session needs of a connection (server/net.py's Connection)."""

    recipient: str | None
    closed: bool
    batch: bool  # the client takes several messages a frame (docs/protocol.md, section 1)

    def send(self, msg: dict[str, Any]) -> None: ...
    def send_bytes(self, data: bytes) -> None: ...
    def bind(self, session: Session, recipient: str | None) -> None: ...
    def bye(self, reason: str, message: str, code: int) -> None: ...


MAX_VIEW_CLOSED_DEALS = 100  # closed deals (rejected, withdrawn, expired, ...) a view keeps


def capped_view(view: dict[str, Any]) -> dict[str, Any]:
    """A view whose `deals` keep every open and running deal but only the latest
    MAX_VIEW_CLOSED_DEALS closed ones (`deals_dropped` says how many older ones were left out):
    proposals someone floods a seat with must not grow its view past what clients accept."""
    deals = view.get("deals")
    if not isinstance(deals, list):
        return view
    closed = [i for i, d in enumerate(deals) if d.get("status") not in ("proposed", "active")]
    if len(closed) <= MAX_VIEW_CLOSED_DEALS:
        return view
    drop = set(closed[: len(closed) - MAX_VIEW_CLOSED_DEALS])
    kept = [d for i, d in enumerate(deals) if i not in drop]
    return {**view, "deals": kept, "deals_dropped": len(drop)}


def built_view(game: Game, recipient: str) -> dict[str, Any]:
    """`recipient`'s view of the game now, capped (see capped_view)."""
    return capped_view(game.view(recipient))


class Audience:
    def __init__(self) -> None:
        self.conns: dict[str, Conn] = {}  # seat or facilitator -> its connection
        # workshop leads: facilitator connections beside the session's own (server/workshop.py);
        # they get what the facilitator gets and act as the facilitator, but replace nobody
        self.leads: set[Conn] = set()
        self.observers: set[Conn] = set()
        self.away: dict[str, float] = {}  # seat -> when its connection went (server time)
        self.waiting: dict[str, Waiting] = {}  # late joiners waiting to be let in, by request id
        self._observer_view: tuple[tuple[int, int, int], bytes] | None = None

    def admit(self, conn: Conn, recipient: str) -> None:
        if recipient == OBSERVER:
            self.observers.add(conn)
            return
        if recipient == FACILITATOR and getattr(conn, "lead", False):
            self.leads.add(conn)
            return
        old = self.conns.get(recipient)
        if old is not None and old is not conn:
            old.bye("replaced", "another connection took this seat", CLOSE_REPLACED)
        self.conns[recipient] = conn
        self.away.pop(recipient, None)

    def gone(self, conn: Conn, now: float) -> bool:
        """A connection closed at `now`; True if it held a seat (or the facilitator's place). A
        seat's player counts as away from then on."""
        r = conn.recipient
        if r == OBSERVER:
            self.observers.discard(conn)
        elif conn in self.leads:
            self.leads.discard(conn)
        elif r is not None and self.conns.get(r) is conn:
            del self.conns[r]
            if r != FACILITATOR:
                self.away[r] = now
            return True
        return False

    def unwait(self, conn: Conn) -> bool:
        """A waiting joiner's connection closed: their request goes. True if there was one."""
        for rid, w in list(self.waiting.items()):
            if w.conn is conn:
                del self.waiting[rid]
                return True
        return False

    def join_requests(self) -> dict[str, Any]:
        """The `join_requests` message: the facilitator's list of late joiners waiting."""
        return {
            "type": "join_requests",
            "requests": [
                {"id": w.id, "name": w.name, "role": w.role, "since": w.since}
                for w in self.waiting.values()
            ],
        }

    def tell_facilitator(self) -> None:
        """The facilitator (if connected) gets the list of waiting joiners; nobody else does."""
        msg = self.join_requests()
        for c in self.targets(FACILITATOR):
            c.send(msg)

    def live(self) -> set[str]:
        """The seats (and the facilitator) with an open connection."""
        return {r for r, c in self.conns.items() if not c.closed}

    def targets(self, r: str) -> list[Conn]:
        if r == OBSERVER:
            return [c for c in self.observers if not c.closed]
        c = self.conns.get(r)
        out = [c] if c is not None and not c.closed else []
        if r == FACILITATOR and self.leads:
            out.extend(c for c in self.leads if not c.closed)
        return out

    def everyone(self) -> list[Conn]:
        """Every connection of the session: seats, facilitator, workshop leads, observers."""
        return [*self.conns.values(), *self.leads, *self.observers]

    def broadcast(self, msg: dict[str, Any]) -> None:
        frame = encode(msg)
        for c in self.everyone():
            if not c.closed:
                c.send_bytes(frame)

    def catch_up(self, conn: Conn, core: SessionCore, recipient: str, last: int | None) -> None:
        """What `conn` missed since `last`: exactly the missed events, or a fresh view."""
        how, items = core.catch_up(recipient, last)
        if how == "events":
            for seq, packed in items:
                conn.send_bytes(event_frame(seq, packed))
        else:
            conn.send_bytes(self.view_frame(core, recipient))

    def view_frame(self, core: SessionCore, recipient: str) -> bytes:
        """The `view` message of `recipient`'s stream now, packed. The observers' is one for all
        of them: packed once and kept until the session changes (an entry) or the stream moves,
        so that many observers catching up at once cost one view, not one each."""
        seq = core.streams[recipient].seq
        if recipient != OBSERVER:
            return encode(
                {"type": "view", "seq": seq, "view": capped_view(core.game.view(recipient))}
            )
        key = (id(core), core.entries, seq)
        if self._observer_view is None or self._observer_view[0] != key:
            view = capped_view(core.game.view(OBSERVER))
            self._observer_view = (key, encode({"type": "view", "seq": seq, "view": view}))
        return self._observer_view[1]

    async def deliver(self, out: list[Outgoing], game: Game) -> None:
        """Send what a flush made, in order (the game cannot change meanwhile: only the session's
        task changes it)."""
        slice_start = time.perf_counter()
        for d in out:
            if isinstance(d, EventOut):
                targets = self.targets(d.recipient)
                if targets:
                    frame = event_frame(d.seq, d.packed)
                    for t in targets:
                        t.send_bytes(frame)
            elif isinstance(d, ViewOut):
                targets = self.targets(d.recipient)
                if targets:
                    if big_district(game):
                        view = await asyncio.to_thread(built_view, game, d.recipient)
                    else:
                        view = built_view(game, d.recipient)
                    frame = encode({"type": "view", "seq": d.seq, "view": view})
                    for t in targets:
                        t.send_bytes(frame)
                    if time.perf_counter() - slice_start > YIELD_EVERY:
                        await asyncio.sleep(0)
                        slice_start = time.perf_counter()
            elif isinstance(d, Bye):
                held = self.conns.pop(d.recipient, None)
                if held is not None:
                    held.bye(d.reason, d.message, d.code)
            else:
                d.conn.send(d.msg)
