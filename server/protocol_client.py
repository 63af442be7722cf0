"""The one client of the District wire protocol (docs/protocol.md), shared by everything that talks
to `district serve`: the Pygame client's network thread, the network bots (`district bots`), the
synchronous helpers of server/local.py, the benchmarks and the tests.

    client = ProtocolClient(url, code="K7QM2P", name="Ada", role="firm")
    welcome = await client.connect()              # hello; raises Refused on an error
    reply = await client.command({"type": "ready", "round": 1})
    await client.command_surely(cmd, cid="a9f3-2")  # re-sent across reconnects, applied once
    ...
    await client.reconnect()                      # hello with the seat token and `last_event`

Several servers (docs/protocol.md, "Several servers"): the URL the client is made with is its
`home` (the address the user gave, or a proxy's). A hello answered by `redirect` is said again, the
same, at the `url` it names (at most `MAX_REDIRECTS` in a row, then `Refused` with the code
`redirect_loop`); a `bye` with the code `moved`, or a redirected server that does not answer, sends
the client back to `home`, which serves the session or redirects again. `connect()` and
`reconnect()` both follow this, so `command_surely` keeps working across a session's move.

With `ping_interval` (the game window and the network bots: PING_INTERVAL, PING_TIMEOUT) it pings
the server and cuts the connection when a pong is `ping_timeout` s late: a server whose machine
went silent resets nothing, and would otherwise hold the client for as long as TCP takes to give
up. The next hello then goes `home`. `open_timeout` bounds the opening of a connection.

It keeps the stream position (`last`), the latest `welcome`, `view`, `clock` and `roster`, every
view and event of the stream in order (`stream`), and, with `record=True`, every message received
(`received`). Requests get an id and their reply (ack, error, welcome, created, scenarios, pong)
is awaited. `on_message` is called with every message after it has been taken into account.

It imports only server/protocol/, websockets, msgpack and the standard library: never the engine,
the sessions or the network server (an import contract in pyproject.toml checks it).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import msgpack
from district.server.protocol import MAX_SERVER_FRAME, encode, hello, within
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

log = logging.getLogger("district.protocol_client")

Message = dict[str, Any]
RequestId = int | str

# Messages that answer a request, naming it with `re`.
REPLIES = (
    "ack",
    "error",
    "welcome",
    "created",
    "scenarios",
    "pong",
    "debrief",
    "workshop",
    "redirect",
)
# What a lost or refused connection attempt may raise (a server restarting, a bad address, ...).
CONNECT_ERRORS = (TimeoutError, OSError, ConnectionClosed, ConnectionError, InvalidHandshake)
HELLO_ID = "hello"  # the id of every hello, so its error can be told from a command's
MAX_REDIRECTS = 3  # redirects followed in a row by one connect(); then Refused("redirect_loop")
MOVED = "moved"  # the code of the bye that says the session left this server: go back home
RECONNECT_PAUSE_MAX = 0.5  # reconnect()'s pause between attempts doubles up to this (seconds)
# A server that goes silent (its machine powered off or cut from the network: nothing resets the
# connection) is found by pings (docs/protocol.md "Transport", docs/deploy.md "When a machine
# dies"). The game window and the network bots ping every PING_INTERVAL s and cut the connection
# when a pong has not come PING_TIMEOUT s after its ping: silence is found 3-5 s after it began.
# A pong takes one round trip (0.3 s on a slow remote network); 3 s also covers a lost packet
# sent again (a second on a fresh connection) and a server busy for a couple of seconds.
PING_INTERVAL = 2.0
PING_TIMEOUT = 3.0
# How long they give a connection to open (TCP, TLS, the websocket upgrade) before its address
# counts as not answering. At 300 ms a round trip that takes four of them (1.2 s: TCP, TLS 1.2 in
# two, the upgrade), or 2.2 s with a lost first packet sent again after the kernel's 1 s; 4 s
# leaves room for a proxy trying a second upstream, while a dead address costs 4 s, not 10.
OPEN_TIMEOUT = 4.0


def is_moved(bye: Message | None) -> bool:
    """A `bye` saying the session moved to another server (`code`, or `reason` as other byes)."""
    return bye is not None and MOVED in (bye.get("code"), bye.get("reason"))


def redirect_target(msg: Message) -> str:
    """The `url` of a `redirect`, checked: a ws:// or wss:// address, or Refused saying what is
    wrong with it."""
    url = msg.get("url")
    if not isinstance(url, str) or not url.lower().startswith(("ws://", "wss://")):
        raise Refused(
            {
                "type": "error",
                "code": "bad_redirect",
                "where": "redirect.url",
                "message": "the server sent this client to an address that is not a websocket "
                "address (ws:// or wss://); ask whoever runs the servers to check --advertise",
            }
        )
    return url


class Refused(Exception):
    """The server answered `error`."""

    def __init__(self, msg: Message) -> None:
        super().__init__(f"{msg.get('code')}: {msg.get('where') or ''} {msg.get('message')}")
        self.code: str | None = msg.get("code")
        self.message: str = str(msg.get("message", ""))
        self.where: str = str(msg.get("where", ""))
        self.msg = msg


def tls_for(url: str, ca: str | None = None) -> ssl.SSLContext | None:
    """The TLS context of a `wss://` URL: the system's trusted certificates, plus `ca` (a PEM file,
    for a server with a self-signed certificate) if given; None for `ws://`."""
    if not url.lower().startswith("wss://"):
        return None
    ctx = ssl.create_default_context()
    if ca:
        ctx.load_verify_locations(cafile=ca)
    return ctx


def decode_server_frame(frame: bytes | str) -> Message:
    """One server frame of one message -> its message map (see `decode_server_frames`)."""
    msg = _unpack(frame)
    if not isinstance(msg, dict):
        raise ValueError(f"a server frame holds a {type(msg).__name__}, not a map")
    return msg


def _unpack(frame: bytes | str) -> Any:
    if isinstance(frame, str):
        raise ValueError("a text frame from the server")
    return msgpack.unpackb(
        frame,
        raw=False,
        strict_map_key=False,
        max_str_len=MAX_SERVER_FRAME,
        max_bin_len=MAX_SERVER_FRAME,
        max_array_len=1_000_000,
        max_map_len=1_000_000,
    )


def decode_server_frames(frame: bytes | str) -> list[Message]:
    """One server frame -> its messages: one map, or (to a client that said `batch` in its
    hello) an array of maps. Server frames may be far bigger than client ones (a view of a big
    district), so the client limit is the server's (`MAX_SERVER_FRAME`)."""
    msg = _unpack(frame)
    if isinstance(msg, list) and msg and all(isinstance(m, dict) for m in msg):
        return msg
    if not isinstance(msg, dict):
        raise ValueError(f"a server frame holds a {type(msg).__name__}, not a map")
    return [msg]


class ProtocolClient:
    """One connection at a time to a session, as a seat, the facilitator or an observer.

    Identity: `code` + `name` (+ `role`) joins as a new player, `code` + `observer=True` watches,
    `token` (a seat token, or the facilitator token) comes back. Once a hello with a code got a
    seat, the seat token is kept (`token`) and every later hello comes back to that seat with the
    last stream number seen, so exactly the missed messages come in.
    """

    def __init__(
        self,
        url: str,
        *,
        code: str | None = None,
        token: str | None = None,
        name: str | None = None,
        role: str | None = None,
        observer: bool = False,
        record: bool = False,
        on_message: Callable[[Message], Any] | None = None,
        ping_interval: float | None = None,
        ping_timeout: float | None = None,
        open_timeout: float | None = None,
        ca: str | None = None,
        workshop: tuple[str, str, str] | None = None,
        batch: bool = True,
    ) -> None:
        self.url = url  # where the next connection goes: `home`, or where a redirect sent it
        self.home = url  # the address given: a moved session is looked for here again
        self.max_redirects = MAX_REDIRECTS
        self.redirects = 0  # redirects followed, in all
        self.moves = 0  # `bye moved` received, in all
        # (name, key, session): join that session of a workshop as its facilitator
        self.workshop = workshop
        self.batch = batch  # says `batch` in its hello: several messages a frame
        self.ca = ca  # a CA certificate file (PEM) to trust for wss:// (a self-signed server)
        self.code = code
        self.token = token
        self.name = name
        self.role = role
        self.observer = observer
        self.record = record
        self.on_message = on_message
        # keepalive: a ping every `ping_interval` s (None: none); the connection is cut when its
        # pong has not come `ping_timeout` s later (None: never), and the next hello goes `home`
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        # the longest a connection may take to open (None: the `timeout` of the call)
        self.open_timeout = open_timeout
        self.silent_drops = 0  # connections cut because the server stopped answering pings
        self.latency = 0.0  # the round trip of the last keepalive ping, in seconds
        self._ping_at: float | None = None  # when the ping now waiting for its pong was sent
        # what the server said
        self.seat: str | None = None
        self.session: str | None = None
        self.road = "high"
        self.welcome: Message | None = None
        self.last = 0  # the stream number of the last view or event taken in
        self.view: dict[str, Any] | None = None
        self.clock: Message | None = None
        self.roster: Message | None = None
        self.waiting: Message | None = None  # the session is locked: waiting to be let in
        self.join_requests: list[Message] = []  # facilitator: late joiners waiting for an answer
        self.bye: Message | None = None
        self.received: list[Message] = []  # every message, when `record`
        self.stream: list[Message] = []  # every view and event taken in, in order
        self.gaps = 0  # events whose number was not last + 1
        self.duplicates = 0  # events seen before (a replay after reconnecting)
        self.bad_frames = 0  # server frames that were not one msgpack map
        self.acked_cids: list[str] = []
        self.ended = asyncio.Event()  # the clock said the game is over
        self.connected = asyncio.Event()  # a hello succeeded on the current connection
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[RequestId, asyncio.Future[Message]] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()  # set at every message and at a lost connection

    # --- connecting --------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """A connection is open (hello or not)."""
        return self._ws is not None and self._reader is not None and not self._reader.done()

    def unanswered_for(self) -> float:
        """How long the keepalive ping now waiting for its pong has waited, in seconds (0 when
        none is waiting): a server that stays silent is cut off at `ping_timeout`."""
        sent = self._ping_at
        return 0.0 if sent is None else max(0.0, asyncio.get_running_loop().time() - sent)

    async def connect_only(self, timeout: float = 10.0) -> None:
        """Open a connection without saying hello (to create a session or list scenarios)."""
        opening = timeout if self.open_timeout is None else min(timeout, self.open_timeout)
        ws = await connect(
            self.url,
            ssl=tls_for(self.url, self.ca),
            max_size=MAX_SERVER_FRAME,
            compression=None,
            open_timeout=opening,
            ping_interval=None,  # the keepalive is this client's own (`_keepalive`)
            close_timeout=2,  # a silent server does not answer a close either
            max_queue=None,
        )
        self._ws = ws
        self._reader = asyncio.get_running_loop().create_task(self._read(ws))

    def hello_message(self) -> Message:
        """The hello this client says next: back to its seat if it has a token, else joining."""
        b = self.batch
        if self.token is not None:
            return hello(token=self.token, last_event=self.last or None, id=HELLO_ID, batch=b)
        if self.workshop is not None:
            name, key, session = self.workshop
            return hello(
                workshop=name,
                key=key,
                session=session,
                last_event=self.last or None,
                id=HELLO_ID,
                batch=b,
            )
        if self.observer:
            return hello(code=self.code, observer=True, id=HELLO_ID, batch=b)
        return hello(
            code=self.code, name=self.name or "Player", role=self.role, id=HELLO_ID, batch=b
        )

    async def connect(self, timeout: float = 10.0) -> Message:
        """Open a connection and say hello. Returns the welcome; raises Refused on an error (and
        closes the connection), or a connection error when the server cannot be reached. If the
        server says `waiting` (a locked session: the facilitator decides), it waits for as long
        as that takes.

        A `redirect` is followed: the same hello at its `url` (at most `max_redirects` in a row,
        then Refused with the code `redirect_loop`). A redirected server that does not answer
        sends the client back to `home` once; if that redirects to a server that still does not
        answer (an owner that died, whose lease has not run out yet), the connection error is
        raised and `url` is `home` again, so `reconnect()` tries again from there."""
        hops = 0
        fell_back = False
        while True:
            try:
                reply = await self._hello(timeout)
            except CONNECT_ERRORS:
                if self.url == self.home or fell_back:
                    self.url = self.home
                    raise
                log.info("%s does not answer: back to %s", self.url, self.home)
                self.url, fell_back = self.home, True
                continue
            if reply["type"] != "redirect":
                self.connected.set()
                return reply
            target = redirect_target(reply)
            hops += 1
            if hops > self.max_redirects:
                self.url = self.home
                raise Refused(
                    {
                        "type": "error",
                        "code": "redirect_loop",
                        "where": "hello",
                        "message": f"the servers sent this client on {self.max_redirects} times "
                        "in a row without serving the session; try again in a moment",
                    }
                )
            self.redirects += 1
            log.info("redirected from %s", self.url)
            self.url = target

    async def _hello(self, timeout: float) -> Message:
        """One connection to `url` and its hello: the welcome or the redirect (the connection is
        closed after a redirect), or Refused."""
        if self.is_open:
            await self.close()
        await self.connect_only(timeout)
        if self.token is None and self.workshop is None:
            self.last = 0  # a new seat (or the public stream): numbers start again
        self.waiting = None
        try:
            fut = await self.submit(self.hello_message(), HELLO_ID)
            while True:
                try:
                    reply = await within(asyncio.shield(fut), timeout)
                    break
                except TimeoutError:
                    if self.waiting is None:  # a locked session's joiner waits for the teacher
                        raise
        except BaseException:
            await self.close()
            raise
        if reply["type"] == "error":
            await self.close()
            raise Refused(reply)
        if reply["type"] == "redirect":
            await self.close()
        return reply

    async def reconnect(
        self,
        within: float = 30.0,
        pause: float = 0.1,
        on_retry: Callable[[int, BaseException], Awaitable[None] | None] | None = None,
    ) -> Message:
        """Say hello again and again (the server may be restarting, or its session moving to
        another server) until it succeeds, for at most `within` seconds; the pause between
        attempts doubles from `pause` up to RECONNECT_PAUSE_MAX. A refusal (Refused) is not
        retried."""
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        for attempt in itertools.count(1):
            try:
                return await self.connect(timeout=max(0.5, min(5.0, end - loop.time())))
            except Refused:
                raise
            except CONNECT_ERRORS as e:
                if loop.time() > end:
                    raise
                if on_retry is not None:
                    r = on_retry(attempt, e)
                    if r is not None:
                        await r
                await asyncio.sleep(
                    min(max(pause, RECONNECT_PAUSE_MAX), pause * 2 ** (attempt - 1))
                )
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        """Close the connection (a close handshake); the client may connect again later."""
        self.connected.clear()
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader

    async def drop(self) -> None:
        """Lose the connection abruptly, as a network failure would (tests): no close handshake."""
        ws, self._ws = self._ws, None
        self.connected.clear()
        if ws is not None and ws.transport is not None:
            ws.transport.abort()
        reader, self._reader = self._reader, None
        if reader is not None:
            with contextlib.suppress(BaseException):
                await reader

    async def wait_closed(self) -> None:
        """Until the current connection is lost or closed."""
        reader = self._reader
        if reader is not None:
            with contextlib.suppress(BaseException):
                await asyncio.shield(reader)

    # --- sending -----------------------------------------------------------------------------

    async def send(self, msg: Message) -> None:
        """Send one message as it is (no id added)."""
        if self._ws is None:
            raise ConnectionError("not connected")
        try:
            await self._ws.send(encode(msg))
        except ConnectionClosed as e:
            raise ConnectionError("connection lost") from e

    async def send_raw(self, data: bytes | str) -> None:
        """Send a frame as it is: any bytes, or text (fuzz and limit tests)."""
        if self._ws is None:
            raise ConnectionError("not connected")
        try:
            await self._ws.send(data)
        except ConnectionClosed as e:
            raise ConnectionError("connection lost") from e

    async def submit(self, msg: Message, id: RequestId | None = None) -> asyncio.Future[Message]:
        """Send `msg` with an id (`id`, or the next number) and return the future of its reply,
        without waiting for it. Sends keep their order; replies may be awaited in any order."""
        n: RequestId = next(self._ids) if id is None else id
        fut: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        old = self._pending.get(n)
        if old is not None and not old.done():
            old.cancel()
        self._pending[n] = fut
        fut.add_done_callback(functools.partial(self._forget, n))
        try:
            await self.send({**msg, "id": n})
        except BaseException:
            fut.cancel()
            raise
        return fut

    def _forget(self, n: RequestId, fut: asyncio.Future[Message]) -> None:
        if self._pending.get(n) is fut:
            del self._pending[n]

    async def request(
        self, msg: Message, timeout: float | None = 30.0, id: RequestId | None = None
    ) -> Message:
        """Send with an id; the reply (ack, error, welcome, created, scenarios, pong) that names it.
        Raises ConnectionError if the connection is lost first, TimeoutError after `timeout`."""
        fut = await self.submit(msg, id)
        try:
            return await within(fut, timeout)
        finally:
            if not fut.done():
                fut.cancel()

    async def command(
        self, cmd: dict[str, Any], cid: str | None = None, timeout: float | None = 30.0
    ) -> Message:
        """A game command; the ack or the error. With a `cid`, a re-sent command is applied once."""
        m: Message = {"type": "command", "command": cmd}
        if cid is not None:
            m["cid"] = cid
        reply = await self.request(m, timeout)
        if reply["type"] == "ack" and cid is not None:
            self.acked_cids.append(cid)
        return reply

    async def command_surely(self, cmd: dict[str, Any], cid: str, within: float = 30.0) -> Message:
        """Send until acknowledged or refused, reconnecting as needed; the cid keeps the command
        from being applied twice."""
        while True:
            try:
                if not self.connected.is_set():
                    await self.reconnect(within)
                return await self.command(cmd, cid)
            except (TimeoutError, ConnectionError):
                await asyncio.sleep(0.05)

    async def control(self, action: str, **fields: Any) -> Message:
        """A facilitator action; the ack (with `result` for assign and info) or the error."""
        return await self.request({"type": "control", "action": action, **fields})

    async def create(
        self,
        scenario: str,
        *,
        seed: int | None = None,
        negotiation_seconds: float | None = None,
        report_seconds: float | None = None,
        key: str | None = None,
        timeout: float | None = 30.0,
        **fields: Any,
    ) -> Message:
        """Create a session (before or without hello); the `created` reply or the error. Other
        `fields` are sent as they are."""
        m: Message = {"type": "create", "scenario": scenario, **fields}
        for k, v in (
            ("seed", seed),
            ("negotiation_seconds", negotiation_seconds),
            ("report_seconds", report_seconds),
            ("key", key),
        ):
            if v is not None:
                m[k] = v
        return await self.request(m, timeout)

    async def scenarios(self, timeout: float | None = 30.0) -> Message:
        """The scenarios this server offers; the `scenarios` reply or the error."""
        return await self.request({"type": "scenarios"}, timeout)

    async def sync(self, last_event: int | None = None, timeout: float | None = 30.0) -> Message:
        """Catch up from `last_event` (default: the last number seen); the ack."""
        n = self.last if last_event is None else last_event
        return await self.request({"type": "sync", "last_event": n}, timeout)

    async def debrief(self, timeout: float | None = 120.0) -> Message:
        """The session's debrief (a `debrief` message: players and observers once the game is
        over, the facilitator at any time), or the error."""
        return await self.request({"type": "debrief"}, timeout)

    async def ping(self, timeout: float | None = 30.0) -> Message:
        return await self.request({"type": "ping"}, timeout)

    async def wait_for(self, cond: Callable[[], Any], timeout: float = 10.0) -> None:
        """Until `cond()` is true, looked at after every message (TimeoutError after `timeout`)."""
        async with asyncio.timeout(timeout):
            while not cond():
                self._changed.clear()
                await self._changed.wait()

    # --- receiving ---------------------------------------------------------------------------

    async def _keepalive(self, ws: ClientConnection, interval: float) -> None:
        """Ping every `interval` s; when a pong is `ping_timeout` s late, the server is silent
        (its machine is off or cut from the network, and nothing will reset the connection):
        cut the connection at once, and let the next hello go `home`, which serves the session
        or sends the client where it is served now."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(interval)
            self._ping_at = loop.time()
            try:
                async with asyncio.timeout(self.ping_timeout):
                    pong = await ws.ping()
                    self.latency = await pong
            except TimeoutError:
                self.silent_drops += 1
                if self.url != self.home:
                    log.info("%s stopped answering: back to %s", self.url, self.home)
                    self.url = self.home
                else:
                    log.info("%s stopped answering", self.url)
                if ws.transport is not None:
                    ws.transport.abort()
                return
            except ConnectionClosed:
                return
            finally:
                self._ping_at = None

    async def _read(self, ws: ClientConnection) -> None:
        keepalive = None
        if self.ping_interval is not None:
            keepalive = asyncio.get_running_loop().create_task(
                self._keepalive(ws, self.ping_interval)
            )
        try:
            async for frame in ws:
                try:
                    msgs = decode_server_frames(frame)
                except Exception as e:  # never let a bad frame kill the reader
                    self.bad_frames += 1
                    log.warning("bad frame from the server: %s", e)
                    continue
                for msg in msgs:
                    self._on(msg)
        except ConnectionClosed:
            pass
        finally:
            if keepalive is not None:
                keepalive.cancel()
            if self._ws is ws or self._ws is None:
                self.connected.clear()
            for fut in list(self._pending.values()):
                if not fut.done():
                    fut.set_exception(ConnectionError("connection lost"))
            self._changed.set()

    def _on(self, msg: Message) -> None:
        if self.record:
            self.received.append(msg)
        t = msg.get("type")
        if t == "welcome":
            self.welcome = msg
            self.seat = msg.get("seat")
            self.session = msg.get("session")
            self.road = msg.get("road", self.road)
            if msg.get("token"):
                self.token = msg["token"]
        elif t == "view":
            self.last = msg["seq"]
            self.view = msg["view"]
            self.stream.append(msg)
        elif t == "event":
            seq = msg["seq"]
            if seq <= self.last:
                self.duplicates += 1
                self._after(msg, forward=False)
                return
            if seq != self.last + 1:
                self.gaps += 1
            self.last = seq
            self.stream.append(msg)
        elif t == "clock":
            self.clock = msg
            if msg.get("status") == "ended":
                self.ended.set()
        elif t == "roster":
            self.roster = msg
        elif t == "waiting":
            self.waiting = msg
        elif t == "join_requests":
            self.join_requests = list(msg.get("requests") or [])
        elif t == "bye":
            self.bye = msg
            if is_moved(msg):  # the session left the server: look for it at home again
                self.moves += 1
                self.url = self.home
        elif t == "ack" and self.seat == "facilitator":
            result = msg.get("result")
            if isinstance(result, dict) and isinstance(result.get("facilitator_token"), str):
                self.token = result["facilitator_token"]  # rotated: the old one works no more
        self._after(msg)

    def _after(self, msg: Message, forward: bool = True) -> None:
        re = msg.get("re")
        if msg.get("type") in REPLIES and re is not None:
            fut = self._pending.get(re)
            if fut is not None and not fut.done():
                fut.set_result(msg)
        self._changed.set()
        if forward and self.on_message is not None:
            try:
                self.on_message(msg)
            except Exception:  # a failing hook must not stop the reading
                log.exception("on_message failed on a %s message", msg.get("type"))


__all__ = [
    "CONNECT_ERRORS",
    "HELLO_ID",
    "REPLIES",
    "MAX_REDIRECTS",
    "MOVED",
    "OPEN_TIMEOUT",
    "PING_INTERVAL",
    "PING_TIMEOUT",
    "InvalidURI",
    "ProtocolClient",
    "Refused",
    "decode_server_frame",
    "decode_server_frames",
    "is_moved",
]
