"""The debrief over the protocol: a session's debrief (server/debrief/), made off the event loop and
kept per round.

A `debrief` request is answered with the debrief model of the session as it stands: players and
observers once the game is over, the facilitator at any time (the console's Debrief button). It
replays the whole log and plays the same scenario and seed with bots alone for the baseline:
seconds for a big district, so a worker process makes it (a thread would hold the interpreter's
lock against the event loop), reading the session's log from the database file itself once the
session has stored everything. The actor goes on with its jobs meanwhile, and the answer is sent
when it is ready. One debrief is made per round and phase (what is asked again in the same phase
is answered from it), the private one; everyone but the facilitator gets it without its
`timeline` (who did and asked what when).
"""

from __future__ import annotations

import asyncio
from typing import Any

from district.server.debrief import Debrief, SessionLog, build_debrief
from district.server.session.workers import WorkerPool

DEBRIEF_WORKERS = 1  # processes making debriefs for the whole server
KEPT = 4  # debriefs kept per session (the latest rounds')
PRIVATE = ("timeline",)  # what only the facilitator (and the export) may see

_pool = WorkerPool(DEBRIEF_WORKERS)

Source = tuple[str, Any]  # ("db", (path, session id)) or ("log", SessionLog)


def compute(source: Source) -> Debrief:
    """In a worker process: the private debrief of the session's log."""
    kind, what = source
    log = SessionLog.from_store(*what) if kind == "db" else what
    return build_debrief(log, baseline=True, private=True)


def public(d: Debrief) -> Debrief:
    """What everyone but the facilitator may see of a debrief."""
    return {k: v for k, v in d.items() if k not in PRIVATE}


class Debriefs:
    """One session's debriefs: made once per (round, phase), by a worker process."""

    def __init__(self) -> None:
        self.made: dict[tuple[int, str], asyncio.Future[Debrief]] = {}

    def make(self, key: tuple[int, str], source: Source) -> asyncio.Future[Debrief]:
        """The debrief at `key` (see `made` first), made from `source` by a worker process."""
        loop = asyncio.get_running_loop()
        pool = _pool.get()
        try:
            fut = asyncio.wrap_future(pool.submit(compute, source), loop=loop)
        except RuntimeError:  # the pool broke (a worker died): a new one next time
            _pool.reset(pool)
            raise
        self.made[key] = fut
        while len(self.made) > KEPT:
            self.made.pop(next(iter(self.made)))

        def failed(f: asyncio.Future[Debrief]) -> None:
            if (f.cancelled() or f.exception() is not None) and self.made.get(key) is f:
                del self.made[key]

        fut.add_done_callback(failed)
        return fut

    def stop(self) -> None:
        for f in self.made.values():
            f.cancel()
        self.made.clear()
