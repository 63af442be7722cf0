"""One client connection: reads are checked by the server (server/net.py); writes go through a
bounded queue to a writer task, so a client that does not read fast enough is dropped (and can
reconnect), never waited for."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from district.server.protocol import CLOSE_SLOW, encode
from district.server.session import Session, SessionLog
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

if TYPE_CHECKING:
    from district.server.net import Server

ABUSE_WINDOW = 10.0  # seconds over which refused messages are counted (RATE_ABUSE of them close)
_log = logging.getLogger("district.net")


class Connection:
    """One client. `send` never blocks: frames wait in a bounded queue for the writer task."""

    def __init__(self, ws: ServerConnection, server: Server, n: int) -> None:
        self.ws = ws
        self.server = server
        self.n = n
        self.recipient: str | None = None
        self.session: Session | None = None
        self.closed = False
        self._close_queued = False
        cfg = server.config
        self._q: asyncio.Queue[bytes | tuple[int, str]] = asyncio.Queue(maxsize=cfg.out_queue)
        self._tokens = float(cfg.burst)
        self._last = time.monotonic()
        self.refused = 0  # refused messages in the last ABUSE_WINDOW seconds
        self._refusals: deque[float] = deque()
        self.hello_by = time.monotonic() + cfg.hello_timeout
        peer = ws.remote_address
        # the client's address (the join-code throttle counts per address)
        self.address = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        self.log = SessionLog(_log, {"session": "-"})
        self._writer = asyncio.get_running_loop().create_task(
            self._write(), name=f"conn:{n}:writer"
        )

    # --- the Conn interface of server.session ----------------------------------------------

    def send(self, msg: dict[str, Any]) -> None:
        self.send_bytes(encode(msg))

    def send_bytes(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            self._q.put_nowait(data)
        except asyncio.QueueFull:
            self._drop_slow()

    def bind(self, session: Session, recipient: str) -> None:
        self.session = session
        self.recipient = recipient
        self.log = SessionLog(_log, {"session": session.id})

    def bye(self, reason: str, message: str, code: int) -> None:
        if self.closed:
            return
        self.send({"type": "bye", "reason": reason, "message": message})
        self.closed = True
        self._close_queued = True
        try:
            self._q.put_nowait((code, reason))
        except asyncio.QueueFull:
            self._abort(code, reason)

    # --- internals -------------------------------------------------------------------------

    def allow(self) -> bool:
        """Token bucket: `rate` messages a second, bursts of `burst`."""
        now = time.monotonic()
        cfg = self.server.config
        self._tokens = min(float(cfg.burst), self._tokens + (now - self._last) * cfg.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        self._refusals.append(now)
        while self._refusals and self._refusals[0] < now - ABUSE_WINDOW:
            self._refusals.popleft()
        self.refused = len(self._refusals)
        return False

    def _drop_slow(self) -> None:
        self.log.warning(
            "conn %d (%s) is not reading its messages: dropped", self.n, self.recipient
        )
        self.closed = True
        self._abort(CLOSE_SLOW, "too slow")

    def _abort(self, code: int, reason: str) -> None:
        self._close_queued = True
        self._writer.cancel()

        async def close() -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(code, reason), 2.0)
            if self.ws.transport is not None:
                self.ws.transport.abort()

        asyncio.get_running_loop().create_task(close())

    async def _write(self) -> None:
        try:
            while True:
                item = await self._q.get()
                if isinstance(item, tuple):
                    if self.ws.state is State.OPEN:
                        await self.ws.close(item[0], item[1])
                    return
                await self.ws.send(item)
        except (ConnectionClosed, asyncio.CancelledError):
            pass
        except Exception:
            self.log.exception("conn %d: writer failed", self.n)

    async def finish(self) -> None:
        """The connection is over: let the writer send what is queued (a bye), then stop it."""
        self.closed = True
        if not self._close_queued:
            self._close_queued = True
            try:
                self._q.put_nowait((1000, ""))
            except asyncio.QueueFull:
                self._writer.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(self._writer), 3.0)
        except BaseException:
            self._writer.cancel()
        with contextlib.suppress(BaseException):
            await self._writer
