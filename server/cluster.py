"""Several server processes on one shared store (issue 14): the process's `Warden`.

Each session is served by the one process holding its lease in the store (server/store/: `claim`,
`renew`, `release`, fenced writes). `Server` (server/net.py) claims a session before it creates or
opens it, and answers a hello for a session another process serves with `redirect`. The warden,
started with the server when its store is shared, does the rest:

- every RENEW_EVERY s it renews this process's leases for LEASE_TTL s; a session it serves whose
  lease was not renewed (taken over while this process was paused or cut off from the store) is
  dropped at once: its actor stops without writing, its codes and tokens are forgotten here, and
  its connections get `bye` `moved` (they reconnect to their home address and are sent on);
- every SCAN_EVERY s it looks for orphans (running sessions whose owner stopped renewing) and
  takes at most TAKE_PER_SCAN of them, in random order; every process scans on the same ticks of
  the clock, so the processes that survive one share its sessions (their claims interleave):
  each is loaded from the store, its clocks re-armed (`Session.recovered`) and served here;
- it drains the process when asked through the store (`district serve --drain NAME`).

(Each session's status for the workshop console is published by server/workshop.py.) A drain
(that, or SIGTERM): no new session is taken, every session is stored, its lease released
(another process takes it at its next scan) and its connections told `moved`; then the process
exits. A process that dies without draining loses its leases LEASE_TTL s after its last renewal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
from typing import TYPE_CHECKING, Any

from district.server.session import SessionLog
from district.server.store import Lease, StoreError

if TYPE_CHECKING:
    from district.server.net import Server

LEASE_TTL = 3.0  # seconds a lease lasts without renewal (by the store's clock)
RENEW_EVERY = 1.0
# orphans are looked for this often, on the same ticks of the clock in every process (plus up to
# SCAN_JITTER s), so the survivors of a dead process scan together and share its sessions
SCAN_EVERY = 1.0
SCAN_JITTER = 0.1
TAKE_PER_SCAN = 6  # orphans taken by one scan, at most
CLOSE_MOVED = 1012  # "service restart": the client reconnects at once
MOVED_TEXT = "this session moved to another server; reconnecting"
REDIRECT_TEXT = "this session is served by another server; the client connects there"

_log = logging.getLogger("district.cluster")


def default_name(port: int) -> str:
    """A process's name in the store when none is given: unique among the processes of a store
    (host, port and process id)."""
    return f"{socket.gethostname()}-{port}-{os.getpid()}"


class Moved(Exception):
    """The session is served by another process (`lease` says which and where)."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        super().__init__(f"session {lease.session} is served by {lease.owner} ({lease.address})")


def redirect(re: Any, lease: Lease) -> dict[str, Any]:
    """The reply to a hello for a session another process serves (docs/protocol.md)."""
    return {
        "type": "redirect",
        "re": re,
        "url": lease.address,
        "session": lease.session,
        "message": REDIRECT_TEXT,
    }


def bye_moved(conn: Any) -> None:
    """The connection's session left this process: the client goes back to its home address."""
    conn.bye("moved", MOVED_TEXT, CLOSE_MOVED, {"code": "moved"})


class Warden:
    """The leases of one server process (see the module's docstring)."""

    def __init__(
        self,
        server: Server,
        *,
        ttl: float = LEASE_TTL,
        renew_every: float = RENEW_EVERY,
        scan_every: float = SCAN_EVERY,
        take_per_scan: int = TAKE_PER_SCAN,
    ) -> None:
        self.server = server
        self.ttl, self.renew_every, self.scan_every = ttl, renew_every, scan_every
        self.take_per_scan = take_per_scan
        self.log = SessionLog(_log, {"session": "-"})
        self._tasks: list[asyncio.Task[None]] = []
        self._renew_failing = False
        self._rng = random.Random()
        self.taken = 0  # sessions taken over from dead processes since start
        self.dropped = 0  # sessions dropped because their lease was lost

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._every(self.renew_every, self.renew), name="warden:renew"),
            loop.create_task(self._scans(), name="warden:scan"),
        ]

    async def stop(self) -> None:
        """Stop renewing and scanning (without releasing anything: see Server.drain)."""
        tasks, self._tasks = self._tasks, []
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t

    async def _every(self, period: float, step: Any) -> None:
        while True:
            await asyncio.sleep(period)
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.log.exception("the warden failed (%s); it goes on", step.__name__)

    async def _scans(self) -> None:
        while True:
            every = self.scan_every
            await asyncio.sleep(every - time.time() % every + self._rng.uniform(0, SCAN_JITTER))
            try:
                await self.scan()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.log.exception("the warden failed (scan); it goes on")

    async def renew(self) -> list[str]:
        """Renew this process's leases; drop the sessions whose lease was lost (returned). Then
        see whether the process is asked to drain."""
        srv = self.server
        t0 = time.monotonic()
        try:
            held = await srv.store.renew(srv.name, self.ttl)
        except StoreError as e:  # writes are fenced by the store anyway: wait for it
            if not self._renew_failing:
                self.log.error("cannot renew this server's leases (storage: %s)", e)
            self._renew_failing = True
            return []
        if self._renew_failing:
            self.log.warning("the store renews this server's leases again")
            self._renew_failing = False
        lost = [
            sid
            for sid in list(srv.sessions)
            if sid not in held and srv.claimed_at.get(sid, 0.0) < t0
        ]
        for sid in lost:
            self.dropped += 1
            srv.lease_lost(sid, "its lease was not renewed: another server took it over")
        await self._drain_asked()
        return lost

    async def _drain_asked(self) -> None:
        srv = self.server
        if srv.draining or await srv.store.drain_state(srv.name) != "asked":
            return
        self.log.info("draining: asked through the store")
        await srv.store.set_drain(srv.name, "draining")
        asyncio.get_running_loop().create_task(srv.drain_and_exit())

    async def scan(self) -> int:
        """Take at most `take_per_scan` orphans; how many are left for the next scan."""
        srv = self.server
        if srv.draining:
            return 0
        try:
            orphans = [
                sid
                for sid in await srv.store.orphans()
                if sid not in srv.sessions and not srv.busy_with(sid)
            ]
        except StoreError as e:
            self.log.debug("cannot look for orphans now (storage: %s)", e)
            return 0
        self._rng.shuffle(orphans)
        taken = 0
        for n, sid in enumerate(orphans):
            if taken >= self.take_per_scan or srv.draining:
                return len(orphans) - n
            t0 = time.perf_counter()
            s = await srv.take(sid)
            if s is not None:
                taken += 1
                self.taken += 1
                c = s.core
                s.log.info(
                    "taken over: round %d %s, %s, %d entries replayed in %.0f ms",
                    c.round,
                    c.phase,
                    c.status,
                    c.entries,
                    (time.perf_counter() - t0) * 1000,
                )
        return 0


__all__ = [
    "CLOSE_MOVED",
    "LEASE_TTL",
    "MOVED_TEXT",
    "Moved",
    "Warden",
    "bye_moved",
    "default_name",
    "redirect",
]
