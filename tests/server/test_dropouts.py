"""A dropped player over real sockets: a stand-in plays their seat once the grace period is over,
so the round does not wait for its deadline, and they take the seat back with their token."""

from __future__ import annotations

from typing import Any

from district.server.net import Server

from tests.server.conftest import SeatClient, create, join, until


def events(c: SeatClient, kind: str) -> list[dict[str, Any]]:
    return [
        m["event"] for m in c.received if m.get("type") == "event" and m["event"]["kind"] == kind
    ]


def seat_of(c: SeatClient, seat: str) -> dict[str, Any]:
    assert c.roster is not None
    (s,) = [s for s in c.roster["seats"] if s["id"] == seat]
    return s


async def test_a_dropped_player_is_stood_in_and_comes_back(server: Server) -> None:
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    b = await join(server.url, created["code"], "Bo")
    bo_seat, bo_token = b.seat, b.token
    assert (await fac.control("timers", standin_seconds=0.5))["type"] == "ack"
    assert (await fac.control("start"))["type"] == "ack"  # bots in the other seats
    assert (await a.command({"type": "ready", "ready": True}))["type"] == "ack"
    await b.close()
    await until(lambda: seat_of(fac, bo_seat)["away_since"] is not None)
    assert not seat_of(fac, bo_seat)["standin"] and not seat_of(fac, bo_seat)["connected"]
    # the grace passes: a stand-in says ready for Bo and the round ends long before its deadline
    await until(lambda: fac.clock is not None and fac.clock["phase"] == "report", timeout=10)
    assert seat_of(fac, bo_seat)["standin"] and seat_of(fac, bo_seat)["player"] == "Bo"
    assert seat_of(fac, bo_seat)["controller"] == "human"
    sid = created["session"]
    log = await server.sessions[sid].call(lambda s: s.core.seats[bo_seat].standin)
    assert log is True
    # Bo comes back with the token: the seat is Bo's again, and Bo is told
    back = SeatClient(server.url, token=bo_token, record=True)
    w = await back.connect()
    assert w["seat"] == bo_seat
    await until(lambda: bool(events(back, "seat_back")))
    assert events(back, "seat_back") == [{"kind": "seat_back", "seat": bo_seat}]
    await until(lambda: not seat_of(fac, bo_seat)["standin"])
    assert seat_of(fac, bo_seat)["connected"] and seat_of(fac, bo_seat)["away_since"] is None
    # and plays the next round: it waits for Bo again
    assert (await fac.control("advance"))["type"] == "ack"
    await until(lambda: fac.clock is not None and fac.clock["phase"] == "negotiation")
    r = await back.command({"type": "decide", "round": 2, "decisions": {"wage": 34}})
    assert r["type"] == "ack", r
    assert (await a.command({"type": "ready", "ready": True}))["type"] == "ack"
    phase = await server.sessions[sid].call(lambda s: (s.core.round, s.core.phase))
    assert phase == (2, "negotiation")  # Bo has not said ready
    assert (await back.command({"type": "ready", "ready": True}))["type"] == "ack"
    await until(lambda: fac.clock is not None and fac.clock["phase"] == "report")
    for c in (a, back, fac):
        await c.close()
