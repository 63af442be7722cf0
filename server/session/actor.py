"""The actor of one session: one asyncio task takes jobs from a queue and carries out what the
rules decide.

For every job it asks server/session/rules.py what to do and hands the decision to its `Ledger`
(server/session/ledger.py), which applies the entries, stores a batch of jobs' writes at once and
only then acknowledges them and sends their results (server/session/audience.py). Commands of one
session therefore never race, and nothing is acknowledged or shown to anyone before it is stored.
Between batches the bots take their turns and phases whose time is up end; that is long work for a
big session, so the actor gives the event loop back to the other sessions every few milliseconds.
When a job fails half-way, what it did is thrown away by loading the session back from the store.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from district.server.bots.turns import bot_commands
from district.server.protocol import PREVIEW_BURST, PREVIEW_RATE, SESSION_QUEUE
from district.server.session import rules
from district.server.session.audience import YIELD_EVERY, Audience, Conn
from district.server.session.branch import BranchRefused
from district.server.session.debriefs import Debriefs, Source, public
from district.server.session.jobs import (
    CLIENT_JOBS,
    Ask,
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
from district.server.session.ledger import Hub, Ledger, Mark, load_core, writes_something
from district.server.session.messages import new_token, welcome
from district.server.session.outputs import Admit, Branch, Output, Question, Unwait, Wait, error
from district.server.session.questions import Questions
from district.server.session.state import FACILITATOR, SessionCore, Waiting
from district.server.store import SQLiteStore, Store

WAITING_TEXT = "The session is locked: waiting for the teacher to let you in"
BATCH = 64  # jobs handled before one store write
MAX_STEPS = 10000  # bot turns and phase ends in one go, at most

BotFn = Callable[[dict[str, Any], int, str], list[dict[str, Any]]]

__all__ = ["Hub", "Session", "SessionLog", "load_core"]


class SessionLog(logging.LoggerAdapter[logging.Logger]):
    """Every line says which session it is about."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{self.extra['session'] if self.extra else '-'}] {msg}", kwargs


class Session:
    """The actor of one session. Jobs go in with `submit`; one task handles them in order."""

    def __init__(
        self,
        core: SessionCore,
        store: Store,
        hub: Hub,
        *,
        grace: float = 15.0,
        previews: tuple[float, float] = (PREVIEW_RATE, PREVIEW_BURST),
        clock: Callable[[], float] = time.time,
        bot: BotFn | None = bot_commands,
    ) -> None:
        self.hub = hub
        self.grace = grace
        self.now = clock
        self.bot = bot
        self.log = SessionLog(logging.getLogger("district.session"), {"session": core.info.id})
        self.queue: asyncio.Queue[Job] = asyncio.Queue()
        self.waiting = 0  # client jobs in the queue
        self.audience = Audience()
        self.ledger = Ledger(core, store, hub, self.audience, self.log, clock)
        self._timer: asyncio.TimerHandle | None = None
        # what the armed timer is for: (deadline, rest until, session clock - loop clock)
        self._timer_key: tuple[float, float, float] | None = None
        self._task: asyncio.Task[None] | None = None
        self.questions = Questions(self.log, *previews)
        self._requests = 0  # late joiners' requests so far (their ids: r1, r2, ...)
        self.debriefs = Debriefs()
        self.ledger.wake = lambda: self.submit(Tick())
        # the session leaves this process (drained, or its lease lost): the server tells its
        # connections, and hellos it will not run, that it moved (server/cluster.py)
        self.moving = False

    @property
    def core(self) -> SessionCore:
        return self.ledger.core

    @property
    def id(self) -> str:
        return self.core.info.id

    @property
    def conns(self) -> dict[str, Conn]:
        return self.audience.conns

    # --- life ------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"session:{self.id}")
        self.submit(Tick())  # bots owed a turn, a deadline already due

    async def stop(self) -> None:
        self.questions.stop()
        self.debriefs.stop()
        self.ledger.stop()
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
        """After loading from the store, before the actor starts: deadlines get their grace, and
        every player is away from now on (so gets the whole stand-in grace period to come back)."""
        now = self.now()
        for seat, s in self.core.seats.items():
            if s.player is not None and not s.bot:
                self.audience.away.setdefault(seat, now)
        await self._carry(rules.recovered(self.core, now, self.grace))
        await self.ledger.flush()

    async def _run(self) -> None:
        self._arm()
        while True:
            job = await self.queue.get()
            slice_start = time.perf_counter()
            n = 0
            while True:
                n += 1
                if isinstance(job, Stop) or self.ledger.lost:
                    await self.ledger.flush()
                    self._abandon([] if isinstance(job, Stop) else [job])
                    return
                if isinstance(job, CLIENT_JOBS):
                    self.waiting -= 1
                mark = self.ledger.mark()
                try:
                    await self._handle(job)
                except Exception as e:
                    self.log.exception("failed on a %s job", type(job).__name__)
                    try:
                        await self._internal(job, e, mark)
                    except Exception:  # the store itself is failing: keep serving what we have
                        self.log.exception("could not recover from the failure")
                # a batch: up to BATCH jobs, stored at once, but never more than a time slice of
                # work before the other sessions get the event loop
                if (
                    self.queue.empty()
                    or n >= BATCH
                    or time.perf_counter() - slice_start > YIELD_EVERY
                ):
                    break
                job = self.queue.get_nowait()
            if self.ledger.lost:  # another process owns the session now: this actor ends
                self._abandon([])
                return
            try:
                await self.ledger.flush()
                await self._progress()
            except Exception:
                self.log.exception("failed while moving the game on")
                try:
                    await self.ledger.reload()
                except Exception:  # the store itself is failing: keep serving what we have
                    self.log.exception("could not reload from the store")
            self._arm()
            if not self.queue.empty():  # between batches, the other sessions run (with none
                await asyncio.sleep(0)  # waiting, `queue.get` lets them, with no extra turn)

    def _abandon(self, jobs: list[Job]) -> None:
        """The session is stopping: nobody may wait for ever on a job it will not run."""
        while not self.queue.empty():
            jobs.append(self.queue.get_nowait())
        for job in jobs:
            if isinstance(job, Hello) and job.done is not None and not job.done.done():
                if not (self.ledger.lost or self.moving):  # else the server says it moved
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
        """Set the timer for the session's next deadline. After most batches the deadline is the
        one already armed: that timer stays (no cancelled timer left in the loop's heap)."""
        arm = rules.timer(self.core, self.audience.away)
        if arm is None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = self._timer_key = None
            return
        loop = asyncio.get_running_loop()
        now = self.now()
        offset = now - loop.time()
        rest = self.ledger.rest_until if self.ledger.failures else 0.0
        key = self._timer_key
        if (
            self._timer is not None
            and key is not None
            and key[0] == arm.deadline
            and key[1] == rest
            and abs(key[2] - offset) < 1e-3  # neither clock jumped against the other
        ):
            return
        if self._timer is not None:
            self._timer.cancel()
        # not before the store's rest is over, if it failed
        wait = max(arm.deadline - now, self.ledger.resting(), 0.0)
        self._timer = loop.call_later(wait, self._ring)
        self._timer_key = (arm.deadline, rest, offset)

    def _ring(self) -> None:
        self._timer = self._timer_key = None
        self.submit(Tick())

    # --- jobs ------------------------------------------------------------------------------

    async def _handle(self, job: Job) -> None:
        ledger = self.ledger
        if isinstance(job, Command):
            if job.conn.recipient is not None and not job.conn.closed:
                await self._carry_for(job, rules.admit_command(self.core, job))
        elif isinstance(job, Control):
            action = job.msg.get("action")
            outputs = rules.control(
                self.core,
                job,
                self.now(),
                new_token=new_token() if action in ("assign", "new_token", "admit") else None,
                server=self.hub.stats() if action == "info" else None,
                waiting=self.audience.waiting,
            )
            if outputs and isinstance(outputs[0], Branch):
                await self._branch(outputs[0])
            else:
                await self._carry_for(job, outputs)
                if action == "unlock" and not self.core.locked:
                    await self._let_waiting_in()
        elif isinstance(job, Hello):
            if job.msg.get("batch") is True:  # it takes several messages a frame from now on
                job.conn.batch = True
            try:
                await ledger.flush()  # the catch-up must not overlap what is still unsent
                token = new_token() if job.via == "join" else ""
                await self._carry(rules.admit_hello(self.core, job, token))
                await ledger.flush()
            finally:
                if job.done is not None and not job.done.done():
                    job.done.set_result(job.conn.recipient is not None)
        elif isinstance(job, Sync):
            await ledger.flush()
            conn = job.conn
            if conn.recipient is not None:
                self.audience.catch_up(conn, self.core, conn.recipient, job.msg["last_event"])
                seq = self.core.streams[conn.recipient].seq
                conn.send({"type": "ack", "re": job.msg.get("id"), "seq": seq})
        elif isinstance(job, Ask):
            await self._debrief(job)
        elif isinstance(job, Gone):
            if self.audience.gone(job.conn, self.now()):
                self.log.info("%s disconnected", job.conn.recipient)
            elif job.conn.recipient is None and self.audience.unwait(job.conn):
                self.audience.tell_facilitator()  # a waiting joiner left
            ledger.roster_dirty = True
        elif isinstance(job, Call):
            await ledger.flush()
            try:
                res = job.fn(self)
            except Exception as e:
                job.done.set_exception(e)
            else:
                job.done.set_result(res)
        # Tick: nothing to do here; _progress looks at the clock after every batch

    async def _debrief(self, job: Ask) -> None:
        """A `debrief` request: answered when the debrief of this round and phase is made (by a
        worker process, from what is stored: server/session/debriefs.py)."""
        conn, re = job.conn, job.msg.get("id")
        refused = rules.debrief_refusal(self.core, conn.recipient, re)
        if refused is not None:
            conn.send(refused)
            return
        c = self.core
        key = (c.round, c.phase)
        fut = self.debriefs.made.get(key)
        if fut is None:
            await self.ledger.flush()  # the worker reads what is stored
            fut = self.debriefs.make(key, await self._debrief_source())
        private = conn.recipient == FACILITATOR

        def answer(f: asyncio.Future[Any]) -> None:
            if f.cancelled():
                return
            if f.exception() is not None:
                self.log.error("the debrief failed: %r", f.exception())
                conn.send(error(re, "internal", "the server could not make the debrief"))
                return
            d = f.result()
            msg = {"type": "debrief", "re": re, "round": key[0], "phase": key[1]}
            conn.send({**msg, "debrief": d if private else public(d)})

        fut.add_done_callback(answer)

    async def _debrief_source(self) -> Source:
        """Where the worker reads the session's log: the database file (with the previews asked),
        or, for a store in memory, the log itself."""
        store = self.ledger.store
        if isinstance(store, SQLiteStore):
            return ("db", (str(store.path), self.id))
        from district.server.debrief import SessionLog
        from district.server.debrief.log import seats_of

        c = self.core
        entries = await store.all_entries(self.id)
        log = SessionLog(c.scenario, c.info.seed, entries, code=c.info.code)
        log.seats = seats_of(c.scenario, entries)
        return ("log", log)

    async def _branch(self, b: Branch) -> None:
        """The facilitator's `branch` (checked by the rules): the server makes the new session
        from this one's stored log; the ack's result says how to reach it."""
        await self.ledger.flush()
        entries = await self.ledger.store.all_entries(self.id)
        try:
            result = await self.hub.branch(self.core, entries, b.round)
        except BranchRefused as e:
            b.conn.send(error(b.re, e.code, e.message, e.where))
            return
        seq = self.core.streams[FACILITATOR].seq
        b.conn.send({"type": "ack", "re": b.re, "seq": seq, "result": result})
        self.log.info("branched at round %d: new session %s", b.round, result["session"])

    async def _let_waiting_in(self) -> None:
        """The session was unlocked: whoever waits to join comes in, in the order they asked, as
        if the facilitator had admitted each (one at a time: each takes a seat before the next
        looks for one). One who can no longer have a seat stays on the list for the facilitator
        to refuse, with the reason."""
        for w in sorted(self.audience.waiting.values(), key=lambda w: w.since):
            if w.conn.closed or self.core.locked:
                continue
            outputs, code, _why = rules.answer_joiner(self.core, "admit", w, new_token())
            if not code:
                await self._carry(outputs)

    async def _carry(self, outputs: list[Output]) -> None:
        await self.ledger.carry(outputs, self._admit, self._ask)

    def _ask(self, q: Question) -> None:
        """A preview: answered off the event loop from a copy of the state as it is now."""
        self.questions.ask(q, self.core, time.monotonic())

    async def _carry_for(self, job: Command | Control, outputs: list[Output]) -> None:
        """A client's job: while the store rests after failing, what would write is refused at
        once (nothing applied, nothing reloaded); questions are answered as ever."""
        wait = self.ledger.resting()
        if wait and writes_something(outputs):
            job.conn.send(
                error(
                    job.msg.get("id"),
                    "storage",
                    "the server cannot save anything just now (its storage is failing); nothing "
                    f"was changed: try again in {max(1, round(wait))} s",
                )
            )
            return
        await self._carry(outputs)

    def _admit(self, a: Admit | Wait | Unwait) -> None:
        """A hello was accepted (and what it took is stored): the connection joins. Or a late
        joiner waits for the facilitator (`Wait`), or their request was answered (`Unwait`)."""
        if isinstance(a, Wait):
            self._requests += 1
            rid = f"r{self._requests}"
            w = Waiting(rid, a.conn, a.name, a.role, a.re, a.last_event, self.now())
            self.audience.waiting[rid] = w
            a.conn.bind(self, None)  # its Gone reaches the session; it is nobody yet
            a.conn.send({"type": "waiting", "message": WAITING_TEXT})
            self.audience.tell_facilitator()
            self.log.info("a late joiner waits to be let in (%s)", rid)
            return
        if isinstance(a, Unwait):
            if self.audience.waiting.pop(a.request, None) is not None:
                self.audience.tell_facilitator()
            return
        conn, recipient = a.conn, a.recipient
        self.audience.admit(conn, recipient)
        conn.bind(self, recipient)
        hello = welcome(self.core, recipient, a.re, a.token, self.now())
        if self.hub.report_port is not None:
            hello["report_port"] = self.hub.report_port
        conn.send(hello)
        self.audience.catch_up(conn, self.core, recipient, a.last_event)
        conn.send(self.core.clock(self.now()))
        conn.send(self.ledger.roster())  # the others get it soon (Ledger.roster_soon)
        if recipient == FACILITATOR:
            conn.send(self.audience.join_requests())
        self.ledger.roster_dirty = True
        self.log.info("%s connected as %s", "new player" if a.token else "client", recipient)

    def roster(self) -> dict[str, Any]:
        return self.ledger.roster()

    # --- moving the game on ----------------------------------------------------------------

    async def _progress(self) -> None:
        """Players away past the grace period get a stand-in; bots take their turns; a phase whose
        time is up, or whose seats are all done, ends."""
        if self.ledger.resting():  # the store failed: the game waits (see _arm)
            return
        slice_start = time.perf_counter()
        await self._carry(rules.standins_due(self.core, self.audience.away, self.now()))
        for _ in range(MAX_STEPS):
            c = self.core
            seat = rules.next_bot(c)
            if seat is not None:
                cmds = (
                    rules.standin_commands(c, seat)
                    if c.seats[seat].standin
                    else self._bot_commands(seat)
                )
                await self._carry(rules.bot_turn(c, seat, cmds))
                if time.perf_counter() - slice_start > YIELD_EVERY:  # let the other sessions run
                    await asyncio.sleep(0)
                    slice_start = time.perf_counter()
                continue
            now = self.now()
            if rules.phase_due(c, now):
                await self._carry(rules.end_phase(c, now))
                if not await self.ledger.flush():
                    return  # the store failed: tried again after a rest
                continue
            break
        await self.ledger.flush()

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

    async def _internal(self, job: Job, failure: Exception, mark: Mark) -> None:
        """An unexpected failure while handling a job: what the jobs before it did is stored and
        sent, what it half-did is thrown away by loading the session back from the store."""
        self.ledger.rollback(mark)
        await self.ledger.flush(rebuild=True)
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
