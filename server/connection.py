"""One client connection: reads are checked by the server (server/net.py); writes go straight to
the socket while the client keeps up, and otherwise through a bounded queue to a writer task, so a
client that does not read fast enough is dropped (and can reconnect), never waited for."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from district.server.protocol import CLOSE_SLOW, encode
from district.server.session import Session, SessionLog
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import DATA_OPCODES, Frame, Opcode
from websockets.protocol import State

if TYPE_CHECKING:
    from district.server.net import Server

DIRECT_LIMIT = 64 * 1024  # bytes waiting in a socket's buffer beyond which frames queue instead
ABUSE_WINDOW = 10.0  # seconds over which refused messages are counted (RATE_ABUSE of them close)
_log = logging.getLogger("district.net")


class _Flusher:
    """The connections given frames in this turn of an event loop: one callback at the turn's
    end writes them all (one scheduled callback a turn, not one a connection)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.conns: list[Connection] = []

    def add(self, conn: Connection) -> None:
        if not self.conns:
            self.loop.call_soon(self.flush)
        self.conns.append(conn)

    def flush(self) -> None:
        conns, self.conns = self.conns, []
        for c in conns:
            try:
                c._flush()
            except Exception:  # one connection's trouble must not keep the others' frames
                _log.exception("conn %d: flush failed", c.n)


_FLUSHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Flusher] = (
    weakref.WeakKeyDictionary()
)


def _flusher() -> _Flusher:
    loop = asyncio.get_running_loop()
    f = _FLUSHERS.get(loop)
    if f is None:
        f = _FLUSHERS[loop] = _Flusher(loop)
    return f


def _header(n: int) -> bytes:
    """The header of an unfragmented, unmasked binary WebSocket frame of n bytes (RFC 6455 5.2),
    as a server sends it without extensions."""
    if n < 126:
        return bytes((0x82, n))
    if n < 65536:
        return b"\x82\x7e" + n.to_bytes(2, "big")
    return b"\x82\x7f" + n.to_bytes(8, "big")


class BatchingServerConnection(ServerConnection):
    """websockets' server connection, but the frames made in one go (a writer's batch: see
    `Connection._write`) reach the socket in one write, one system call, instead of one each:
    under load a player gets an ack and events together, and a write per frame cost more than
    anything else the server did (docs/performance.md).

    Reading: a binary message is handed to `on_frame` as it is parsed, when nothing of this
    connection waits for the reader task (`slow`: messages handed to it and not yet done with);
    `on_frame` says True if it dealt with it. Otherwise (before `on_frame` is set, a message that
    needs the task, fragments, text) the message goes to the reader task as websockets has it,
    and everything after it too until the task has caught up: the order is always the client's.
    A joined player's commands so skip a queue, a future and a task wake-up each."""

    on_frame: Callable[[bytes], bool] | None = None
    slow = 0

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame) and event.opcode in DATA_OPCODES:
            if (
                self.slow == 0
                and self.on_frame is not None
                and event.opcode is Opcode.BINARY
                and event.fin
            ):
                try:
                    if self.on_frame(bytes(event.data)):
                        return
                except Exception:  # never into websockets' reading: the reader task has it
                    _log.exception("a frame handled on arrival failed")
            if event.fin:
                self.slow += 1  # the reader task takes it (Server._handle counts it done)
        super().process_event(event)

    def send_data(self) -> None:
        chunks: list[bytes] = []
        for data in self.protocol.data_to_send():
            if data:
                chunks.append(data)
                continue
            # the end of the stream (a half-close): what came before goes first
            if chunks:
                self.transport.write(b"".join(chunks))
                chunks = []
            if self.transport.can_write_eof():
                with contextlib.suppress(Exception):
                    self.transport.write_eof()
            else:  # pragma: no cover - TLS
                self.transport.close()
        if len(chunks) == 1:
            self.transport.write(chunks[0])
        elif chunks:
            self.transport.write(b"".join(chunks))


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
        self._pending: list[bytes] | None = None  # frames of this turn of the loop (see send_bytes)
        self._sending = False  # the writer task holds frames it took from the queue
        cfg = server.config
        self._q: asyncio.Queue[bytes | tuple[int, str]] = asyncio.Queue(maxsize=cfg.out_queue)
        self._tokens = float(cfg.burst)
        self._last = time.monotonic()
        self.refused = 0  # refused messages in the last ABUSE_WINDOW seconds
        self.prepaid = 0  # messages for the reader task already counted by the rate limit
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
        """Queue one frame. The frames of one turn of the event loop go out together at its end,
        written straight to the socket while the connection keeps up (no writer task, one
        system call); once the client lags (frames already wait, or its socket buffer is full)
        they go through the bounded queue, whose writer waits for the client."""
        if self.closed:
            return
        if self._pending is not None:
            self._pending.append(data)
            if len(self._pending) + self._q.qsize() > self._q.maxsize:
                self._drop_slow()
            return
        if self._q.empty() and not self._sending:
            self._pending = [data]
            _flusher().add(self)
            return
        try:
            self._q.put_nowait(data)
        except asyncio.QueueFull:
            self._drop_slow()

    def _flush(self) -> None:
        frames, self._pending = self._pending, None
        if not frames:
            return
        ws = self.ws
        transport = ws.transport
        if (
            self._q.empty()
            and not self._sending
            and ws.protocol.state is State.OPEN
            and transport is not None
            and not transport.is_closing()
            and transport.get_write_buffer_size() < DIRECT_LIMIT
        ):
            try:
                if ws.protocol.extensions:  # pragma: no cover - the server negotiates none
                    for f in frames:
                        ws.protocol.send_binary(f)
                    ws.send_data()
                else:  # framed here: the same bytes as websockets', for a tenth of the work
                    transport.write(b"".join([b for f in frames for b in (_header(len(f)), f)]))
            except Exception as e:  # the connection is going: its reader finishes it
                self.log.debug("conn %d: direct write failed: %s", self.n, e)
            return
        self._spill(frames)

    def _spill(self, frames: list[bytes]) -> None:
        """Frames that cannot be written now wait in the queue (in order, before anything else)."""
        for f in frames:
            try:
                self._q.put_nowait(f)
            except asyncio.QueueFull:
                self._drop_slow()
                return

    def bind(self, session: Session, recipient: str | None) -> None:
        """Bind to `session` as `recipient` (None: a late joiner waiting to be let in)."""
        self.session = session
        self.recipient = recipient
        self.log = SessionLog(_log, {"session": session.id})

    def bye(
        self, reason: str, message: str, code: int, extra: dict[str, Any] | None = None
    ) -> None:
        if self.closed:
            return
        self.send({"type": "bye", "reason": reason, "message": message, **(extra or {})})
        self._take_pending()
        self.closed = True
        self._close_queued = True
        try:
            self._q.put_nowait((code, reason))
        except asyncio.QueueFull:
            self._abort(code, reason)

    def _take_pending(self) -> None:
        """The frames of this turn go to the queue now: a close queued next comes after them."""
        frames, self._pending = self._pending, None
        if frames:
            self._spill(frames)

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
        """Send what is queued: every frame waiting at once goes out together (with a
        BatchingServerConnection, in one write), then the close if one is queued."""
        q, ws = self._q, self.ws
        try:
            while True:
                self._sending = False
                item = await q.get()
                self._sending = True
                close: tuple[int, str] | None = None
                frames: list[bytes] = []
                if isinstance(item, tuple):
                    close = item
                else:
                    frames.append(item)
                while close is None and not q.empty():
                    nxt = q.get_nowait()
                    if isinstance(nxt, tuple):
                        close = nxt
                    else:
                        frames.append(nxt)
                if len(frames) == 1:
                    await ws.send(frames[0])
                elif frames:
                    async with ws.send_context():
                        for f in frames:
                            ws.protocol.send_binary(f)
                if close is not None:
                    if ws.state is State.OPEN:
                        await ws.close(close[0], close[1])
                    return
        except (ConnectionClosed, asyncio.CancelledError):
            pass
        except Exception:
            self.log.exception("conn %d: writer failed", self.n)

    async def finish(self) -> None:
        """The connection is over: let the writer send what is queued (a bye), then stop it."""
        self._take_pending()
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
