"""The load generator of `district bench`: a process of its own, so that its work does not share an
event loop (or a GIL) with the server it measures.

    python -m district.benchmarks.loadgen --url ws://127.0.0.1:PORT --kind district|echo \
        --codes CODE,CODE,... --seats 20 --rates 500,1000,2000 --seconds 4

It opens one connection per player (for District: a `hello` with the session's join code and a
name, answered by a `welcome`; for an echo server: nothing), prints `{"ready": N}` on stdout and
waits for a line on stdin (the suite measures the server's memory meanwhile). Then, for each
offered rate in turn (commands a second over all connections), every connection sends commands
with exponentially distributed gaps, each one waiting for its reply (`ack` or `error` from
District, the same frame back from an echo server), and one JSON line per step is printed:
offered and achieved commands a second, p50/p99/max reply latency (measured here), errors.
The ramp stops after two steps in a row whose p99 is over `--p99-ms`, or one that fell short of
the offered rate by more than a quarter. The commands are the seat's decisions (a firm's for an echo server), one in ten a public chat.

Several server processes (the bench's cluster section): `--url` may list several addresses,
comma-separated; player k says hello to the (k mod n)-th and follows a `redirect` to the process
that serves its session, as every client does; `--pid` may list the processes whose CPU time is
summed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import random
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgpack

MAX_RATE_PER_CONN = 19.0  # District's limit is 20 a second sustained (RATE_PER_SECOND)


def cpu_seconds(pid: int | list[int] | None) -> float:
    """The CPU time (user + system) process `pid` (or the processes listed) has used so far (Linux
    /proc; 0 elsewhere)."""
    return sum(cpu_times(pid))


def cpu_times(pid: int | list[int] | None) -> tuple[float, float]:
    """The user and the system (kernel) CPU time process `pid` (or the processes listed) has used
    so far (Linux /proc; 0 elsewhere)."""
    if pid is None:
        return 0.0, 0.0
    if isinstance(pid, list):
        both = [cpu_times(p) for p in pid]
        return sum(u for u, _ in both), sum(k for _, k in both)
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def client_frame(payload: bytes, opcode: int = 0x2) -> bytes:
    """A client's WebSocket frame: FIN, `opcode`, masked with the key 0 (which leaves the payload
    as it is; servers accept any key), so that frames can be built once and sent as they are."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + b"\0\0\0\0" + payload


class Player(asyncio.Protocol):
    """One connection, as lean as a Python client can be (the load generator must not be what
    limits the echo servers): a hand-made WebSocket handshake and framing on an asyncio protocol,
    no task per connection. One request at a time: `on_reply` gets the first reply frame (District:
    an `ack`, `error` or `welcome`; echo: the frame sent, back); events, views and (a relay's)
    other players' chats are read and dropped."""

    def __init__(self, host: str, echo: bool) -> None:
        self.host, self.echo = host, echo
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.on_reply: Callable[[dict[str, Any] | None], None] | None = None
        self.lost = False
        self.role = "firm"  # District: the seat's role, from the welcome
        self.frames = 0  # data frames received
        self.expect = b""  # echo: the payload of the request waiting for its reply

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET / HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.upgraded.done():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self.buf[: self.buf.find(b"\r\n")])
            del self.buf[: end + 4]
            if b" 101 " not in status:
                self.upgraded.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.upgraded.set_result(None)
        buf = self.buf
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1] & 0x7F
            pos = 2
            if b1 == 126:
                if len(buf) < 4:
                    return
                b1 = struct.unpack_from("!H", buf, 2)[0]
                pos = 4
            elif b1 == 127:
                if len(buf) < 10:
                    return
                b1 = struct.unpack_from("!Q", buf, 2)[0]
                pos = 10
            if len(buf) < pos + b1:
                return
            payload = bytes(buf[pos : pos + b1])
            del buf[: pos + b1]
            self._frame(b0 & 0x0F, payload)

    def _frame(self, opcode: int, payload: bytes) -> None:
        if opcode == 0x9:  # ping: pong
            self.send(client_frame(payload, 0xA))
            return
        if opcode == 0x8:  # close
            self.connection_lost(None)
            return
        if opcode != 0x2:
            return
        self.frames += 1
        if self.on_reply is None:
            return
        if self.echo:
            if payload != self.expect:
                return  # (a relay) another player's chat
            reply: dict[str, Any] = {}
        else:
            msg = msgpack.unpackb(payload, raw=False)
            # several messages in one frame (the hello said `batch`): the reply is one of them
            msgs = msg if isinstance(msg, list) else [msg]
            found = [m for m in msgs if isinstance(m, dict) and m.get("type") in REPLIES]
            if not found:
                return  # an event, a view, a roster...
            reply = found[0]
        cb, self.on_reply = self.on_reply, None
        cb(reply)

    def send(self, frame: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.lost:
            return
        self.lost = True
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError("connection lost"))
        cb, self.on_reply = self.on_reply, None
        if cb is not None:
            cb(None)

    def close(self) -> None:
        if self.transport is not None:
            self.send(client_frame(struct.pack("!H", 1000), 0x8))
            self.transport.close()


REPLIES = {"ack", "error", "welcome", "redirect"}


MAX_REDIRECTS = 3  # as ProtocolClient: a hello is said again where a `redirect` points


async def open_players(
    url: str, kind: str, codes: list[str], seats: int, connections: int, batch: bool = True
) -> list[Player]:
    """One player a connection; with several `url`s (comma-separated), player k's first hello goes
    to the (k mod n)-th, and a `redirect` is followed to the process that serves the session."""
    urls = [x for x in url.split(",") if x]
    loop = asyncio.get_running_loop()
    sem = asyncio.Semaphore(64)  # connections opened at once

    async def dial(where: str) -> Player:
        u = urlsplit(where)
        host, port = u.hostname or "127.0.0.1", u.port or 80
        _t, p = await loop.create_connection(lambda: Player(host, kind == "echo"), host, port)
        async with asyncio.timeout(30):  # (not wait_for: see docs/design.md)
            await p.upgraded
        return p

    async def one(k: int) -> Player:
        async with sem:
            where = urls[k % len(urls)]
            for _ in range(MAX_REDIRECTS + 1):
                p = await dial(where)
                if kind != "district":
                    return p
                got: asyncio.Future[dict[str, Any] | None] = loop.create_future()
                p.on_reply = got.set_result
                hello = {"type": "hello", "version": 1, "code": codes[k // seats], "name": f"P{k}"}
                if batch:  # an ack and its event (and the turn's other messages) in one frame
                    hello["batch"] = True
                p.send(client_frame(msgpack.packb({**hello, "id": "hello"})))
                async with asyncio.timeout(30):
                    r = await got
                if r is not None and r.get("type") == "redirect":
                    p.close()
                    where = str(r["url"])
                    continue
                if r is None or r.get("type") != "welcome":
                    raise RuntimeError(f"hello refused: {r}")
                p.role = str(r.get("role", "firm"))
                return p
            raise RuntimeError(f"hello redirected more than {MAX_REDIRECTS} times in a row")

    return list(await asyncio.gather(*(one(k) for k in range(connections))))


DECISIONS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "firm": lambda r: {
        "wage": round(31 + r.random() * 3, 2),
        "price": round(r.random() * 0.4 - 0.2, 2),
    },
    "union": lambda r: {"training_participation": round(r.random(), 2)},
    "government": lambda r: {"training_match": round(r.random() * 0.5, 2)},
    "broker": lambda r: {"intel": False},
}


def command(rnd: random.Random, k: int, n: int, role: str = "firm") -> dict[str, Any]:
    """The k-th player's n-th command: its role's decisions, one in ten a public chat."""
    if n % 10 == 0:
        cmd: dict[str, Any] = {"type": "chat", "text": f"offer {n} from P{k}", "to": "public"}
    else:
        cmd = {"type": "decide", "round": 1, "decisions": DECISIONS[role](rnd)}
    return {"type": "command", "id": f"{k}:{n}", "cid": f"{k}:{n}", "command": cmd}


async def step(
    players: list[Player],
    rate: float,
    seconds: float,
    warmup: float,
    counter: list[int],
    cap: float,
    pid: int | list[int] | None = None,
) -> dict[str, Any]:
    """Every connection sends at `rate`/N a second (exponential gaps, one request at a time) for
    `warmup` + `seconds`; the replies of requests sent and answered within `seconds` count."""
    loop = asyncio.get_running_loop()
    per_conn = min(cap, rate / len(players))
    lat: list[float] = []
    errors: dict[str, int] = {}
    t_start = time.perf_counter() + warmup
    t_end = t_start + seconds
    mono = time.monotonic() - time.perf_counter()  # the measured window on the machine's clock
    finished = loop.create_future()
    running = [len(players)]
    rnds = [random.Random(k * 7919 + counter[0]) for k in range(len(players))]

    def stop_one() -> None:
        running[0] -= 1
        if running[0] == 0 and not finished.done():
            finished.set_result(None)

    def fire(k: int) -> None:
        p = players[k]
        if time.perf_counter() >= t_end or p.lost:
            stop_one()
            return
        t0 = time.perf_counter()

        def got(reply: dict[str, Any] | None) -> None:
            t1 = time.perf_counter()
            if reply is None:
                errors["connection lost"] = errors.get("connection lost", 0) + 1
                stop_one()
                return
            if t0 >= t_start and t1 <= t_end:
                lat.append(t1 - t0)
                if reply.get("type") == "error":
                    code = str(reply.get("code", "?"))
                    errors[code] = errors.get(code, 0) + 1
            loop.call_later(min(max(0.0, t_end - t1), rnds[k].expovariate(per_conn)), fire, k)

        p.on_reply = got
        counter[0] += 1  # every command is a new one (a re-sent cid would be acked from memory)
        payload = msgpack.packb(command(rnds[k], k, counter[0], p.role))
        p.expect = payload
        p.send(client_frame(payload))

    cpu: list[tuple[float, float]] = []  # the server's (user, system)
    own: list[float] = []  # this generator's CPU time: is it the generator that limits?

    def mark() -> None:
        cpu.append(cpu_times(pid))
        own.append(time.process_time())

    frames0 = [0]

    def mark_start() -> None:
        mark()
        frames0[0] = sum(p.frames for p in players)

    loop.call_later(warmup, mark_start)
    for k in range(len(players)):
        loop.call_later(rnds[k].random() / per_conn, fire, k)
    await finished
    mark()  # the window's end (its replies are all in by now)
    frames = sum(p.frames for p in players) - frames0[0]
    return {
        "offered": round(per_conn * len(players), 1),
        "achieved": round(len(lat) / seconds, 1),
        "p50_ms": round(pct(lat, 0.5) * 1000, 2),
        "p99_ms": round(pct(lat, 0.99) * 1000, 2),
        "max_ms": round(max(lat, default=float("nan")) * 1000, 2),
        "errors": errors,
        # the server's CPU time per reply in the measured window (robust on a busy machine)
        "cpu_us": round((sum(cpu[1]) - sum(cpu[0])) / len(lat) * 1e6, 1)
        if len(cpu) == 2 and lat
        else None,
        # of which in the kernel (reading and writing the sockets, mostly)
        "sys_us": round((cpu[1][1] - cpu[0][1]) / len(lat) * 1e6, 1)
        if len(cpu) == 2 and lat
        else None,
        "frames_per_reply": round(frames / len(lat), 2) if lat else None,
        "gen_cpu_us": round((own[1] - own[0]) / len(lat) * 1e6, 1)
        if len(own) == 2 and lat
        else None,
        # the measured window by time.monotonic() (the same clock in every process: a server's
        # event-loop stalls within it can be picked out of its `info`)
        "window": [round(t_start + mono, 3), round(t_end + mono, 3)],
    }


async def main_async(a: argparse.Namespace) -> None:
    codes = [c for c in a.codes.split(",") if c]
    players = await open_players(a.url, a.kind, codes, a.seats, a.connections, not a.no_batch)
    print(json.dumps({"ready": len(players)}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    gc.collect()
    gc.freeze()
    # this process's own collector pauses would show as the server's reply latency (they were
    # the largest part of the p99 at 1,000 connections): no collection while a step runs
    gc.disable()
    counter = [0]
    cap = MAX_RATE_PER_CONN if a.kind == "district" else float("inf")
    over = 0
    for rate in (float(x) for x in a.rates.split(",")):
        pids = [int(x) for x in str(a.pid).split(",")] if a.pid else None
        res = await step(players, rate, a.seconds, a.warmup, counter, cap, pids)
        gc.collect()  # between steps
        print(json.dumps(res), flush=True)
        # two steps over the bound in a row end the ramp (one may be another process's doing
        # on a shared machine)
        over = over + 1 if not res["p99_ms"] <= a.p99_ms else 0
        if over >= 2 or res["achieved"] < 0.75 * res["offered"] or rate / len(players) > cap:
            break
    for p in players:
        p.close()
    print(json.dumps({"done": True}), flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--url", required=True, help="the server's address, or several, comma-separated"
    )
    ap.add_argument("--kind", choices=["district", "echo"], required=True)
    ap.add_argument("--codes", default="")
    ap.add_argument("--seats", type=int, default=20)
    ap.add_argument("--connections", type=int, required=True)
    ap.add_argument("--rates", required=True, help="offered commands a second, comma-separated")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("--p99-ms", type=float, default=50.0)
    ap.add_argument(
        "--pid", default=None, help="the server's process, or processes (comma-separated): CPU time"
    )
    ap.add_argument(
        "--no-batch", action="store_true", help="District: one message a frame (no `batch`)"
    )
    asyncio.run(main_async(ap.parse_args(argv)))


if __name__ == "__main__":
    main()
