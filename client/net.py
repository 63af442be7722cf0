"""The network thread: its own asyncio loop, speaking the protocol through the shared
`ProtocolClient` (server/protocol_client.py).

The render loop never blocks on it. It hands messages in with `send()` (thread-safe) and takes what
arrived with `poll()` (never waits). The thread says hello, keeps the seat token the server gave,
reconnects by itself after a drop (hello with the token and the last stream number it saw, so the
server replays what was missed), and re-sends commands that were never acknowledged with their
original idempotency key, so nothing is applied twice. With several servers, ProtocolClient
follows a `redirect` by itself; when the server says the session moved (`bye` with the code
`moved`), the thread goes back to the address it was given at once and the status is "moving"
(the status line says so in words, never with an address). So is a redirect met on the way back
after a drop: the session's server died and another takes it over.

The pauses between attempts (`Backoff`) stay short while the drop is recent, so a player is back
within about half a second of the session being playable again (a takeover by another server
comes about 3 s after its server died); they are drawn at random, so a class that lost its server
together does not come back in step, and grow once the drop is old, so a server that stays down
is not kept busy.

A server whose machine goes silent (off, or cut from the network) resets nothing: the thread
finds it by pings (every PING_INTERVAL s; cut PING_TIMEOUT s after one got no pong), says so in
words from NOT_ANSWERING_AFTER s without a pong (the status "silent": NOT_ANSWERING), and goes
back home at once; a connection attempt that gets no answer is given up after OPEN_TIMEOUT s.

`create_session_sync` is the one blocking exchange: `create` on a connection of its own, run by the
connect screen in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import random
import socket
import ssl
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, TypeVar

from district.client.model import refusal
from district.server import protocol
from district.server.protocol_client import (
    CONNECT_ERRORS,
    OPEN_TIMEOUT,
    PING_INTERVAL,
    PING_TIMEOUT,
    InvalidURI,
    ProtocolClient,
    Refused,
    is_moved,
)
from websockets.exceptions import ConnectionClosed, InvalidHandshake

log = logging.getLogger("district.client.net")

Message = dict[str, Any]
FATAL_BYES = ("replaced", "released")  # another connection has the seat now: do not fight it
MOVING = "Moving to another server…"  # the detail of the "moving" status (a session's move)
# the detail of the "silent" status: a ping has waited NOT_ANSWERING_AFTER s for its pong (the
# connection is cut at PING_TIMEOUT), or the connection was cut so, or an attempt to connect
# again got no answer (OPEN_TIMEOUT)
NOT_ANSWERING = "Server not answering; trying again…"
NOT_ANSWERING_AFTER = 1.5  # seconds: a pong takes a round trip (0.6 s on a slow network)


T = TypeVar("T")


def unreachable(server: str, e: BaseException) -> str:
    """Why `server` could not be reached, in words a teacher can act on: what to check, never
    an exception's name."""
    if isinstance(e, InvalidURI):
        return f"{server} is not a server address: it looks like ws://computer:8765"
    if isinstance(e, ssl.SSLCertVerificationError):
        return (
            f"{server} has a certificate this computer does not trust: ask for its certificate "
            "file (see the facilitator guide, 'A remote workshop')"
        )
    if isinstance(e, ssl.SSLError):
        return f"could not make a secure connection to {server}: is it wss:// or ws://?"
    if isinstance(e, socket.gaierror):
        return f"no computer of that name for {server}: check the address"
    if isinstance(e, ConnectionRefusedError):
        return f"nothing answers at {server}: is the server started, on that port?"
    if isinstance(e, TimeoutError):
        return f"no answer from {server}: check the address, the network, and that the server runs"
    if isinstance(e, InvalidHandshake):
        return f"{server} answered, but not as a District server: check the address and port"
    if isinstance(e, ConnectionClosed | ConnectionError):
        return f"the connection to {server} was cut while opening: try again"
    if isinstance(e, OSError) and e.strerror:
        return f"could not reach {server}: {e.strerror.lower()}"
    return f"could not reach {server}"


def drained(q: queue.Queue[T]) -> list[T]:
    """Everything waiting in a network thread's queue, taken now without waiting."""
    out: list[T] = []
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long the network thread waits before its next attempt, in seconds: `first`, doubling
    with every attempt that fails, at most `fast` while the trouble is younger than `fast_for` s
    (a restart or a takeover is over within seconds: a player should not wait long past it), at
    most `slow` after that (a server that stays down is not kept busy). Each pause is drawn
    between (1 - `jitter`) and 1 times that, so clients that lost one server together spread
    out."""

    first: float = 0.1
    fast: float = 0.5
    fast_for: float = 15.0
    slow: float = 4.0
    jitter: float = 0.5

    def delay(self, attempt: int, since: float, rng: random.Random) -> float:
        """The pause after failed attempt number `attempt` (1, 2, ...), `since` s into the
        trouble."""
        cap = self.fast if since < self.fast_for else self.slow
        pause = min(cap, self.first * 2.0 ** min(attempt - 1, 30))
        return pause * (1.0 - self.jitter * rng.random())


@dataclass
class Inbound:
    """One thing from the network thread: a server message, or a change of connection status."""

    kind: str  # "message" or "status"
    message: Message = field(default_factory=dict)
    status: str = ""  # connecting, connected, reconnecting, silent, moving, failed, closed
    detail: str = ""
    code: str = ""  # a refused hello's code (failed), for what the window does next


class NetClient:
    """A ProtocolClient in a background thread. `hello` holds code/name/role/observer or token."""

    def __init__(
        self,
        url: str,
        hello: dict[str, Any],
        *,
        retry: bool = True,
        backoff: Backoff = Backoff(),
        ca: str | None = None,
    ) -> None:
        self.url = url
        self.ca = ca
        self.hello_args = dict(hello)
        self.retry = retry
        self.backoff = backoff
        self._rng = random.Random()  # the pauses' jitter (no need to repeat: spread clients out)
        self.dropped = False  # had a connection and lost it: not connected again yet
        self.client_key = uuid.uuid4().hex[:10]
        self.client: ProtocolClient | None = None  # made on the network thread's loop
        self.welcomed = False
        self.refused_code = ""  # the code of the refusal that ended the connection
        self.moving = False  # the server said the session moved: reconnecting to it elsewhere
        self.silent = False  # the server stopped answering: the status says so until connected
        self._ids = 0
        self._inbox: queue.Queue[Inbound] = queue.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._out: asyncio.Queue[Message] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._unacked: dict[Any, Message] = {}  # id -> command message, re-sent after a reconnect
        self._tasks: set[asyncio.Task[None]] = set()
        self._attempt: asyncio.Task[str] | None = None  # the connection being made or used

    @property
    def token(self) -> str | None:
        """The seat (or facilitator) token: the one given, or the one the server handed out."""
        c = self.client
        return c.token if c is not None else self.hello_args.get("token")

    @property
    def last_seq(self) -> int:
        return self.client.last if self.client is not None else 0

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
        return drained(self._inbox)

    def stop(self) -> None:
        self._stop.set()
        loop, attempt = self._loop, self._attempt
        if loop is not None and attempt is not None and not loop.is_closed():
            # the connection in use, or an attempt at a silent server: give it up now (the
            # thread closes the connection on its way out)
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(attempt.cancel)
        if self._thread is not None:
            self._thread.join(3.0)

    def drop_connection(self) -> None:
        """Lose the connection as a network failure would (tests and the 'reconnect' menu item)."""
        self._on_loop(lambda c: c.drop())

    def _on_loop(self, fn: Any) -> None:
        loop, c = self._loop, self.client
        if loop is not None and c is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                asyncio.run_coroutine_threadsafe(fn(c), loop)

    # --- network-thread side ------------------------------------------------------------------
    def _status(self, status: str, detail: str = "", code: str = "") -> None:
        self._inbox.put(Inbound("status", status=status, detail=detail, code=code))

    def _forward(self, msg: Message) -> None:
        if msg.get("type") == "redirect":  # followed by ProtocolClient: the thread's business
            if self.dropped and not self.moving:
                # on the way back after a drop, the session is served by another server: it
                # moved (its server died, or is handing it over), and the player is told so
                self.moving = True
                self._status("moving", MOVING)
            return
        self._inbox.put(Inbound("message", msg))

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        a = self.hello_args
        self.client = ProtocolClient(
            self.url,
            code=a.get("code"),
            token=a.get("token"),
            name=a.get("name"),
            role=a.get("role"),
            observer=bool(a.get("observer")),
            workshop=a.get("workshop"),
            on_message=self._forward,
            ping_interval=PING_INTERVAL,
            ping_timeout=PING_TIMEOUT,
            open_timeout=OPEN_TIMEOUT,
            ca=self.ca,
            batch=True,  # several messages a frame (an ack with its event): fewer frames to read
        )
        self._out = asyncio.Queue()
        self._ready.set()
        try:
            loop.run_until_complete(self._main())
        finally:
            with contextlib.suppress(Exception):
                loop.run_until_complete(self.client.close())
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        attempt = 0  # attempts failed since the last connection (or the start)
        since = loop.time()  # when the trouble began: the drop, or the start
        while not self._stop.is_set():
            if self.moving:
                self._status("moving", MOVING)
            elif self.silent:
                self._status("silent", NOT_ANSWERING)
            elif attempt > 0 or self.dropped:
                self._status("reconnecting", f"attempt {attempt + 1}")
            else:
                self._status("connecting")
            self._attempt = loop.create_task(self._session())
            if self._stop.is_set():  # stop() came as the attempt was made: it may not see it
                self._attempt.cancel()
            try:
                fatal = await self._attempt
            except asyncio.CancelledError:
                if self._stop.is_set():
                    break
                raise
            finally:
                self._attempt = None
            if self._stop.is_set():
                break
            if fatal or not self.retry:
                # the last word: a 'closed' after it would hide the refusal from the window
                self._status("failed", fatal or "connection closed", self.refused_code)
                return
            if self.welcomed:  # connected, then lost: the trouble begins now
                self.welcomed, attempt, since = False, 0, loop.time()
                if self.moving:  # the session moved: look for it again at once
                    continue
                if self.silent:  # cut for silence: try again at once (home, by then)
                    continue
                self._status("reconnecting", "connection lost")
            attempt += 1
            await self._sleep(self.backoff.delay(attempt, loop.time() - since, self._rng))
        self._status("closed")

    async def _sleep(self, s: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + s
        while not self._stop.is_set() and (left := end - loop.time()) > 0:
            await asyncio.sleep(min(0.05, left))

    async def _session(self) -> str:
        """One connection. Returns '' to retry, or a reason not to (bad code, refused, replaced)."""
        c = self.client
        assert c is not None
        bye_before = c.bye
        try:
            await c.connect(timeout=10)
        except TimeoutError:  # no answer: a server cut off, or a machine powered off
            self.silent = True
            return ""
        except Refused as e:
            if e.code == "bad_token" and self.hello_args.get("code") and c.token:
                c.token = None  # the seat is gone: join afresh with the code next time
                return ""
            self.refused_code = str(e.code)
            return refusal(e.code, e.message) or str(e.code)
        except InvalidURI:
            return f"not a websocket address: {self.url}"
        except CONNECT_ERRORS:
            return ""
        except Exception:  # never let the thread die: log it and try again
            log.exception("connecting to %s failed", self.url)
            return ""
        self.welcomed = True
        self.moving = self.dropped = self.silent = False
        self._status("connected")
        writer: asyncio.Task[None] | None = None
        loop = asyncio.get_running_loop()
        watch = loop.create_task(self._watch())
        silent_drops = c.silent_drops
        try:
            for msg in list(self._unacked.values()):  # in the order they were first sent
                await self._deliver(msg)
            writer = loop.create_task(self._writer())
            await c.wait_closed()
        except ConnectionError:
            pass
        finally:
            for task in (writer, watch):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
        self.dropped = True
        if c.silent_drops > silent_drops:  # cut because the server stopped answering
            self.silent = True
        bye = c.bye
        if bye is not None and bye is not bye_before:
            if bye.get("reason") in FATAL_BYES:
                return str(bye.get("message") or bye.get("reason") or "closed")
            if is_moved(bye):
                self.moving = True
        return ""

    async def _watch(self) -> None:
        """While connected: the status says "silent" (in words, NOT_ANSWERING) while a ping has
        waited more than NOT_ANSWERING_AFTER s for its pong, and "connected" again if it comes."""
        c = self.client
        assert c is not None
        said = False
        drops = c.silent_drops
        while True:
            await asyncio.sleep(0.1)
            if c.silent_drops != drops:  # cut for silence (no ping waits now): not "connected"
                return
            late = c.unanswered_for() > NOT_ANSWERING_AFTER
            if late != said:
                said = late
                if late:
                    self._status("silent", NOT_ANSWERING)
                else:
                    self._status("connected")

    async def _writer(self) -> None:
        assert self._out is not None
        while True:
            msg = await self._out.get()
            try:
                await self._deliver(msg)
            except ConnectionError:
                if msg.get("type") != "command":
                    self._out.put_nowait(msg)  # commands are kept in _unacked; others wait here
                raise

    async def _deliver(self, msg: Message) -> None:
        """Send one message; its reply reaches the render loop through `_forward` like any other
        message. A command stays in `_unacked` until the server answers it."""
        c = self.client
        assert c is not None
        mid = msg.get("id")
        if msg.get("type") == "command":
            self._unacked[mid] = msg
        fut = await c.submit({k: v for k, v in msg.items() if k != "id"}, id=mid)
        task = asyncio.get_running_loop().create_task(self._settle(mid, fut))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _settle(self, mid: Any, fut: asyncio.Future[Message]) -> None:
        try:
            await fut
        except (ConnectionError, asyncio.CancelledError):
            return  # unanswered: a command is re-sent after the reconnect
        self._unacked.pop(mid, None)


def create_session_sync(
    url: str,
    scenario: str,
    negotiation_seconds: float,
    report_seconds: float,
    timeout: float = 10.0,
    key: str | None = None,
    ca: str | None = None,
) -> dict[str, Any]:
    """`create` on a fresh connection (the facilitator's console then says hello with the token).
    Blocks: call it from a worker thread. Returns the `created` reply or the `error`."""

    async def go() -> dict[str, Any]:
        c = ProtocolClient(url, ca=ca)
        await c.connect_only(timeout)
        try:
            return await c.create(
                scenario,
                negotiation_seconds=negotiation_seconds,
                report_seconds=report_seconds,
                key=key or None,
                timeout=timeout,
            )
        finally:
            await c.close()

    return asyncio.run(go())
