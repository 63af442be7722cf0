"""The server's worker processes: previews and debriefs are computed off the event loop, in a
process each (a thread would hold the interpreter's lock against the loop).

A pool starts on first use ("spawn": forking a process with threads is not safe) and lives as long
as the server's process. Its processes run at a lower scheduling priority than the server: on a
busy machine the event loop, which every player's acks wait for, gets the CPU first, and the
questions one seat asks (a preview, a debrief) wait instead.

A worker ends by itself when the server that started it is gone: a server killed (`kill -9`, a
power cut of its container) cannot shut its pool down, and its workers would otherwise wait for
work for ever, about 100 MB each.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

NICENESS = 5  # how much lower a worker's priority is than the server's (a third of its CPU weight)
PARENT_CHECK = 1.0  # seconds between a worker's looks at whether its server is still there


def follow_parent(parent: int) -> None:
    """(In a worker process) end it soon after process `parent`, which started it, is gone."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK)
            if os.getppid() != parent:  # the parent died: this process was handed to another
                os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def _worker_start(parent: int, lower: bool) -> None:
    follow_parent(parent)
    if lower and hasattr(os, "nice"):
        # where it is not permitted, the worker runs at the server's priority
        with contextlib.suppress(OSError):
            os.nice(NICENESS)


def worker_pool(processes: int, lower: bool = True) -> ProcessPoolExecutor:
    """A pool of `processes` spawned workers that end with this process (and, `lower`, run at a
    lower priority than it)."""
    return ProcessPoolExecutor(
        processes,
        mp_context=mp.get_context("spawn"),
        initializer=_worker_start,
        initargs=(os.getpid(), lower),
    )


class WorkerPool:
    """`processes` worker processes, started when first needed and started afresh after a crash."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def get(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = worker_pool(self.processes)
        return self._pool

    def reset(self, broken: ProcessPoolExecutor) -> None:
        """Drop a pool whose process died (the next `get` starts a new one)."""
        if self._pool is broken:
            self._pool = None
            broken.shutdown(wait=False, cancel_futures=True)
