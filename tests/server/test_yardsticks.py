"""The bench's relay yardstick writes what District writes for the bench's load, and nothing
else: each message back to its sender, and a public chat to every other player of its group."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys

import msgpack
from district.benchmarks.loadgen import command
from district.benchmarks.server_harness import ROOT, free_port
from websockets.asyncio.client import connect


async def test_the_relay_echoes_everything_and_sends_public_chats_to_its_group_only() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "district.benchmarks.echo_server", "--port", str(port)]
        + ["--relay", "3"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "listening"
        url = f"ws://127.0.0.1:{port}"
        group = [await connect(url) for _ in range(3)]
        other = await connect(url)  # the first of the next group
        rnd = random.Random(1)
        chat = msgpack.packb(command(rnd, 0, 10))  # every tenth command is a public chat
        decide = msgpack.packb(command(rnd, 0, 11))
        assert msgpack.unpackb(chat)["command"]["type"] == "chat"
        await group[0].send(decide)
        assert await asyncio.wait_for(group[0].recv(), 5) == decide
        await group[0].send(chat)
        assert await asyncio.wait_for(group[0].recv(), 5) == chat
        for c in group[1:]:  # the decision went to nobody else; the chat to the group
            assert await asyncio.wait_for(c.recv(), 5) == chat
        try:
            got = await asyncio.wait_for(other.recv(), 0.3)
        except TimeoutError:
            got = None
        assert got is None  # not to another group
        for c in [*group, other]:
            await c.close()
    finally:
        proc.terminate()
        proc.wait(10)
