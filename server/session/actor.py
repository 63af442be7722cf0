"""The actor of one session: one asyncio task takes jobs from a queue and carries out what the
rules decide.

For every job it asks server/session/rules.py what to do, then does it: applies the entries to the
session's state, hands the store the writes of a batch of jobs at once, and only once they are
stored acknowledges them and sends their results to the connections. Commands of one session
therefore never race, and nothing is acknowledged or shown to anyone before it is stored. Views for
a phase change and bots' turns are long work for a big session: the actor gives the event loop
back to the other sessions every few milliseconds. When anything fails half-way, the session is
reloaded from the store, so that what was not stored did not happen.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from district.server import store as db
from district.server.bots.turns import bot_commands
from district.server.engine import EngineError, Scenario
from district.server.protocol import CLOSE_REPLACED, SESSION_QUEUE, encode
from district.server.session import rules
from district.server.session.jobs import (
    CLIENT_JOBS,
    Call,
    Command,
    Control,
    Gone,
    Hello,
    Job,
    Stop,
    Sync,
    Tick,
)
from district.server.session.messages import event_frame, new_token, roster, welcome
from district.server.session.outputs import (
    Ack,
    AddToken,
    Admit,
    Announce,
    Attempt,
    Bye,
    DropToken,
    Entry,
    EventOut,
    Flush,
    Output,
    Record,
    Reply,
    TakeSnapshot,
    ViewOut,
    error,
)
from district.server.session.state import OBSERVER, SessionCore, build_core, plain
from district.server.store import Store, StoredSession

YIELD_EVERY = 0.005  # seconds of work after which a session lets the others run
BATCH = 64  # jobs handled before one store write
MAX_STEPS = 10000  # bot turns and phase ends in one go, at most

BotFn = Callable[[dict[str, Any], int, str], list[dict[str, Any]]]
Outgoing = EventOut | ViewOut | Reply | Bye


class SessionLog(logging.LoggerAdapter[logging.Logger]):
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
    except EngineError:
        raise
    except Exception as e:
        if stored.snapshot is None:
            raise
        if log is not None:
            log.warning("snapshot unusable (%s); replaying every entry", e)
        full = await store.load(stored.info["id"], full=True)
        if full is None:
            raise
        return build_core(full, scenario, log)


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
        bot: BotFn | None = bot_commands,
    ) -> None:
        self.core = core
        self.store = store
        self.hub = hub
        self.grace = grace
        self.now = clock
        self.bot = bot
        self.log = SessionLog(logging.getLogger("district.session"), {"session": core.info.id})
        self.queue: asyncio.Queue[Job] = asyncio.Queue()
        self.waiting = 0  # client jobs in the queue
        self.conns: dict[str, Conn] = {}
        self.observers: set[Conn] = set()
        self._writes: list[db.Write] = []
        self._out: list[Outgoing] = []
        self._hub_news: list[AddToken | DropToken] = []
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
        self.submit(Tick())  # bots owed a turn, a deadline already due

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None and not self._task.done():
            self.queue.put_nowait(Stop())
            await self._task

    def submit(self, job: Job) -> bool:
        """Queue a job; False (the caller answers `busy`) when too many client jobs wait."""
        if isinstance(job, CLIENT_JOBS):
            if self.waiting >= SESSION_QUEUE:
                return False
            self.waiting += 1
        self.queue.put_nowait(job)
        return True

    async def call(self, fn: Callable[[Session], Any]) -> Any:
        """Run fn(self) inside the actor, between jobs (tests, the server's own questions)."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait(Call(fn, fut))
        return await fut

    async def recovered(self) -> None:
        """After loading from the store, before the actor starts: deadlines get their grace."""
        await self._carry(rules.recovered(self.core, self.now(), self.grace))
        await self._flush()

    async def _run(self) -> None:
        self._arm()
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < BATCH:
                batch.append(self.queue.get_nowait())
            for i, job in enumerate(batch):
                if isinstance(job, Stop):
                    await self._flush()
                    self._abandon(batch[i + 1 :])
                    return
                if isinstance(job, CLIENT_JOBS):
                    self.waiting -= 1
                mark = self._mark()
                try:
                    await self._handle(job)
                except Exception as e:
                    self.log.exception("failed on a %s job", type(job).__name__)
                    try:
                        await self._internal(job, e, mark)
                    except Exception:  # the store itself is failing: keep serving what we have
                        self.log.exception("could not recover from the failure")
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

    def _abandon(self, jobs: list[Job]) -> None:
        """The session is stopping: nobody may wait for ever on a job it will not run."""
        while not self.queue.empty():
            jobs.append(self.queue.get_nowait())
        for job in jobs:
            if isinstance(job, Hello) and job.done is not None and not job.done.done():
                job.conn.send(
                    error(
                        job.msg.get("id"),
                        "busy",
                        "the server is shutting down; try again in a moment",
                    )
                )
                job.done.set_result(False)
            elif isinstance(job, Call) and not job.done.done():
                job.done.set_exception(RuntimeError("the session has stopped"))

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = rules.timer(self.core)
        if deadline is not None:
            self._timer = asyncio.get_running_loop().call_later(
                max(0.0, deadline - self.now()), lambda: self.submit(Tick())
            )

    # --- jobs ------------------------------------------------------------------------------

    async def _handle(self, job: Job) -> None:
        if isinstance(job, Command):
            if job.conn.recipient is not None and not job.conn.closed:
                await self._carry(rules.admit_command(self.core, job))
        elif isinstance(job, Control):
            action = job.msg.get("action")
            await self._carry(
                rules.control(
                    self.core,
                    job,
                    self.now(),
                    new_token=new_token() if action == "assign" else None,
                    server=self.hub.stats() if action == "info" else None,
                )
            )
        elif isinstance(job, Hello):
            try:
                await self._flush()  # the catch-up must not overlap what is still unsent
                token = new_token() if job.via == "join" else None
                await self._carry(rules.admit_hello(self.core, job, token or ""))
                await self._flush()
            finally:
                if job.done is not None and not job.done.done():
                    job.done.set_result(job.conn.recipient is not None)
        elif isinstance(job, Sync):
            await self._flush()
            conn = job.conn
            if conn.recipient is not None:
                self._catch_up(conn, conn.recipient, job.msg["last_event"])
                seq = self.core.streams[conn.recipient].seq
                conn.send({"type": "ack", "re": job.msg.get("id"), "seq": seq})
        elif isinstance(job, Gone):
            self._gone(job.conn)
        elif isinstance(job, Call):
            await self._flush()
            try:
                res = job.fn(self)
            except Exception as e:
                job.done.set_exception(e)
            else:
                job.done.set_result(res)
        # Tick: nothing to do here; _progress looks at the clock after every batch

    async def _carry(self, outputs: list[Output]) -> None:
        """Carry out a decision's outputs, in order."""
        for o in outputs:
            if isinstance(o, Record):
                self._record(o.entry)
            elif isinstance(o, Attempt):
                try:
                    self._record(o.entry)
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
                self._writes.append(db.AddToken(o.hash, self.id, o.seat))
                self._hub_news.append(o)
            elif isinstance(o, DropToken):
                self._writes.append(db.DropToken(o.hash))
                self._hub_news.append(o)
            elif isinstance(o, Announce):
                self._clock_dirty |= o.clock
                self._roster_dirty |= o.roster
            elif isinstance(o, TakeSnapshot):
                self._snapshot_due = True
            elif isinstance(o, Flush):
                await self._flush()
            elif isinstance(o, Admit):
                if not await self._flush():
                    o.conn.send(
                        error(o.re, "storage", "the server could not save your seat; try again")
                    )
                    return
                self._admit(o)

    def _admit(self, a: Admit) -> None:
        conn, recipient = a.conn, a.recipient
        if recipient == OBSERVER:
            self.observers.add(conn)
        else:
            old = self.conns.get(recipient)
            if old is not None and old is not conn:
                old.bye("replaced", "another connection took this seat", CLOSE_REPLACED)
            self.conns[recipient] = conn
        conn.bind(self, recipient)
        conn.send(welcome(self.core, recipient, a.re, a.token, self.now()))
        self._catch_up(conn, recipient, a.last_event)
        conn.send(self.core.clock(self.now()))
        self._roster_dirty = True
        self.log.info("%s connected as %s", "new player" if a.token else "client", recipient)

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
        """Apply an entry now; it is stored and its results sent at the next flush."""
        e = plain(e)
        c = self.core
        ready, status = len(c.game.state.ready), c.status
        out = c.apply(e)
        if len(c.game.state.ready) != ready:
            self._roster_dirty = True
        if c.status == "ended" and status != "ended":
            self._finish_due = True
        self._writes.append(db.AppendEntry(self.id, c.entries, e))
        self._out.extend(out)

    async def _flush(self, rebuild: bool = False) -> bool:
        """Store what was recorded, then send it out. False if the store failed (then nothing of
        it happened: the session is reloaded from the store and the senders get `storage`).
        `rebuild`: the session's state holds changes that are not to be stored: once the rest is
        stored, the state is loaded back from the store."""
        writes, out, news = self._writes, self._out, self._hub_news
        self._writes, self._out, self._hub_news = [], [], []
        finishing = self._finish_due and self.core.status == "ended"
        if finishing:
            writes.append(db.Finish(self.id, self.now()))
        try:
            await self.store.write(writes)
        except Exception as e:
            self.log.error("could not save %d writes: %s", len(writes), e)
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
            await self._reload()
            return False
        if rebuild:
            await self._reload(quiet=True)
        for n in news:
            if isinstance(n, AddToken):
                self.hub.token_added(n.hash, self.id, n.seat)
            else:
                self.hub.token_removed(n.hash)
        await self._deliver(out)
        if self._clock_dirty:
            self._clock_dirty = False
            self._broadcast(self.core.clock(self.now()))
        if self._roster_dirty:
            self._roster_dirty = False
            self._broadcast(self.roster())
        if finishing:
            self._finish_due = False
            self.hub.session_ended(self.id)
            self.log.info("game over: round %d, hash %s", self.core.round, self.core.game.hash())
        if self._snapshot_due:
            self._snapshot_due = False
            c = self.core
            try:
                blob, h = c.snapshot()
                await self.store.write([db.Snapshot(self.id, c.entries, blob, h)])
            except Exception as e:  # a missing snapshot only makes a recovery slower
                self.log.error("could not save a snapshot: %s", e)
        return True

    async def _deliver(self, out: list[Outgoing]) -> None:
        """Send what a flush made. Views are computed here, one per recipient: for a big session
        that is many milliseconds of work, so the loop is given back to the other sessions every
        few milliseconds (this session's state cannot change meanwhile: only this task changes it)."""
        game = self.core.game
        slice_start = time.perf_counter()
        for d in out:
            if isinstance(d, EventOut):
                targets = self._targets(d.recipient)
                if targets:
                    frame = event_frame(d.seq, d.packed)
                    for t in targets:
                        t.send_bytes(frame)
            elif isinstance(d, ViewOut):
                targets = self._targets(d.recipient)
                if targets:
                    frame = encode({"type": "view", "seq": d.seq, "view": game.view(d.recipient)})
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
        live = {r for r, c in self.conns.items() if not c.closed}
        return roster(self.core, live, len(self.observers))

    # --- moving the game on ----------------------------------------------------------------

    async def _progress(self) -> None:
        """Bots take their turns; a phase whose time is up, or whose seats are all done, ends."""
        slice_start = time.perf_counter()
        for _ in range(MAX_STEPS):
            c = self.core
            seat = rules.next_bot(c)
            if seat is not None:
                await self._carry(rules.bot_turn(c, seat, self._bot_commands(seat)))
                if time.perf_counter() - slice_start > YIELD_EVERY:  # let the other sessions run
                    await asyncio.sleep(0)
                    slice_start = time.perf_counter()
                continue
            now = self.now()
            if rules.phase_due(c, now):
                await self._carry(rules.end_phase(c, now))
                await self._flush()
                continue
            break
        await self._flush()

    def _bot_commands(self, seat: str) -> list[dict[str, Any]]:
        c = self.core
        if self.bot is None:
            return []
        try:
            return self.bot(c.game.view(seat), c.info.seed, c.seats[seat].road)
        except Exception:
            self.log.exception("the bot of %s failed to decide", seat)
            return []

    # --- failures --------------------------------------------------------------------------

    def _mark(self) -> tuple[int, int, int, bool, bool]:
        """Where the pending work stands before a job (to drop what a failing job half-did)."""
        return (
            len(self._writes),
            len(self._out),
            len(self._hub_news),
            self._finish_due,
            self._snapshot_due,
        )

    async def _internal(
        self, job: Job, failure: Exception, mark: tuple[int, int, int, bool, bool]
    ) -> None:
        """An unexpected failure while handling a job: what the jobs before it did is stored and
        sent, what it half-did is thrown away by reloading the session from the store."""
        nw, no, nn, self._finish_due, self._snapshot_due = mark
        del self._writes[nw:], self._out[no:], self._hub_news[nn:]
        await self._flush(rebuild=True)
        if isinstance(job, Command | Control | Hello | Sync):
            msg = job.msg
            job.conn.send(
                error(
                    msg.get("id") if isinstance(msg, dict) else None,
                    "internal",
                    f"the server failed on this message ({type(failure).__name__}: "
                    f"{str(failure)[:200]}); nothing was changed",
                )
            )

    async def _reload(self, quiet: bool = False) -> None:
        """The session's state as stored (what is pending is dropped unless `quiet`)."""
        if not quiet:
            self._writes, self._out, self._hub_news = [], [], []
            self._finish_due = self._snapshot_due = False
        stored = await self.store.load(self.id)
        if stored is None:
            raise RuntimeError(f"session {self.id} is not in the store")
        self.core = await load_core(self.store, stored, self.core.scenario, self.log)
        self.log.warning("reloaded from the store at entry %d", self.core.entries)
