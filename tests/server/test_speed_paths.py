"""The server's fast paths (docs/performance.md, "What changed") do what the slow ones did:
writes asked for in one turn of the event loop are committed together and each writer still
learns its own outcome; a frame framed by hand is byte for byte websockets' own; the session's
timer is not re-armed by a batch that leaves its deadline alone."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from district.server.connection import _header
from district.server.protocol.codec import decode
from district.server.protocol.errors import ProtocolError
from district.server.session import Command, Control
from district.server.store import AppendEntry, NewSession, SQLiteStore, StoreError
from district.server.store import sqlite as sqlite_store
from websockets.frames import Frame, Opcode

from tests.server.conftest import until
from tests.server.test_actor import chat, rig  # noqa: F401 (rig: a fixture)
from tests.server.test_store import info


@pytest.mark.parametrize("durable", [False, True], ids=["on-the-loop", "durable-thread"])
async def test_writes_of_one_turn_share_one_commit_and_keep_their_own_outcome(
    tmp_path: Path, durable: bool
) -> None:
    store = SQLiteStore(tmp_path / "d.sqlite3", durable=durable)
    store.start()
    try:
        sessions = [f"s-{i}" for i in range(20)]
        await store.write(
            [NewSession(info(s, f"CODE{i:02d}", 1.0), "") for i, s in enumerate(sessions)]
        )
        entry = {"k": "cmd", "seat": "union", "cmd": {"type": "chat"}}
        await store.write([AppendEntry("s-0", 1, entry)])
        before, inline_before = store.commits, store.inline_commits
        handed: list[Any] = []
        put = store._q.put

        def counted(job: Any, *a: Any, **k: Any) -> None:
            handed.append(job)
            put(job, *a, **k)

        store._q.put = counted  # type: ignore[method-assign]
        # twenty writes asked for in one turn: one commit. Durable, the thread makes it (one
        # hand-over); else the loop's own connection does, and nothing is handed to the thread
        await asyncio.gather(*(store.write([AppendEntry(s, 2, entry)]) for s in sessions))
        writes_handed = [j for j in handed if j[0] == "write"]
        assert store.commits - before == 1
        if durable:
            assert len(writes_handed) == 1 and store.inline_commits == inline_before
        else:
            assert writes_handed == [] and store.inline_commits - inline_before == 1
        # one of them is refused (entry 2 of s-0 exists): it alone fails, the rest are stored
        results = await asyncio.gather(
            *(store.write([AppendEntry(s, 2 if s == "s-0" else 3, entry)]) for s in sessions),
            return_exceptions=True,
        )
        assert isinstance(results[0], StoreError) and results[1:] == [None] * 19
        for s in sessions:
            got = await store.load(s)
            assert got is not None and len(got.entries) == 2  # s-0: 1 and 2; the others: 2 and 3
    finally:
        await store.close()


async def test_a_write_lock_held_elsewhere_never_holds_up_the_event_loop(tmp_path: Path) -> None:
    """Commits are made on the event loop, but when another connection (a tool) holds the file's
    write lock, the loop waits at most a moment: the writes go to the thread, which waits for the
    lock, and every one is stored, in order, once it is free."""
    path = tmp_path / "d.sqlite3"
    store = SQLiteStore(path)
    store.start()
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        await store.write([NewSession(info("s-1", "CODE01", 1.0), "")])
        entry = {"k": "cmd", "seat": "union", "cmd": {"type": "chat"}}
        gaps: list[float] = []

        async def ticker() -> None:
            last = time.perf_counter()
            while True:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0.02)  # it ticks
        other.execute("BEGIN IMMEDIATE")  # the lock, held for 0.6 s
        asyncio.get_running_loop().call_later(0.6, other.execute, "COMMIT")
        for n in range(1, 11):  # one write a turn while the lock is held, then after
            await asyncio.wait_for(store.write([AppendEntry("s-1", n, {**entry, "n": n})]), 5)
        tick.cancel()
        got = await store.load("s-1")
        assert got is not None and [e["n"] for e in got.entries] == list(range(1, 11))
        assert max(gaps) < 0.2, f"the loop stood still for {max(gaps) * 1000:.0f} ms"
    finally:
        other.close()
        await store.close()


async def test_the_thread_checkpoints_the_wal_while_the_loop_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop's connection never checkpoints (that waits for the disk): the thread does, with
    the loop's writes held back behind it meanwhile, so the WAL starts again and its file stays
    small however many commits are made without a pause (without checkpoints: 60-70 MB)."""
    monkeypatch.setattr(sqlite_store, "CHECKPOINT_EVERY", 0.02)
    path = tmp_path / "d.sqlite3"
    store = SQLiteStore(path)
    store.start()
    try:
        sessions = [f"s-{i}" for i in range(40)]
        await store.write(
            [NewSession(info(s, f"CODE{i:02d}", 1.0), "") for i, s in enumerate(sessions)]
        )
        blob = {"k": "cmd", "seat": "union", "cmd": {"type": "chat", "text": "x" * 600}}
        for n in range(1, 151):  # 150 commits of 40 sessions' entries, one after the other
            await asyncio.gather(*(store.write([AppendEntry(s, n, blob)]) for s in sessions))
        wal = path.with_name(path.name + "-wal").stat().st_size
        # most commits are the loop's own; the others went to the thread behind a checkpoint.
        # How many depends on how long a checkpoint takes on the disk at that moment (on a
        # machine running three suites: 93 of 150), so the bound is "most", not a count the
        # disk sets: a loop that never came back from the thread after its first checkpoint
        # (20 ms in) would make ~10 of its own, one that never commits itself none.
        assert store.inline_commits > 150 // 2, store.inline_commits
        assert wal < 20_000_000, f"the WAL grew to {wal / 1e6:.1f} MB"
    finally:
        await store.close()


@pytest.mark.parametrize("n", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_frame_framed_by_hand_is_websockets_own(n: int) -> None:
    data = (bytes(range(256)) * (n // 256 + 1))[:n]
    assert _header(n) + data == Frame(Opcode.BINARY, data).serialize(mask=False)


def _nested(depth: int, leaf: Any) -> Any:
    v = leaf
    for i in range(depth):
        v = {f"k{i}": v} if i % 2 else [0, v]
    return v


@pytest.mark.parametrize("leaf", [1, True, None, "s", 1.5])
def test_the_depth_limit_holds_for_plain_values_too(leaf: Any) -> None:
    import msgpack

    decode(msgpack.packb({"type": "x", "v": _nested(14, leaf)}))
    with pytest.raises(ProtocolError) as e:
        decode(msgpack.packb({"type": "x", "v": _nested(15, leaf)}))
    assert "nested more than" in str(e.value)


def test_a_bad_value_is_named_where_it_is() -> None:
    import msgpack

    frame = msgpack.packb({"type": "x", "a": [1, {"b": [True, float("nan")]}]})
    with pytest.raises(ProtocolError) as e:
        decode(frame)
    assert e.value.where == "a[1].b[1]" and "finite" in str(e.value)


async def test_a_batch_that_leaves_the_deadline_alone_keeps_the_timer(rig: Any) -> None:  # noqa: F811
    session, _store, _player = rig
    fac = session.conns["facilitator"]
    start = {"type": "control", "id": 5, "action": "start", "fill_bots": False}
    session.submit(Control(fac, start))
    await until(lambda: any(m.get("re") == 5 for m in fac.replies()))
    await asyncio.sleep(0.05)
    timer = session._timer
    assert timer is not None
    for i in range(5):
        session.submit(Command(fac, chat(20 + i, "hello")))
        await until(lambda i=i: any(m.get("re") == 20 + i for m in fac.replies()))
    assert session._timer is timer and not timer.cancelled()
