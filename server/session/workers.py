"""The server's worker processes: previews and debriefs are computed off the event loop, in a
process each (a thread would hold the interpreter's lock against the loop).

A pool starts on first use ("spawn": forking a process with threads is not safe) and lives as long
as the server's process. Its processes run at a lower scheduling priority than the server: on a
busy machine the event loop, which every player's acks wait for, gets the CPU first, and the
questions one seat asks (a preview, a debrief) wait instead.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor

NICENESS = 5  # how much lower a worker's priority is than the server's (a third of its CPU weight)


def _lower_priority() -> None:
    if hasattr(os, "nice"):
        # where it is not permitted, the worker runs at the server's priority
        with contextlib.suppress(OSError):
            os.nice(NICENESS)


class WorkerPool:
    """`processes` worker processes, started when first needed and started afresh after a crash."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=mp.get_context("spawn"), initializer=_lower_priority
            )
        return self._pool

    def reset(self, broken: ProcessPoolExecutor) -> None:
        """Drop a pool whose process died (the next `get` starts a new one)."""
        if self._pool is broken:
            self._pool = None
            broken.shutdown(wait=False, cancel_futures=True)
