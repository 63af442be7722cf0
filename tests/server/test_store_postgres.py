"""The PostgreSQL store (issue 14) on a real PostgreSQL server (tests/pg.py): fencing under a real
race, a fenced-out batch storing nothing, leases timed by the database's clock, group commit,
surviving the database restarting, and `open_store` choosing the store from a URL."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from district.server.store import (
    AddToken,
    AppendEntry,
    LeaseLost,
    NewSession,
    SQLiteStore,
    StoreError,
    open_store,
)
from district.server.store.postgres import PostgresStore

from tests.pg import PgServer
from tests.server.test_store import info


@pytest.fixture
async def stores(pg_url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    """Two processes' stores on one database."""
    a, b = PostgresStore(pg_url), PostgresStore(pg_url)
    a.start()
    b.start()
    yield a, b
    await a.close()
    await b.close()


async def new_session(s: PostgresStore, sid: str, ttl: float, owner: str = "p1") -> None:
    assert await s.claim(sid, owner, f"ws://{owner}", ttl) is not None
    code = "C" + sid.replace("-", "").upper().rjust(5, "X")
    await s.write([NewSession(info(sid, code, 1.0), "text"), AppendEntry(sid, 1, {"k": "start"})])


async def test_an_old_owners_writes_racing_a_takeover_never_land_after_the_new_owners_first(
    stores: tuple[PostgresStore, PostgresStore],
) -> None:
    """The old owner (a process that paused and went on as if it still owned its sessions)
    writes as fast as it can, without renewing; the new owner claims each session the moment its
    lease expires and appends after what it reads. Nothing of the old owner's lands after the new
    owner's first entry, and every write it tries once the new owner has written is refused."""
    a, b = stores
    ttl = 0.3
    sids = [f"s-{i}" for i in range(3)]
    for sid in sids:
        await new_session(a, sid, ttl)
    taken = {sid: asyncio.Event() for sid in sids}
    after = {sid: [0, 0] for sid in sids}  # old owner's writes after the takeover: tried, stored
    lost = dict.fromkeys(sids, 0)

    async def old_owner(sid: str) -> None:
        n = 2
        tries_after = 0
        while tries_after < 5:
            if taken[sid].is_set():
                tries_after += 1
                after[sid][0] += 1
            try:
                await a.write([AppendEntry(sid, n, {"k": "cmd", "by": "old"})])
            except LeaseLost:
                lost[sid] += 1
            else:
                n += 1
                if taken[sid].is_set():
                    after[sid][1] += 1

    async def new_owner(sid: str) -> int:
        while await b.claim(sid, "p2", "ws://p2", 60.0) is None:
            await asyncio.sleep(0)
        first = len(await b.all_entries(sid)) + 1
        await b.write([AppendEntry(sid, first, {"k": "cmd", "by": "new"})])
        taken[sid].set()
        return first

    results = await asyncio.wait_for(
        asyncio.gather(*(old_owner(s) for s in sids), *(new_owner(s) for s in sids)), 30.0
    )
    firsts = dict(zip(sids, results[len(sids) :], strict=True))
    for sid in sids:
        entries = await b.all_entries(sid)
        first = firsts[sid]
        assert entries[first - 1]["by"] == "new"
        assert entries[first:] == []  # nothing of the old owner's after the new owner's first
        assert after[sid][0] >= 5 and after[sid][1] == 0, (sid, after[sid])
        assert lost[sid] >= 5
        assert first > 2  # the old owner did write while it held the lease


async def test_an_old_owners_write_under_way_when_its_lease_expires_lands_before_the_takeover(
    stores: tuple[PostgresStore, PostgresStore],
) -> None:
    """The old owner's write checked its lease while it was live, then took long (a trigger in
    the database sleeps); the lease expires meanwhile. The takeover waits for that write, so it
    lands before the new owner's first write, never after it."""
    a, b = stores
    await new_session(a, "s-1", 60.0)
    assert await a.claim("s-1", "p1", "ws://p1", 0.3) is not None
    conn = await asyncpg.connect(a.url)
    try:
        await conn.execute(
            "CREATE FUNCTION slow() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.8); "
            "RETURN NEW; END $$ LANGUAGE plpgsql; "
            "CREATE TRIGGER slow BEFORE INSERT ON entries FOR EACH ROW "
            "WHEN (NEW.n = 2) EXECUTE FUNCTION slow()"
        )
    finally:
        await conn.close()
    old = asyncio.create_task(a.write([AppendEntry("s-1", 2, {"k": "cmd", "by": "old"})]))
    await asyncio.sleep(0.5)  # the lease has expired; the old owner's write is under way
    assert await b.claim("s-1", "p2", "ws://p2", 60.0) is not None
    await b.write([AppendEntry("s-1", 3, {"k": "cmd", "by": "new"})])
    seen = await b.all_entries("s-1")  # what the new owner's first write came after
    with contextlib.suppress(LeaseLost):
        await old
    assert await b.all_entries("s-1") == seen  # nothing landed after it
    assert [e.get("by") for e in seen] == [None, "old", "new"]


async def test_a_process_vanishing_in_the_middle_of_a_write_does_not_block_a_takeover(
    pg_url: str,
) -> None:
    """A process whose machine is lost in the middle of a write sends nothing more, and its
    transaction holds the lease row it checked: the database ends that transaction after
    `stalled_after` seconds, so the takeover goes through."""
    a = PostgresStore(pg_url, stalled_after=0.5)
    b = PostgresStore(pg_url)
    a.start()
    b.start()
    try:
        await new_session(a, "s-1", 0.3)
        gone = await asyncpg.connect(pg_url, **a._connect_args())  # a's connection, as a's pool
        await gone.execute(  # makes them: in the middle of a write, then silence
            "BEGIN; SELECT fence FROM leases WHERE session = 's-1' FOR SHARE"
        )
        await asyncio.sleep(0.4)  # the lease expires
        t0 = time.perf_counter()
        assert await b.claim("s-1", "p2", "ws://p2", 60.0) is not None
        assert time.perf_counter() - t0 < 3.0
        gone.terminate()
    finally:
        await a.close()
        await b.close()


async def test_a_batch_with_one_fenced_out_session_stores_nothing(
    stores: tuple[PostgresStore, PostgresStore],
) -> None:
    a, b = stores
    await new_session(a, "s-1", 60.0)
    await new_session(a, "s-2", 0.3)
    await asyncio.sleep(0.45)  # s-2's lease expires; a still believes it holds it (fence 1)
    got = await b.claim("s-2", "p2", "ws://p2", 60.0)
    assert got is not None and got.fence == 2
    assert a.held["s-2"] == ("p1", 1)
    with pytest.raises(LeaseLost) as caught:
        await a.write(
            [
                AppendEntry("s-1", 2, {"k": "cmd"}),
                AddToken("h-ada", "s-1", "firm:a"),
                AppendEntry("s-2", 2, {"k": "cmd"}),
            ]
        )
    assert caught.value.sessions == ("s-2",)
    assert len(await a.all_entries("s-1")) == 1 and await a.lookup_token("h-ada") is None
    # batches asked together go in one transaction; the fenced-out one fails it, and the others
    # are then stored together: the innocent are not failed with the guilty
    await new_session(a, "s-3", 60.0)
    before = a.commits
    ok, fenced, ok3 = await asyncio.gather(
        a.write([AppendEntry("s-1", 2, {"k": "cmd"})]),
        a.write([AppendEntry("s-2", 2, {"k": "cmd"})]),
        a.write([AppendEntry("s-3", 2, {"k": "cmd"})]),
        return_exceptions=True,
    )
    assert ok is None and ok3 is None and isinstance(fenced, LeaseLost)
    assert fenced.sessions == ("s-2",) and a.commits == before + 1
    assert [len(await a.all_entries(sid)) for sid in ("s-1", "s-2", "s-3")] == [2, 1, 2]


async def test_writes_asked_together_are_one_commit_and_reads_see_writes_asked_before(
    stores: tuple[PostgresStore, PostgresStore],
) -> None:
    a, _b = stores
    sids = [f"s-{i}" for i in range(20)]
    for sid in sids:
        await new_session(a, sid, 60.0)
    before = a.commits
    await asyncio.gather(*(a.write([AppendEntry(sid, 2, {"k": "cmd"})]) for sid in sids))
    assert a.commits - before == 1
    # a read asked after a write (not yet stored) waits for it
    pending = asyncio.create_task(a.write([AppendEntry("s-0", 3, {"k": "cmd", "late": 1})]))
    await asyncio.sleep(0)
    assert (await a.all_entries("s-0"))[-1] == {"k": "cmd", "late": 1}
    await pending


async def test_leases_are_timed_by_the_databases_clock_not_the_process(
    stores: tuple[PostgresStore, PostgresStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = stores
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3600.0)  # this process runs an hour fast
    first = await a.claim("s-1", "p1", "ws://p1", 0.3)
    assert first is not None and abs(first.expires - (real() + 0.3)) < 5.0
    await asyncio.sleep(0.45)
    assert await b.claim("s-1", "p2", "ws://p2", 60.0) is not None  # expired by the database
    monkeypatch.setattr(time, "time", lambda: real() - 3600.0)  # and now an hour slow
    assert await a.claim("s-2", "p1", "ws://p1", 60.0) is not None
    assert await a.lease("s-2") is not None
    assert await b.claim("s-2", "p2", "ws://p2", 60.0) is None  # live by the database's clock


async def test_the_store_survives_the_database_restarting(pg: PgServer) -> None:
    """While the database is down every call fails at once with StoreError saying so; once it
    is back the same store works again, its leases and data intact."""
    s = PostgresStore(pg.new_database(), connect_timeout=2.0)
    s.start()
    try:
        await new_session(s, "s-1", 60.0)
        pg.stop()
        try:
            t0 = time.perf_counter()
            with pytest.raises(StoreError, match="cannot be reached") as down:
                await s.write([AppendEntry("s-1", 2, {"k": "cmd"})])
            assert "127.0.0.1" in str(down.value) and "Traceback" not in str(down.value)
            with pytest.raises(StoreError):
                await s.load("s-1")
            with pytest.raises(StoreError):
                await s.renew("p1", 60.0)
            with pytest.raises(StoreError):
                await s.claim("s-2", "p1", "ws://p1", 60.0)
            assert time.perf_counter() - t0 < 5.0
        finally:
            pg.start()
        await s.write([AppendEntry("s-1", 2, {"k": "cmd"})])
        assert [e["k"] for e in await s.all_entries("s-1")] == ["start", "cmd"]
        assert await s.renew("p1", 60.0) == {"s-1"}
        await asyncio.to_thread(pg.restart)  # between two writes: unnoticed, nothing fails
        await s.write([AppendEntry("s-1", 3, {"k": "cmd"})])
        assert len(await s.all_entries("s-1")) == 3
    finally:
        await s.close()


async def test_stores_starting_together_make_the_schema_once(pg_url: str) -> None:
    stores = [PostgresStore(pg_url) for _ in range(4)]
    for s in stores:
        s.start()
    try:
        assert await asyncio.gather(*(s.open_ids() for s in stores)) == [[]] * 4
    finally:
        for s in stores:
            await s.close()


async def test_a_tool_reads_without_starting_the_store(pg_url: str) -> None:
    s = PostgresStore(pg_url)
    s.start()
    await new_session(s, "s-1", 60.0)
    await s.close()
    reader = PostgresStore(pg_url)  # never started: no pool, a connection per read
    assert [e["k"] for e in await reader.all_entries("s-1")] == ["start"]
    with pytest.raises(StoreError, match="closed"):
        await reader.write([AppendEntry("s-1", 2, {"k": "cmd"})])


async def test_open_store_gives_each_kind_of_store(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "d.sqlite3"
    local = open_store(None, db, True)
    assert isinstance(local, SQLiteStore) and local.path == db and local.durable
    assert not local.shared
    for url in (pg_url, pg_url.replace("postgresql://", "postgres://")):
        shared = open_store(url, db, False)
        assert isinstance(shared, PostgresStore) and shared.shared
        shared.start()
        try:
            assert await shared.open_ids() == []
        finally:
            await shared.close()
    for bad in ("mysql://u@h/d", "district.sqlite3", "redis://user:secret@host/0"):
        with pytest.raises(ValueError, match=r"postgresql://user@host:port/database") as e:
            open_store(bad, db, False)
        assert "secret" not in str(e.value)
    # no driver installed: a sentence saying what to install
    monkeypatch.setitem(sys.modules, "asyncpg", None)
    monkeypatch.delitem(sys.modules, "district.server.store.postgres")
    with pytest.raises(ValueError, match=r"pip install 'district\[postgres\]'"):
        open_store(pg_url, db, False)
