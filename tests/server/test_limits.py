"""Protection: frame size, message rate, a client that stops reading, a store that fails."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import sqlite3
import struct
import time
from pathlib import Path
from typing import Any

import msgpack
from district.server.botclient import SeatClient
from district.server.net import Server
from district.server.protocol import MAX_FRAME, RATE_BURST, encode, unsafe_char
from websockets.asyncio.client import connect

from tests.server.conftest import create, fingerprint, join, make_config, until


async def test_frames_over_the_limit_get_an_error_and_huge_ones_close(server: Server) -> None:
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    await fac.control("start", fill_bots=False)
    before = await fingerprint(server, created["session"])
    big = encode(
        {
            "type": "command",
            "id": 99,
            "command": {"type": "chat", "to": "public", "text": "x"},
            "cid": "y" * 10,
            "pad": ["z" * 4000] * 17,
        }
    )
    assert MAX_FRAME < len(big) < 1024 * 1024
    await a.send_raw(big)
    await until(lambda: any(m.get("code") == "too_large" for m in a.received))
    await a.send_raw("a text frame")
    await until(lambda: any(m.get("code") == "bad_frame" for m in a.received))
    assert (await a.command({"type": "chat", "text": "still here", "to": "public"}))[
        "type"
    ] == "ack"
    after = await fingerprint(server, created["session"])
    assert after[0] != before[0]  # only the chat changed the game
    # over 1 MiB the transport closes the connection (1009)
    async with connect(server.url, max_size=None) as ws:
        await ws.send(b"\x80" * (1024 * 1024 + 1))
        await asyncio.wait_for(ws.wait_closed(), 5)
        assert ws.close_code == 1009
    await a.close()
    await fac.close()


async def test_too_many_messages_are_refused_then_the_connection_is_closed(server: Server) -> None:
    c = SeatClient(server.url, code="-", record=True)
    await c.connect_only()
    for i in range(RATE_BURST + 40):
        await c.send({"type": "ping", "id": i})
    await until(lambda: any(m.get("code") == "rate_limited" for m in c.received))
    pongs = [m for m in c.received if m["type"] == "pong"]
    assert RATE_BURST <= len(pongs) < RATE_BURST + 20
    await asyncio.sleep(0.3)  # the bucket refills at 20 a second
    assert (await c.request({"type": "ping"}))["type"] == "pong"
    # abuse: hundreds of refused messages in a row close the connection
    assert c._ws is not None
    for i in range(600):
        try:
            await c.send({"type": "ping", "id": 1000 + i})
        except ConnectionError:
            break
    await until(lambda: c.bye is not None)
    assert c.bye["reason"] == "policy"
    await c.close()


def _ws_frame(payload: bytes) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x82]) + (
        bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
    )
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def test_a_client_that_stops_reading_is_dropped_and_slows_nobody(tmp_path: Path) -> None:
    srv = Server(make_config(tmp_path, out_queue=8, rate=1e6, burst=1e6, socket_buffer=16384))
    await srv.start()
    try:
        created, fac = await create(srv.url)
        other = await join(srv.url, created["code"], "Quick")
        # a client that says hello and then never reads again (small receive buffer)
        loop = asyncio.get_running_loop()
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
        await loop.sock_connect(s, ("127.0.0.1", srv.port))
        key = base64.b64encode(os.urandom(16))
        await loop.sock_sendall(
            s,
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += await loop.sock_recv(s, 1)
        assert b" 101 " in head
        await loop.sock_sendall(
            s,
            _ws_frame(
                msgpack.packb(
                    {"type": "hello", "version": 1, "code": created["code"], "name": "Stalled"}
                )
            ),
        )
        session = srv.sessions[created["session"]]
        await until(lambda: len(session.conns) == 3)
        stalled_seat = next(k for k in session.conns if k not in ("facilitator", other.seat))
        stalled = session.conns[stalled_seat]
        await fac.control("start", fill_bots=False)
        worst = 0.0
        for i in range(2000):
            t0 = time.perf_counter()
            r = await other.command(
                {"type": "chat", "text": f"message {i} " + "x" * 400, "to": "public"}
            )
            worst = max(worst, time.perf_counter() - t0)
            assert r["type"] == "ack"
            if stalled.closed:
                break
        assert stalled.closed, "the stalled client was never dropped"
        assert worst < 0.5
        await until(lambda: stalled_seat not in session.conns, timeout=10)
        # the quick client got everything, in order
        seqs = [m["seq"] for m in other.received if m["type"] in ("event", "view")]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) and other.gaps == 0
        s.close()
        await other.close()
        await fac.close()
    finally:
        await srv.stop()


async def test_a_failing_store_refuses_the_command_and_changes_nothing(server: Server) -> None:
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    await fac.control("start", fill_bots=False)
    sid = created["session"]
    assert (await a.command({"type": "chat", "text": "saved", "to": "public"}))["type"] == "ack"
    before = await fingerprint(server, sid)
    seq = a.last
    # the disk "fills up": every new entry is refused by SQLite itself
    db = sqlite3.connect(server.config.db)
    db.execute(
        "CREATE TRIGGER full BEFORE INSERT ON entries BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    db.commit()
    r = await a.command({"type": "chat", "text": "lost", "to": "public"})
    assert r["type"] == "error" and r["code"] == "storage", r
    assert await fingerprint(server, sid) == before
    assert a.last == seq  # nobody was told about it
    # while the store rests after the failure, writes are refused at once, without a try
    r = await a.command({"type": "chat", "text": "refused", "to": "public"})
    assert r["type"] == "error" and r["code"] == "storage", r
    db.execute("DROP TRIGGER full")
    db.commit()
    db.close()
    ledger = server.sessions[sid].ledger
    await until(lambda: not ledger.resting(), timeout=5)  # the first rest is short
    assert (await a.command({"type": "chat", "text": "saved again", "to": "public"}))[
        "type"
    ] == "ack"
    texts = [
        m["event"]["text"]
        for m in a.received
        if m.get("type") == "event" and m["event"]["kind"] == "chat"
    ]
    assert texts == ["saved", "saved again"]
    await a.close()
    await fac.close()


async def test_odd_inputs_get_clear_refusals_not_internal_and_no_reload(server: Server) -> None:
    """Inputs that once reached `internal` (and a reload of the session), and free text with
    control or text-direction characters (which would reach other seats), are refused at the
    command boundary with a clear error naming the field; nothing changes, and the other seats
    get none of it."""
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada", role="firm")
    b = await join(server.url, created["code"], "Bea", role="firm")
    await fac.control("start", fill_bots=False)
    sid = created["session"]
    session = server.sessions[sid]
    core = session.core
    offer = {
        "type": "propose",
        "kind": "subcontract",
        "parties": [a.seat, b.seat],
        "terms": {"buyer": a.seat, "supplier": b.seat, "operation": "welding", "volume": 1},
    }
    assert (await a.command(offer))["type"] == "ack"
    deal = session.core.game.state.deals
    did = next(iter(deal))
    cases: list[tuple[Any, dict[str, Any], str, str]] = [
        (b, {"type": "counter", "deal": did, "terms": []}, "bad_value", "terms"),
        (b, {"type": "counter", "deal": did, "terms": "cheaper"}, "bad_value", "terms"),
        (fac, {"type": "inject_event", "event": {"kind": ["demand"]}}, "bad_value", "event.kind"),
        (fac, {"type": "inject_event", "event": {"kind": {"x": 1}}}, "bad_value", "event.kind"),
        (
            fac,
            {"type": "inject_event", "event": {"kind": "scandal", "headline": "ok\u202etxet"}},
            "bad_value",
            "event.headline",
        ),
        (
            a,
            {
                "type": "propose",
                "kind": "network_charter",
                "parties": [a.seat, b.seat, "firm:gamma-assemblaggi"],
                "terms": {"name": "Hub\u2066\x07"},
            },
            "bad_value",
            "terms.name",
        ),
        (a, {"type": "chat", "to": "public", "text": "hi\u200f there"}, "bad_value", "text"),
        (a, {"type": "chat", "to": b.seat, "text": "bell\x07"}, "bad_value", "text"),
    ]
    for who, cmd, code, where in cases:
        before = await fingerprint(server, sid)
        r = await who.command(cmd)
        assert (r["type"], r.get("code"), r.get("where")) == ("error", code, where), (cmd, r)
        assert r["message"] and "internal" not in r["message"]
        assert await fingerprint(server, sid) == before, cmd
    assert session.core is core, "the session was reloaded from the store"
    # the other seats got none of it
    await asyncio.sleep(0.1)
    for c in (a, b, fac):
        for m in c.received:
            for s in _strings(m):
                assert unsafe_char(s) is None, (c.seat, m)
    for c in (a, b, fac):
        await c.close()


def _strings(x: Any) -> list[str]:
    if isinstance(x, str):
        return [x]
    if isinstance(x, dict):
        return [s for k, v in x.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(x, list):
        return [s for v in x for s in _strings(v)]
    return []
