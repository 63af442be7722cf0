"""The yardsticks of `district bench`: a bare python-websockets echo server; one that also
commits each message to SQLite before echoing it (WAL, synchronous=NORMAL, as District's store
runs without --durable); and a relay, which echoes each message and also sends each public chat
to the other players of its group (`--relay N`: groups of N connections, in the order they
come), so that it writes the frames District writes for the same load (District sends a chat to
the whole session), and nothing else. Each runs as a process of its own, on the same machine and
in the same run as District, so the ratio of District's throughput to theirs says what District's
own work costs, whatever else the machine is doing.

    python -m district.benchmarks.echo_server --port P [--sqlite PATH | --relay N]

Prints `listening` once it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sqlite3
import time
from typing import Any

import msgpack
from websockets.asyncio.server import ServerConnection, broadcast, serve


def is_public_chat(frame: Any) -> bool:
    """The load generator's public chat (a `command` whose command is a `chat` to everyone)."""
    try:
        msg = msgpack.unpackb(frame)
    except Exception:
        return False
    cmd = msg.get("command") if isinstance(msg, dict) else None
    return isinstance(cmd, dict) and cmd.get("type") == "chat" and cmd.get("to") == "public"


async def main_async(a: argparse.Namespace) -> None:
    db: sqlite3.Connection | None = None
    if a.sqlite:
        db = sqlite3.connect(a.sqlite, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS entries (n INTEGER PRIMARY KEY, t REAL, data BLOB)")

    async def echo(ws: ServerConnection) -> None:
        async for frame in ws:
            if db is not None:
                db.execute("BEGIN")
                db.execute("INSERT INTO entries (t, data) VALUES (?, ?)", (time.time(), frame))
                db.execute("COMMIT")
            await ws.send(frame)

    groups: list[list[ServerConnection]] = []

    async def relay(ws: ServerConnection) -> None:
        if not groups or len(groups[-1]) >= a.relay:
            groups.append([])
        group = groups[-1]
        group.append(ws)
        try:
            async for frame in ws:
                await ws.send(frame)
                if is_public_chat(frame):
                    broadcast([c for c in group if c is not ws], frame)
        finally:
            group.remove(ws)

    handler = relay if a.relay else echo
    async with serve(handler, "127.0.0.1", a.port, compression=None, max_size=1024 * 1024):
        gc.collect()
        gc.freeze()
        print("listening", flush=True)
        await asyncio.Future()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sqlite", default=None)
    ap.add_argument("--relay", type=int, default=0, help="relay chats in groups of this many")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main_async(ap.parse_args(argv)))


if __name__ == "__main__":
    main()
