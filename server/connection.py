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

from district.server.protocol import CLOSE_SLOW, encode, within
from district.server.session import Session, SessionLog
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import DATA_OPCODES, Frame, Opcode, apply_mask
from websockets.protocol import State
from websockets.streams import StreamReader

if TYPE_CHECKING:
    from district.server.net import Server

DIRECT_LIMIT = 64 * 1024  # bytes waiting in a socket's buffer beyond which frames queue instead
BATCH_BYTES = 256 * 1024  # a frame of several messages (to a client that said `batch`) at most
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


_AT_EOF = StreamReader.at_eof.__code__


def _header(n: int) -> bytes:
    """The header of an unfragmented, unmasked binary WebSocket frame of n bytes (RFC 6455 5.2),
    as a server sends it without extensions."""
    if n < 126:
        return bytes((0x82, n))
    if n < 65536:
        return b"\x82\x7e" + n.to_bytes(2, "big")
    return b"\x82\x7f" + n.to_bytes(8, "big")


def _array_head(n: int) -> bytes:
    """The msgpack header of an array of n items."""
    if n < 16:
        return bytes((0x90 | n,))
    if n < 65536:
        return b"\xdc" + n.to_bytes(2, "big")
    return b"\xdd" + n.to_bytes(4, "big")


def batched(frames: list[bytes]) -> list[bytes]:
    """The messages (each a packed map) as frames of a client that said `batch`: consecutive
    ones together as one msgpack array (packed maps laid end to end after the array's header: no
    packing again), each frame at most BATCH_BYTES unless one message alone is bigger; a frame of
    one message stays a map (docs/protocol.md, section 1)."""
    out: list[bytes] = []
    group: list[bytes] = []
    size = 0
    for f in frames:
        if group and size + len(f) > BATCH_BYTES:
            out.append(group[0] if len(group) == 1 else _array_head(len(group)) + b"".join(group))
            group, size = [], 0
        group.append(f)
        size += len(f)
    if group:
        out.append(group[0] if len(group) == 1 else _array_head(len(group)) + b"".join(group))
    return out


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
    A joined player's commands so skip a queue, a future and a task wake-up each.

    And the common frames are read here, not by websockets' parser (`data_received`): while the
    connection is open, `on_frame` is set and websockets' parser waits at a frame's start with
    nothing buffered, bytes that are whole, masked, unfragmented binary frames within the size
    limit (byte 0 exactly 0x82) are cut and unmasked here and go to `on_frame` (or, as websockets
    would hand them, to the reader task). From the first byte of anything else (a control frame,
    a fragment, text, a reserved bit, no mask, too big) on, websockets reads again, at that
    frame's start, as if it had read everything: its answers (pong, close, the errors 1002 and
    1009) are its own. A partial frame waits here for its rest (or goes to websockets with the
    stream's end). This skips websockets' generator-based parsing and its per-frame objects:
    about a third of the cost of reading a message (docs/performance.md)."""

    on_frame: Callable[[bytes], bool] | None = None
    slow = 0
    hand_read = 0  # frames read here (see data_received)
    _own: bytearray | None = None  # reading here: the start of a partial frame (or empty)
    _need = 0  # bytes the partial frame in `_own` needs in all, once its header is in

    def data_received(self, data: bytes) -> None:
        buf = self._own
        if buf is None:
            if not self._may_read_by_hand():
                super().data_received(data)
                return
            buf = self._own = bytearray()
        if buf:
            buf += data
            if len(buf) < self._need:  # the partial frame is still not whole: nothing to cut
                return
            data = bytes(buf)
            buf.clear()
        self._read_by_hand(data)

    def _may_read_by_hand(self) -> bool:
        """websockets' parser waits at the start of a frame with nothing buffered, and the
        connection is open with no fragmented message under way: the next bytes may be read
        here."""
        p = self.protocol
        if (
            self.on_frame is None
            or p.state is not State.OPEN
            or p.reader.buffer
            or p.current_size is not None
            or p.extensions
        ):
            return False
        g: Any = p.parser  # its innermost generator: between frames it waits in `at_eof`
        while getattr(g, "gi_yieldfrom", None) is not None:
            g = g.gi_yieldfrom
        return getattr(g, "gi_code", None) is _AT_EOF

    def _read_by_hand(self, data: bytes) -> None:
        pos, end = 0, len(data)
        self._need = 0
        p = self.protocol
        limit = p.max_message_size
        while end - pos >= 2:
            b1 = data[pos + 1]
            n = b1 & 0x7F
            head = pos + 2
            if n == 126:
                if end - pos < 4:
                    break
                n = int.from_bytes(data[pos + 2 : pos + 4], "big")
                head = pos + 4
            elif n == 127:
                if end - pos < 10:
                    break
                n = int.from_bytes(data[pos + 2 : pos + 10], "big")
                head = pos + 10
            if (
                data[pos] != 0x82  # FIN, no reserved bit, binary
                or not b1 & 0x80  # a client's frame is masked
                or (limit is not None and n > limit)
                or self.on_frame is None
                or p.state is not State.OPEN
            ):
                self._own = None  # websockets reads from this frame's first byte on
                super().data_received(data[pos:])
                return
            stop = head + 4 + n
            if stop > end:
                self._need = stop - pos  # (a big frame in small pieces is not cut again each time)
                break
            payload = apply_mask(data[head + 4 : stop], data[head : head + 4])
            pos = stop
            self.hand_read += 1
            self._message(payload)
        if self._own is not None and pos < end:
            self._own += data[pos:]

    def _message(self, payload: bytes) -> None:
        """A whole binary message read here: as `process_event` has one from websockets."""
        if self.slow == 0 and self.on_frame is not None:
            try:
                if self.on_frame(payload):
                    return
            except Exception:  # never into the reading: the reader task has it
                _log.exception("a frame handled on arrival failed")
        self.slow += 1  # the reader task takes it (Server._handle counts it done)
        ServerConnection.process_event(self, Frame(Opcode.BINARY, payload))

    def eof_received(self) -> None:
        buf, self._own = self._own, None
        if buf:  # a partial frame: websockets has it, and the end
            super().data_received(bytes(buf))
        super().eof_received()

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
        self.batch = False  # the client said `batch`: a turn's messages go in one frame
        # a workshop's lead facilitator (the workshop hello): a second facilitator connection
        # beside the session's own teacher, never in their place
        self.lead = False
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
            if self.batch and len(frames) > 1:
                frames = batched(frames)
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
                await within(self.ws.close(code, reason), 2.0)
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
                if self.batch and len(frames) > 1:
                    frames = batched(frames)
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
            await within(asyncio.shield(self._writer), 3.0)
        except BaseException:
            self._writer.cancel()
        with contextlib.suppress(BaseException):
            await self._writer
