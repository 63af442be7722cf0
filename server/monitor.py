"""How late the event loop runs, how long the garbage collector pauses, and keeping those pauses
short (for `district serve` and the `info` figures)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections import deque
from typing import Any

STALL_KEPT = 0.01  # seconds: lags longer than this are kept for `LoopMonitor.stalls`


class LoopMonitor:
    """How late the event loop wakes a task that sleeps `step` seconds: a stall measure.

    It also keeps the garbage collector's passes short. With a thousand connections a full pass
    over every object takes ~100 ms: a stall. Objects that survived a pass of the middle
    generation (`freeze_after`: 1) are long-lived (connections, sessions, their streams and
    state), so after each such pass they are moved out of the collector's way (gc.freeze;
    reference counting still frees them as usual): the oldest generation then holds almost
    nothing, and the collector's own full passes cost a millisecond, not the 50-150 ms they took
    under load when the objects promoted since the last freeze (tens of thousands of them: every
    command leaves a few in the session's state and streams) were all looked at again
    (docs/performance.md). Every `full_every` seconds one full collection over everything runs,
    so that cycles among frozen objects are not kept for ever."""

    def __init__(
        self,
        step: float = 0.01,
        window: float = 10.0,
        freeze: bool = True,
        full_every: float | None = 900.0,
        freeze_after: int = 1,
    ) -> None:
        self.step = step
        self.window = window
        self.freeze = freeze
        self.full_every = full_every
        self.freeze_after = freeze_after
        self.worst = 0.0
        self._recent: deque[tuple[float, float]] = deque()
        # (loop time, lag) of every lag over STALL_KEPT in the last `history` seconds: a
        # benchmark reads the worst one within a measured window (see `stalls`)
        self.history = 120.0
        self._stalls: deque[tuple[float, float]] = deque(maxlen=10_000)
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.gc_worst = 0.0
        self.gc_seconds = 0.0  # in the collector since start, all passes (for the benchmarks)
        self.gc_passes = 0
        self._gc_started = 0.0
        self._gc_recent: deque[tuple[float, float]] = deque()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._run(), name="loop-monitor")
        gc.callbacks.append(self._gc)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_started = now
            return
        pause = now - self._gc_started
        self.gc_worst = max(self.gc_worst, pause)
        self.gc_seconds += pause
        self.gc_passes += 1
        if pause > 0.001:
            self._gc_recent.append((now, pause))
            while self._gc_recent and self._gc_recent[0][0] < now - self.window:
                self._gc_recent.popleft()
        if (
            self.freeze
            and info.get("generation", 0) >= self.freeze_after
            and self._loop is not None
        ):
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(gc.freeze)

    def recent_gc_max(self) -> float:
        now = time.perf_counter()
        return max((p for t, p in self._gc_recent if t >= now - self.window), default=0.0)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_full = loop.time()
        while True:
            if self.full_every is not None and loop.time() - last_full >= self.full_every:
                gc.unfreeze()
                gc.collect()
                if self.freeze:
                    gc.freeze()
                last_full = loop.time()
            t0 = loop.time()
            await asyncio.sleep(self.step)
            now = loop.time()
            lag = max(0.0, now - t0 - self.step)
            self.worst = max(self.worst, lag)
            if lag > 0.001:
                self._recent.append((now, lag))
                if lag > STALL_KEPT:
                    self._stalls.append((now, lag))
            while self._recent and self._recent[0][0] < now - self.window:
                self._recent.popleft()

    def stalls(self) -> list[tuple[float, float]]:
        """The lags over STALL_KEPT seconds in the last `history` seconds: (when, by the loop's
        clock, which is time.monotonic(), the same in every process of the machine; seconds)."""
        now = time.monotonic()
        return [(t, lag) for t, lag in self._stalls if t >= now - self.history]

    def recent_max(self) -> float:
        """The worst lag in the last `window` seconds."""
        return max((lag for _t, lag in self._recent), default=0.0)
