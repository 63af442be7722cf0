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


# --- the preview oracles -------------------------------------------------------------------

ALPHA, BETA = "firm:alpha-meccanica", "firm:beta-saldature"


def subcontract(buyer: str, supplier: str, operation: str, **terms: Any) -> dict[str, Any]:
    return {
        "type": "preview",
        "kind": "subcontract",
        "parties": [ALPHA, BETA],
        "terms": {"buyer": buyer, "supplier": supplier, "operation": operation, **terms},
    }


async def seated(server: Server) -> tuple[Any, SeatClient, SeatClient, SeatClient]:
    """A running session with Alpha, Beta and the union played by people."""
    created, fac = await create(server.url, seed=5)
    a = await join(server.url, created["code"], "Ada", role="firm")
    b = await join(server.url, created["code"], "Bea", role="firm")
    u = await join(server.url, created["code"], "Uli", role="union")
    assert (a.seat, b.seat, u.seat) == (ALPHA, BETA, "union")
    assert (await fac.control("start"))["type"] == "ack"
    await until(lambda: a.clock is not None and a.clock["status"] == "running")
    return fac, a, b, u


async def test_a_secret_strike_does_not_move_the_struck_firms_preview(server: Server) -> None:
    """The union decides to strike Alpha: until that is public, Alpha's preview is as before.
    Alpha's own decisions do enter its preview (the preview is not blind)."""
    fac, a, b, u = await seated(server)
    ask = subcontract(ALPHA, BETA, "welding", volume=2, unit_price=5)
    before = await a.command(ask)
    assert before["type"] == "ack", before
    alpha = 0  # Alpha's firm number
    strike = {"strike": {"firm": alpha, "demand": 90.0}, "organise": [{"firm": alpha, "spend": 50}]}
    r = await u.command({"type": "decide", "round": 1, "decisions": strike})
    assert r["type"] == "ack", r
    after = await a.command(ask)
    assert after["type"] == "ack", after
    assert after["result"] == before["result"], "the union's secret strike moved Alpha's preview"
    # Alpha's own decision does move it
    assert (await a.command({"type": "decide", "decisions": {"wage": 45.0}}))["type"] == "ack"
    mine = await a.command(ask)
    assert mine["type"] == "ack" and mine["result"]["without"] != before["result"]["without"]
    for c in (a, b, u, fac):
        await c.close()


async def test_refusals_name_no_other_partys_private_figures(server: Server) -> None:
    """Bisecting a refusal must reveal nothing: whether Beta could pay for a subcontract, or
    make its volume, is checked when Beta itself accepts; Alpha's previews and proposals are
    answered alike whatever Beta's cash and capacity, and no answer names them."""
    fac, a, b, u = await seated(server)
    sid = a.session
    assert sid is not None
    f = server.sessions[sid].core.game.state.firms
    beta = 1
    secrets = {f"{f.cash[beta]:.0f}", f"{f.workers[beta] * max(f.productivity[beta], 0.5):.0f}"}
    cheap = await a.command(subcontract(BETA, ALPHA, "machining", volume=1, unit_price=1))
    dear = await a.command(subcontract(BETA, ALPHA, "machining", volume=1, unit_price=1e5))
    huge = await a.command(subcontract(ALPHA, BETA, "welding", volume=5000, unit_price=0.01))
    for r in (cheap, dear, huge):
        assert r["type"] == "ack", f"a refusal that turns on Beta's private figures: {r}"
    # proposing is checked alike; Beta's own acceptance checks Beta's cash: the deal fails
    prop = subcontract(BETA, ALPHA, "machining", volume=1, unit_price=1e5)
    r = await a.command({**prop, "type": "propose"})
    assert r["type"] == "ack", r
    deal = next(
        m["event"]["deal"]
        for m in a.received
        if m.get("type") == "event"
        and m["event"]["kind"] == "deal_proposed"
        and m["event"]["proposer"] == ALPHA
    )
    assert (await b.command({"type": "respond", "deal": deal, "answer": "accept"}))["type"] == "ack"
    await until(
        lambda: any(
            m.get("type") == "event"
            and m["event"]["kind"] == "deal_failed"
            and m["event"]["deal"] == deal
            for m in a.received
        )
    )
    for c in (a, u, fac):
        for m in c.received:
            text = " ".join(str(v) for v in leaves(m) if isinstance(v, str))
            if m.get("type") in ("error", "event"):
                assert not any(f" {s}" in f" {text}" for s in secrets if s != "0"), (m, secrets)
    for c in (a, b, u, fac):
        await c.close()
