"""Client frames read by hand (BatchingServerConnection.data_received): whole, masked, binary
frames are cut and unmasked by the server itself; anything else (control frames, fragments, text,
malformed frames) is read by websockets from that frame's first byte, and its answers (pong,
close codes 1002 and 1009) are websockets' own. Checked with the real websockets client, with
frames split at every byte and glued together, and with control, fragmented and malformed
frames in between."""

from __future__ import annotations

import asyncio
import struct

import msgpack
import pytest
from district.server.connection import BatchingServerConnection
from district.server.net import Server
from district.server.protocol_client import ProtocolClient

from tests.server.conftest import create, until
from tests.server.test_fast_reads import Recorder, chat


def hand_read(server: Server) -> int:
    return sum(c.ws.hand_read for c in server.conns if isinstance(c.ws, BatchingServerConnection))


def masked(b0: int, payload: bytes, mask: bytes = b"\x11\x22\x33\x44") -> bytes:
    """A client frame with first byte b0 and a real (non-zero) mask."""
    n = len(payload)
    head = bytes((b0, 0x80 | n)) if n < 126 else bytes((b0, 0x80 | 126)) + struct.pack("!H", n)
    return head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


class Controls(Recorder):
    """Keeps the control frames it gets too (opcode, payload)."""

    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.controls: list[tuple[int, bytes]] = []

    def _frame(self, opcode: int, payload: bytes) -> None:
        if opcode >= 0x8:
            self.controls.append((opcode, payload))
        super()._frame(opcode, payload)

    def close_code(self) -> int | None:
        codes = [struct.unpack("!H", p[:2])[0] for op, p in self.controls if op == 0x8 and p]
        return codes[0] if codes else None


async def joined(server: Server, code: str, name: str) -> Controls:
    loop = asyncio.get_running_loop()
    _t, p = await loop.create_connection(lambda: Controls("127.0.0.1"), "127.0.0.1", server.port)
    await asyncio.wait_for(p.upgraded, 10)
    p.write({"type": "hello", "version": 1, "code": code, "name": name, "id": "h"})
    await until(lambda: any(m.get("type") == "welcome" for m in p.got))
    return p


async def test_the_websockets_client_is_read_by_hand_and_its_pings_by_websockets(
    server: Server,
) -> None:
    created, fac = await create(server.url)
    assert (await fac.control("start"))["type"] == "ack"
    c = ProtocolClient(server.url, code=created["code"], name="Ada")
    await c.connect()
    before = hand_read(server)
    for i in range(5):
        r = await c.command({"type": "chat", "text": f"hello {i}", "to": "public"})
        assert r["type"] == "ack", r
    assert hand_read(server) >= before + 5
    # a WebSocket ping (a control frame): websockets answers it, then reading by hand resumes
    ws = c._ws
    assert ws is not None
    await asyncio.wait_for(await ws.ping(b"are you there"), 5)
    before = hand_read(server)
    r = await c.command({"type": "chat", "text": "after the ping", "to": "public"})
    assert r["type"] == "ack" and hand_read(server) == before + 1
    await c.close()
    await fac.close()


async def test_frames_split_at_any_byte_or_glued_together_keep_their_order(
    server: Server,
) -> None:
    created, fac = await create(server.url)
    assert (await fac.control("start"))["type"] == "ack"
    p = await joined(server, created["code"], "Bo")
    ids = [f"s{i}" for i in range(8)]
    data = b"".join(masked(0x82, msgpack.packb(chat(i))) for i in ids)
    before = hand_read(server)
    assert p.transport is not None
    for k, size in enumerate([1, 2, 3, 5, 7, 11, 13, 1, 2, 64, 3] * 40):
        chunk, data = data[:size], data[size:]
        if chunk:
            p.transport.write(chunk)
            await asyncio.sleep(0.002 if k % 3 else 0)  # some writes arrive apart
    await until(lambda: len(p.acks()) >= len(ids))
    p.in_order(ids)
    assert hand_read(server) == before + len(ids)
    assert not [m for m in p.got if m.get("type") == "error"]
    p.close()
    await fac.close()


async def test_control_and_fragmented_frames_between_commands(server: Server) -> None:
    created, fac = await create(server.url)
    assert (await fac.control("start"))["type"] == "ack"
    p = await joined(server, created["code"], "Cy")
    two = msgpack.packb(chat("f2"))
    before = hand_read(server)
    assert p.transport is not None
    p.transport.write(
        masked(0x82, msgpack.packb(chat("f1")))
        + masked(0x89, b"ping!")  # a ping
        + masked(0x02, two[:5])  # a message in two fragments, a ping between them
        + masked(0x89, b"again")
        + masked(0x80, two[5:])
        + masked(0x8A, b"unasked")  # an unsolicited pong: ignored
        + masked(0x82, msgpack.packb(chat("f3")))
    )
    await until(lambda: len(p.acks()) >= 3 and len(p.controls) >= 2)
    p.in_order(["f1", "f2", "f3"])
    assert p.controls[:2] == [(0xA, b"ping!"), (0xA, b"again")]
    assert hand_read(server) >= before + 1  # f1 at least; after the controls, websockets read
    # once websockets is between frames again, reading by hand resumes
    before = hand_read(server)
    p.write(chat("f4"))
    await until(lambda: len(p.acks()) >= 4)
    assert hand_read(server) == before + 1
    p.close()
    await fac.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (b"\x82\x05hello", 1002),  # not masked
        (masked(0xC2, b"\x80"), 1002),  # a reserved bit (no extension was agreed)
        (masked(0x83, b"\x80"), 1002),  # a reserved opcode
        (masked(0x80, b"\x80"), 1002),  # a continuation with nothing to continue
        (masked(0x09, b"x"), 1002),  # a fragmented ping
        (b"\x82\xff" + struct.pack("!Q", 1 << 40) + b"\0\0\0\0", 1009),  # far too big
    ],
)
async def test_malformed_frames_close_the_connection_as_websockets_does(
    server: Server, frame: bytes, code: int
) -> None:
    created, fac = await create(server.url)
    assert (await fac.control("start"))["type"] == "ack"
    p = await joined(server, created["code"], "Di")
    before = hand_read(server)
    p.write(chat("ok"))
    await until(lambda: len(p.acks()) >= 1)
    assert hand_read(server) == before + 1  # reading by hand when the bad frame comes
    assert p.transport is not None
    p.transport.write(frame + masked(0x82, msgpack.packb(chat("never"))))
    await until(lambda: p.close_code() is not None or p.lost)
    assert p.close_code() == code, p.controls
    assert not any(m.get("re") == "never" for m in p.got)
    # the server goes on serving the others
    r = await fac.control("info")
    assert r["type"] == "ack"
    p.close()
    await fac.close()


async def test_a_big_frame_in_small_pieces_is_cut_once_it_is_whole(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    created, fac = await create(server.url)
    assert (await fac.control("start"))["type"] == "ack"
    p = await joined(server, created["code"], "Ed")
    cuts = [0]
    cut = BatchingServerConnection._read_by_hand

    def counted(self: BatchingServerConnection, data: bytes) -> None:
        cuts[0] += 1
        cut(self, data)

    monkeypatch.setattr(BatchingServerConnection, "_read_by_hand", counted)
    # 60 KB of text in 15 chats' worth of strings (a string has at most 4,096 characters)
    text = {f"k{i}": "x" * 4000 for i in range(15)}
    big = {"type": "command", "id": "big", "command": {"type": "chat", "to": "public", **text}}
    frame = masked(0x82, msgpack.packb(big))
    before = hand_read(server)
    assert p.transport is not None
    for k in range(0, len(frame), 1000):
        p.transport.write(frame[k : k + 1000])
        await asyncio.sleep(0.001 if k % 5000 == 0 else 0)
    await until(lambda: any(m.get("re") == "big" for m in p.got))
    assert hand_read(server) == before + 1
    # the header tells how much is needed: the pieces wait until the frame is whole (without
    # that, each of the ~60 reads would cut the whole buffer again)
    assert cuts[0] <= 3, cuts
    p.close()
    await fac.close()
