"""The network thread: its own asyncio loop speaking server/protocol.py over a websocket.

The render loop never blocks on it. It hands messages in with `send()` (thread-safe) and takes what
arrived with `poll()` (never waits). The thread says hello, keeps the seat token the server gave,
reconnects by itself with a growing back-off after a drop (hello with the token and the last
stream number it saw, so the server replays what was missed), and re-sends commands that were
never acknowledged with their original idempotency key, so nothing is applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import websockets
from district.server import protocol

log = logging.getLogger("district.client.net")

Message = dict[str, Any]


@dataclass
class Inbound:
    """One thing from the network thread: a server message, or a change of connection status."""

    kind: str  # "message" or "status"
    message: Message = field(default_factory=dict)
    status: str = ""  # connecting, connected, reconnecting, failed, closed
    detail: str = ""


class NetClient:
    """A websocket client in a background thread. `hello` holds code/name/role/observer or token."""

    def __init__(
        self,
        url: str,
        hello: dict[str, Any],
        *,
        retry: bool = True,
        backoff: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0),
    ) -> None:
        self.url = url
        self.hello_args = dict(hello)
        self.token: str | None = hello.get("token")
        self.retry = retry
        self.backoff = backoff
        self.last_seq = 0
        self.client_key = uuid.uuid4().hex[:10]
        self._ids = 0
        self._inbox: queue.Queue[Inbound] = queue.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._out: asyncio.Queue[Message] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._unacked: dict[Any, Message] = {}  # id -> command message, re-sent after a reconnect
        self._ws: Any = None
        self.welcomed = False

    # --- render-loop side (thread-safe, never blocks) -----------------------------------------
    def start(self) -> NetClient:
        self._thread = threading.Thread(target=self._run, name="district-net", daemon=True)
        self._thread.start()
        self._ready.wait(5.0)
        return self

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def send(self, msg: Message) -> None:
        """Queue a protocol message (hello is the thread's business). Thread-safe."""
        loop, out = self._loop, self._out
        if loop is None or out is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(out.put_nowait, msg)

    def command(self, cmd: dict[str, Any], msg_id: int) -> None:
        self.send(protocol.command(cmd, msg_id, cid=f"{self.client_key}-{msg_id}"))

    def control(self, action: str, msg_id: int, **fields: Any) -> None:
        self.send(protocol.control(action, msg_id, **fields))

    def poll(self) -> list[Inbound]:
        out = []
        while True:
            try:
                out.append(self._inbox.get_nowait())
            except queue.Empty:
                return out

    def stop(self) -> None:
        self._stop.set()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(lambda: None)
            ws = self._ws
            if ws is not None:
                with contextlib.suppress(RuntimeError):
                    asyncio.run_coroutine_threadsafe(ws.close(), loop)
        if self._thread is not None:
            self._thread.join(3.0)

    def drop_connection(self) -> None:
        """Close the socket as a network failure would (tests and the 'reconnect' menu item)."""
        loop, ws = self._loop, self._ws
        if loop is not None and ws is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                asyncio.run_coroutine_threadsafe(ws.close(code=1011, reason="dropped"), loop)

    # --- network-thread side ------------------------------------------------------------------
    def _status(self, status: str, detail: str = "") -> None:
        self._inbox.put(Inbound("status", status=status, detail=detail))

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._out = asyncio.Queue()
        self._ready.set()
        try:
            loop.run_until_complete(self._main())
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _main(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            self._status(
                "connecting" if attempt == 0 else "reconnecting",
                "" if attempt == 0 else f"attempt {attempt + 1}",
            )
            fatal = await self._session()
            if self._stop.is_set():
                break
            if fatal or not self.retry:
                self._status("failed", fatal or "connection closed")
                break
            delay = self.backoff[min(attempt, len(self.backoff) - 1)]
            attempt = attempt + 1 if not self.welcomed else 1
            self.welcomed = False
            self._status("reconnecting", f"connection lost; trying again in {delay:g} s")
            await self._sleep(delay)
        self._status("closed")

    async def _sleep(self, s: float) -> None:
        end = asyncio.get_running_loop().time() + s
        while not self._stop.is_set() and asyncio.get_running_loop().time() < end:
            await asyncio.sleep(0.05)

    def _hello(self) -> Message:
        if self.token:
            return protocol.hello(token=self.token, last_event=self.last_seq or None, id="hello")
        a = self.hello_args
        return protocol.hello(
            code=a.get("code"),
            name=a.get("name"),
            role=a.get("role"),
            observer=bool(a.get("observer")),
            id="hello",
        )

    async def _session(self) -> str:
        """One connection. Returns '' to retry, or a reason not to (bad code, refused)."""
        try:
            ws = await websockets.connect(
                self.url,
                max_size=protocol.MAX_SERVER_FRAME,
                open_timeout=5,
                ping_interval=10,
                ping_timeout=10,
            )
        except (TimeoutError, OSError, websockets.InvalidURI, websockets.InvalidHandshake) as e:
            if isinstance(e, websockets.InvalidURI):
                return f"not a websocket address: {self.url}"
            return ""
        self._ws = ws
        try:
            await ws.send(protocol.encode(self._hello()))
            first = protocol_decode(await asyncio.wait_for(ws.recv(), 10))
            if first.get("type") == "error":
                self._inbox.put(Inbound("message", first))
                code = first.get("code", "")
                if code == "bad_token" and self.hello_args.get("code") and self.token:
                    self.token = None  # the seat is gone: join afresh with the code next time
                    return ""
                return f"{first.get('message', code)}"
            if first.get("type") == "welcome":
                self.welcomed = True
                if first.get("token"):
                    self.token = first["token"]
                self._inbox.put(Inbound("message", first))
                self._status("connected")
                for msg in list(self._unacked.values()):
                    await ws.send(protocol.encode(msg))
            writer = asyncio.ensure_future(self._writer(ws))
            try:
                async for frame in ws:
                    msg = protocol_decode(frame)
                    self._note(msg)
                    self._inbox.put(Inbound("message", msg))
                    if msg.get("type") == "bye" and msg.get("reason") in ("replaced", "released"):
                        return msg.get("message") or msg.get("reason", "closed")
            finally:
                writer.cancel()
                with contextlib.suppress(BaseException):
                    await writer
        except (TimeoutError, websockets.ConnectionClosed, OSError, ValueError):
            pass
        finally:
            self._ws = None
            with contextlib.suppress(Exception):
                await ws.close()
        return ""

    def _note(self, msg: Message) -> None:
        t = msg.get("type")
        seq = msg.get("seq")
        if t in ("view", "event") and isinstance(seq, int):
            self.last_seq = max(self.last_seq, seq)
        if t in ("ack", "error"):
            self._unacked.pop(msg.get("re"), None)

    async def _writer(self, ws: Any) -> None:
        assert self._out is not None
        while True:
            msg = await self._out.get()
            if msg.get("type") == "command":
                self._unacked[msg.get("id")] = msg
            try:
                await ws.send(protocol.encode(msg))
            except websockets.ConnectionClosed:
                if msg.get("type") != "command":
                    self._out.put_nowait(msg)  # commands are kept in _unacked; others wait here
                raise


def protocol_decode(frame: Any) -> Message:
    """Server frames can be bigger than client ones; decode them with the client limit."""
    import msgpack

    if isinstance(frame, str):
        raise ValueError("text frame from server")
    msg = msgpack.unpackb(
        frame,
        raw=False,
        strict_map_key=False,
        max_str_len=protocol.MAX_SERVER_FRAME,
        max_bin_len=protocol.MAX_SERVER_FRAME,
        max_array_len=1_000_000,
        max_map_len=1_000_000,
    )
    if not isinstance(msg, dict):
        raise ValueError("server frame is not a map")
    return msg
