"""Server benchmarks against the targets of ARCHITECTURE.md (a script, not a test).

    .venv/bin/python benchmarks/server_bench.py [--sessions 50] [--seats 20] [--seconds 10]

1. Throughput: one server process (a subprocess), SESSIONS x SEATS connected players sending
   commands (decisions, one in ten a public chat) for SECONDS: commands/s, p50/p99 ack latency
   (client-measured), and the server's worst event-loop stall (its own monitor).
2. Fan-out: a 40-seat session; the facilitator advances the phase; time until every player has
   its new view (p50/p99 over all players and phase changes).
3. Restart: the throughput server is killed with SIGKILL mid-round and restarted on the same
   database: time until the process has recovered every session, and until every session has
   acknowledged a new command; and the check that no acknowledged command was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import msgpack
from district.benchmarks.server_harness import Proc, free_port, scenario_toml
from district.server.protocol_client import ProtocolClient

TARGETS = {
    "commands_per_s": 1000,
    "ack_p99_ms": 50,
    "stall_ms": 50,
    "fanout_p99_s": 1.0,
    "restart_s": 2.0,
}


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


async def create(
    url: str, scenario: str, seed: int, **kw: Any
) -> tuple[dict[str, Any], ProtocolClient]:
    maker = ProtocolClient(url)
    await maker.connect_only()
    created = await maker.create(scenario, seed=seed, **kw)
    await maker.close()
    assert created["type"] == "created", created
    fac = ProtocolClient(url, token=created["facilitator_token"])
    await fac.connect()
    return created, fac


DECISIONS = {
    "firm": lambda r: {
        "wage": round(31 + r.random() * 3, 2),
        "price": round(r.random() * 0.4 - 0.2, 2),
    },
    "union": lambda r: {"training_participation": round(r.random(), 2)},
    "government": lambda r: {"training_match": round(r.random() * 0.5, 2)},
    "broker": lambda r: {"intel": False},
}


async def throughput(
    url: str, sessions: int, seats: int, seconds: float, rate: float
) -> dict[str, Any]:
    made = [
        await create(url, "bench-seats", 1000 + i, negotiation_seconds=86400, report_seconds=86400)
        for i in range(sessions)
    ]
    clients: list[ProtocolClient] = []
    for created, _fac in made:
        group = [ProtocolClient(url, code=created["code"], name=f"P{j}") for j in range(seats)]
        await asyncio.gather(*(c.connect() for c in group))
        clients += group
    for _c, fac in made:
        await fac.control("start", fill_bots=False)
    await asyncio.sleep(0.5)
    gc.collect()  # the measuring client's own collector pauses would show up as ack latency
    gc.freeze()
    lat: list[float] = []
    errors: list[str] = []
    acked: list[str] = []
    done: list[float] = []
    start = time.perf_counter()
    end = start + seconds

    async def player(c: ProtocolClient, k: int) -> None:
        rnd = random.Random(k)
        role = c.welcome["role"] if c.welcome else "firm"
        n = 0
        await asyncio.sleep(rnd.random() / rate)
        while time.perf_counter() < end:
            n += 1
            if n % 10 == 0:
                cmd = {"type": "chat", "text": f"offer {n} from {c.seat}", "to": "public"}
            else:
                cmd = {"type": "decide", "round": 1, "decisions": DECISIONS[role](rnd)}
            cid = f"{k}:{n}"
            t0 = time.perf_counter()
            r = await c.command(cmd, cid)
            t1 = time.perf_counter()
            lat.append(t1 - t0)
            if t1 <= end:
                done.append(t1)
            if r["type"] == "ack":
                acked.append(cid)
            else:
                errors.append(r["code"])
            await asyncio.sleep(min(max(0.0, end - t1), rnd.expovariate(rate)))

    await asyncio.gather(*(player(c, k) for k, c in enumerate(clients)))
    info = (await made[0][1].control("info"))["result"]
    for c in clients:
        await c.close()
    return {
        "connections": len(clients),
        "commands": len(lat),
        "commands_per_s": len(done) / seconds,
        "ack_p50_ms": pct(lat, 0.5) * 1000,
        "ack_p99_ms": pct(lat, 0.99) * 1000,
        "ack_max_ms": max(lat) * 1000,
        "errors": errors,
        "stall_ms": info["server"]["loop_lag_ms"],
        "gc_ms": info["server"].get("gc_pause_ms", 0.0),
        "sessions": made,
        "acked": acked,
    }


async def fanout(url: str, scenario: str, changes: int) -> dict[str, Any]:
    created, fac = await create(url, scenario, 7, negotiation_seconds=86400, report_seconds=86400)
    n = len(created["seats"])
    arrivals: dict[tuple[int, str], float] = {}

    def watcher(c: ProtocolClient) -> Any:
        def on(msg: dict[str, Any]) -> None:
            if msg.get("type") == "view":
                v = msg["view"]
                arrivals.setdefault(
                    (v["round"] * 2 + (v["phase"] != "negotiation"), c.seat or ""),
                    time.perf_counter(),
                )

        return on

    clients = [ProtocolClient(url, code=created["code"], name=f"P{j}") for j in range(n)]
    for c in clients:
        c.on_message = watcher(c)
    await asyncio.gather(*(c.connect() for c in clients))
    await fac.control("start", fill_bots=False)
    await asyncio.sleep(0.3)
    lat: list[float] = []
    sizes: list[int] = []
    for i in range(changes):
        key_round = clients[0].view["round"] if clients[0].view else 1
        key = key_round * 2 + (
            0 if clients[0].view and clients[0].view["phase"] != "negotiation" else 1
        )
        if clients[0].view and clients[0].view["phase"] != "negotiation":
            key = (key_round + 1) * 2
        t0 = time.perf_counter()
        r = await fac.control("advance")
        if r["type"] != "ack":
            break
        deadline = time.perf_counter() + 10
        while sum(1 for (k, _s) in arrivals if k == key) < n and time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
        got = [t - t0 for (k, _s), t in arrivals.items() if k == key]
        lat += got
        if i == 0:
            sizes.append(len(msgpack.packb({"view": clients[0].view})))
        await asyncio.sleep(0.2)
    info = (await fac.control("info"))["result"]
    for c in [*clients, fac]:
        await c.close()
    return {
        "seats": n,
        "deliveries": len(lat),
        "fanout_p50_s": pct(lat, 0.5),
        "fanout_p99_s": pct(lat, 0.99),
        "view_bytes": sizes[0] if sizes else 0,
        "stall_ms": info["server"]["loop_lag_ms"],
    }


async def restart(
    proc: Proc, made: list[tuple[dict[str, Any], ProtocolClient]], acked: list[str]
) -> dict[str, Any]:
    """Kill -9 mid-round, restart, and time until each session acknowledges a new command."""
    tokens = []
    for created, _fac in made:
        tokens.append(created["facilitator_token"])
    proc.kill9()
    con = sqlite3.connect(proc.db)
    stored = set()
    for (data,) in con.execute("SELECT data FROM entries"):
        e = msgpack.unpackb(data, raw=False)
        if "cid" in e:
            stored.add(e["cid"])
    entries = con.execute("SELECT count(*) FROM entries").fetchone()[0]
    con.close()
    lost = [c for c in acked if c not in stored]
    t0 = time.perf_counter()
    up = proc.start()

    async def one(token: str) -> float:
        c = ProtocolClient(proc.url, token=token)
        await c.connect()
        r = await c.command({"type": "chat", "text": "back", "to": "public"})
        assert r["type"] == "ack", r
        await c.close()
        return time.perf_counter() - t0

    times = await asyncio.gather(*(one(t) for t in tokens))
    return {
        "recovered_s": up,
        "playable_s": max(times),
        "lost": len(lost),
        "entries": entries,
        "sessions": len(tokens),
    }


def line(name: str, value: float, unit: str, target: float, lower_is_better: bool = True) -> str:
    ok = value <= target if lower_is_better else value >= target
    cmp = "<" if lower_is_better else ">="
    return f"  {name:<34} {value:>10.2f} {unit:<6} (target {cmp} {target:g} {unit}) {'ok' if ok else 'MISSED'}"


async def main_async(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="district-bench-"))
    scen = tmp / "scenarios"
    scen.mkdir()
    (scen / "bench-seats.toml").write_text(scenario_toml("bench-seats", args.seats - 4, 2))
    (scen / "bench-40.toml").write_text(scenario_toml("bench-40", 36, 2, background=260))
    proc = Proc(tmp / "bench.sqlite3", scen, free_port())
    proc.start()
    try:
        print(
            f"server benchmark: {args.sessions} sessions x {args.seats} seats, {args.seconds:g} s, "
            f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
            flush=True,
        )
        t = await throughput(proc.url, args.sessions, args.seats, args.seconds, args.rate)
        print(
            f"1. throughput: {t['connections']} connected players, {t['commands']} commands "
            f"({len(t['errors'])} refused)"
        )
        print(line("commands/s", t["commands_per_s"], "cmd/s", TARGETS["commands_per_s"], False))
        print(line("ack latency p50", t["ack_p50_ms"], "ms", TARGETS["ack_p99_ms"]))
        print(line("ack latency p99", t["ack_p99_ms"], "ms", TARGETS["ack_p99_ms"]))
        print(line("worst event-loop stall (10 s)", t["stall_ms"], "ms", TARGETS["stall_ms"]))
        print(f"  (worst garbage-collector pause in those 10 s: {t['gc_ms']:.1f} ms)")
        f = await fanout(proc.url, args.fanout_scenario, args.changes)
        print(
            f"2. fan-out: {f['seats']}-seat session ({args.fanout_scenario}), {f['deliveries']} view deliveries, "
            f"view ~{f['view_bytes'] / 1024:.0f} KiB"
        )
        print(
            line(
                "phase change to every player p50", f["fanout_p50_s"], "s", TARGETS["fanout_p99_s"]
            )
        )
        print(
            line(
                "phase change to every player p99", f["fanout_p99_s"], "s", TARGETS["fanout_p99_s"]
            )
        )
        print(line("worst event-loop stall meanwhile", f["stall_ms"], "ms", TARGETS["stall_ms"]))
        r = await restart(proc, t["sessions"], t["acked"])
        print(
            f"3. restart after kill -9: {r['sessions'] + 1} sessions, {r['entries']} stored entries"
        )
        print(line("process up, sessions recovered", r["recovered_s"], "s", TARGETS["restart_s"]))
        print(line("every session playable again", r["playable_s"], "s", TARGETS["restart_s"]))
        print(f"  acknowledged commands lost: {r['lost']} of {len(t['acked'])}")
    finally:
        proc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--seats", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=1.2, help="commands a second per player")
    ap.add_argument("--fanout-scenario", default="bench-40")
    ap.add_argument("--changes", type=int, default=10, help="phase changes in the fan-out test")
    asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    main()
