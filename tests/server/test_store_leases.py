"""Leases and fencing (issue 14), on stores two processes share: one owner at a time, the fence
grows with each change of owner, and an owner that lost its lease cannot write. Workshops and
published statuses on every store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from district.server.store import (
    AppendEntry,
    LeaseLost,
    MemoryStore,
    NewSession,
    NewWorkshop,
    SessionStatus,
    SetWorkshop,
    SQLiteStore,
    Store,
)
from district.server.store.postgres import PostgresStore

from tests.server.test_store import info


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Two:
    """Two processes' stores on the same data, each with its own leases, and the lease time."""

    a: Store
    b: Store
    ttl: float
    clock: Clock | None  # the memory stores' clock; None: real time (PostgreSQL's own clock)

    async def advance(self, seconds: float) -> None:
        """Let `seconds` pass, as the stores' clock counts them."""
        if self.clock is not None:
            self.clock.now += seconds
        else:
            await asyncio.sleep(seconds)


@pytest.fixture(params=["memory", "postgres"])
async def two(request: pytest.FixtureRequest) -> AsyncIterator[Two]:
    if request.param == "memory":
        clock = Clock()
        a = MemoryStore(clock)
        pair = Two(a, a.shared_with(), 5.0, clock)
    else:  # two processes on one database: two stores, two pools; leases live 1 s of real time
        url = request.getfixturevalue("pg_url")
        pair = Two(PostgresStore(url), PostgresStore(url), 1.0, None)
    pair.a.start()
    pair.b.start()
    yield pair
    await pair.a.close()
    await pair.b.close()


async def created(store: Store, sid: str = "s-1", ttl: float = 5.0) -> None:
    assert await store.claim(sid, "p1", "ws://p1", ttl) is not None
    await store.write([NewSession(info(sid, "ABCDEF", 1.0), "text")])


async def test_one_owner_at_a_time_and_the_fence_grows_on_takeover(two: Two) -> None:
    a, b, ttl = two.a, two.b, two.ttl
    await created(a, ttl=ttl)
    first = await a.lease("s-1")
    assert first is not None and first.owner == "p1" and first.fence == 1
    assert await b.claim("s-1", "p2", "ws://p2", ttl) is None  # held: refused
    again = await a.claim("s-1", "p1", "ws://p1", ttl)
    assert again is not None and again.fence == 1  # same owner: same fence
    await two.advance(ttl * 1.2)  # p1 stops renewing
    assert await a.lease("s-1") is None
    assert await b.orphans() == []  # not started: nobody needs to take it over yet
    taken = await b.claim("s-1", "p2", "ws://p2", ttl)
    assert taken is not None and taken.fence == 2 and taken.address == "ws://p2"


async def test_an_owner_that_lost_its_lease_cannot_write(two: Two) -> None:
    a, b, ttl = two.a, two.b, two.ttl
    await created(a, ttl=ttl)
    await a.write([AppendEntry("s-1", 1, {"k": "start"})])
    await two.advance(ttl * 1.2)
    assert await b.orphans() == ["s-1"]
    assert await b.claim("s-1", "p2", "ws://p2", ttl) is not None
    with pytest.raises(LeaseLost) as lost:
        await a.write([AppendEntry("s-1", 2, {"k": "x"})])
    assert lost.value.sessions == ("s-1",)
    await b.write([AppendEntry("s-1", 2, {"k": "y"})])
    assert [e["k"] for e in await b.all_entries("s-1")] == ["start", "y"]
    assert await a.renew("p1", ttl) == set()  # and it learns so at its next renewal
    assert await b.renew("p2", ttl) == {"s-1"}


async def test_a_frozen_namesake_is_fenced_out_when_its_expired_lease_is_claimed_again(
    two: Two,
) -> None:
    """A process that froze past its lease and a successor started under the same name: the
    successor's claim of the expired lease is a new fence, so the frozen one cannot write."""
    frozen, successor, ttl = two.a, two.b, two.ttl
    await created(frozen, ttl=ttl)
    await frozen.write([AppendEntry("s-1", 1, {"k": "start"})])
    await two.advance(ttl * 1.2)
    got = await successor.claim("s-1", "p1", "ws://p1", ttl)  # the same name
    assert got is not None and got.fence == 2
    with pytest.raises(LeaseLost):
        await frozen.write([AppendEntry("s-1", 2, {"k": "late"})])
    await successor.write([AppendEntry("s-1", 2, {"k": "on"})])
    assert [e["k"] for e in await successor.all_entries("s-1")] == ["start", "on"]


async def test_renewing_keeps_a_lease_and_releasing_hands_it_on_at_once(two: Two) -> None:
    a, b, ttl = two.a, two.b, two.ttl
    await created(a, ttl=ttl)
    for _ in range(4):  # 2.4 lease times in all
        await two.advance(ttl * 0.6)
        assert await a.renew("p1", ttl) == {"s-1"}
    assert await b.claim("s-1", "p2", "ws://p2", ttl) is None
    await a.release("s-1", "p1")
    got = await b.claim("s-1", "p2", "ws://p2", ttl)
    assert got is not None and got.fence == 2


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        s: Store = MemoryStore()
    elif request.param == "sqlite":
        s = SQLiteStore(tmp_path / "d.db")
    else:
        s = PostgresStore(request.getfixturevalue("pg_url"))
    s.start()
    yield s
    await s.close()


async def test_workshops_list_their_sessions_with_what_owners_published(any_store: Store) -> None:
    s = any_store
    await created(s, "s-1")
    await s.claim("s-2", "p1", "ws://p1", 5.0)
    await s.write([NewSession(info("s-2", "GHIJKL", 2.0), "text")])
    await s.write([NewWorkshop("class-a", "hash-a"), SetWorkshop("s-1", "class-a")])
    assert await s.workshop_key("class-a") == "hash-a"
    assert await s.workshop_key("class-b") is None
    rows = await s.workshop_sessions("class-a")
    assert [(r.session, r.round, r.phase) for r in rows] == [("s-1", 0, "lobby")]
    await s.publish(
        [
            SessionStatus(
                "s-1", "ABCDEF", "x", 3, "negotiation", "running", 4, 1, "p1", "ws://p1", 9.0
            )
        ]
    )
    (row,) = await s.workshop_sessions("class-a")
    assert (row.round, row.phase, row.online, row.away) == (3, "negotiation", 4, 1)
