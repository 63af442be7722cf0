"""A joined player's messages are handled as they are parsed (no reader task in between), and
the order of replies is still the order the client sent in: before the hello, and after a
message the reader task must handle (a hello, which waits for the store), everything waits for
that task. Checked with frames written together in one write, as a fast client sends them."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack
from district.benchmarks.loadgen import Player, client_frame
from district.server.net import Server

from tests.server.conftest import create, until


class Recorder(Player):
    """The load generator's lean client, keeping every message it gets."""

    def __init__(self, host: str) -> None:
        super().__init__(host, echo=False)
        self.got: list[dict[str, Any]] = []

    def _frame(self, opcode: int, payload: bytes) -> None:
        if opcode == 0x2:
            self.got.append(msgpack.unpackb(payload, raw=False))
        else:
            super()._frame(opcode, payload)

    def write(self, *msgs: dict[str, Any]) -> None:
        """The messages as frames in one write."""
        assert self.transport is not None
        self.transport.write(b"".join(client_frame(msgpack.packb(m)) for m in msgs))

    def replies(self) -> list[dict[str, Any]]:
        return [m for m in self.got if m.get("type") in ("welcome", "ack", "error", "pong")]

    def acks(self) -> list[dict[str, Any]]:
        return [m for m in self.got if m.get("type") == "ack"]

    def in_order(self, ids: list[str]) -> None:
        """The commands were carried out in this order: their acks' stream numbers and their
        chat events (numbered in the player's stream) say so."""
        seq = {m["re"]: m["seq"] for m in self.acks()}
        assert [seq[i] for i in ids] == sorted(seq[i] for i in ids), seq
        notes = [
            m["event"]["text"].split()[-1]
            for m in self.got
            if m.get("type") == "event" and m.get("event", {}).get("kind") == "chat"
        ]
        assert [n for n in notes if n in ids] == ids, notes


def chat(i: str) -> dict[str, Any]:
    cmd = {"type": "chat", "text": f"note {i}", "to": "public"}
    return {"type": "command", "id": i, "command": cmd}


async def test_replies_keep_the_clients_order_and_joined_players_skip_the_reader(
    server: Server,
) -> None:
    created, fac = await create(server.url)
    assert (await fac.control("start"))["type"] == "ack"
    loop = asyncio.get_running_loop()
    _t, p = await loop.create_connection(lambda: Recorder("127.0.0.1"), "127.0.0.1", server.port)
    await asyncio.wait_for(p.upgraded, 10)

    # a hello and what follows it at once: everything waits for the hello, in the reader task
    hello = {"type": "hello", "version": 1, "code": created["code"], "name": "Ada", "id": "h"}
    before = server.read_on_arrival
    p.write(hello, chat("a1"), chat("a2"), chat("a3"))
    await until(lambda: len(p.acks()) >= 3)
    assert p.replies()[0]["type"] == "welcome"
    assert server.read_on_arrival == before
    p.in_order(["a1", "a2", "a3"])

    # joined: a command handled on arrival, then a second hello (the reader's: refused), and the
    # commands after it wait for the reader to be done with it
    before = server.read_on_arrival
    p.write(chat("b1"), {**hello, "id": "h2"}, chat("b2"), chat("b3"))
    await until(lambda: len(p.acks()) >= 6 and any(m.get("re") == "h2" for m in p.got))
    refused = next(m for m in p.got if m.get("re") == "h2")
    assert refused["type"] == "error" and refused["code"] == "already_joined"
    assert server.read_on_arrival == before + 1
    p.in_order(["b1", "b2", "b3"])

    # nothing waiting: every one on arrival
    before = server.read_on_arrival
    p.write(chat("c1"), chat("c2"), chat("c3"))
    await until(lambda: len(p.acks()) >= 9)
    assert server.read_on_arrival == before + 3
    p.in_order(["a1", "a2", "a3", "b1", "b2", "b3", "c1", "c2", "c3"])
    p.close()
    await fac.close()
