"""What a session did and has not yet stored, and storing it before anyone is told.

`Ledger` holds a session's state and carries out the outputs of its rules: entries are applied to
the state at once, and their store writes, the messages they cause and the tokens they add or drop
wait for `flush`, which hands the store the writes of a whole batch of jobs at once and, only once
they are stored, sends the messages. If the store fails, the state is loaded back from the store
(what was not stored did not happen) and the senders get `storage`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from district.server import store as db
from district.server.engine import EngineError, Scenario
from district.server.session.audience import Audience, Outgoing, big_district
from district.server.session.messages import roster
from district.server.session.outputs import (
    Ack,
    AddToken,
    Admit,
    Announce,
    Attempt,
    Bye,
    DropToken,
    Entry,
    Flush,
    Output,
    Question,
    Record,
    Reply,
    TakeSnapshot,
    Unwait,
    Wait,
    error,
)
from district.server.session.state import SessionCore, build_core
from district.server.store import Store, StoredSession

Mark = tuple[int, int, int, bool, bool]
ROSTER_EVERY = 0.25  # seconds: rosters are sent at most this often (see Ledger.roster_soon)

# a snapshot is stored after this many entries since the latest one (and at every new round): a
# restart replays at most this many entries of a session, however long its history (a snapshot of a
# 20-seat session costs a few milliseconds, a replayed entry tens of microseconds)
SNAPSHOT_EVERY = 250
# entries whose work grows with the district (a round's resolution: ~13 ms at 1,000 firms, half a
# second at 5,000): in a big district (audience.BIG_DISTRICT), applied in a thread, so that the
# other sessions' players are answered meanwhile (the session's own actor waits for it, and
# nothing else changes its state)
OFF_LOOP = frozenset({"resolve"})

# after a failed write, the session rests (writes nothing, refuses what would write) for this many
# seconds, doubling at each failure in a row up to the last: a failing disk costs no CPU
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
MAX_NOTES = 10_000  # notes waiting for a write, at most (see Ledger.note)


def writes_something(outputs: list[Output]) -> bool:
    """Carrying these outputs would write to the store."""
    return any(isinstance(o, Record | Attempt | AddToken | DropToken) for o in outputs)


class Hub(Protocol):
    """What the session tells the server about: tokens and codes it must be found by; and where
    the server serves the sessions' reports (a port on the same host, or None)."""

    report_port: int | None

    def token_added(self, hash_: str, session: str, who: str) -> None: ...
    def token_removed(self, hash_: str) -> None: ...
    def session_ended(self, session: str) -> None: ...
    def lease_lost(self, session: str) -> None: ...
    def stats(self) -> dict[str, Any]: ...
    async def branch(
        self, original: SessionCore, entries: list[Entry], round_: int
    ) -> dict[str, Any]: ...


async def load_core(
    store: Store,
    stored: StoredSession,
    scenario: Scenario,
    log: logging.LoggerAdapter[Any] | None = None,
) -> SessionCore:
    """A session's state from its snapshot and later entries, or from every entry if the snapshot
    cannot be used."""
    try:
        return build_core(stored, scenario, log)
    except Exception as e:
        if stored.snapshot is None:
            raise
        if log is not None:
            log.warning("snapshot unusable (%s); replaying every entry", e)
        full = await store.load(stored.info["id"], full=True)
        if full is None:
            raise
        return build_core(full, scenario, log)


def replayed(core: SessionCore, stored: StoredSession) -> int:
    """How many entries a session loaded from `stored` has applied since its snapshot."""
    return core.entries - (stored.snapshot_n if stored.snapshot is not None else 0)


class Ledger:
    def __init__(
        self,
        core: SessionCore,
        store: Store,
        hub: Hub,
        audience: Audience,
        log: logging.LoggerAdapter[logging.Logger],
        clock: Callable[[], float],
    ) -> None:
        self.core = core
        self.store = store
        self.hub = hub
        self.audience = audience
        self.log = log
        self.now = clock
        self._writes: list[db.Write] = []
        self._notes: list[db.Note] = []  # wait for the next write (see `note`)
        self._out: list[Outgoing] = []
        self._hub_news: list[AddToken | DropToken] = []
        self.roster_dirty = False
        self._roster_sent = -ROSTER_EVERY
        self._roster_timer: asyncio.TimerHandle | None = None
        self.wake: Callable[[], Any] = lambda: None  # the actor: look again soon (a Tick)
        self.clock_dirty = False
        self._snapshot_due = False
        self.since_snapshot = 0  # entries applied since the latest stored snapshot
        self._finish_due = False
        self.failures = 0  # failed writes in a row
        self.rest_until = 0.0  # (monotonic) no write is tried before then
        # how many of the session's entries the store holds (those applied but not yet stored
        # are in a write under way): what reads the store directly waits for this to catch up
        self.stored_entries = core.entries
        # another server process owns the session now (a write raised LeaseLost, or the lease
        # was not renewed): nothing more is written or sent; the server drops the session
        self.lost = False

    @property
    def sid(self) -> str:
        return self.core.info.id

    def resting(self) -> float:
        """Seconds left before a write is tried again after the store failed (0: now)."""
        return max(0.0, self.rest_until - time.monotonic()) if self.failures else 0.0

    def _failed(self, e: Exception) -> None:
        self.failures += 1
        wait = BACKOFF[min(self.failures, len(BACKOFF)) - 1]
        self.rest_until = time.monotonic() + wait
        if self.failures == 1 or wait == BACKOFF[-1] and self.failures % 20 == 0:
            self.log.error(
                "the store failed (%s); writes of this session rest for up to %g s between tries, "
                "questions are still answered",
                e,
                BACKOFF[-1],
            )

    def lose(self) -> None:
        """The session's lease is lost: what is pending did not happen here (the new owner
        replays what was stored); nothing more is written or sent from this process."""
        self._writes, self._out, self._hub_news, self._notes = [], [], [], []
        self._finish_due = self._snapshot_due = False
        self.clock_dirty = self.roster_dirty = False
        self.stop()
        if not self.lost:
            self.lost = True
            self.hub.lease_lost(self.sid)

    def _stored(self) -> None:
        if self.failures:
            self.log.warning("the store works again after %d failed write(s)", self.failures)
        self.failures = 0
        self.rest_until = 0.0

    async def carry(
        self,
        outputs: list[Output],
        admit: Callable[[Admit | Wait | Unwait], None],
        ask: Callable[[Question], None] | None = None,
    ) -> None:
        """Carry out a decision's outputs, in order; `admit` binds an admitted connection (or has
        a late joiner wait, or drops an answered request), `ask` has a preview answered
        (server/session/questions.py)."""
        for o in outputs:
            if isinstance(o, Record):  # `t`: when, for the debrief (the fold reads no time in it)
                if o.entry.get("k") in OFF_LOOP and big_district(self.core.game):
                    await asyncio.to_thread(self.record, {**o.entry, "t": self.now()})
                else:
                    self.record({**o.entry, "t": self.now()})
            elif isinstance(o, Attempt):
                try:
                    self.record({**o.entry, "t": self.now()})
                except EngineError as e:
                    if o.conn is None:
                        self.log.info(
                            "bot %s: %s refused: %s",
                            o.entry.get("seat"),
                            o.entry["cmd"].get("type"),
                            e,
                        )
                        continue
                    self._out.append(Reply(o.conn, error(o.re, e.code, e.message, e.where)))
                    return
            elif isinstance(o, Ack):
                msg: dict[str, Any] = {
                    "type": "ack",
                    "re": o.re,
                    "seq": self.core.streams[o.recipient].seq,
                }
                if o.result is not None:
                    msg["result"] = o.result
                self._out.append(Reply(o.conn, msg, ack=True))
            elif isinstance(o, Reply | Bye):
                self._out.append(o)
            elif isinstance(o, AddToken):
                self._writes.append(db.AddToken(o.hash, self.sid, o.seat))
                self._hub_news.append(o)
            elif isinstance(o, DropToken):
                self._writes.append(db.DropToken(o.hash))
                self._hub_news.append(o)
            elif isinstance(o, Announce):
                self.clock_dirty |= o.clock
                self.roster_dirty |= o.roster
            elif isinstance(o, TakeSnapshot):
                self._snapshot_due = True
            elif isinstance(o, Flush):
                await self.flush()
            elif isinstance(o, Question):
                if ask is not None:
                    ask(o)
                self.note(o.seat, {"kind": "preview", "request": o.request})
            elif isinstance(o, Wait | Unwait):
                admit(o)
            elif isinstance(o, Admit):
                if not await self.flush():
                    if not self.lost:  # else the connection is told the session moved
                        o.conn.send(
                            error(o.re, "storage", "the server could not save your seat; try again")
                        )
                    return
                admit(o)

    def record(self, e: Entry) -> None:
        """Apply an entry now; it is stored and its results sent at the next flush."""
        packed = db.pack_entry(e)  # what the store keeps; the entry applied is what a replay
        e = db.unpack_entry(packed)  # reads back from it (server/session/state.py `plain`)
        c = self.core
        ready, status = len(c.game.state.ready), c.status
        out = c.apply(e)
        if len(c.game.state.ready) != ready:
            self.roster_dirty = True
        if c.status == "ended" and status != "ended":
            self._finish_due = True
        self._writes.append(db.AppendEntry(self.sid, c.entries, e, packed))
        self._out.extend(out)
        self.since_snapshot += 1
        if self.since_snapshot >= SNAPSHOT_EVERY:
            self._snapshot_due = True

    def note(self, seat: str, data: dict[str, Any]) -> None:
        """Keep a fact for the debrief that is not an entry (never replayed): a preview asked,
        with the round and phase it was asked in. It is stored with the next write the session
        makes anyway (an entry: at the latest the phase's end), so a storm of questions costs
        the store nothing more; if that write fails, or the process dies first, it is lost."""
        if len(self._notes) < MAX_NOTES:
            st = self.core.game.state
            data = {**data, "round": st.round, "phase": st.phase}
            self._notes.append(db.Note(self.sid, self.now(), seat, data))

    async def flush(self, rebuild: bool = False) -> bool:
        """Store what was recorded, then send it out. False if the store failed (then nothing of
        it happened: the session is reloaded from the store and the senders get `storage`).
        `rebuild`: the session's state holds changes that are not to be stored: once the rest is
        stored, the state is loaded back from the store. False at once, and nothing is written or
        sent, once the session's lease is lost (`lost`)."""
        if self.lost:
            self.lose()
            return False
        if not (
            self._writes
            or self._out
            or self._hub_news
            or self.clock_dirty
            or self.roster_dirty
            or self._finish_due
            or self._snapshot_due
            or rebuild
        ):
            return True  # nothing to store or send (most flushes after a batch's own)
        writes, out, news = self._writes, self._out, self._hub_news
        self._writes, self._out, self._hub_news = [], [], []
        if writes and self._notes:  # notes ride with a write the store makes anyway
            writes += self._notes
            self._notes = []
        finishing = self._finish_due and self.core.status == "ended"
        if finishing:
            writes.append(db.Finish(self.sid, self.now()))
        upto = self.core.entries  # every entry applied so far is in `writes` (or stored before)
        try:
            await self.store.write(writes)
        except db.LeaseLost as e:  # not an outage to wait out: another process owns it now
            self.log.warning(
                "lease lost (%s): %d writes not stored; the session leaves", e, len(writes)
            )
            self.lose()
            return False
        except Exception as e:
            self._failed(e)
            self.log.info("could not save %d writes: %s", len(writes), e)
            for d in out:  # what was recorded did not happen; answers to questions stand
                if isinstance(d, Reply):
                    d.conn.send(
                        error(
                            d.msg.get("re"),
                            "storage",
                            "the server could not save this; nothing was changed",
                        )
                        if d.ack
                        else d.msg
                    )
            await self.reload()
            return False
        if writes:
            self._stored()
            self.stored_entries = max(self.stored_entries, upto)
        if rebuild:
            await self.reload(quiet=True)
        for n in news:
            if isinstance(n, AddToken):
                self.hub.token_added(n.hash, self.sid, n.seat)
            else:
                self.hub.token_removed(n.hash)
        await self.audience.deliver(out, self.core.game)
        clock = self.clock_dirty
        if self.clock_dirty:
            self.clock_dirty = False
            self.audience.broadcast(self.core.clock(self.now()))
        if self.roster_dirty:
            self.roster_dirty = False
            # with a new clock (a phase change, a control: rare) the roster goes with it, so the
            # two agree; other changes (people coming and going) are coalesced
            self.roster_soon(now=clock)
        if finishing:
            self._finish_due = False
            self.hub.session_ended(self.sid)
            self.log.info("game over: round %d, hash %s", self.core.round, self.core.game.hash())
        if self._snapshot_due:
            self._snapshot_due = False
            self.since_snapshot = 0  # a failed one is tried again after as many entries
            c = self.core
            try:
                if big_district(c.game):  # (the whole state is hashed and packed)
                    blob, h = await asyncio.to_thread(c.snapshot)
                else:
                    blob, h = c.snapshot()
                await self.store.write([db.Snapshot(self.sid, c.entries, blob, h)])
            except db.LeaseLost:
                self.lose()
                return False
            except Exception as e:  # a missing snapshot only makes a recovery slower
                self.log.error("could not save a snapshot: %s", e)
        return True

    def roster_soon(self, now: bool = False) -> None:
        """Everyone connected gets the new roster: at once if `now`, or if none went out in the
        last ROSTER_EVERY seconds; else once, at the end of that interval. Many joins (a class of
        observers arriving) cost a few rosters, not one to everyone per join."""
        if now:
            self.stop()  # what was due goes out now
        elif self._roster_timer is not None:
            return  # one is already due, and it will say what the roster is then
        loop = asyncio.get_running_loop()
        wait = self._roster_sent + ROSTER_EVERY - loop.time()
        if now or wait <= 0:
            self._roster_sent = loop.time()
            self.audience.broadcast(self.roster())
        else:
            self._roster_timer = loop.call_later(wait, self._roster_due)

    def _roster_due(self) -> None:
        """The interval is over: the actor sends the roster at its next flush (what is not yet
        stored must not show in it)."""
        self._roster_timer = None
        self.roster_dirty = True
        self.wake()

    def stop(self) -> None:
        if self._roster_timer is not None:
            self._roster_timer.cancel()
            self._roster_timer = None

    def roster(self) -> dict[str, Any]:
        a = self.audience
        return roster(self.core, a.live(), len(a.observers), a.away)

    def mark(self) -> Mark:
        """Where the pending work stands before a job (to drop what a failing job half-did)."""
        return (
            len(self._writes),
            len(self._out),
            len(self._hub_news),
            self._finish_due,
            self._snapshot_due,
        )

    def rollback(self, mark: Mark) -> None:
        """Drop what was recorded after `mark` (the state still holds it: `flush(rebuild=True)`)."""
        nw, no, nn, self._finish_due, self._snapshot_due = mark
        del self._writes[nw:], self._out[no:], self._hub_news[nn:]

    async def reload(self, quiet: bool = False) -> None:
        """The session's state as stored (what is pending is dropped unless `quiet`)."""
        if not quiet:
            self._writes, self._out, self._hub_news = [], [], []
            self._finish_due = self._snapshot_due = False
        stored = await self.store.load(self.sid)
        if stored is None:
            raise RuntimeError(f"session {self.sid} is not in the store")
        self.core = await load_core(self.store, stored, self.core.scenario, self.log)
        self.since_snapshot = replayed(self.core, stored)
        self.stored_entries = self.core.entries  # what the store holds, by definition
        self.log.warning("reloaded from the store at entry %d", self.core.entries)
