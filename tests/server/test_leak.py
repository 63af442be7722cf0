"""Across a whole game, no message sent to one seat holds another seat's private data: private
chat, private decisions, deals it is not party to, another seat's private view, the answers to
another seat's previews."""

from __future__ import annotations

import asyncio
from typing import Any

from district.server.botclient import SeatClient
from district.server.bots import decide
from district.server.net import Server

from tests.server.conftest import create, join, until

ROUNDS = 3


def marker(seat_index: int, rnd: int) -> float:
    """A decision value nobody else would produce: unique per seat and round."""
    return round(0.3141 + 0.0173 * seat_index + 0.00071 * rnd, 6)


MARKED = {"firm": "skill_pay", "union": "training_participation", "government": "training_match"}


def leaves(x: Any) -> list[Any]:
    if isinstance(x, dict):
        return [y for k, v in x.items() for y in [k, *leaves(v)]]
    if isinstance(x, list):
        return [y for v in x for y in leaves(v)]
    return [x]


async def play(c: SeatClient, index: int, seats: list[str], previews: dict[str, int]) -> None:
    """Like a bot, plus a private message to the next seat and a marked private decision."""
    for r in range(1, ROUNDS + 1):
        await until(
            lambda r=r: (
                c.view is not None
                and c.view["round"] == r
                and c.view["phase"] == "negotiation"
                and c.clock is not None
                and c.clock["status"] == "running"
            ),
            timeout=30,
        )
        to = seats[(index + 1) % len(seats)]
        await c.command({"type": "chat", "text": f"SECRET {c.seat} to {to} r{r}", "to": to})
        role = c.view["role"]
        if role in MARKED:
            await c.command(
                {"type": "decide", "round": r, "decisions": {MARKED[role]: marker(index, r)}}
            )
        if role == "firm":  # a private preview: only the asking seat may see its answer
            other = next(s for s in seats if s.startswith("firm:") and s != c.seat)
            before = c.last
            r_ = await c.command(
                {
                    "type": "preview",
                    "kind": "subcontract",
                    "parties": [c.seat, other],
                    "terms": {"buyer": c.seat, "supplier": other, "operation": "machining"},
                }
            )
            if r_["type"] == "ack":
                # a question: answered in the ack, nothing recorded (no event of its own)
                assert r_["result"]["kind"] == "preview", r_
                assert {"deal_kind", "without", "with", "delta"} <= set(r_["result"]), r_
                assert before <= r_["seq"] <= c.last, (r_, before, c.last)
                previews[c.seat] = previews.get(c.seat, 0) + 1
        view = c.view
        for cmd in decide(view, 3, c.road):
            await c.command(cmd)
        await c.command({"type": "ready", "round": r, "ready": True})
    await until(lambda: c.clock is not None and c.clock["status"] == "ended", timeout=30)


async def test_no_message_to_a_seat_holds_another_seats_private_data(server: Server) -> None:
    created, fac = await create(server.url, seed=3, report_seconds=0)
    seats_info = created["seats"]
    players = [await join(server.url, created["code"], f"P{i}") for i in range(len(seats_info))]
    obs = SeatClient(server.url, code=created["code"], observer=True, record=True)
    await obs.connect()
    seats = [p.seat for p in players]
    assert sorted(seats) == sorted(s["id"] for s in seats_info)
    await fac.control("start")
    previews: dict[str, int] = {}
    await asyncio.wait_for(
        asyncio.gather(*(play(p, i, seats, previews) for i, p in enumerate(players))), 60
    )
    assert sum(previews.values()) >= 4
    await until(lambda: obs.clock is not None and obs.clock["status"] == "ended")

    markers = {seat: {marker(i, r) for r in range(1, ROUNDS + 1)} for i, seat in enumerate(seats)}
    # who is party to which deal, from the parties' own events
    parties: dict[str, set[str]] = {}
    for p in players:
        for m in p.received:
            if m.get("type") == "event" and m["event"].get("kind") == "deal_proposed":
                parties[m["event"]["deal"]] = set(m["event"]["parties"])
    assert (
        sum(
            1
            for p in players
            for m in p.received
            if m.get("type") == "event"
            and m["event"]["kind"] == "chat"
            and m["event"]["channel"] == "private"
        )
        >= 2 * len(seats) * ROUNDS
    )

    recipients = [(p.seat, p) for p in players] + [("facilitator", fac), ("observer", obs)]
    for me, client in recipients:
        assert client.received, me
        for m in client.received:
            values = leaves(m)
            strings = [v for v in values if isinstance(v, str)]
            for s in strings:
                if s.startswith("SECRET "):
                    _, frm, _, to, _ = s.split(" ")
                    assert me in (frm, to), f"{me} got {s!r}"
            floats = {v for v in values if isinstance(v, float)}
            for other, mk in markers.items():
                if other != me:
                    assert not floats & mk, f"{me} got a private decision of {other}: {m}"
            if m.get("type") == "view":
                v = m["view"]
                assert v["seat"] == me
                assert ("me" in v) == (me in seats)
            if m.get("type") == "event":
                ev = m["event"]
                assert ev.get("kind") != "decided" or ev["seat"] == me
                assert ev.get("kind") != "preview", f"a preview in {me}'s stream: {ev}"
                if str(ev.get("kind", "")).startswith("deal_") and ev.get("status") in (
                    "proposed",
                    "rejected",
                    "countered",
                    "withdrawn",
                ):
                    assert me in parties.get(ev["deal"], {me}), f"{me} saw {ev}"
    # each seat got exactly the answers to its own previews, in acks
    for p in players:
        got = sum(
            1
            for m in p.received
            if m.get("type") == "ack" and (m.get("result") or {}).get("kind") == "preview"
        )
        assert got == previews.get(p.seat, 0), p.seat
    # and each seat did see its own private things
    for _i, p in enumerate(players):
        mine = {v for m in p.received for v in leaves(m) if isinstance(v, float)}
        if p.view is not None and p.view["role"] in MARKED:
            assert markers[p.seat] & mine
    for x in [*players, obs, fac]:
        await x.close()
