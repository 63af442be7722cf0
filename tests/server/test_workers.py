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


def test_previews_share_one_packing_of_the_state_until_it_moves() -> None:
    """A big district packs to megabytes in milliseconds of the event loop: previews asked while
    nothing moved share one packing, and the next entry makes a new one (never a stale state)."""
    import logging
    import pickle

    from district.server.engine.scenario_files import load_scenario
    from district.server.session import SessionCore, SessionInfo
    from district.server.session.questions import Questions

    from tests.server.conftest import SCENARIOS

    scenario = load_scenario(SCENARIOS / "server-test.toml")
    core = SessionCore(SessionInfo("s-pack", "PACKED", "server-test", 3, "x", 1.0), scenario)
    q = Questions(logging.LoggerAdapter(logging.getLogger("test"), {}))
    first = q.pack(core)
    assert q.pack(core) is first  # nothing moved: the same packing
    core.apply({"k": "lock", "locked": True})
    second = q.pack(core)
    assert second is not first and q.pack(core) is second
    assert pickle.loads(second).round == core.game.state.round
    other = SessionCore(SessionInfo("s-pack2", "PACKEE", "server-test", 3, "x", 1.0), scenario)
    assert q.pack(other) is not second  # another core (a reload from the store) packs afresh
