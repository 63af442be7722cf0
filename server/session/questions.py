"""Previews, answered off the event loop and rate-limited per seat.

A preview resolves the round twice on copies of the state: many milliseconds for a big district.
Run on the event loop, a few seats asking at the allowed message rate would stall every other
session. So the actor packs the state when the question is asked (pickled: the copy the answer
is computed from, made in about a millisecond) and a worker process computes the answer (a
process, not a thread: a thread would hold the interpreter's lock against the event loop); the
actor goes on with its jobs, and the answer is sent when it is ready. Each seat may have one preview under way and ask at most
`PREVIEW_BURST` at once, `PREVIEW_RATE` a second after that (server/protocol/limits.py; the
server's configuration may change them); beyond, `rate_limited`.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from district.server.engine.state import State
from district.server.protocol import PREVIEW_BURST, PREVIEW_RATE
from district.server.session import rules
from district.server.session.outputs import Question, error
from district.server.session.state import SessionCore
from district.server.session.workers import WorkerPool

PREVIEW_WORKERS = 1  # processes computing previews for the whole server (the loop keeps a core)

_pool = WorkerPool(PREVIEW_WORKERS)


def compute(blob: bytes, seat: str, request: dict[str, Any]) -> tuple[Any, ...]:
    """In a worker process: the preview's outcome (server/session/rules.py) from the packed
    state. The state is the server's own, packed a moment ago in the same program."""
    return rules.preview_outcome(pickle.loads(blob), seat, request)


@dataclass(slots=True)
class Allowance:
    """One seat's previews: a token bucket (`rate` a second, bursts of `burst`), and whether
    one is being computed."""

    rate: float
    burst: float
    last: float
    tokens: float = -1.0  # -1: a full bucket
    busy: bool = False

    def refusal(self, now: float) -> str:
        """Why this seat may not ask now ("" if it may); takes a token if it may."""
        if self.busy:
            return "your previous preview is still being worked out; wait for its answer"
        if self.tokens < 0:
            self.tokens = self.burst
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1.0:
            return (
                f"at most {self.burst:g} previews at once and one every "
                f"{1 / self.rate:g} seconds after that; try again in a moment"
            )
        self.tokens -= 1.0
        return ""


@dataclass(slots=True)
class Questions:
    """The previews of one session: each seat's allowance and the answers under way."""

    log: logging.LoggerAdapter[logging.Logger]
    rate: float = PREVIEW_RATE
    burst: float = PREVIEW_BURST
    allowances: dict[str, Allowance] = field(default_factory=dict)
    pending: set[asyncio.Task[None]] = field(default_factory=set)
    # the session's state packed for the workers, and what it was packed from: (core, version,
    # blob). A big district packs to megabytes in milliseconds of the loop's time, so previews
    # asked while nothing moved share one packing.
    packed: tuple[SessionCore, int, bytes] | None = None

    def pack(self, core: SessionCore) -> bytes:
        """The state of `core` as the workers read it, packed once a version."""
        p = self.packed
        if p is not None and p[0] is core and p[1] == core.version:
            return p[2]
        state: State = core.game.state
        blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        self.packed = (core, core.version, blob)
        return blob

    def ask(self, q: Question, core: SessionCore, now: float) -> None:
        """Answer `q` from the session's state as it is now (packed here, on the loop, or the
        packing of the same version reused), or refuse it."""
        a = self.allowances.get(q.seat)
        if a is None:
            a = self.allowances[q.seat] = Allowance(self.rate, float(self.burst), now)
        why = a.refusal(now)
        if why:
            q.conn.send(error(q.re, "rate_limited", why))
            return
        a.busy = True
        blob = self.pack(core)
        task = asyncio.get_running_loop().create_task(self._answer(q, blob, a))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _answer(self, q: Question, blob: bytes, a: Allowance) -> None:
        pool = _pool.get()
        try:
            loop = asyncio.get_running_loop()
            outcome = await loop.run_in_executor(pool, compute, blob, q.seat, q.request)
            msg: dict[str, Any] = rules.preview_reply(q, outcome).msg
        except asyncio.CancelledError:
            raise
        except Exception:
            self.log.exception("a preview failed")
            if isinstance(pool, ProcessPoolExecutor) and getattr(pool, "_broken", False):
                _pool.reset(pool)
            msg = error(q.re, "internal", "the server failed on this preview; nothing was changed")
        finally:
            a.busy = False
        if not q.conn.closed:
            q.conn.send(msg)

    def stop(self) -> None:
        for t in list(self.pending):
            t.cancel()
