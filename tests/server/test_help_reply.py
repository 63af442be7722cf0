"""The facilitator's private reply to a help request, through the server on real websockets: the
asking seat gets it and so does the facilitator's own view; a third seat gets nothing (no event,
nothing in its view), and a seat cannot write to another seat's help conversation."""

from __future__ import annotations

import asyncio
from typing import Any

from district.server.botclient import SeatClient
from district.server.net import Server

from tests.server.conftest import create, join, until


def chat_events(c: SeatClient) -> list[dict[str, Any]]:
    return [
        m["event"] for m in c.received if m.get("type") == "event" and m["event"]["kind"] == "chat"
    ]


async def test_the_facilitator_replies_to_one_seat_and_a_third_sees_nothing(
    server: Server,
) -> None:
    created, fac = await create(server.url)
    ada = await join(server.url, created["code"], "Ada")
    bea = await join(server.url, created["code"], "Bea")
    assert ada.seat != bea.seat
    await fac.control("start", fill_bots=False)
    r = await ada.command({"type": "chat", "text": "How do I bid?", "to": "facilitator"})
    assert r["type"] == "ack"
    r = await fac.command({"type": "chat", "text": "Open the Deals tab", "to": ada.seat})
    assert r["type"] == "ack"

    def reply_in(c: SeatClient) -> list[dict[str, Any]]:
        return [e for e in chat_events(c) if e["text"] == "Open the Deals tab"]

    await until(lambda: bool(reply_in(ada)) and bool(reply_in(fac)))
    (m,) = reply_in(ada)
    assert m["from"] == "facilitator" and m["to"] == ada.seat
    assert m["channel"] == "help" and m.get("reply") is True

    async def view_texts(seat: str) -> list[str]:
        sess = server.sessions[created["session"]]
        v = await sess.call(lambda s: s.core.game.view(seat))
        return [m["text"] for m in v["chat"]]

    assert "Open the Deals tab" in await view_texts(ada.seat)
    assert "Open the Deals tab" in await view_texts("facilitator")  # the console shows it
    # the third seat: another message reaches it afterwards, so it has caught up with the stream
    r = await fac.command({"type": "chat", "text": "Two minutes left", "to": "public"})
    await until(lambda: any(e["text"] == "Two minutes left" for e in chat_events(bea)))
    await asyncio.sleep(0.1)
    seen = [e["text"] for e in chat_events(bea)] + await view_texts(bea.seat)
    assert "Open the Deals tab" not in seen and "How do I bid?" not in seen
    assert "Two minutes left" in seen
    assert "Open the Deals tab" not in await view_texts("observer")
    # a seat writing to another seat is a private chat between the two, never a help reply
    r = await bea.command({"type": "chat", "text": "hi Ada", "to": ada.seat})
    assert r["type"] == "ack"
    await until(lambda: any(e["text"] == "hi Ada" for e in chat_events(ada)))
    (e,) = [e for e in chat_events(ada) if e["text"] == "hi Ada"]
    assert e["channel"] == "private" and not e.get("reply")
    for c in (ada, bea, fac):
        await c.close()
