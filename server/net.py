"""The WebSocket server: the sessions it hosts, identity and limits (`district serve` is
server/serve.py).

Each connection (server/connection.py) has its frames read here: the rate limit is checked, each
frame decoded strictly (server/protocol/) and each message handed to its session's actor
(server/session/); a joined player's messages as they are parsed (`_frame_now`), the rest by the
connection's reader task (`_handle`), always in the client's order; a connection writes through a
bounded queue, so a client that does not read fast enough is dropped (and can reconnect), never
waited for.

`Server` owns the store (server/store/: SQLite unless another is given), the sessions (created, or
recovered from the store at start-up) and the indexes that find a session by join code or token.

With a store several processes share (`store.shared`: PostgreSQL), a process serves only the
sessions whose lease it holds: it claims a session before creating or opening it, answers a hello
for a session another process serves with `redirect` (the owner's address), and its `Warden`
(server/cluster.py) renews the leases, takes over the sessions of dead processes and drains.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
import re
import secrets
import socket
import ssl
import time
import tomllib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from district.server import workshop
from district.server.cluster import (
    LEASE_TTL,
    Moved,
    Warden,
    bye_moved,
    default_name,
    redirect,
)
from district.server.connection import BatchingServerConnection, Connection
from district.server.engine.scenario import Scenario
from district.server.engine.scenario_files import SCENARIO_DIR, load_scenario
from district.server.engine.scenario_parse import parse_scenario
from district.server.monitor import LoopMonitor
from district.server.protocol import (
    CLOSE_POLICY,
    CODE_ALPHABET,
    CODE_LENGTH,
    HELLO_TIMEOUT,
    MAX_SERVER_FRAME,
    MAX_TRANSPORT_FRAME,
    OUT_QUEUE,
    PREVIEW_BURST,
    PREVIEW_RATE,
    PROTOCOL_VERSION,
    RATE_ABUSE,
    RATE_BURST,
    RATE_PER_SECOND,
    ProtocolError,
    check_message,
    decode,
    id_of,
    normalise_code,
    within,
)
from district.server.session import (
    FACILITATOR,
    Ask,
    Command,
    Control,
    Gone,
    Hello,
    Session,
    SessionCore,
    SessionInfo,
    SessionLog,
    Sync,
    hash_token,
    load_core,
    new_token,
)
from district.server.session.branch import make_branch, store_branch
from district.server.session.ledger import replayed
from district.server.store import (
    INFO_FIELDS,
    Archive,
    Lease,
    LeaseLost,
    NewSession,
    Quarantine,
    SetWorkshop,
    Store,
    StoredSession,
    StoreError,
    StoreLocked,
    open_store,
)
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

PARSED_SCENARIOS = 64  # scenario texts kept parsed (sessions of one text share its Scenario)
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_log = logging.getLogger("district.net")


# the session's job for each message a connection sends once it has said hello
JOBS: dict[str, Callable[[Connection, dict[str, Any]], Command | Control | Sync | Ask]] = {
    "command": Command,
    "control": Control,
    "sync": Sync,
    "debrief": Ask,
}


@dataclass(slots=True)
class ServerConfig:
    db: Path
    host: str = "127.0.0.1"
    port: int = 8765
    scenario_dirs: tuple[Path, ...] = (SCENARIO_DIR,)
    create_key: str | None = None
    durable: bool = False
    grace: float = 15.0  # seconds given back after a restart when a deadline passed meanwhile
    rate: float = RATE_PER_SECOND
    burst: float = RATE_BURST
    preview_rate: float = PREVIEW_RATE  # previews a second per seat (server/session/questions.py)
    preview_burst: float = PREVIEW_BURST
    out_queue: int = OUT_QUEUE
    hello_timeout: float = HELLO_TIMEOUT
    ping_interval: float | None = 20.0
    socket_buffer: int | None = None  # SO_SNDBUF of each client socket (None: the system's default)
    gc_freeze: bool = False  # see LoopMonitor; on for `district serve` (a process of its own)
    gc_full_every: float | None = 900.0
    # join-code guessing: after `code_failures` unknown codes from one address within
    # `code_window` seconds, its hellos with a code are refused for `code_block` seconds
    code_failures: int = 10
    code_window: float = 60.0
    code_block: float = 60.0
    # session creation: at most `create_limit` sessions per address within `create_window` s
    # (clients on this computer -- the teacher's own tools, bots, benchmarks -- are not counted
    # unless `throttle_loopback`; behind a reverse proxy, limit creation in the proxy)
    create_limit: int = 10
    create_window: float = 600.0
    throttle_loopback: bool = False
    # idle sessions (nobody connected, nothing happening) leave memory after `archive_after` s
    archive_after: float = 900.0
    archive_every: float = 30.0
    # TLS: serve wss:// with this certificate chain and private key (PEM files)
    cert: Path | None = None
    key: Path | None = None
    clock: Callable[[], float] = time.monotonic  # the throttle's clock (tests move it)
    # several processes on one shared store (server/cluster.py): this process's name in the store
    # (default host-port-pid), the URL clients reach it at (default `Server.url`; needed when
    # listening beyond this computer), and the store (None: the SQLite file `db`)
    name: str | None = None
    advertise: str | None = None
    store_url: str | None = None
    warden: dict[str, Any] = field(default_factory=dict)  # the Warden's timings (tests)
    extra: dict[str, Any] = field(default_factory=dict)


class CodeThrottle:
    """Failed join-code look-ups per client address. `limit` failures within `window` seconds
    block that address's hellos with a code for `block` seconds; joins that succeed never count."""

    MAX_ADDRESSES = 10_000  # beyond this, addresses with nothing recent are forgotten

    def __init__(self, limit: int, window: float, block: float, clock: Callable[[], float]) -> None:
        self.limit, self.window, self.block, self.clock = limit, window, block, clock
        self.failures: dict[str, deque[float]] = {}
        self.blocked: dict[str, float] = {}  # address -> until

    def retry_after(self, addr: str) -> float | None:
        """Seconds until `addr` may try a code again, or None if it may now."""
        until = self.blocked.get(addr)
        if until is None:
            return None
        left = until - self.clock()
        if left <= 0:
            del self.blocked[addr]
            return None
        return left

    def failed(self, addr: str) -> None:
        now = self.clock()
        times = self.failures.setdefault(addr, deque())
        times.append(now)
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            self.blocked[addr] = now + self.block
            times.clear()
        if len(self.failures) > self.MAX_ADDRESSES:
            self.failures = {
                a: t for a, t in self.failures.items() if t and t[-1] > now - self.window
            }
            self.blocked = {a: u for a, u in self.blocked.items() if u > now}


class CreateThrottle:
    """Sessions created per client address: at most `limit` within `window` seconds."""

    MAX_ADDRESSES = 10_000

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.times: dict[str, deque[float]] = {}

    def retry_after(self, addr: str) -> float | None:
        """Seconds until `addr` may create a session again, or None if it may now."""
        now = self.clock()
        times = self.times.get(addr)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) < self.limit:
            return None
        return times[0] + self.window - now

    def created(self, addr: str) -> None:
        now = self.clock()
        self.times.setdefault(addr, deque()).append(now)
        if len(self.times) > self.MAX_ADDRESSES:
            self.times = {a: t for a, t in self.times.items() if t and t[-1] > now - self.window}


def is_loopback(host: str) -> bool:
    """Only this computer can reach `host` (every address it resolves to is a loopback one)."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def _loopback_address(addr: str) -> bool:
    try:
        return ipaddress.ip_address(addr).is_loopback
    except ValueError:
        return False


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """The server's TLS context from PEM files (TLS 1.2 at least)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def failed_on(conn: Connection, raw: Any) -> None:
    """The server failed on a message (a bug): logged with its traceback, and answered with
    `internal`, which changes nothing and shows no traceback."""
    conn.log.exception("conn %d: failed on a message", conn.n)
    conn.send(
        {
            "type": "error",
            "re": id_of(raw),
            "code": "internal",
            "message": "the server failed on this message; nothing was changed",
            "where": "",
        }
    )


class Server:
    """Sessions, their indexes and the listening socket."""

    def __init__(self, config: ServerConfig, store: Store | None = None) -> None:
        self.config = config
        self.store: Store = store or open_store(config.store_url, config.db, config.durable)
        self.sessions: dict[str, Session] = {}
        self.report_port: int | None = None  # where the reports are served (serve.start_reports)
        self.codes: dict[str, str] = {}
        self.tokens: dict[str, tuple[str, str]] = {}
        self.conns: set[Connection] = set()
        self.port: int | None = None
        self.recovery_seconds = 0.0
        self._ws: Any = None
        self._n = 0
        self._scenarios: dict[Path, tuple[float, dict[str, Any] | None]] = {}
        self._parsed: dict[tuple[str, str], Scenario] = {}  # see _scenario_from_text
        self._loading: dict[str, asyncio.Future[Session | None]] = {}
        self._archiving: dict[str, asyncio.Event] = {}  # sessions leaving memory just now
        self._idle_since: dict[str, float] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self.archived = 0  # sessions archived out of memory since start
        self.read_on_arrival = 0  # messages handled as they were parsed (see _frame_now)
        self.throttle = CodeThrottle(
            config.code_failures, config.code_window, config.code_block, config.clock
        )
        self.create_throttle = CreateThrottle(
            config.create_limit, config.create_window, config.clock
        )
        self.log = SessionLog(_log, {"session": "-"})
        # several processes (server/cluster.py): set by `start` when the store is shared
        self.name = config.name or ""
        self.address = config.advertise or ""
        self.warden: Warden | None = None
        self.claimed_at: dict[str, float] = {}  # session -> when its lease was claimed (monotonic)
        self.draining = False
        self._drained: asyncio.Future[None] | None = None
        self._dropping: set[asyncio.Task[None]] = set()  # actors of dropped sessions stopping
        self.exit = asyncio.Event()  # a drain asked through the store is done: the process exits
        self.monitor = LoopMonitor(
            freeze=config.gc_freeze, full_every=config.gc_full_every if config.gc_freeze else None
        )

    @property
    def url(self) -> str:
        scheme = "wss" if self.config.cert is not None else "ws"
        return f"{scheme}://{self.config.host}:{self.port}"

    @property
    def shared(self) -> bool:
        """Several processes share the store: leases decide who serves a session."""
        return self.store.shared

    # --- life ------------------------------------------------------------------------------

    async def start(self) -> int:
        if self.config.create_key is None and not is_loopback(self.config.host):
            raise ValueError(
                f"listening on {self.config.host} (beyond this computer) needs a creation key"
            )
        if self.shared and self.config.advertise is None and not is_loopback(self.config.host):
            raise ValueError(
                f"listening on {self.config.host} with a shared store needs --advertise URL (the "
                "address clients reach this server at, e.g. ws://host1.example.org:8765)"
            )
        self.store.start()
        if self.shared:  # listening first: the leases name this process by its address
            await self._listen()
            self.name = self.config.name or default_name(self.port or 0)
            self.address = self.config.advertise or self.url
            self.warden = Warden(self, **self.config.warden)
            await self._no_namesake()
            self.warden.start()
            self.log.info("server %s at %s, on a shared store", self.name, self.address)
        t0 = time.perf_counter()
        await self.recover()
        self.recovery_seconds = time.perf_counter() - t0
        if self.config.gc_freeze:
            # what exists now (modules, scenarios, recovered sessions) lives as long as the
            # process: keep it out of the collector's full passes, which would stall the loop
            gc.collect()
            gc.freeze()
        if not self.shared:
            await self._listen()
        self.monitor.start()
        workshop.start(self)  # publishes the sessions' statuses
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="archiver")
        self.log.info("listening on %s", self.url)
        assert self.port is not None
        return self.port

    async def _listen(self) -> None:
        ssl_context = (
            tls_context(self.config.cert, self.config.key or self.config.cert)
            if self.config.cert is not None
            else None
        )
        self._ws = await serve(
            self._handle,
            self.config.host,
            self.config.port,
            max_size=MAX_TRANSPORT_FRAME,
            compression=None,
            ping_interval=self.config.ping_interval,
            ping_timeout=20,
            close_timeout=2,
            max_queue=32,
            ssl=ssl_context,
            create_connection=BatchingServerConnection,
        )
        self.port = self._ws.sockets[0].getsockname()[1]

    async def _no_namesake(self) -> None:
        """Two live processes of one name would write with each other's fences: a previous
        process of this name (restarted after a crash) is given its leases' time to lapse; one
        that still renews them is refused (StoreLocked)."""
        end = time.monotonic() + 2 * self._ttl() + 0.5
        while held := await self.store.held_by(self.name):
            if time.monotonic() > end:
                raise StoreLocked(
                    f"another server named {self.name} is running on this store (it serves "
                    f"{len(held)} session(s)): give this one another --name"
                )
            await asyncio.sleep(0.2)

    async def recover(self) -> None:
        """Every unfinished session, from its snapshot and later entries; timers re-armed. With
        a shared store, only those nobody serves (orphans), each claimed first."""
        if self.shared:
            ids = [sid for sid in await self.store.orphans() if await self.take(sid)]
            if ids:
                self.log.info("recovered %d session(s) nobody served", len(ids))
            return
        ids = await self.store.open_ids()
        for sid in ids:
            try:
                stored = await self.store.load(sid)
                if stored is None:
                    continue
                session = await self._open(stored, start=False)
                await session.recovered()  # before its actor starts: nothing else touches it yet
            except StoreError as e:  # the storage, not the session: loaded when someone comes
                self.sessions.pop(sid, None)
                self.log.error("could not recover session %s now (storage: %s)", sid, e)
                continue
            except Exception as e:
                await self._quarantine(sid, e)
                continue
            session.start()
            c = session.core
            session.log.info(
                "recovered: %s, round %d %s, %s, %d entries",
                c.info.scenario,
                c.round,
                c.phase,
                c.status,
                c.entries,
            )
        if ids:
            self.log.info("recovered %d session(s)", len(ids))

    async def stop(self) -> None:
        if self.shared and self.port is not None:
            await self.drain()
        self.monitor.stop()
        await workshop.stop(self)
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self._ws is not None:
            self._ws.close(close_connections=False)
        for conn in list(self.conns):
            conn.bye("shutdown", "the server is shutting down; reconnect later", 1001)
        for s in list(self.sessions.values()):
            await s.stop()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await within(self._ws.wait_closed(), 3.0)
        for conn in list(self.conns):
            await conn.finish()
        if self.warden is not None:
            await self.warden.stop()
            with contextlib.suppress(StoreError):  # the drain is over: `--drain` stops waiting
                await self.store.set_drain(self.name, None)
        await self.store.close()
        self.log.info("stopped")

    # --- sessions --------------------------------------------------------------------------

    def _scenario_from_text(self, name: str, text: str) -> Scenario:
        """The scenario of a stored text, parsed once for all the sessions that play it (a
        Scenario is immutable: sessions share it)."""
        key = (name, text)
        scenario = self._parsed.get(key)
        if scenario is None:
            scenario = parse_scenario(tomllib.loads(text), f"{name} (stored)")
            if len(self._parsed) >= PARSED_SCENARIOS:
                del self._parsed[next(iter(self._parsed))]
            self._parsed[key] = scenario
        return scenario

    async def _open(self, stored: StoredSession, start: bool = True) -> Session:
        scenario = self._scenario_from_text(stored.info["scenario"], stored.scenario_text)
        log = SessionLog(logging.getLogger("district.session"), {"session": stored.info["id"]})
        core = await load_core(self.store, stored, scenario, log)
        s = self._register(core, start)
        s.ledger.since_snapshot = replayed(core, stored)
        return s

    def _register(self, core: SessionCore, start: bool = True) -> Session:
        cfg = self.config
        s = Session(
            core, self.store, self, grace=cfg.grace, previews=(cfg.preview_rate, cfg.preview_burst)
        )
        self.sessions[s.id] = s
        self.codes[core.info.code] = s.id
        self.tokens[core.info.facilitator_hash] = (s.id, FACILITATOR)
        for seat in core.seats.values():
            if seat.token_hash:
                self.tokens[seat.token_hash] = (s.id, seat.id)
        if start:
            s.start()
        return s

    async def session(self, sid: str) -> Session | None:
        """A loaded session, or one loaded now from the store (a finished game, for viewing)."""
        leaving = self._archiving.get(sid)
        if leaving is not None:  # stored in full first, then loaded back
            await leaving.wait()
        s = self.sessions.get(sid)
        if s is not None:
            return s
        fut = self._loading.get(sid)
        if fut is not None:
            return await fut
        fut = self._loading[sid] = asyncio.get_running_loop().create_future()
        try:
            s = await self._load_on_demand(sid)
            fut.set_result(s)
            return s
        except Exception as e:
            fut.set_exception(e)
            fut.exception()  # retrieved: nobody else may be waiting
            raise
        finally:
            del self._loading[sid]

    async def _load_on_demand(self, sid: str) -> Session | None:
        """A session that is not in memory (archived, in its lobby at start-up, finished), loaded
        from the store and started. A damaged one is quarantined: ProtocolError `damaged`. With a
        shared store it is claimed first: Moved if another process serves it."""
        if self.shared:
            await self._claim_or_moved(sid)
        try:
            stored = await self.store.load(sid)
        except BaseException:
            await self._unclaim(sid)
            raise
        if stored is None:
            await self._unclaim(sid)
            return None
        if stored.quarantined is None:
            try:
                s = await self._open(stored, start=False)
                await s.recovered()
                if s.ledger.lost:  # taken over meanwhile (its first write was refused)
                    raise LeaseLost([sid])
            except StoreError as e:
                self.sessions.pop(sid, None)
                self._forget(sid)
                await self._unclaim(sid)
                if isinstance(e, LeaseLost):
                    lease = await self.store.lease(sid)
                    if lease is not None:
                        raise Moved(lease) from None
                raise ProtocolError(
                    "storage", "the server cannot read its storage now; try again soon"
                ) from None
            except Exception as e:
                await self._quarantine(sid, e)
            else:
                s.start()
                if stored.finished is None:
                    with contextlib.suppress(StoreError):  # back in memory: recovered at a restart
                        await self.store.write([Archive(sid, None)])
                return s
        await self._unclaim(sid)
        raise ProtocolError(
            "damaged",
            "this session's saved data is damaged, so the server has set it aside; ask the "
            "facilitator to create a new session",
        )

    # --- several processes (server/cluster.py) -------------------------------------------------

    async def _claim(self, sid: str) -> Lease | None:
        """This process's lease of `sid` (granted at once by a store of one process), or None if
        another process serves it."""
        lease = await self.store.claim(sid, self.name, self.address, self._ttl())
        if lease is not None and self.shared:
            self.claimed_at[sid] = time.monotonic()
        return lease

    def _ttl(self) -> float:
        return self.warden.ttl if self.warden is not None else LEASE_TTL

    async def _claim_or_moved(self, sid: str) -> None:
        """Claim `sid` to serve it here; Moved if another process serves it. A draining process
        takes nothing: it waits (a few seconds at most) for the process that takes it."""
        for _ in range(20 if self.draining else 3):
            try:
                if not self.draining and await self._claim(sid) is not None:
                    return
                lease = await self.store.lease(sid)
            except StoreError:
                raise ProtocolError(
                    "storage", "the server cannot reach its storage now; try again soon"
                ) from None
            if lease is not None and lease.owner != self.name:
                raise Moved(lease)
            await asyncio.sleep(0.25 if self.draining else 0.05)
        raise ProtocolError("busy", "this session is changing servers; try again in a moment")

    async def _unclaim(self, sid: str) -> None:
        """Let go of a session this process claimed but does not serve."""
        if self.shared and sid not in self.sessions:
            self.claimed_at.pop(sid, None)
            with contextlib.suppress(StoreError):
                await self.store.release(sid, self.name)

    def busy_with(self, sid: str) -> bool:
        """The session is being loaded or archived here just now."""
        return sid in self._loading or sid in self._archiving

    async def take(self, sid: str) -> Session | None:
        """Serve a session nobody serves (an orphan, or one recovered at start-up): claimed,
        loaded, its clocks re-armed. None if another process got it first, or it cannot be
        loaded now."""
        try:
            return await self.session(sid)
        except Moved:
            return None
        except ProtocolError as e:
            self.log.warning("could not take session %s: %s", sid, e.message)
            return None
        except StoreError as e:
            self.log.warning("could not take session %s now (storage: %s)", sid, e)
            return None

    def _forget(self, sid: str, code: str | None = None) -> None:
        """The code (`code`, if known) and tokens of a session that left this process."""
        self.claimed_at.pop(sid, None)
        self._idle_since.pop(sid, None)
        for c in [code] if code is not None else [c for c, x in self.codes.items() if x == sid]:
            if self.codes.get(c) == sid:
                del self.codes[c]
        for h in [h for h, (x, _) in self.tokens.items() if x == sid]:
            del self.tokens[h]

    def _tell_moved(self, s: Session) -> int:
        """Every connection of a session that leaves this process: `bye` `moved`."""
        conns: set[Any] = {c for c in self.conns if c.session is s}
        conns |= set(s.audience.everyone())
        conns |= {w.conn for w in s.audience.waiting.values()}
        for conn in conns:
            bye_moved(conn)
        return len(conns)

    def lease_lost(
        self, sid: str, why: str = "a write was refused: another server owns it"
    ) -> None:
        """Another process owns the session now: it is dropped at once, without writing (its
        actor stops; what it had not stored did not happen), and its connections are told it
        moved. The hub's callback for a session's `LeaseLost` (server/session/ledger.py)."""
        s = self.sessions.get(sid)
        if s is None or s.moving:
            return
        s.moving = True
        s.ledger.lose()
        del self.sessions[sid]
        self._forget(sid, s.core.info.code)
        n = self._tell_moved(s)
        s.log.warning("lease lost (%s): dropped here, %d connection(s) told to move", why, n)
        task = asyncio.get_running_loop().create_task(s.stop(), name=f"drop:{sid}")
        self._dropping.add(task)
        task.add_done_callback(self._dropping.discard)

    async def drain(self) -> None:
        """Hand every session over and take no new one: each is stored, its lease released (the
        other processes take it at their next scan) and its connections told it moved. The
        process may then exit."""
        if self._drained is not None:
            return await asyncio.shield(self._drained)
        self._drained = asyncio.get_running_loop().create_future()
        try:
            self.draining = True
            sessions = list(self.sessions.values())
            if not sessions and self._sweeper is None:
                return  # it never started serving
            self.log.info(
                "draining: taking no new session; %d session(s) to hand over", len(sessions)
            )
            moved = 0
            for s in sessions:
                s.moving = True
                await s.stop()  # whatever it did is stored first (a lost lease: nothing is)
                if self.sessions.get(s.id) is s:
                    del self.sessions[s.id]
                self._forget(s.id, s.core.info.code)
                with contextlib.suppress(StoreError):  # first: the clients' next hello takes it
                    await self.store.release(s.id, self.name)
                moved += self._tell_moved(s)
                s.log.info("draining: stored and released")
            self.log.info(
                "draining: %d session(s) handed over, %d connection(s) told to move",
                len(sessions),
                moved,
            )
        finally:
            self._drained.set_result(None)

    async def drain_and_exit(self) -> None:
        """A drain asked through the store (`district serve --drain NAME`): drain, then have the
        process exit (`exit`)."""
        try:
            await self.drain()
        finally:
            self.exit.set()

    # --- archiving ---------------------------------------------------------------------------

    async def _sweep(self) -> None:
        """Now and then: sessions nobody has been connected to for `archive_after` seconds leave
        memory (see `archive`)."""
        while True:
            await asyncio.sleep(self.config.archive_every)
            try:
                await self.archive_idle()
            except Exception:
                self.log.exception("archiving idle sessions failed")

    async def archive_idle(self, now: float | None = None) -> int:
        """Archive the sessions idle past `archive_after`; returns how many."""
        now = self.config.clock() if now is None else now
        idle = []
        for sid, s in list(self.sessions.items()):
            if s.audience.everyone() or s.waiting or not s.queue.empty():
                self._idle_since.pop(sid, None)
                continue
            since = self._idle_since.setdefault(sid, now)
            if now - since >= self.config.archive_after:
                idle.append(sid)
        done = 0
        for sid in idle:
            done += await self.archive(sid)
        return done

    async def archive(self, sid: str) -> bool:
        """Take a session out of memory: its actor stores what is pending and stops, the store
        marks it archived (not recovered at a restart), and it is loaded back from the store when
        someone comes to it. False if it is busy again, or the store cannot say so now."""
        s = self.sessions.get(sid)
        if s is None or s.audience.everyone() or s.waiting or not s.queue.empty():
            return False
        leaving = self._archiving[sid] = asyncio.Event()
        del self.sessions[sid]  # from now on, whoever comes waits for `leaving`, then loads it
        self._idle_since.pop(sid, None)
        try:
            await s.stop()
            finished = s.core.status == "ended"
            try:
                await self.store.write([Archive(sid, time.time())])
            except LeaseLost:  # another process serves it now: nothing more to do here
                self._forget(sid, s.core.info.code)
                self._tell_moved(s)
                return True
            except StoreError as e:
                if not finished:  # it would not be recovered at a restart: keep it in memory
                    self.log.warning("could not archive session %s (storage: %s)", sid, e)
                    s.start()
                    self.sessions[sid] = s
                    return False
            core = s.core
            self._forget(sid, core.info.code)
            if self.shared:  # whoever comes back to it claims it
                with contextlib.suppress(StoreError):
                    await self.store.release(sid, self.name)
            self.archived += 1
            s.log.info("archived: out of memory until someone comes back (%s)", core.status)
            return True
        finally:
            del self._archiving[sid]
            leaving.set()

    async def _quarantine(self, sid: str, failure: Exception) -> None:
        """A session whose stored data cannot be loaded: said in one line, set aside in the store
        (never recovered or loaded again), and the server goes on with the others."""
        reason = f"{type(failure).__name__}: {str(failure)[:300]}"
        self.sessions.pop(sid, None)
        self.log.error(
            "session %s is damaged and set aside (quarantined; the other sessions go on): %s. "
            "Its rows stay in the database as they are.",
            sid,
            reason,
        )
        self.log.debug("the failure in full", exc_info=failure)
        try:
            await self.store.write([Quarantine(sid, reason)])
        except Exception as e:  # it will be tried again at the next start
            self.log.error("could not mark session %s as quarantined: %s", sid, e)

    # hub interface
    def stats(self) -> dict[str, Any]:
        """Figures of the whole process (for the facilitator's `info` and the benchmarks)."""
        return {
            "connections": len(self.conns),
            "sessions": len(self.sessions),
            "loop_lag_ms": round(self.monitor.recent_max() * 1000, 2),
            "loop_lag_max_ms": round(self.monitor.worst * 1000, 2),
            "gc_pause_ms": round(self.monitor.recent_gc_max() * 1000, 2),
            "gc_seconds": round(self.monitor.gc_seconds, 4),
            "gc_passes": self.monitor.gc_passes,
            "stalls": [[round(t, 3), round(lag * 1000, 1)] for t, lag in self.monitor.stalls()],
        }

    def token_added(self, hash_: str, session: str, who: str) -> None:
        self.tokens[hash_] = (session, who)

    def token_removed(self, hash_: str) -> None:
        self.tokens.pop(hash_, None)

    def session_ended(self, session: str) -> None:
        pass  # kept loaded: players may still look at the final view

    def scenario_path(self, name: str) -> Path | None:
        if not NAME_RE.match(name):
            return None
        for d in self.config.scenario_dirs:
            p = Path(d) / f"{name}.toml"
            if p.is_file():
                return p
        return None

    def scenario_list(self) -> list[dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for d in self.config.scenario_dirs:
            for p in sorted(Path(d).glob("*.toml")):
                if p.stem in out or not NAME_RE.match(p.stem):
                    continue
                mtime = p.stat().st_mtime
                cached = self._scenarios.get(p)
                if cached is None or cached[0] != mtime:
                    try:
                        sc = load_scenario(p)
                        item: dict[str, Any] | None = {
                            "name": p.stem,
                            "title": sc.title,
                            "rounds": sc.rounds,
                            "seats": [
                                {"id": s.id, "role": s.role, "name": s.name} for s in sc.seats
                            ],
                        }
                    except Exception as e:
                        self.log.warning("scenario %s is not usable: %s", p, e)
                        item = None
                    cached = self._scenarios[p] = (mtime, item)
                if cached[1] is not None:
                    out[p.stem] = cached[1]
        return list(out.values())

    async def create(self, msg: dict[str, Any], address: str = "") -> dict[str, Any]:
        """A new session (`address`: the client's, for the workshop key's throttle)."""
        cfg = self.config
        re_ = msg.get("id")
        if cfg.create_key is not None and not secrets.compare_digest(
            msg.get("key", ""), cfg.create_key
        ):
            raise ProtocolError(
                "forbidden", "creating a session needs this server's creation key", "key"
            )
        name = msg["scenario"]
        path = self.scenario_path(name)
        if path is None:
            known = ", ".join(s["name"] for s in self.scenario_list())
            raise ProtocolError(
                "unknown_scenario", f"no scenario named {name!r} (known: {known})", "scenario"
            )
        text = path.read_text(encoding="utf-8")
        try:
            scenario = self._scenario_from_text(name, text)
        except Exception as e:
            raise ProtocolError(
                "unknown_scenario", f"scenario {name!r} does not load: {e}", "scenario"
            ) from None
        joining = await workshop.admit_create(self, address, msg)
        seed = msg.get("seed")
        if seed is None:
            seed = secrets.randbelow(2**31)
        code = await self._new_code()
        token = new_token()
        info = SessionInfo(
            id="s-" + secrets.token_hex(6),
            code=code,
            scenario=name,
            seed=seed,
            facilitator_hash=hash_token(token),
            created=time.time(),
            negotiation_seconds=float(msg.get("negotiation_seconds", 480.0)),
            report_seconds=float(msg.get("report_seconds", 120.0)),
        )
        core = SessionCore(info, scenario)
        new = NewSession({k: getattr(info, k) for k in INFO_FIELDS}, text)
        await self._claim_new(info.id)
        try:
            if joining is None:
                await self.store.write([new])
            else:  # the session and its workshop (made now, perhaps) are stored together
                await self.store.write([*joining.before, new, SetWorkshop(info.id, joining.name)])
        except BaseException as e:
            await self._unclaim(info.id)
            if (
                isinstance(e, StoreError)
                and joining is not None
                and joining.before
                and await self.store.workshop_key(joining.name) is not None
            ):  # another create made the same workshop a moment before this one
                raise ProtocolError(
                    "forbidden",
                    f"the workshop {joining.name!r} was made a moment ago by someone else: "
                    "creating a session in it needs its key",
                    "workshop_key",
                ) from None
            raise
        s = self._register(core)
        s.log.info("created: scenario %s, seed %d, code %s", name, seed, code)
        reply = {
            "type": "created",
            "re": re_,
            "session": info.id,
            "code": code,
            "facilitator_token": token,
            "scenario": name,
            "seed": seed,
            "seats": [{"id": x.id, "role": x.role, "name": x.name} for x in core.seats.values()],
        }
        if joining is not None:
            reply["workshop"] = joining.name
            if joining.key is not None:
                reply["workshop_key"] = joining.key
        return reply

    async def branch(
        self, original: SessionCore, entries: list[dict[str, Any]], round_: int
    ) -> dict[str, Any]:
        """A new session from the start of `round_` of `original` (its stored log: `entries`),
        stored and registered (server/session/branch.py). Raises BranchRefused."""
        stored = await self.store.load(original.info.id)
        if stored is None:  # pragma: no cover - the session is running
            raise RuntimeError("the session is not in the store")
        token = new_token()
        core, log, h = make_branch(
            original,
            entries,
            round_,
            "s-" + secrets.token_hex(6),
            await self._new_code(),
            token,
            time.time(),
        )
        await self._claim_new(core.info.id)
        try:
            await self.store.write(store_branch(core, log, stored.scenario_text))
        except BaseException:
            await self._unclaim(core.info.id)
            raise
        s = self._register(core)
        s.log.info("branched from %s at round %d", original.info.id, round_)
        return {
            "session": core.info.id,
            "code": core.info.code,
            "token": token,  # the branch's facilitator token (not this console's)
            "round": round_,
            "hash": h,
        }

    async def _create_from(self, conn: Connection, msg: dict[str, Any]) -> dict[str, Any]:
        """A `create` from a connection: the key is checked first (a wrong key does not use the
        address's allowance), then the address's allowance, then `create`."""
        cfg = self.config
        if cfg.create_key is not None and not secrets.compare_digest(
            str(msg.get("key", "")).encode(), cfg.create_key.encode()
        ):
            raise ProtocolError(
                "forbidden",
                "creating a session on this server needs its creation key (ask whoever runs the "
                "server; it is printed when the server starts)",
                "key",
            )
        counted = cfg.throttle_loopback or not _loopback_address(conn.address)
        wait = self.create_throttle.retry_after(conn.address) if counted else None
        if wait is not None:
            raise ProtocolError(
                "throttled",
                f"too many sessions created from your address; try again in {wait:.0f} s",
                "",
                retry_after=round(wait, 1),
            )
        created = await self.create(msg, conn.address)
        if counted:
            self.create_throttle.created(conn.address)
        return created

    async def _claim_new(self, sid: str) -> None:
        """A new session is this process's before anything of it is stored."""
        if self.draining:
            raise ProtocolError(
                "busy", "this server is leaving (draining); create the session on another server"
            )
        if await self._claim(sid) is None:  # pragma: no cover - a new random id
            raise ProtocolError("internal", "could not claim the new session; try again")

    async def _new_code(self) -> str:
        for _ in range(100):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code in self.codes:
                continue
            if await self.store.lookup_code(code) is None:
                return code
        raise ProtocolError("internal", "could not find a free join code")

    # --- connections -----------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        self._n += 1
        if self.config.socket_buffer:
            sock = ws.transport.get_extra_info("socket") if ws.transport is not None else None
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.config.socket_buffer)
        conn = Connection(ws, self, self._n)
        self.conns.add(conn)
        watchdog = asyncio.get_running_loop().create_task(self._watch_hello(conn))
        fast = ws if isinstance(ws, BatchingServerConnection) else None
        if fast is not None:
            fast.on_frame = lambda data: self._frame_now(conn, data)
        try:
            async for frame in ws:
                try:
                    if conn.closed:
                        break
                    if conn.prepaid:
                        conn.prepaid -= 1
                    elif not self._allowed(conn):
                        if conn.closed:
                            break
                        continue
                    await self._message(conn, frame)
                finally:
                    if fast is not None:
                        fast.slow -= 1
        except ConnectionClosed:
            pass
        except Exception:
            conn.log.exception("conn %d failed", conn.n)
        finally:
            if fast is not None:
                fast.on_frame = None
            watchdog.cancel()
            self.conns.discard(conn)
            conn.closed = True  # nothing more is queued for it; finish() sends what is
            if conn.session is not None:
                conn.session.submit(Gone(conn))
            await conn.finish()

    def _allowed(self, conn: Connection) -> bool:
        """The connection's rate limit: False (and the client told, now and then, or closed if it
        goes on) if this message is over it."""
        if conn.allow():
            return True
        if conn.refused >= RATE_ABUSE:
            conn.bye("policy", "far too many messages", CLOSE_POLICY)
            return False
        if conn.refused % 20 == 1:
            conn.send(
                {
                    "type": "error",
                    "re": None,
                    "code": "rate_limited",
                    "message": f"more than {self.config.rate:g} messages a second; "
                    "this message was dropped",
                    "where": "",
                }
            )
        return False

    def _frame_now(self, conn: Connection, frame: bytes) -> bool:
        """A joined connection's message as it arrives (BatchingServerConnection.on_frame): a
        command, control or sync is handed to its session at once. False: the reader task
        handles it (before the hello, and a hello or create, which wait for the store)."""
        if conn.closed:
            return True  # as the reader would: nothing more is read from it
        if conn.session is None:
            return False
        if not self._allowed(conn):
            return True
        raw: Any = None
        try:
            raw = decode(frame)
            msg = check_message(raw)
            if msg["type"] in ("hello", "create", "workshop"):
                conn.prepaid += 1  # counted against the rate limit here, not again
                return False
            self.read_on_arrival += 1
            self._dispatch(conn, msg)
        except ProtocolError as e:
            conn.send(e.to_message(id_of(raw)))
        except Exception:
            failed_on(conn, raw)
        return True

    def _dispatch(self, conn: Connection, msg: dict[str, Any]) -> None:
        """A checked message that needs no waiting: ping, scenarios, or a session's job."""
        t = msg["type"]
        if t == "ping":
            conn.send({"type": "pong", "re": msg.get("id"), "server_time": time.time()})
        elif t == "scenarios":
            conn.hello_by = time.monotonic() + self.config.hello_timeout
            conn.send({"type": "scenarios", "re": msg.get("id"), "scenarios": self.scenario_list()})
        else:  # command, control, sync, debrief
            s = conn.session
            if s is None:
                raise ProtocolError("need_hello", f"say hello before sending a {t}")
            if not s.submit(JOBS[t](conn, msg)):
                raise ProtocolError("busy", "the session has too many commands waiting; try again")

    async def _watch_hello(self, conn: Connection) -> None:
        while conn.session is None and not conn.closed:
            wait = conn.hello_by - time.monotonic()
            if wait <= 0:
                conn.bye("policy", "no hello in time", CLOSE_POLICY)
                return
            await asyncio.sleep(wait)

    async def _message(self, conn: Connection, frame: bytes | str) -> None:
        raw: Any = None
        try:
            raw = decode(frame)
            msg = check_message(raw)
            t = msg["type"]
            if t == "create":
                conn.hello_by = time.monotonic() + self.config.hello_timeout
                conn.send(await self._create_from(conn, msg))
            elif t == "hello":
                await self._hello(conn, msg)
            elif t == "workshop":
                conn.hello_by = time.monotonic() + self.config.hello_timeout
                conn.send(await workshop.handle(self, conn.address, msg))
            else:
                self._dispatch(conn, msg)
        except ProtocolError as e:
            conn.send(e.to_message(id_of(raw)))
        except Exception:
            failed_on(conn, raw)

    async def _hello(self, conn: Connection, msg: dict[str, Any]) -> None:
        if conn.session is not None:
            raise ProtocolError(
                "already_joined",
                f"this connection is already {conn.recipient}; open a new "
                "connection to be someone else",
            )
        if msg["version"] != PROTOCOL_VERSION:
            raise ProtocolError(
                "version",
                f"this server speaks protocol version {PROTOCOL_VERSION}, the client "
                f"{msg['version']}",
                "version",
            )
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        job: Hello | None = None  # a workshop's: made once the session is loaded (below)
        if "workshop" in msg:
            sid = await workshop.hello_session(self, conn.address, msg)
        elif "token" in msg:
            h = hash_token(msg["token"])
            loc = self.tokens.get(h) or await self.store.lookup_token(h)
            if loc is None:
                raise ProtocolError("bad_token", "no seat or facilitator holds this token", "token")
            sid, who = loc
            job = Hello(conn, msg, "token", who, h, done=fut)
        else:
            addr = conn.address
            wait = self.throttle.retry_after(addr)
            if wait is not None:
                raise ProtocolError(
                    "throttled",
                    f"too many wrong join codes from your address; try again in {wait:.0f} s",
                    "code",
                    retry_after=round(wait, 1),
                )
            code = normalise_code(msg["code"])
            found = self.codes.get(code) or await self.store.lookup_code(code)
            if found is None:
                self.throttle.failed(addr)
                raise ProtocolError(
                    "bad_code", f"no session has the code {msg['code'][:16]!r}", "code"
                )
            if not msg.get("observer") and "name" not in msg:
                raise ProtocolError("bad_message", "joining needs a name", "name")
            sid = found
            job = Hello(conn, msg, "observer" if msg.get("observer") else "join", done=fut)
        try:
            session = await self.session(sid)
        except Moved as m:  # another process serves it: the client goes there
            conn.send(redirect(msg.get("id"), m.lease))
            await conn.finish()
            return
        if session is None:
            raise ProtocolError(
                "bad_token" if "token" in msg else "bad_code", "that session no longer exists"
            )
        if session.moving:  # it is leaving this process just now
            bye_moved(conn)
            return
        if job is None:  # the workshop's lead comes in as a facilitator beside the session's own
            conn.lead = True
            job = Hello(conn, msg, "token", FACILITATOR, session.core.info.facilitator_hash, fut)
        if not session.submit(job):
            raise ProtocolError("busy", "the session has too many messages waiting; try again")
        if not await fut and session.moving and conn.session is None:
            bye_moved(conn)


__all__ = [
    "MAX_SERVER_FRAME",
    "Connection",
    "Server",
    "ServerConfig",
]
