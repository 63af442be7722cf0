"""The server's worker processes (previews, debriefs) yield the CPU to the event loop."""

from __future__ import annotations

import os

import pytest
from district.server.session.workers import NICENESS, WorkerPool


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no process priorities on this system")
def test_workers_run_below_the_servers_priority() -> None:
    pool = WorkerPool(1)
    try:
        theirs = pool.get().submit(os.nice, 0).result(timeout=60)
    finally:
        pool.get().shutdown()
    ours = os.nice(0)
    assert theirs == min(19, ours + NICENESS), (ours, theirs)


def test_a_crashed_pool_is_started_afresh() -> None:
    pool = WorkerPool(1)
    first = pool.get()
    try:
        future = first.submit(os._exit, 3)
        with pytest.raises(Exception, match="terminated abruptly"):
            future.result(timeout=60)
        pool.reset(first)
        second = pool.get()
        assert second is not first
        assert second.submit(abs, -2).result(timeout=60) == 2
    finally:
        pool.get().shutdown()
