"""The yardsticks of `district bench`: a bare python-websockets echo server, and one that also
commits each message to SQLite before echoing it (WAL, synchronous=NORMAL, as District's store
runs without --durable). Each runs as a process of its own, on the same machine and in the same
run as District, so the ratio of District's throughput to theirs says what District's own work
costs, whatever else the machine is doing.

    python -m district.benchmarks.echo_server --port P [--sqlite PATH]

Prints `listening` once it accepts connections.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sqlite3
import time

from websockets.asyncio.server import ServerConnection, serve


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

    async with serve(echo, "127.0.0.1", a.port, compression=None, max_size=1024 * 1024):
        gc.collect()
        gc.freeze()
        print("listening", flush=True)
        await asyncio.Future()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sqlite", default=None)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main_async(ap.parse_args(argv)))


if __name__ == "__main__":
    main()
