"""`district serve`: the server's configuration from the command line, the user's data
directory, and running a `Server` (server/net.py) until SIGINT or SIGTERM.

With `--store URL` (a store several processes share: server/cluster.py) the process has a `--name`
and an `--advertise`d address, and stopping it drains it: its sessions are stored and handed over
to the other processes, its clients told to move. `district serve --drain NAME --store URL` asks
the process NAME to do that through the store, and waits until it has exited."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import secrets
import signal
import socket
import sqlite3
import ssl
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from district.server.engine.scenario_files import SCENARIO_DIR
from district.server.net import Server, ServerConfig, is_loopback, tls_context
from district.server.protocol import PROTOCOL_VERSION
from district.server.store import Store, StoreError, StoreLocked


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
    cert, key = getattr(args, "cert", None), getattr(args, "key", None)
    return ServerConfig(
        db=Path(args.db) if args.db else default_db_path(),
        host=args.host,
        port=args.port,
        scenario_dirs=tuple(dirs),
        create_key=getattr(args, "create_key", None) or os.environ.get("DISTRICT_CREATE_KEY"),
        durable=bool(getattr(args, "durable", False)),
        gc_freeze=True,
        cert=Path(cert) if cert else None,
        key=Path(key) if key else None,
        store_url=store_url_of(args),
        name=getattr(args, "name", None),
        advertise=getattr(args, "advertise", None),
    )


def store_url_of(args: argparse.Namespace) -> str | None:
    """--store, else $DISTRICT_STORE (a password stays out of the process list), else None."""
    return getattr(args, "store", None) or os.environ.get("DISTRICT_STORE") or None


def shown_store(url: str) -> str:
    """A store's URL as printed: never its password."""
    try:
        u = urlsplit(url)
        host = u.hostname or ""
        user = f"{u.username}@" if u.username else ""
        port = f":{u.port}" if u.port else ""
        return f"{u.scheme}://{user}{host}{port}{u.path}"
    except ValueError:
        return url.split("@", 1)[-1]


def key_path(db: Path) -> Path:
    """Where a server keeps the creation key it made for itself: beside its database."""
    return db.with_name(db.name + ".create-key")


def own_create_key(db: Path) -> str:
    """The creation key this database's server made for itself (made now, readable by its owner
    only, if there is none yet): the same key after every restart."""
    p = key_path(db)
    try:
        key = p.read_text(encoding="utf-8").strip()
        if key:
            return key
    except OSError:
        pass
    key = secrets.token_urlsafe(12)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    return key


def tls_problem(cert: Path | None, key: Path | None) -> str | None:
    """Why the certificate and key cannot be used, in one line; None if they can."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        return "TLS needs both --cert FILE and --key FILE (PEM files)"
    for what, p in (("certificate", cert), ("key", key)):
        if not p.is_file():
            return f"the {what} file {p} does not exist"
    try:
        tls_context(cert, key)
    except (ssl.SSLError, OSError, ValueError) as e:
        return (
            f"cannot use the certificate {cert} with the key {key} ({e}): give PEM files of one "
            "certificate and its private key"
        )
    return None


class ServeError(Exception):
    """The server cannot start, said in one line with what to do (`district serve` prints it)."""


def address_problem(host: str, port: int) -> str | None:
    """Why `host` and `port` cannot be served on, before anything starts: a port out of range, a
    host name that does not resolve, a port in use or not allowed. None if they look servable
    (binding may still fail, if another program takes the port meanwhile)."""
    if not 0 <= port <= 65535:
        return f"port {port} is out of range: use a port from 1024 to 65535, e.g. --port 8765"
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return (
            f"unknown host {host!r}: use --host 127.0.0.1 (this computer only) or --host 0.0.0.0 "
            "(every computer of the network)"
        )
    for family, kind, proto, _name, address in addresses:
        # bound as the server will be (asyncio sets SO_REUSEADDR on POSIX), and let go at once:
        # a port in use is said before the database is opened or a session recovered
        try:
            with socket.socket(family, kind, proto) as s:
                if os.name == "posix":
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(address)
        except OSError as e:
            return bind_problem(e, host, port)
    return None


def bind_problem(e: OSError, host: str, port: int) -> str:
    """What a failed bind means for a teacher, in one line."""
    if e.errno == errno.EADDRINUSE or getattr(e, "winerror", None) == 10048:
        return (
            f"port {port} is in use: is another district serve running? try --port {port + 1}"
            if port < 65535
            else f"port {port} is in use: try another, e.g. --port 8765"
        )
    if e.errno in (errno.EACCES, errno.EPERM):
        return f"port {port} needs administrator rights: use a port from 1024 up, e.g. --port 8765"
    if e.errno == errno.EADDRNOTAVAIL:
        return (
            f"{host} is not an address of this computer: use --host 127.0.0.1 (this computer "
            "only) or --host 0.0.0.0 (every computer of the network)"
        )
    return f"cannot listen on {host}:{port}: {e.strerror or e}"


def report_port_of(args: argparse.Namespace) -> int | None:
    """The reports' port: --report-port N, or "off"; left out, the game's port + 1 when the game
    is on its default port 8765 (a teacher's `district serve` serves reports on 8766), else none."""
    given = getattr(args, "report_port", None)
    if given is None:
        return 8766 if args.port == 8765 else None
    if given == "off":
        return None
    if not given.isdigit():
        raise ServeError(
            f"--report-port {given}: give a port number (e.g. --report-port 8766) or off"
        )
    return int(given)


def reports_problem(host: str, port: int) -> str | None:
    """Why the reports cannot be served on `port`, in one line; None if they can."""
    from district.server.report import matplotlib_missing

    why = matplotlib_missing() or address_problem(host, port)
    return f"--report-port {port}: {why.replace('--port', '--report-port')}" if why else None


async def start_reports(server: Server, config: ServerConfig, port: int, given: bool) -> Any:
    """The report service beside `server` (server/report/http.py), or None with a line saying
    why not when the port was not asked for (a port asked for and busy is the caller's error)."""
    from district.server.report.http import ReportService

    why = reports_problem(config.host, port)
    if why:
        if given:
            raise ServeError(why)
        print(f"reports: not served ({why})", flush=True)
        return None
    tls = tls_context(config.cert, config.key or config.cert) if config.cert else None
    reports = ReportService(
        server, config.db, config.db.with_name(config.db.name + ".reports"), config.host, port, tls
    )
    server.report_port = await reports.start()
    print(f"reports: {reports.url}/report/<join code>/", flush=True)
    return reports


async def run_server(
    config: ServerConfig, ready: Any = None, report_port: int | None = None, given: bool = False
) -> None:
    """Serve until SIGINT/SIGTERM (or cancellation), then stop cleanly. Raises ServeError if the
    server cannot start (its database or address). With `report_port`, the sessions' reports
    are served over HTTP on that port too (`given`: asked for, so a busy port is an error)."""
    why = address_problem(config.host, config.port) or tls_problem(config.cert, config.key)
    if not why and config.store_url is None and (config.name or config.advertise):
        why = "--name and --advertise name a process among several: they need --store URL"
    if not why and config.store_url and config.advertise is None and not is_loopback(config.host):
        why = (
            f"listening on {config.host} with --store needs --advertise URL: the address clients "
            f"reach this process at (e.g. --advertise ws://this-host.example.org:{config.port})"
        )
    if not why and config.advertise and urlsplit(config.advertise).scheme not in ("ws", "wss"):
        why = f"--advertise {config.advertise}: give a ws:// or wss:// URL"
    if not why and report_port is not None and given:
        why = reports_problem(config.host, report_port)
    if why:
        raise ServeError(why)
    made_key = False
    if config.create_key is None and not is_loopback(config.host):
        try:
            config.create_key = own_create_key(config.db)
        except OSError as e:
            raise ServeError(
                f"cannot keep a creation key beside {config.db} ({e.strerror or e}): choose one "
                "with --create-key KEY (or DISTRICT_CREATE_KEY)"
            ) from e
        made_key = True
    try:
        server = Server(config)
    except ValueError as e:  # the store's URL
        raise ServeError(f"--store: {e}") from e
    except (OSError, sqlite3.Error) as e:
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise ServeError(
            f"cannot open the database {config.db} ({why}): give --db a file in a folder you can "
            "write"
        ) from e
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await server.start()
    except StoreLocked as e:
        raise ServeError(str(e)) from e
    except StoreError as e:
        with contextlib.suppress(Exception):
            await server.stop()
        raise ServeError(f"cannot use the store: {e}") from e
    except OSError as e:
        with contextlib.suppress(Exception):
            await server.stop()
        raise ServeError(bind_problem(e, config.host, config.port)) from e
    print(f"District server: {server.url}  (protocol {PROTOCOL_VERSION})", flush=True)
    if config.store_url:
        print(f"store: {shown_store(config.store_url)} (shared by several servers)", flush=True)
        print(f"this server: {server.name} at {server.address}", flush=True)
    else:
        print(f"database: {config.db}", flush=True)
    if config.create_key is not None:
        where = (
            f"made by this server, kept in {key_path(config.db)}; choose your own with --create-key"
            if made_key
            else "as given"
        )
        print(
            f"creation key: {config.create_key}  (needed to create sessions; {where})", flush=True
        )
    print(
        f"sessions recovered: {len(server.sessions)} in {server.recovery_seconds:.2f} s",
        flush=True,
    )
    reports = None
    try:
        if report_port is not None:
            reports = await start_reports(server, config, report_port, given)
        if ready is not None:
            ready(server)
        # stopped by a signal, or drained through the store (`district serve --drain NAME`)
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(server.exit.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
    finally:
        print("draining..." if server.shared else "stopping...", flush=True)
        if reports is not None:
            await reports.stop()
        await server.stop()


async def drain_process(
    store: Store,
    name: str,
    pickup: float = 10.0,
    within: float = 300.0,
    poll: float = 0.5,
    out: Any = print,
) -> int:
    """Ask the process `name` to drain through the store and wait until it has exited, saying how
    far it has got; 0 once it has, 1 if nobody took the request or it took too long."""
    await store.set_drain(name, "asked")
    out(f"asked the server {name} to hand its sessions over and exit", flush=True)
    t0 = time.monotonic()
    said: int | None = None
    while True:
        state = await store.drain_state(name)
        if state is None:
            out(f"{name} has handed its sessions over and exited", flush=True)
            return 0
        left = len(await store.held_by(name))
        if state == "draining" and left != said:
            out(f"{name} is draining: {left} session(s) still to hand over", flush=True)
            said = left
        waited = time.monotonic() - t0
        if state == "asked" and waited > pickup:
            await store.set_drain(name, None)
            out(
                f"error: no server named {name} took the request in {pickup:g} s: is it running "
                "on this store? (each server prints its name when it starts)",
                flush=True,
            )
            return 1
        if waited > within:
            out(f"error: {name} is still draining after {within:g} s; see its log", flush=True)
            return 1
        await asyncio.sleep(poll)


async def drain_main(url: str, name: str) -> int:
    from district.server.store import open_store

    try:
        store = open_store(url, Path("unused"), False)
    except ValueError as e:
        raise ServeError(f"--store: {e}") from e
    if not store.shared:  # pragma: no cover - open_store gives SQLite only without a URL
        raise ServeError("--drain needs the store several servers share (--store URL)")
    store.start()
    try:
        return await drain_process(store, name)
    except StoreError as e:
        raise ServeError(f"cannot use the store: {e}") from e
    finally:
        await store.close()


def serve_main(args: argparse.Namespace) -> int:
    level = getattr(args, "log_level", "INFO") or "INFO"
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    logging.getLogger("websockets").setLevel(logging.WARNING)
    config = config_from_args(args)
    drain = getattr(args, "drain", None)
    if drain is not None:
        if config.store_url is None:
            print(
                "error: --drain NAME needs --store URL (the servers' shared store)", file=sys.stderr
            )
            return 2
        try:
            return asyncio.run(drain_main(config.store_url, drain))
        except ServeError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    try:
        port = report_port_of(args)
        given = getattr(args, "report_port", None) not in (None, "off")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_server(config, report_port=port, given=given))
    except ServeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("stopped.", flush=True)
    return 0


__all__ = [
    "ServeError",
    "drain_process",
    "address_problem",
    "bind_problem",
    "config_from_args",
    "default_db_path",
    "run_server",
    "serve_main",
]
