"""The store interface, the same for the SQLite store and the in-memory one: what is written comes
back, a batch is stored all or none, finished sessions are not recovered."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from district.server.store import (
    AddToken,
    AppendEntry,
    Archive,
    DropToken,
    Finish,
    MemoryStore,
    NewSession,
    Note,
    Quarantine,
    Snapshot,
    SQLiteStore,
    Store,
    StoreError,
    Write,
)
from district.server.store.memory import _session_of
from district.server.store.postgres import PostgresStore


def info(sid: str, code: str, created: float) -> dict[str, Any]:
    return {
        "id": sid,
        "code": code,
        "scenario": "server-test",
        "seed": 7,
        "facilitator_hash": f"fac-{sid}",
        "created": created,
        "negotiation_seconds": 480.0,
        "report_seconds": 0.5,
    }


class OwningPostgresStore(PostgresStore):
    """A PostgreSQL store used as a server uses it: it claims a session before writing it (a
    shared store refuses writes to sessions it holds no lease of)."""

    async def write(self, writes: Sequence[Write]) -> None:
        for w in writes:
            sid = _session_of(w)
            if sid is not None and sid not in self.held:
                assert await self.claim(sid, "test", "ws://test", 60.0) is not None
        await super().write(writes)


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "d.sqlite3")
    return OwningPostgresStore(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    s = make_store(request.param, request, tmp_path)
    s.start()
    yield s
    await s.close()


async def test_a_session_round_trip(store: Store) -> None:
    await store.write([NewSession(info("s-1", "AAAAAA", 1.0), "[scenario]\nname = 'x'\n")])
    got = await store.load("s-1")
    assert got is not None
    assert got.info == info("s-1", "AAAAAA", 1.0) and got.scenario_text.startswith("[scenario]")
    assert (got.finished, got.snapshot, got.snapshot_n, got.entries) == (None, None, 0, [])
    assert await store.lookup_code("AAAAAA") == "s-1"
    assert await store.lookup_token("fac-s-1") == ("s-1", "facilitator")
    entries = [
        {"k": "cmd", "seat": "union", "cmd": {"type": "chat", "x": (1, 2)}, "n": i}
        for i in range(5)
    ]
    await store.write([AppendEntry("s-1", i + 1, e) for i, e in enumerate(entries[:3])])
    await store.write(
        [
            AppendEntry("s-1", 4, entries[3]),
            AddToken("h-ada", "s-1", "firm:a"),
            AddToken("h-bo", "s-1", "firm:b"),
        ]
    )
    await store.write(
        [Snapshot("s-1", 3, b"state after 3", "hash3"), AppendEntry("s-1", 5, entries[4])]
    )
    await store.write([DropToken("h-bo")])
    plain = [{**e, "cmd": {"type": "chat", "x": [1, 2]}} for e in entries]  # as msgpack gives back
    assert await store.all_entries("s-1") == plain
    got = await store.load("s-1")
    assert got is not None
    assert (got.snapshot, got.snapshot_n, got.entries) == (b"state after 3", 3, plain[3:])
    full = await store.load("s-1", full=True)
    assert full is not None and (full.snapshot, full.snapshot_n, full.entries) == (None, 0, plain)
    assert await store.lookup_token("h-ada") == ("s-1", "firm:a")
    assert await store.lookup_token("h-bo") is None
    # a later snapshot replaces the earlier one
    await store.write([Snapshot("s-1", 5, b"state after 5", "hash5")])
    got = await store.load("s-1")
    assert got is not None and (got.snapshot, got.snapshot_n, got.entries) == (
        b"state after 5",
        5,
        [],
    )


async def test_open_sessions_oldest_first_and_finished_ones_stay_loadable(store: Store) -> None:
    await store.write([NewSession(info("s-2", "BBBBBB", 2.0), "")])
    await store.write(
        [NewSession(info("s-1", "AAAAAA", 1.0), ""), NewSession(info("s-3", "CCCCCC", 3.0), "")]
    )
    # a session in its lobby has no clock to keep: it is loaded when someone comes to it
    assert await store.open_ids() == []
    for sid in ("s-1", "s-2", "s-3"):
        await store.write([AppendEntry(sid, 1, {"k": "start", "deadline": 9.0})])
    assert await store.open_ids() == ["s-1", "s-2", "s-3"]
    await store.write([Finish("s-2", 99.0)])
    assert await store.open_ids() == ["s-1", "s-3"]
    # archived (idle, out of memory) until someone comes back; quarantined for good
    await store.write([Archive("s-1", 50.0)])
    assert await store.open_ids() == ["s-3"]
    await store.write([Archive("s-1", None), Quarantine("s-3", "entry 4 is not msgpack")])
    assert await store.open_ids() == ["s-1"]
    damaged = await store.load("s-3")
    assert damaged is not None and damaged.quarantined == "entry 4 is not msgpack"
    done = await store.load("s-2")
    assert done is not None and done.finished == 99.0
    assert await store.load("s-9") is None
    assert await store.lookup_code("ZZZZZZ") is None and await store.all_entries("s-9") == []


async def test_notes_come_back_in_order_with_their_time_and_seat(store: Store) -> None:
    """The previews asked (notes, never entries) are read back by any store: a report made from
    a shared store holds the facilitator's timeline as one made from a SQLite file does."""
    await store.write(
        [NewSession(info("s-1", "AAAAAA", 1.0), ""), NewSession(info("s-2", "BBBBBB", 2.0), "")]
    )
    asked = {"kind": "preview", "request": {"kind": "loan", "terms": (1, 2)}, "round": 1}
    await store.write(
        [
            AppendEntry("s-1", 1, {"k": "start"}),
            Note("s-1", 20.5, "firm:b", {**asked, "phase": "negotiation"}),
            Note("s-1", 10.25, "firm:a", {**asked, "phase": "report"}),
            Note("s-2", 11.0, "union", {"kind": "preview"}),
        ]
    )
    await store.write([Note("s-1", 30.0, "firm:a", {"kind": "preview", "round": 2})])
    plain = {"kind": "preview", "request": {"kind": "loan", "terms": [1, 2]}, "round": 1}
    assert await store.notes("s-1") == [  # in the order stored, not by time
        {**plain, "phase": "negotiation", "t": 20.5, "seat": "firm:b"},
        {**plain, "phase": "report", "t": 10.25, "seat": "firm:a"},
        {"kind": "preview", "round": 2, "t": 30.0, "seat": "firm:a"},
    ]
    assert await store.notes("s-2") == [{"kind": "preview", "t": 11.0, "seat": "union"}]
    assert await store.notes("s-9") == []
    assert await store.all_entries("s-1") == [{"k": "start"}]  # a note is never an entry
    with pytest.raises(StoreError):  # a failing batch stores its notes no more than the rest
        await store.write([Note("s-1", 40.0, "firm:a", {}), AppendEntry("s-1", 1, {"k": "x"})])
    assert len(await store.notes("s-1")) == 3


async def test_a_failing_batch_stores_nothing(store: Store) -> None:
    await store.write([NewSession(info("s-1", "AAAAAA", 1.0), "")])
    await store.write([AppendEntry("s-1", 1, {"k": "start"})])
    with pytest.raises(StoreError):  # entry 1 exists: the whole batch fails
        await store.write(
            [
                AppendEntry("s-1", 2, {"k": "pause"}),
                AddToken("h", "s-1", "union"),
                AppendEntry("s-1", 1, {"k": "x"}),
            ]
        )
    assert await store.all_entries("s-1") == [{"k": "start"}]
    assert await store.lookup_token("h") is None
    with pytest.raises(StoreError):  # a code is one session's
        await store.write([NewSession(info("s-2", "AAAAAA", 2.0), "")])
    assert await store.open_ids() == ["s-1"]
    # the store still works after a failed batch
    await store.write([AppendEntry("s-1", 2, {"k": "pause"})])
    assert len(await store.all_entries("s-1")) == 2


async def test_writes_after_close_fail(store: Store) -> None:
    await store.close()
    with pytest.raises(StoreError):
        await store.write([NewSession(info("s-1", "AAAAAA", 1.0), "")])


async def test_the_sqlite_file_outlives_its_store(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    first = SQLiteStore(db)
    first.start()
    await first.write(
        [NewSession(info("s-1", "AAAAAA", 1.0), "text"), AppendEntry("s-1", 1, {"k": "start"})]
    )
    await first.close()
    # read without starting (as a tool reads a database a server writes), then serve again
    second = SQLiteStore(db)
    assert await second.all_entries("s-1") == [{"k": "start"}]
    second.start()
    assert await second.open_ids() == ["s-1"]
    await second.close()


async def test_the_memory_store_can_be_told_to_fail() -> None:
    store = MemoryStore()
    store.start()
    await store.write([NewSession(info("s-1", "AAAAAA", 1.0), "")])
    store.refuse = lambda w: isinstance(w, AppendEntry)
    with pytest.raises(StoreError):
        await store.write([AddToken("h", "s-1", "union"), AppendEntry("s-1", 1, {"k": "start"})])
    assert await store.lookup_token("h") is None
    store.refuse = None
    await store.write([AppendEntry("s-1", 1, {"k": "start"})])
    assert store.batches == 2


async def test_the_server_runs_on_any_store(tmp_path: Path) -> None:
    """The server asks only the interface: a game on the in-memory store, over real websockets."""
    from district.server.net import Server

    from tests.server.conftest import create, join, make_config, until

    store = MemoryStore()
    srv = Server(make_config(tmp_path), store=store)
    await srv.start()
    try:
        created, fac = await create(srv.url)
        a = await join(srv.url, created["code"], "Ada")
        await fac.control("start", fill_bots=False)
        r = await a.command({"type": "chat", "text": "stored in memory", "to": "public"}, cid="m1")
        assert r["type"] == "ack"
        await fac.control("advance")
        await until(lambda: a.view is not None and a.view["phase"] == "report")
        entries = await store.all_entries(created["session"])
        assert [e["k"] for e in entries] == ["join", "start", "cmd", "resolve"]
        assert entries[2]["cid"] == "m1"
        assert not (tmp_path / "district.sqlite3").exists()  # no SQLite file was made
        for c in (a, fac):
            await c.close()
    finally:
        await srv.stop()
