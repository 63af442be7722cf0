"""Several messages in one frame, for a client that says `batch` in its hello (docs/protocol.md,
section 1): it gets the same messages in the same order as a client that does not, in fewer
frames; a client that does not say it gets one map a frame, as before."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack
from district.server.connection import BATCH_BYTES, batched
from district.server.net import Server
from district.server.protocol import encode
from district.server.protocol_client import ProtocolClient, decode_server_frames

from tests.server.conftest import create, until
from tests.server.test_fast_reads import Recorder, chat


class Frames(Recorder):
    """Keeps every message and how they came: frames, and frames holding an array."""

    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.frames = 0
        self.arrays = 0

    def _frame(self, opcode: int, payload: bytes) -> None:
        if opcode != 0x2:
            super()._frame(opcode, payload)
            return
        self.frames += 1
        m = msgpack.unpackb(payload, raw=False)
        if isinstance(m, list):
            self.arrays += 1
            assert all(isinstance(x, dict) for x in m) and len(m) > 1, m
            self.got += m
        else:
            assert isinstance(m, dict), m
            self.got.append(m)


async def connect(server: Server, hello: dict[str, Any], batch: bool) -> Frames:
    loop = asyncio.get_running_loop()
    _t, p = await loop.create_connection(lambda: Frames("127.0.0.1"), "127.0.0.1", server.port)
    await asyncio.wait_for(p.upgraded, 10)
    msg = {**hello, "type": "hello", "version": 1, "id": "h"}
    if batch:
        msg["batch"] = True
    p.write(msg)
    await until(lambda: any(m.get("type") == "welcome" for m in p.got))
    return p


def calm(msgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages without what differs between two runs: times and tokens."""
    drop = {"server_time", "deadline", "remaining", "token", "t", "session", "code"}
    return [{k: v for k, v in m.items() if k not in drop} for m in msgs]


async def test_a_batching_observer_gets_the_same_messages_in_fewer_frames(
    server: Server,
) -> None:
    created, fac = await create(server.url)
    assert (await fac.control("start"))["type"] == "ack"
    code = created["code"]
    batching = await connect(server, {"code": code, "observer": True}, batch=True)
    plain = await connect(server, {"code": code, "observer": True}, batch=False)
    player = await connect(server, {"code": code, "name": "Ada"}, batch=False)
    await asyncio.sleep(0.5)  # the rosters of the joins are out
    for p in (batching, plain):
        p.got.clear()
        p.frames = p.arrays = 0
    ids = [f"c{i}" for i in range(8)]
    player.write(*(chat(i) for i in ids))  # one write: the session takes them in one batch
    await until(lambda: len(player.acks()) >= len(ids))
    await until(lambda: len(batching.got) >= len(ids) and len(plain.got) >= len(ids))
    await asyncio.sleep(0.3)
    assert calm(batching.got) == calm(plain.got)
    texts = [m["event"]["text"] for m in plain.got if m.get("type") == "event"]
    assert texts == [f"note {i}" for i in ids]
    assert plain.arrays == 0 and plain.frames == len(plain.got)
    assert batching.arrays >= 1 and batching.frames < len(batching.got)
    for p in (batching, plain, player):
        p.close()
    await fac.close()


async def run_player(server: Server, batch: bool) -> Frames:
    created, fac = await create(server.url, seed=11)
    assert (await fac.control("start"))["type"] == "ack"
    p = await connect(server, {"code": created["code"], "name": "Bo"}, batch=batch)
    await asyncio.sleep(0.4)
    decide = {
        "type": "command",
        "id": "d1",
        "command": {"type": "decide", "round": 1, "decisions": {"wage": 32.0}},
    }
    p.write(chat("x1"), decide, chat("x2"))
    await until(lambda: len([m for m in p.got if m.get("type") in ("ack", "error")]) >= 3)
    p.write(chat("x3"))
    await until(lambda: len([m for m in p.got if m.get("type") in ("ack", "error")]) >= 4)
    await asyncio.sleep(0.3)
    p.close()
    await fac.close()
    return p


async def test_a_batching_player_gets_its_ack_and_event_in_one_frame(server: Server) -> None:
    batching = await run_player(server, batch=True)
    plain = await run_player(server, batch=False)
    # the same session played twice: the same messages, in the same order
    assert calm(batching.got) == calm(plain.got)
    replies = [m["re"] for m in plain.got if m.get("type") in ("ack", "error")]
    assert replies == ["x1", "d1", "x2", "x3"]
    assert plain.arrays == 0 and plain.frames == len(plain.got)
    assert batching.arrays >= 2 and batching.frames < len(batching.got)


async def test_the_protocol_client_says_batch_and_reads_arrays(server: Server) -> None:
    created, fac = await create(server.url)
    assert fac.batch and fac.hello_message()["batch"] is True
    assert (await fac.control("start"))["type"] == "ack"
    c = ProtocolClient(server.url, code=created["code"], name="Cy", record=True)
    await c.connect()
    for i in range(3):
        r = await c.command({"type": "chat", "text": f"hi {i}", "to": "public"})
        assert r["type"] == "ack"
    await until(lambda: c.last >= 3 and len(c.stream) >= 3)
    assert c.gaps == 0 and c.bad_frames == 0
    # one that does not say it
    assert "batch" not in ProtocolClient(server.url, code="X", batch=False).hello_message()
    await c.close()
    await fac.close()


def test_batched_frames_are_arrays_of_the_same_maps_within_the_size() -> None:
    small = [encode({"type": "event", "seq": i}) for i in range(20)]
    (one,) = batched(small)
    assert decode_server_frames(one) == [{"type": "event", "seq": i} for i in range(20)]
    assert batched(small[:1]) == small[:1]  # one message stays a map
    big = encode({"type": "view", "view": "x" * BATCH_BYTES})
    frames = batched([small[0], big, small[1], small[2]])
    assert [decode_server_frames(f) for f in frames] == [
        [{"type": "event", "seq": 0}],
        [{"type": "view", "view": "x" * BATCH_BYTES}],
        [{"type": "event", "seq": 1}, {"type": "event", "seq": 2}],
    ]
    assert frames[0] == small[0] and frames[1] == big
