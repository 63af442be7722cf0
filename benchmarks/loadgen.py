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
The ramp stops after the first step whose p99 is over `--p99-ms` or that fell short of the offered
rate by more than a quarter. The commands are a firm's decisions, one in ten a public chat: the
same frames go to the echo servers.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import sys
import time
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect

MAX_RATE_PER_CONN = 19.0  # District's limit is 20 a second sustained (RATE_PER_SECOND)


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


class Player:
    """One connection: requests by id, replies matched by `re` (District) or by the frame itself
    (echo). Everything else the server sends (events, views) is read and dropped."""

    def __init__(self, ws: ClientConnection, echo: bool) -> None:
        self.ws, self.echo = ws, echo
        self.waiting: dict[Any, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                msg = msgpack.unpackb(frame, raw=False)
                if not isinstance(msg, dict):
                    continue
                key = msg.get("id") if self.echo else msg.get("re")
                fut = self.waiting.pop(key, None) if key is not None else None
                if fut is not None and not fut.done():
                    fut.set_result(msg)
        except Exception:
            pass
        for fut in self.waiting.values():
            if not fut.done():
                fut.set_exception(ConnectionError("connection lost"))

    async def request(self, msg: dict[str, Any]) -> dict[str, Any]:
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[msg["id"]] = fut
        await self.ws.send(msgpack.packb(msg, use_bin_type=True))
        return await asyncio.wait_for(fut, 30.0)


async def open_players(
    url: str, kind: str, codes: list[str], seats: int, connections: int
) -> list[Player]:
    players: list[Player] = []
    sem = asyncio.Semaphore(64)  # connections opened at once

    async def one(k: int) -> Player:
        async with sem:
            ws = await connect(url, max_size=16 * 1024 * 1024, compression=None, max_queue=None)
            p = Player(ws, kind == "echo")
            if kind == "district":
                code = codes[k // seats]
                r = await p.request(
                    {"type": "hello", "version": 1, "code": code, "name": f"P{k}", "id": "hello"}
                )
                if r.get("type") != "welcome":
                    raise RuntimeError(f"hello refused: {r}")
            return p

    players = list(await asyncio.gather(*(one(k) for k in range(connections))))
    return players


def command(rnd: random.Random, k: int, n: int) -> dict[str, Any]:
    if n % 10 == 0:
        cmd: dict[str, Any] = {"type": "chat", "text": f"offer {n} from P{k}", "to": "public"}
    else:
        cmd = {
            "type": "decide",
            "round": 1,
            "decisions": {
                "wage": round(31 + rnd.random() * 3, 2),
                "price": round(rnd.random() * 0.4 - 0.2, 2),
            },
        }
    return {"type": "command", "id": f"{k}:{n}", "cid": f"{k}:{n}", "command": cmd}


async def step(
    players: list[Player],
    rate: float,
    seconds: float,
    warmup: float,
    counter: list[int],
    cap: float,
) -> dict[str, Any]:
    per_conn = min(cap, rate / len(players))
    lat: list[float] = []
    errors: dict[str, int] = {}
    t_start = time.perf_counter() + warmup
    t_end = t_start + seconds
    done = 0

    async def run(k: int, p: Player) -> None:
        nonlocal done
        rnd = random.Random(k * 7919 + counter[0])
        await asyncio.sleep(rnd.random() / per_conn)
        while time.perf_counter() < t_end:
            counter[0] += 1
            t0 = time.perf_counter()
            try:
                r = await p.request(command(rnd, k, counter[0]))
            except (ConnectionError, TimeoutError, Exception) as e:
                errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                return
            t1 = time.perf_counter()
            if t0 >= t_start and t1 <= t_end:
                lat.append(t1 - t0)
                done += 1
                if r.get("type") == "error":
                    errors[r.get("code", "?")] = errors.get(r.get("code", "?"), 0) + 1
            await asyncio.sleep(min(max(0.0, t_end - t1), rnd.expovariate(per_conn)))

    await asyncio.gather(*(run(k, p) for k, p in enumerate(players)))
    return {
        "offered": round(per_conn * len(players), 1),
        "achieved": round(done / seconds, 1),
        "p50_ms": round(pct(lat, 0.5) * 1000, 2),
        "p99_ms": round(pct(lat, 0.99) * 1000, 2),
        "max_ms": round(max(lat, default=float("nan")) * 1000, 2),
        "errors": errors,
    }


async def main_async(a: argparse.Namespace) -> None:
    codes = [c for c in a.codes.split(",") if c]
    players = await open_players(a.url, a.kind, codes, a.seats, a.connections)
    print(json.dumps({"ready": len(players)}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    gc.collect()
    gc.freeze()  # this process's own collector pauses would show as reply latency
    counter = [0]
    cap = MAX_RATE_PER_CONN if a.kind == "district" else float("inf")
    for rate in (float(x) for x in a.rates.split(",")):
        res = await step(players, rate, a.seconds, a.warmup, counter, cap)
        print(json.dumps(res), flush=True)
        if res["p99_ms"] != res["p99_ms"] or res["p99_ms"] > a.p99_ms:
            break
        if res["achieved"] < 0.75 * res["offered"] or rate / len(players) > cap:
            break
    for p in players:
        await p.ws.close()
    print(json.dumps({"done": True}), flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", required=True)
    ap.add_argument("--kind", choices=["district", "echo"], required=True)
    ap.add_argument("--codes", default="")
    ap.add_argument("--seats", type=int, default=20)
    ap.add_argument("--connections", type=int, required=True)
    ap.add_argument("--rates", required=True, help="offered commands a second, comma-separated")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--warmup", type=float, default=0.5)
    ap.add_argument("--p99-ms", type=float, default=50.0)
    asyncio.run(main_async(ap.parse_args(argv)))


if __name__ == "__main__":
    main()
