"""Leases and fencing (issue 14), on stores two processes share: one owner at a time, the fence
grows with each change of owner, and an owner that lost its lease cannot write. Workshops and
published statuses on every store."""

from __future__ import annotations

from collections.abc import AsyncIterator

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

from tests.server.test_store import info


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def two() -> AsyncIterator[tuple[MemoryStore, MemoryStore, Clock]]:
    clock = Clock()
    a = MemoryStore(clock)
    b = a.shared_with()
    a.start()
    b.start()
    yield a, b, clock
    await a.close()
    await b.close()


async def created(store: Store, sid: str = "s-1") -> None:
    assert await store.claim(sid, "p1", "ws://p1", 5.0) is not None
    await store.write([NewSession(info(sid, "ABCDEF", 1.0), "text")])


async def test_one_owner_at_a_time_and_the_fence_grows_on_takeover(
    two: tuple[MemoryStore, MemoryStore, Clock],
) -> None:
    a, b, clock = two
    await created(a)
    first = await a.lease("s-1")
    assert first is not None and first.owner == "p1" and first.fence == 1
    assert await b.claim("s-1", "p2", "ws://p2", 5.0) is None  # held: refused
    again = await a.claim("s-1", "p1", "ws://p1", 5.0)
    assert again is not None and again.fence == 1  # same owner: same fence
    clock.now += 6.0  # p1 stops renewing
    assert await a.lease("s-1") is None
    assert await b.orphans() == []  # not started: nobody needs to take it over yet
    taken = await b.claim("s-1", "p2", "ws://p2", 5.0)
    assert taken is not None and taken.fence == 2 and taken.address == "ws://p2"


async def test_an_owner_that_lost_its_lease_cannot_write(
    two: tuple[MemoryStore, MemoryStore, Clock],
) -> None:
    a, b, clock = two
    await created(a)
    await a.write([AppendEntry("s-1", 1, {"k": "start"})])
    clock.now += 6.0
    assert await b.orphans() == ["s-1"]
    assert await b.claim("s-1", "p2", "ws://p2", 5.0) is not None
    with pytest.raises(LeaseLost) as lost:
        await a.write([AppendEntry("s-1", 2, {"k": "x"})])
    assert lost.value.sessions == ("s-1",)
    await b.write([AppendEntry("s-1", 2, {"k": "y"})])
    assert [e["k"] for e in await b.all_entries("s-1")] == ["start", "y"]
    assert await a.renew("p1", 5.0) == set()  # and it learns so at its next renewal
    assert await b.renew("p2", 5.0) == {"s-1"}


async def test_renewing_keeps_a_lease_and_releasing_hands_it_on_at_once(
    two: tuple[MemoryStore, MemoryStore, Clock],
) -> None:
    a, b, clock = two
    await created(a)
    for _ in range(4):
        clock.now += 3.0
        assert await a.renew("p1", 5.0) == {"s-1"}
    assert await b.claim("s-1", "p2", "ws://p2", 5.0) is None
    await a.release("s-1", "p1")
    got = await b.claim("s-1", "p2", "ws://p2", 5.0)
    assert got is not None and got.fence == 2


@pytest.fixture(params=["memory", "sqlite"])
async def any_store(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[Store]:
    from pathlib import Path

    s: Store = (
        MemoryStore() if request.param == "memory" else SQLiteStore(Path(str(tmp_path)) / "d.db")
    )
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
