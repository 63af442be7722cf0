"""Bots over the real protocol: `BotPlayer` plays a seat with the role bots through
`ProtocolClient` (server/protocol_client.py), the client every other program shares. `district bots`
fills seats of a session from another process with them.

The bots' decisions come from server.bots, from the views the server sends, exactly as a human
client would see them; their commands cross the wire as `bot_commands` makes them. With several
servers, a bot joins through any of them (ProtocolClient follows a `redirect`) and, when its
session moves (`bye moved`, or its server dies), it comes back to its seat at once through the
address it was given; so does it when its server goes silent (a ping unanswered for 3 s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import zlib
from typing import Any

from district.server.protocol_client import (
    CONNECT_ERRORS,
    OPEN_TIMEOUT,
    PING_INTERVAL,
    PING_TIMEOUT,
    ProtocolClient,
    Refused,
)
from websockets.exceptions import InvalidURI
from websockets.uri import parse_uri

log = logging.getLogger("district.botclient")


# The network bots, the tests and the benchmarks once each had a client of their own; they now share
# ProtocolClient. `SeatClient` is its old name here.
SeatClient = ProtocolClient


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
        first_within: float = 30.0,
        on_retry: Any = None,
    ) -> None:
        self.client = ProtocolClient(
            url,
            code=code,
            name=name,
            role=role,
            record=record,
            on_message=self._on,
            # a silent server (its machine off) is left within seconds, as the game window does
            ping_interval=PING_INTERVAL,
            ping_timeout=PING_TIMEOUT,
            open_timeout=OPEN_TIMEOUT,
        )
        self.seed = seed if seed is not None else zlib.crc32(code.encode())
        self.passes = passes
        self.think = think
        self.first_within = first_within  # how long the first join waits for the server
        self.on_retry = on_retry  # called (attempt, error) while the first join waits
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
        from district.server.bots.turns import bot_commands

        c = self.client
        await c.reconnect(within=self.first_within, on_retry=self.on_retry)
        while not c.ended.is_set():
            if not c.connected.is_set():
                await c.reconnect()
            self._wake.clear()
            if self._due():
                nudged = self._deal_nudge and self.acted.get(c.view["round"], 0) > 0  # type: ignore[index]
                self._deal_nudge = False
                if nudged:  # a deal was put to us: look at the whole table again
                    try:
                        await c.sync(last_event=0)
                    except ConnectionError:
                        continue
                view = c.view
                assert view is not None
                r = view["round"]
                n = self.acted.get(r, 0)
                self.acted[r] = n + 1
                if self.think:
                    await asyncio.sleep(self.think)
                cmds = bot_commands(view, self.seed, c.road)
                if not any(x.get("type") == "ready" for x in cmds):  # e.g. its firm has closed
                    cmds.append({"type": "ready", "round": r, "ready": True})
                for i, cmd in enumerate(cmds):
                    reply = await c.command_surely(cmd, f"{c.seat}:{r}:{n}:{i}")
                    if reply["type"] == "error":
                        self.refused.append(reply)
                continue
            with contextlib.suppress(asyncio.TimeoutError):  # a message, or the connection lost
                await c.wait_for(lambda: self._wake.is_set() or not c.connected.is_set(), 1.0)
        await c.close()


async def fill(
    url: str,
    code: str,
    seats: int,
    seed: int | None = None,
    role: str | None = None,
    think: float = 0.0,
    first_within: float = 30.0,
    on_retry: Any = None,
) -> list[BotPlayer]:
    """`seats` bots join the session and play until the game ends. Each waits at most
    `first_within` seconds for the server to answer its first join."""
    bots = [
        BotPlayer(
            url,
            code,
            f"Bot {i + 1}",
            seed=seed,
            role=role,
            think=think,
            first_within=first_within,
            on_retry=on_retry,
        )
        for i in range(seats)
    ]
    await asyncio.gather(*(b.play() for b in bots))
    return bots


WAIT_SECONDS = 10.0  # how long `district bots` waits for a server that does not answer


def _error(line: str) -> int:
    print(f"error: {line}", file=sys.stderr, flush=True)
    return 2


def refusal_line(e: Refused, code: str) -> str:
    """A refused join in one line, with what to do."""
    if e.code == "bad_code":
        return (
            f"no session has the join code {code!r}: check the code on the facilitator's screen "
            "(--code)"
        )
    return f"the server refused the bots: {e.message or e.code}"


def main(args: argparse.Namespace) -> int:
    url = args.server
    try:
        parse_uri(url)
    except InvalidURI:
        return _error(
            f"{url!r} is not a server address: give one like --server ws://127.0.0.1:8765"
        )
    if args.seats < 1:
        return _error(f"--seats {args.seats}: give at least 1 seat")
    wait = float(getattr(args, "wait", WAIT_SECONDS))
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s %(message)s")
    print(f"{args.seats} bot(s) joining {args.code} at {url}", flush=True)
    said = False

    def waiting(attempt: int, e: BaseException) -> None:
        nonlocal said
        if not said:
            said = True
            print(f"waiting for the server at {url} (up to {wait:.0f} s)...", flush=True)

    try:
        bots = asyncio.run(
            fill(
                url,
                args.code,
                args.seats,
                seed=getattr(args, "seed", None),
                role=getattr(args, "role", None),
                think=getattr(args, "think", 0.0),
                first_within=wait,
                on_retry=waiting,
            )
        )
    except Refused as e:
        return _error(refusal_line(e, args.code))
    except CONNECT_ERRORS:
        return _error(
            f"no District server answers at {url}: is `district serve` running there? "
            "check --server (host and port)"
        )
    except KeyboardInterrupt:
        return 130
    for b in bots:
        print(
            f"  {b.client.seat}: acted in {len(b.acted)} round(s), {len(b.refused)} command(s) refused"
        )
    print("game over.", flush=True)
    return 0
