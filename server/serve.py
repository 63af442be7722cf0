"""`district serve`: the server's configuration from the command line, the user's data
directory, and running a `Server` (server/net.py) until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from district.server.engine.scenario_files import SCENARIO_DIR
from district.server.net import Server, ServerConfig
from district.server.protocol import PROTOCOL_VERSION


def default_db_path() -> Path:
    """The user's data directory: $DISTRICT_DATA, else the platform's usual place."""
    env = os.environ.get("DISTRICT_DATA")
    if env:
        base = Path(env)
    elif sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "district"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / "district"
    else:
        base = (
            Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "district"
        )
    return base / "district.sqlite3"


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    dirs = [SCENARIO_DIR] + [Path(d) for d in (getattr(args, "scenarios", None) or [])]
    return ServerConfig(
        db=Path(args.db) if args.db else default_db_path(),
        host=args.host,
        port=args.port,
        scenario_dirs=tuple(dirs),
        create_key=getattr(args, "create_key", None),
        durable=bool(getattr(args, "durable", False)),
        gc_freeze=True,
    )


async def run_server(config: ServerConfig, ready: Any = None) -> None:
    """Serve until SIGINT/SIGTERM (or cancellation), then stop cleanly."""
    server = Server(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    await server.start()
    print(f"District server: {server.url}  (protocol {PROTOCOL_VERSION})", flush=True)
    print(f"database: {config.db}", flush=True)
    print(
        f"sessions recovered: {len(server.sessions)} in {server.recovery_seconds:.2f} s",
        flush=True,
    )
    if ready is not None:
        ready(server)
    try:
        await stop.wait()
    finally:
        print("stopping...", flush=True)
        await server.stop()


def serve_main(args: argparse.Namespace) -> int:
    level = getattr(args, "log_level", "INFO") or "INFO"
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    logging.getLogger("websockets").setLevel(logging.WARNING)
    config = config_from_args(args)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_server(config))
    print("stopped.", flush=True)
    return 0


__all__ = ["config_from_args", "default_db_path", "run_server", "serve_main"]
