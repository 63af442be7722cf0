"""When a player's server dies and another takes the session over (issue 14), the Pygame client's
network thread says "Moving to another server…" in words once the home address redirects it on the
way back, and has the player's view back soon after the session is playable again: its pauses
between attempts stay short while the drop is recent, and are drawn at random so a class does not
come back in step. Two real servers on loopback share one store (as processes on one PostgreSQL);
the owner dies as a `kill -9` leaves it (tests/server/test_cluster.py `crash`); the other takes the
session over when the dead owner's lease runs out (about 3 s)."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from district.client.net import MOVING, Backoff, Inbound, NetClient
from district.server.net import Server
from district.server.store import MemoryStore

from tests.server.conftest import create, make_config, until
from tests.server.test_cluster import crash

PLAYERS = 6


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[Server, Server]]:
    first = MemoryStore()
    servers = (
        Server(make_config(tmp_path, name="p0", grace=1.0), store=first),
        Server(make_config(tmp_path, name="p1", grace=1.0), store=first.shared_with()),
    )
    for s in servers:
        await s.start()
    yield servers
    for s in servers:
        await s.stop()


async def test_players_whose_server_dies_see_moving_and_are_back_soon_after_the_takeover(
    pair: tuple[Server, Server],
) -> None:
    owner, other = pair
    created, fac = await create(owner.url, seed=9, report_seconds=600, negotiation_seconds=600)
    sid = created["session"]
    # the players' home is the other process: it redirects them to the owner
    nets = [
        NetClient(other.url, {"code": created["code"], "name": f"P{i}"}).start()
        for i in range(PLAYERS)
    ]
    got: list[list[tuple[float, Inbound]]] = [[] for _ in nets]

    def take() -> None:
        now = time.time()
        for net, seen in zip(nets, got, strict=True):
            seen.extend((now, i) for i in net.poll())

    def connected_after(seen: list[tuple[float, Inbound]], t: float) -> float | None:
        return next((w for w, i in seen if w > t and i.status == "connected"), None)

    try:
        await until(lambda: (take(), all(connected_after(s, 0) for s in got))[1], timeout=20)
        assert all(n.client is not None and n.client.url == owner.url for n in nets)
        assert (await fac.control("start", fill_bots=False))["type"] == "ack"
        await fac.close()
        await crash(owner)
        crashed = time.time()
        lease = await other.store.lease(sid)
        assert lease is not None and lease.owner == "p0"
        playable = lease.expires  # from then on a hello at `other` is served (store clock: time)

        def back() -> bool:
            take()
            return all(connected_after(s, crashed) for s in got)

        await until(back, timeout=15)
        late = [(connected_after(s, crashed) or 0) - playable for s in got]
        print(
            f"lease ran out {playable - crashed:.2f} s after the crash; players back "
            f"{min(late):.2f}..{max(late):.2f} s later (median {statistics.median(late):.2f})"
        )
        assert statistics.median(late) < 0.45 and max(late) < 0.9, late
        for seen in got:
            after = [i for w, i in seen if w > crashed and i.kind == "status"]
            # on the way back the home redirects to the dead owner: the session is moving
            moving = [i for i in after if i.status == "moving"]
            assert moving and all(i.detail == MOVING for i in moving), [
                (i.status, i.detail) for i in after
            ]
            assert not any("ws://" in i.detail for i in after)
            assert after[-1].status == "connected"
        redirects = [n.client.redirects if n.client else 0 for n in nets]
        print(f"redirected hellos a player made while waiting: {redirects}")
    finally:
        await asyncio.gather(*(asyncio.to_thread(n.stop) for n in nets))


def test_the_pauses_are_short_while_the_drop_is_recent_spread_and_then_longer() -> None:
    b, rng = Backoff(), random.Random(4)
    first = [b.delay(1, 0.0, rng) for _ in range(200)]
    assert min(first) > 0.04 and max(first) <= 0.1  # a blip or a restart: back at once
    recent = [b.delay(n, 3.0, rng) for n in range(4, 200)]
    assert max(recent) <= 0.5 and min(recent) >= 0.25  # never long past a takeover
    assert len({round(d, 3) for d in recent}) > 100  # spread: a class does not come in step
    assert statistics.mean(recent) > 0.3  # not a storm: about 2.7 attempts a second at most
    old = [b.delay(n, 20.0, rng) for n in range(10, 200)]
    assert min(old) >= 2.0 and max(old) <= 4.0  # a server that stays down is not kept busy
