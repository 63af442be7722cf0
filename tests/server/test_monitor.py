"""The loop monitor: objects that survive a middle-generation pass of the garbage collector are
frozen (so the collector's full passes, which stalled the loop 50-150 ms under load, look at
almost nothing), and the stalls it saw are kept with their time on the machine's monotonic clock
(the benchmark picks those within a measured window)."""

from __future__ import annotations

import asyncio
import gc
import time

import pytest
from district.benchmarks.suite import worst_stall
from district.server.monitor import LoopMonitor


class Node:
    """A container the collector tracks (a long-lived object of the server's kind)."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.kids: list[Node] = []


async def survivors_in_oldest_generation(freeze_after: int) -> int:
    """How many of 20,000 long-lived objects the collector still has to look at in its oldest
    generation after a middle-generation pass, with the monitor running."""
    mon = LoopMonitor(freeze=True, full_every=None, freeze_after=freeze_after)
    gc.collect()
    gc.disable()  # only the passes asked for here
    try:
        mon.start()
        kept = [Node(k) for k in range(20_000)]
        gc.collect(0)
        gc.collect(1)  # kept: in the oldest generation now
        for _ in range(3):
            await asyncio.sleep(0)  # the freeze the monitor asked for runs
        ids = {id(o) for o in kept}
        return sum(1 for o in gc.get_objects(2) if id(o) in ids)
    finally:
        mon.stop()
        gc.unfreeze()
        gc.enable()


async def test_survivors_of_a_middle_generation_pass_are_frozen() -> None:
    assert await survivors_in_oldest_generation(freeze_after=1) == 0
    # without the mechanism (freezing only after a full pass, as before) they all wait there for
    # the next full pass
    assert await survivors_in_oldest_generation(freeze_after=2) == 20_000


async def test_a_stall_is_kept_with_its_time_on_the_monotonic_clock() -> None:
    mon = LoopMonitor(step=0.005, freeze=False, full_every=None)
    mon.start()
    try:
        await asyncio.sleep(0.02)
        before = time.monotonic()
        time.sleep(0.06)  # the loop is stuck
        await asyncio.sleep(0.02)
        after = time.monotonic()
        stalls = mon.stalls()
    finally:
        mon.stop()
    big = [(t, lag) for t, lag in stalls if lag > 0.04]
    assert len(big) == 1, stalls
    t, lag = big[0]
    assert before <= t <= after and lag == pytest.approx(0.06, abs=0.03)


def test_the_bench_counts_the_stalls_within_its_measured_windows() -> None:
    steps = [{"window": [10.0, 13.0]}, {"window": [20.0, 23.0]}]
    stalls = [[9.0, 500.0], [12.0, 30.0], [20.05, 80.0], [16.0, 200.0], [30.0, 999.0]]
    # [20.05, 80]: it began before the window (20.05 - 0.08) and ended inside: it counts
    assert worst_stall(stalls, steps) == 80.0
    assert worst_stall(stalls, steps[:1]) == 30.0
    assert worst_stall([], steps) == 0.0


async def test_the_time_in_the_collector_is_counted() -> None:
    mon = LoopMonitor(freeze=False, full_every=None)
    mon.start()
    try:
        passes, seconds = mon.gc_passes, mon.gc_seconds
        junk = [Node(k) for k in range(50_000)]
        for a, b in zip(junk, junk[1:], strict=False):
            a.kids.append(b)
        gc.collect()
        gc.collect()
    finally:
        mon.stop()
    assert mon.gc_passes - passes >= 2  # (and the young passes the allocations made)
    assert mon.gc_seconds - seconds > 0.0005  # two full passes over 50,000 linked objects
