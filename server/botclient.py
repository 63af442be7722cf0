"""Clients over the real protocol: `SeatClient` (one connection to one seat, with catch-up and
reconnection) and `BotPlayer` (a seat played by the role bots). `district bots` fills seats of a
session from another process with them.

They speak only server/protocol.py; the bots' decisions come from server.bots, from the views the
server sends, exactly as a human client would see them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import zlib
from collections.abc import Callable
from typing import Any

import msgpack
from district.server.protocol import MAX_SERVER_FRAME, PROTOCOL_VERSION, encode
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

log = logging.getLogger("district.botclient")


class Refused(Exception):
    """The server answered `error`."""

    def __init__(self, msg: dict[str, Any]) -> None:
        super().__init__(f"{msg.get('code')}: {msg.get('where') or ''} {msg.get('message')}")
        self.code = msg.get("code")
        self.msg = msg


class SeatClient:
    """One connection to a session as a seat, the facilitator or an observer.

    It keeps the stream position (`last`), the latest `view`, `clock` and `roster`, and every
    message received (`received`, when `record` is true). `request` sends a message and waits for
    its reply. After a lost connection, `reconnect` says hello again with the token and the last
    stream number, so exactly the missed messages come in.
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
        on_message: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.url = url
        self.code = code
        self.token = token
        self.name = name
        self.role = role
        self.observer = observer
        self.record = record
        self.on_message = on_message
        self.seat: str | None = None
        self.session: str | None = None
        self.road = "high"
        self.welcome: dict[str, Any] | None = None
        self.last = 0
        self.view: dict[str, Any] | None = None
        self.clock: dict[str, Any] | None = None
        self.roster: dict[str, Any] | None = None
        self.received: list[dict[str, Any]] = []
        self.stream: list[dict[str, Any]] = []  # every view and event applied, in order
        self.gaps = 0
        self.duplicates = 0
        self.bye: dict[str, Any] | None = None
        self.ended = asyncio.Event()
        self.acked_cids: list[str] = []
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next = 0
        self.connected = asyncio.Event()

    # --- connection ------------------------------------------------------------------------

    async def connect_only(self, timeout: float = 10.0) -> None:
        """Open a connection without saying hello (to create a session or list scenarios)."""
        ws = await connect(
            self.url,
            max_size=MAX_SERVER_FRAME,
            compression=None,
            open_timeout=timeout,
            ping_interval=None,
        )
        self._ws = ws
        self._reader = asyncio.get_running_loop().create_task(self._read(ws))

    async def connect(self, timeout: float = 10.0) -> dict[str, Any]:
        """Open a connection and say hello (with the token once we have one). Returns the welcome."""
        await self.connect_only(timeout)
        hello: dict[str, Any] = {"type": "hello", "version": PROTOCOL_VERSION}
        if self.token is not None:
            hello["token"] = self.token
            if self.last:
                hello["last_event"] = self.last
        else:
            hello["code"] = self.code
            if self.observer:
                hello["observer"] = True
            else:
                hello["name"] = self.name or "Player"
                if self.role:
                    hello["role"] = self.role
        reply = await asyncio.wait_for(self.request(hello), timeout)
        if reply["type"] == "error":
            await self.close()
            raise Refused(reply)
        self.connected.set()
        return reply

    async def reconnect(self, within: float = 30.0, pause: float = 0.1) -> dict[str, Any]:
        """Try again and again (the server may be restarting) until a hello succeeds."""
        loop = asyncio.get_running_loop()
        end = loop.time() + within
        while True:
            try:
                return await self.connect(timeout=max(0.5, min(5.0, end - loop.time())))
            except Refused:
                raise
            except (TimeoutError, OSError, ConnectionClosed, ConnectionError):
                if loop.time() > end:
                    raise
                await asyncio.sleep(pause)

    async def close(self) -> None:
        self.connected.clear()
        ws, self._ws = self._ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
            self._reader = None

    async def drop(self) -> None:
        """Lose the connection abruptly (tests): no close handshake."""
        ws, self._ws = self._ws, None
        self.connected.clear()
        if ws is not None and ws.transport is not None:
            ws.transport.abort()
        if self._reader is not None:
            with contextlib.suppress(BaseException):
                await self._reader

    # --- messages --------------------------------------------------------------------------

    async def send(self, msg: dict[str, Any]) -> None:
        if self._ws is None:
            raise ConnectionError("not connected")
        try:
            await self._ws.send(encode(msg))
        except ConnectionClosed as e:
            raise ConnectionError("connection lost") from e

    async def send_raw(self, data: bytes | str) -> None:
        if self._ws is None:
            raise ConnectionError("not connected")
        await self._ws.send(data)

    async def request(self, msg: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
        """Send with a fresh id; the reply (ack, error, welcome, created, ...) that names it."""
        self._next += 1
        n = self._next
        msg = {**msg, "id": n}
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[n] = fut
        try:
            await self.send(msg)
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._pending.pop(n, None)

    async def command(self, cmd: dict[str, Any], cid: str | None = None) -> dict[str, Any]:
        m: dict[str, Any] = {"type": "command", "command": cmd}
        if cid is not None:
            m["cid"] = cid
        reply = await self.request(m)
        if reply["type"] == "ack" and cid is not None:
            self.acked_cids.append(cid)
        return reply

    async def command_surely(
        self, cmd: dict[str, Any], cid: str, within: float = 30.0
    ) -> dict[str, Any]:
        """Send until acknowledged or refused, reconnecting as needed; the cid keeps it from being
        applied twice."""
        while True:
            try:
                if not self.connected.is_set():
                    await self.reconnect(within)
                return await self.command(cmd, cid)
            except (TimeoutError, ConnectionError):
                await asyncio.sleep(0.05)

    async def control(self, action: str, **fields: Any) -> dict[str, Any]:
        return await self.request({"type": "control", "action": action, **fields})

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for frame in ws:
                msg = msgpack.unpackb(frame, raw=False)
                self._on(msg)
        except ConnectionClosed:
            pass
        finally:
            if self._ws is ws or self._ws is None:
                self.connected.clear()
            for fut in list(self._pending.values()):
                if not fut.done():
                    fut.set_exception(ConnectionError("connection lost"))

    def _on(self, msg: dict[str, Any]) -> None:
        if self.record:
            self.received.append(msg)
        t = msg.get("type")
        if t == "welcome":
            self.welcome = msg
            self.seat = msg["seat"]
            self.session = msg["session"]
            self.road = msg.get("road", self.road)
            if "token" in msg:
                self.token = msg["token"]
        elif t == "view":
            self.last = msg["seq"]
            self.view = msg["view"]
            self.stream.append(msg)
        elif t == "event":
            seq = msg["seq"]
            if seq <= self.last:
                self.duplicates += 1
                return
            if seq != self.last + 1:
                self.gaps += 1
            self.last = seq
            self.stream.append(msg)
        elif t == "clock":
            self.clock = msg
            if msg["status"] == "ended":
                self.ended.set()
        elif t == "roster":
            self.roster = msg
        elif t == "bye":
            self.bye = msg
        re = msg.get("re")
        if t in ("ack", "error", "welcome", "created", "scenarios", "pong") and re in self._pending:
            fut = self._pending[re]
            if not fut.done():
                fut.set_result(msg)
        if self.on_message is not None:
            self.on_message(msg)


class BotPlayer:
    """A seat played by the role bots over the network: it acts when a negotiation phase is
    running, and again (at most `passes` times a round) when a deal is put to it."""

    def __init__(
        self,
        url: str,
        code: str,
        name: str,
        *,
        seed: int | None = None,
        role: str | None = None,
        passes: int = 3,
        think: float = 0.0,
        record: bool = False,
    ) -> None:
        self.client = SeatClient(
            url, code=code, name=name, role=role, record=record, on_message=self._on
        )
        self.seed = seed if seed is not None else zlib.crc32(code.encode())
        self.passes = passes
        self.think = think
        self.acted: dict[int, int] = {}
        self.refused: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._deal_nudge = False

    def _on(self, msg: dict[str, Any]) -> None:
        t = msg.get("type")
        if t in ("view", "clock"):
            self._wake.set()
        elif t == "event":
            ev = msg["event"]
            if str(ev.get("kind", "")).startswith("deal_") and ev.get("seat") != self.client.seat:
                self._deal_nudge = True
                self._wake.set()

    def _due(self) -> bool:
        c = self.client
        if c.view is None or c.clock is None or c.clock["status"] != "running":
            return False
        v = c.view
        if (
            v["phase"] != "negotiation"
            or v["round"] != c.clock["round"]
            or c.clock["phase"] != "negotiation"
        ):
            return False
        done = self.acted.get(v["round"], 0)
        return done == 0 or (self._deal_nudge and done < self.passes)

    async def play(self) -> None:
        """Join, then play until the game ends."""
        from district.server.bots import decide

        c = self.client
        await c.reconnect()
        while not c.ended.is_set():
            if not c.connected.is_set():
                await c.reconnect()
            self._wake.clear()
            if self._due():
                nudged = self._deal_nudge and self.acted.get(c.view["round"], 0) > 0  # type: ignore[index]
                self._deal_nudge = False
                if nudged:  # a deal was put to us: look at the whole table again
                    try:
                        await c.request({"type": "sync", "last_event": 0})
                    except ConnectionError:
                        continue
                view = c.view
                assert view is not None
                r = view["round"]
                n = self.acted.get(r, 0)
                self.acted[r] = n + 1
                if self.think:
                    await asyncio.sleep(self.think)
                cmds = decide(view, self.seed, c.road)
                if not any(x.get("type") == "ready" for x in cmds):  # e.g. its firm has closed
                    cmds.append({"type": "ready", "round": r, "ready": True})
                for i, cmd in enumerate(cmds):
                    reply = await c.command_surely(cmd, f"{c.seat}:{r}:{n}:{i}")
                    if reply["type"] == "error":
                        self.refused.append(reply)
                continue
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 1.0)
        await c.close()


async def fill(
    url: str,
    code: str,
    seats: int,
    seed: int | None = None,
    role: str | None = None,
    think: float = 0.0,
) -> list[BotPlayer]:
    """`seats` bots join the session and play until the game ends."""
    bots = [
        BotPlayer(url, code, f"Bot {i + 1}", seed=seed, role=role, think=think)
        for i in range(seats)
    ]
    await asyncio.gather(*(b.play() for b in bots))
    return bots


def main(args: argparse.Namespace) -> int:
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s %(message)s")
    print(f"{args.seats} bot(s) joining {args.code} at {args.server}", flush=True)
    try:
        bots = asyncio.run(
            fill(
                args.server,
                args.code,
                args.seats,
                seed=getattr(args, "seed", None),
                role=getattr(args, "role", None),
                think=getattr(args, "think", 0.0),
            )
        )
    except Refused as e:
        print(f"error: {e}", flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    for b in bots:
        print(
            f"  {b.client.seat}: acted in {len(b.acted)} round(s), {len(b.refused)} command(s) refused"
        )
    print("game over.", flush=True)
    return 0
