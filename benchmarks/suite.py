"""`district bench`: District measured against its targets (ARCHITECTURE.md) and against two
yardsticks run on the same machine in the same run. Prints a table; `--json PATH` writes the rows.

Sections (docs/performance.md says what each figure means and how it is measured):

- engine: one round's resolution at 100, 1,000 and 5,000 firms (median of a few rounds, the bots
  having played the negotiation first), and the growth exponent between sizes (1 = linear).
- games: a whole bots-only game of every shipped scenario, as `district simulate` plays it.
- server: for N = 200, 1,000 and 2,000 connections (players joined to N/20 sessions of 20 seats),
  a separate load-generator process (benchmarks/loadgen.py) ramps the offered commands a second up
  until the reply p99 passes 50 ms, against `district serve`, a bare websockets echo server and an
  echo server that also commits each message to SQLite (benchmarks/echo_server.py), one after the
  other; the highest throughput with p99 < 50 ms of each, and District's as a ratio of each. Also
  the server's worst event-loop stall during the ramp, and its memory: per session, per idle
  connection, and N idle connections in all.
- fan-out: the time for a phase change to reach every player of a 40-seat session.
- restart: the District server of the 1,000-connection run, with 350 more sessions stored (lobbies
  and finished games) beside its 50 running ones, killed with SIGKILL and started again on its
  database: until its sessions are recovered, and until every running one acknowledges a command.
- cluster: the same load generator against `district serve --store postgresql://...` processes on
  one PostgreSQL database (`--store URL`, an empty database the bench may fill): N connections in
  N/20 sessions spread over 3 processes (each player's hello goes to any of them and is redirected
  to the session's owner), against 1 process on the same database; cmd/s at p99 < 50 ms of each,
  and their ratio. Without `--store` the rows say they were not measured.
- client: the game window's frame time (district scene, mouse over the map) and the first frame
  after a new round's view, at 50, 200 and 1,000 firms, headless on SDL's software renderer.

`--quick` runs every section at a small size (CI's smoke run, ~30 s): its figures are not
comparable with the full run's and are not checked against targets.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from district.benchmarks.loadgen import MAX_RATE_PER_CONN
from district.benchmarks.server_harness import ROOT, Proc, free_port, scenario_toml


@dataclass(frozen=True)
class Plan:
    name: str
    engine_firms: tuple[int, ...]
    engine_rounds: int  # rounds resolved at each size (the median is reported)
    games: tuple[str, ...] | None  # scenarios played bots-only (None: every shipped one)
    game_rounds: int | None  # None: whole games
    loads: tuple[int, ...]  # connections
    seats: int  # players per session
    rates: tuple[float, ...]  # offered commands a second, ramped
    step_seconds: float
    fanout_changes: int
    fanout_background: int
    restart_load: int  # which load's District server is killed and restarted
    restart_stored: int  # sessions in its database by then (the others: lobbies, finished games)
    client_firms: tuple[int, ...]
    client_frames: int
    targets: bool = True
    p99_ms: float = 50.0  # the reply-time bound of the throughput figures
    cluster_load: int = 1000  # connections of the cluster section (in cluster_load/seats sessions)
    cluster_processes: int = 3  # measured against 1 process on the same store
    # the cluster's ramp starts lower: on a busy 2-core machine, 500 a second is already over
    cluster_rates: tuple[float, ...] = (100, 200, 300, 400, 500, 700, 1000, 1500, 2000, 3000, 4000)


FULL = Plan(
    name="full",
    engine_firms=(100, 1000, 5000),
    engine_rounds=5,
    games=None,
    game_rounds=None,
    loads=(200, 1000, 2000),
    seats=20,
    rates=(500, 1000, 1500, 2000, 3000, 4000, 5000, 6500, 8000, 10000, 13000, 16000, 20000),
    step_seconds=3.0,
    fanout_changes=10,
    fanout_background=260,
    restart_load=1000,
    restart_stored=400,
    client_firms=(50, 200, 1000),
    client_frames=200,
)

QUICK = Plan(
    name="quick",
    engine_firms=(100, 300),
    engine_rounds=1,
    games=("emilia-romagna",),
    game_rounds=1,
    loads=(40,),
    seats=20,
    rates=(200,),
    step_seconds=1.0,
    fanout_changes=2,
    fanout_background=20,
    restart_load=40,
    restart_stored=6,
    client_firms=(50,),
    client_frames=20,
    targets=False,
    p99_ms=5000.0,  # a smoke run on a busy CI machine: every step counts
    cluster_load=60,
    cluster_rates=(200,),
)


@dataclass
class Row:
    id: str
    section: str
    name: str
    value: float | None
    unit: str
    target: str = ""  # e.g. "< 50" (same unit), or "" for none
    note: str = ""
    ok: bool | None = None  # against the target (None: no target, or a quick run)


@dataclass
class Report:
    plan: Plan
    rows: list[Row] = field(default_factory=list)
    out: Callable[[str], None] = print

    def add(self, row: Row) -> Row:
        if self.plan.targets and row.target and row.value is not None:
            op, bound = row.target.split()
            b = float(bound)
            row.ok = row.value < b if op == "<" else row.value >= b
        self.rows.append(row)
        self.out(fmt_row(row))
        return row


def fmt_value(v: float | None, unit: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if unit in ("", "x") or abs(v) < 10:
        return f"{v:,.2f}"
    return f"{v:,.0f}"


def fmt_row(r: Row) -> str:
    verdict = {True: "ok", False: "MISSED", None: ""}[r.ok]
    target = f"{r.target} {r.unit}".strip() if r.target else ""
    return (
        f"  {r.name:<62} {fmt_value(r.value, r.unit):>10} {r.unit:<6} {target:<14} {verdict:<6}"
        + (f" {r.note}" if r.note else "")
    )


def planned_ids(plan: Plan) -> list[str]:
    """Every row a run of `plan` writes, in order (the smoke test checks the output against it)."""
    ids = [f"engine.round.{n}" for n in plan.engine_firms]
    ids += [
        f"engine.growth.{a}-{b}"
        for a, b in zip(plan.engine_firms, plan.engine_firms[1:], strict=False)
    ]
    ids += [f"game.{s}" for s in game_names(plan)]
    for n in plan.loads:
        ids += [f"server.district.{n}"]
        ids += ["engine.round_under_load"] * (n == plan.restart_load) + [f"server.stall.{n}"]
        ids += [f"server.{k}.{n}" for k in KINDS[1:]]
        ids += [f"server.{r}.{n}" for r in RATIOS]
    ids += ["memory.session", "memory.connection", "memory.idle_total"]
    ids += ["fanout.p50", "fanout.p99"]
    ids += ["restart.recovered", "restart.playable"]
    n = plan.cluster_load
    ids += [f"cluster.one.{n}", f"cluster.several.{n}", f"cluster.ratio.{n}", f"cluster.cpu.{n}"]
    for n in plan.client_firms:
        ids += [f"client.frame.{n}", f"client.new_round.{n}"]
    return ids


# --- engine ------------------------------------------------------------------------------------


def engine_section(rep: Report) -> None:
    from district.benchmarks.engine_bench import time_rounds

    plan = rep.plan
    med: dict[int, float] = {}
    for n in plan.engine_firms:
        ts = time_rounds(n, repeats=plan.engine_rounds)
        med[n] = statistics.median(ts)
        rep.add(
            Row(
                f"engine.round.{n}",
                "engine",
                f"resolve one round, {n:,} firms (median)",
                med[n],
                "ms",
                "< 50" if n == 1000 else "",
                f"max {max(ts):.1f} ms over {len(ts)} rounds",
            )
        )
    for a, b in zip(plan.engine_firms, plan.engine_firms[1:], strict=False):
        k = math.log(med[b] / med[a]) / math.log(b / a)
        rep.add(
            Row(
                f"engine.growth.{a}-{b}",
                "engine",
                f"growth exponent, {a:,} to {b:,} firms",
                k,
                "",
                note="1 = linear, 2 = quadratic",
            )
        )


def game_names(plan: Plan) -> list[str]:
    if plan.games is not None:
        return list(plan.games)
    from district.server.engine.scenario_files import list_scenarios

    return [p.stem for p in list_scenarios()]


def games_section(rep: Report) -> None:
    from district.server.engine import find_scenario
    from district.server.simulate import run_game

    for name in game_names(rep.plan):
        sc = find_scenario(name)
        rounds = rep.plan.game_rounds or sc.rounds
        t0 = time.perf_counter()
        run_game(sc, 1, rounds=rounds)
        dt = time.perf_counter() - t0
        firms = len(sc.firms) + sc.background.count
        rep.add(
            Row(
                f"game.{name}",
                "games",
                f"bots-only game, {name}, {rounds} rounds",
                dt,
                "s",
                "< 5" if rep.plan.game_rounds is None else "",
                f"{len(sc.seats)} seats, {firms} firms",
            )
        )


# --- server ------------------------------------------------------------------------------------

KINDS = ("district", "echo", "echo_sqlite", "relay")
KIND_NAMES = {
    "district": "District",
    "echo": "bare websockets echo",
    "echo_sqlite": "echo + SQLite commit",
    "relay": "relay (echo + chats to the group)",
}
# District against each yardstick: by throughput, then by CPU time a reply
YARDSTICKS = ("echo", "echo_sqlite", "relay")
RATIOS = tuple(f"ratio_{y}" for y in YARDSTICKS) + tuple(f"cpu_{y}" for y in YARDSTICKS)


def rss_kib(pid: int) -> int:
    """The resident memory of a process (Linux /proc; 0 where there is none)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Drain:
    """Reads a child's output so that it never blocks on a full pipe; keeps the last lines."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self.thread.start()

    def _run(self, stream: Any) -> None:
        for line in stream:
            self.lines = [*self.lines[-50:], line]


class DistrictServer:
    def __init__(self, tmp: Path, scenarios: Path) -> None:
        self.proc = Proc(tmp / "bench.sqlite3", scenarios, free_port())
        self.drain: Drain | None = None

    def start(self) -> float:
        t = self.proc.start()
        assert self.proc.p is not None
        self.drain = Drain(self.proc.p.stdout)
        return t

    @property
    def pid(self) -> int:
        assert self.proc.p is not None
        return self.proc.p.pid

    @property
    def url(self) -> str:
        return self.proc.url

    def stop(self) -> None:
        self.proc.stop()


class EchoServer:
    def __init__(self, sqlite: Path | None, relay: int = 0) -> None:
        self.port = free_port()
        cmd = [sys.executable, "-m", "district.benchmarks.echo_server", "--port", str(self.port)]
        if sqlite is not None:
            cmd += ["--sqlite", str(sqlite)]
        if relay:
            cmd += ["--relay", str(relay)]
        self.p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.p.stdout is not None
        if self.p.stdout.readline().strip() != "listening":
            raise RuntimeError("the echo server did not start")
        self.drain = Drain(self.p.stdout)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.p.pid

    def stop(self) -> None:
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()


class LoadGen:
    """The load generator process (benchmarks/loadgen.py), driven by lines on its stdin/stdout."""

    def __init__(
        self,
        url: str,
        kind: str,
        codes: list[str],
        plan: Plan,
        connections: int,
        pid: int | list[int],
        rates: tuple[float, ...] | None = None,
    ) -> None:
        """`url` may list several processes (comma-separated), `pid` too (a list); `rates` is
        the ramp (default: the plan's)."""
        cmd = [
            sys.executable,
            "-m",
            "district.benchmarks.loadgen",
            "--url",
            url,
            "--kind",
            "district" if kind == "district" else "echo",
            "--codes",
            ",".join(codes),
            "--seats",
            str(plan.seats),
            "--connections",
            str(connections),
            "--rates",
            ",".join(f"{r:g}" for r in (rates or plan.rates)),
            "--seconds",
            str(plan.step_seconds),
            "--p99-ms",
            str(plan.p99_ms),
            "--pid",
            ",".join(map(str, pid)) if isinstance(pid, list) else str(pid),
        ]
        self.p = subprocess.Popen(
            cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def read(self) -> dict[str, Any]:
        assert self.p.stdout is not None
        line = self.p.stdout.readline()
        if not line:
            self.p.wait()
            raise RuntimeError(f"the load generator stopped (exit {self.p.returncode})")
        out: dict[str, Any] = json.loads(line)
        return out

    def go(self) -> list[dict[str, Any]]:
        assert self.p.stdin is not None
        self.p.stdin.write("go\n")
        self.p.stdin.flush()
        steps = []
        while True:
            r = self.read()
            if r.get("done"):
                break
            steps.append(r)
        self.p.wait(30)
        return steps


def worst_stall(stalls: list[list[float]], steps: list[dict[str, Any]]) -> float:
    """The worst event-loop stall (ms) the server reported (`info`'s `stalls`: [when, ms], when
    by time.monotonic()) within the measured windows of `steps` (loadgen's `window`)."""
    worst = 0.0
    for t, ms in stalls:
        # a stall is seen when it ends: it counts if it overlaps a window
        if any(s["window"][0] <= t and t - ms / 1000 <= s["window"][1] for s in steps):
            worst = max(worst, ms)
    return worst


def best(steps: list[dict[str, Any]], bound: float) -> dict[str, Any] | None:
    """The step with the highest achieved throughput whose p99 stayed under `bound` (ms)."""
    good = [s for s in steps if s["p99_ms"] == s["p99_ms"] and s["p99_ms"] < bound]
    return max(good, key=lambda s: float(s["achieved"]), default=None)


def round_under_load(gen: LoadGen, firms: int) -> dict[str, Any]:
    """Resolve rounds of a `firms`-firm district in this process while the load generator's ramp
    runs (its first step at least): the median time and the ramp's steps."""
    from district.benchmarks.engine_bench import district
    from district.server.engine import Game
    from district.server.engine.scenario_parse import parse_scenario
    from district.server.simulate import play_bots_round

    games = []
    for seed in (1, 2, 3):
        g = Game(parse_scenario(district(firms), "bench"), seed)
        play_bots_round(g)
        games.append(g)
    out: dict[str, Any] = {}
    t = threading.Thread(target=lambda: out.update(steps=gen.go()), daemon=True)
    t.start()
    time.sleep(1.0)  # the load is on (the step's warm-up is 0.5 s)
    times = []
    for g in games:
        t0 = time.perf_counter()
        g.resolve()
        times.append((time.perf_counter() - t0) * 1000)
    t.join()
    out["firms"] = firms
    out["times"] = times
    return out


async def create_sessions(url: str, scenario: str, count: int) -> list[dict[str, Any]]:
    from district.benchmarks.server_bench import create

    made = []
    for i in range(count):
        created, fac = await create(
            url, scenario, 1000 + i, negotiation_seconds=86400, report_seconds=86400
        )
        r = await fac.control("start", fill_bots=False)
        assert r["type"] == "ack", r
        await fac.close()
        made.append(created)
    return made


async def server_info(url: str, token: str) -> dict[str, Any]:
    from district.server.protocol_client import ProtocolClient

    fac = ProtocolClient(url, token=token)
    await fac.connect()
    info: dict[str, Any] = (await fac.control("info"))["result"]
    await fac.close()
    return info


async def store_more_sessions(url: str, scenario: str, count: int) -> None:
    """`count` more sessions in the server's database, as a busy server's file holds them: half
    left in their lobby, half played (bots in every seat) and ended."""
    from district.benchmarks.server_bench import create

    for i in range(count):
        _created, fac = await create(url, scenario, 5000 + i)
        if i % 2:
            r = await fac.control("start", fill_bots=True)
            assert r["type"] == "ack", r
            r = await fac.control("end")
            assert r["type"] == "ack", r
        await fac.close()


async def restart_district(
    srv: DistrictServer, made: list[dict[str, Any]], stored: int
) -> tuple[float, float]:
    """Kill the server with SIGKILL once its database holds `stored` sessions (`made` running),
    start it again: (seconds until it says its sessions are recovered, until every running
    session has acknowledged a command)."""
    from district.server.protocol_client import ProtocolClient

    await store_more_sessions(srv.url, "bench-seats", stored - len(made))
    srv.proc.kill9()
    t0 = time.perf_counter()
    up = srv.start()

    async def one(token: str) -> float:
        c = ProtocolClient(srv.url, token=token)
        await c.connect(timeout=30)
        r = await c.command({"type": "chat", "text": "back", "to": "public"})
        assert r["type"] == "ack", r
        await c.close()
        return time.perf_counter() - t0

    times = await asyncio.gather(*(one(m["facilitator_token"]) for m in made))
    return up, max(times)


async def server_section(rep: Report, tmp: Path) -> None:
    from district.benchmarks.server_bench import fanout

    plan = rep.plan
    scen = tmp / "scenarios"
    scen.mkdir(exist_ok=True)
    (scen / "bench-seats.toml").write_text(scenario_toml("bench-seats", plan.seats - 4, 2))
    (scen / "bench-40.toml").write_text(
        scenario_toml("bench-40", 36, 2, background=plan.fanout_background)
    )
    memory: dict[str, Any] = {}
    fan: dict[str, Any] | None = None
    restart: tuple[float, float] | None = None
    for n in plan.loads:
        sessions = max(1, n // plan.seats)
        results: dict[str, dict[str, Any] | None] = {}
        cpu: dict[str, float | None] = {}
        for kind in KINDS:
            run_dir = tmp / f"{kind}-{n}"
            run_dir.mkdir()
            made: list[dict[str, Any]] = []
            srv: DistrictServer | EchoServer
            if kind == "district":
                srv = DistrictServer(run_dir, scen)
                srv.start()
                rss0 = rss_kib(srv.pid)
                made = await create_sessions(srv.url, "bench-seats", sessions)
                rss1 = rss_kib(srv.pid)
            else:
                srv = EchoServer(
                    run_dir / "echo.sqlite3" if kind == "echo_sqlite" else None,
                    relay=plan.seats if kind == "relay" else 0,
                )
            try:
                gen = LoadGen(
                    srv.url, kind, [m["code"] for m in made], plan, sessions * plan.seats, srv.pid
                )
                ready = gen.read()
                if kind == "district" and n == max(plan.loads):
                    rss2 = rss_kib(srv.pid)
                    memory = {
                        "sessions": sessions,
                        "connections": ready["ready"],
                        "per_session": (rss1 - rss0) / sessions,
                        "per_connection": (rss2 - rss1) / ready["ready"],
                        "idle_total": (rss2 - rss1) / 1024,
                        "rss": rss2 / 1024,
                    }
                if kind == "district" and n == plan.restart_load:
                    # one engine round resolved here while the load runs (three processes on
                    # the machine's cores: how a round fares on a busy server machine)
                    under_load = round_under_load(
                        gen, plan.engine_firms[-2 if len(plan.engine_firms) > 2 else -1]
                    )
                    steps = under_load.pop("steps")
                else:
                    steps = gen.go()
                results[kind] = best(steps, plan.p99_ms)
                top = results[kind]
                cpu[kind] = (top or steps[0]).get("cpu_us") if steps else None
                ramp = ", ".join(f"{s['achieved']:.0f} {s['p99_ms']:.0f}" for s in steps)
                rep.add(
                    Row(
                        f"server.{kind}.{n}",
                        "server",
                        f"{KIND_NAMES[kind]}: cmd/s at p99 < {plan.p99_ms:g} ms, {n:,} conns",
                        top["achieved"] if top else 0.0,
                        "cmd/s",
                        ">= 1000" if kind == "district" and n == 1000 else "",
                        f"CPU {cpu[kind] or 0:.0f} us a reply, "
                        f"{(top or steps[0]).get('sys_us') or 0:.0f} of them in the kernel "
                        f"(the generator {(top or steps[0]).get('gen_cpu_us') or 0:.0f} us), "
                        f"{(top or steps[0]).get('frames_per_reply') or 0:.1f} frames received "
                        f"per reply; "
                        + (
                            f"its players send at most {MAX_RATE_PER_CONN:g} a second each "
                            f"({MAX_RATE_PER_CONN * n:,.0f} in all), under its rate limit; "
                            if kind == "district"
                            else ""
                        )
                        + f"ramp (cmd/s, p99 ms): {ramp}",
                    )
                )
                if kind == "district":
                    assert isinstance(srv, DistrictServer)
                    info = await server_info(srv.url, made[0]["facilitator_token"])
                    last10 = info["server"]["loop_lag_ms"]
                    gcp = info["server"].get("gc_pause_ms", 0.0)
                    stalls = info["server"].get("stalls", [])
                    counted = [s for s in steps if s["p99_ms"] < plan.p99_ms] or steps
                    stall = worst_stall(stalls, counted)
                    stall_all = worst_stall(stalls, steps)
                    if fan is None:
                        fan = await fanout(srv.url, "bench-40", plan.fanout_changes)
                    if n == plan.restart_load:
                        restart = await restart_district(srv, made, plan.restart_stored)
            finally:
                srv.stop()
            if kind == "district" and n == plan.restart_load:
                ts = under_load["times"]
                rep.add(
                    Row(
                        "engine.round_under_load",
                        "server",
                        f"resolve one round, {under_load['firms']:,} firms, beside {n:,} conns' load",
                        statistics.median(ts),
                        "ms",
                        "< 50" if under_load["firms"] == 1000 else "",
                        f"max {max(ts):.0f} ms, {len(ts)} rounds",
                    )
                )
            if kind == "district":
                rep.add(
                    Row(
                        f"server.stall.{n}",
                        "server",
                        f"District: worst event-loop stall under load, {n:,} conns",
                        stall,
                        "ms",
                        "< 50",
                        ("none over 10 ms " if stall == 0 else "")
                        + f"in the steps with p99 < {plan.p99_ms:g} ms; over the whole ramp "
                        f"{stall_all:.0f} ms; last 10 s (the ramp's end, then its {n:,} clients "
                        f"leaving at once) {last10:.0f} ms; worst GC pause {gcp:.0f} ms",
                    )
                )
        ours = results["district"]["achieved"] if results["district"] else 0.0
        for kind in YARDSTICKS:
            rid = f"ratio_{kind}"
            theirs = results[kind]["achieved"] if results[kind] else 0.0
            rep.add(
                Row(
                    f"server.{rid}.{n}",
                    "server",
                    f"District / {KIND_NAMES[kind]}, {n:,} conns",
                    ours / theirs if theirs else None,
                    "x",
                    ">= 0.5" if kind == "echo" else "",
                )
            )
        for kind in YARDSTICKS:
            rid = f"cpu_{kind}"
            # the same comparison by the servers' CPU time per reply, each at its own top step:
            # what a busy machine disturbs least
            a, b = cpu.get("district"), cpu.get(kind)
            rep.add(
                Row(
                    f"server.{rid}.{n}",
                    "server",
                    f"District / {KIND_NAMES[kind]}, CPU a reply, {n:,} conns",
                    b / a if a and b else None,
                    "x",
                    note=f"{a:.0f} vs {b:.0f} us a reply" if a and b else "",
                )
            )
    rep.add(
        Row(
            "memory.session",
            "memory",
            f"memory per session ({plan.seats} seats)",
            memory.get("per_session"),
            "KiB",
            note=f"{memory.get('sessions')} sessions, resident set growth",
        )
    )
    rep.add(
        Row(
            "memory.connection",
            "memory",
            "memory per idle connection (a joined player)",
            memory.get("per_connection"),
            "KiB",
        )
    )
    rep.add(
        Row(
            "memory.idle_total",
            "memory",
            f"{memory.get('connections', 0):,} idle connections in all",
            memory.get("idle_total"),
            "MB",
            "< 100" if memory.get("connections", 0) >= 2000 else "",
            f"server resident {memory.get('rss', 0):.0f} MB",
        )
    )
    assert fan is not None
    for q in ("p50", "p99"):
        rep.add(
            Row(
                f"fanout.{q}",
                "fan-out",
                f"phase change to every player of {fan['seats']} seats, {q}",
                fan[f"fanout_{q}_s"],
                "s",
                "< 1" if q == "p99" else "",
                f"{fan['deliveries']} deliveries, view {fan['view_bytes'] / 1024:.0f} KiB"
                if q == "p50"
                else "",
            )
        )
    assert restart is not None
    n_sessions = max(1, plan.restart_load // plan.seats)
    what = f"{plan.restart_stored} stored sessions ({n_sessions} running)"
    rep.add(
        Row(
            "restart.recovered",
            "restart",
            f"restart after kill -9, {what}: recovered",
            restart[0],
            "s",
            "< 2",
        )
    )
    rep.add(
        Row(
            "restart.playable",
            "restart",
            f"restart after kill -9, {what}: all playable",
            restart[1],
            "s",
            "< 2",
        )
    )


# --- cluster -----------------------------------------------------------------------------------


async def end_sessions(url: str, made: list[dict[str, Any]]) -> None:
    """End every session (through any process: a facilitator's hello is redirected to the owner),
    so that none is left running in the store for later processes to take over."""
    from district.server.protocol_client import ProtocolClient

    for m in made:
        fac = ProtocolClient(url, token=m["facilitator_token"])
        await fac.connect(timeout=30)
        r = await fac.control("end")
        assert r["type"] == "ack", r
        await fac.close()


async def cluster_run(
    plan: Plan, tmp: Path, scen: Path, store: str, processes: int
) -> list[dict[str, Any]]:
    """`processes` District processes on the store, the load generator's ramp against them all:
    its steps. Sessions are created round-robin over the processes, each player says hello to
    the processes in turn (most are redirected to their session's owner)."""
    ports = [free_port() for _ in range(processes)]
    procs = [
        Proc(
            tmp / f"cluster-{processes}-{i}.sqlite3",
            scen,
            port,
            ("--store", store, "--name", f"bench-{processes}-{i}"),
        )
        for i, port in enumerate(ports)
    ]
    try:
        for p in procs:
            p.start()
            assert p.p is not None
            Drain(p.p.stdout)
        sessions = max(processes, plan.cluster_load // plan.seats)
        made: list[dict[str, Any]] = []
        for i, p in enumerate(procs):
            share = sessions // processes + (i < sessions % processes)
            made += await create_sessions(p.url, "bench-seats", share)
        pids = [p.p.pid for p in procs if p.p is not None]
        urls = ",".join(p.url for p in procs)
        codes = [m["code"] for m in made]
        gen = LoadGen(
            urls, "district", codes, plan, len(made) * plan.seats, pids, plan.cluster_rates
        )
        gen.read()
        steps = gen.go()
        await end_sessions(procs[0].url, made)
        return steps
    finally:
        for p in procs:
            p.stop()


# the servers' CPU time a reply, 1 process against k in all (above 1: k processes spend less)
CLUSTER_CPU = "1 process / {k} processes, CPU a reply, {n:,} conns"


async def cluster_section(rep: Report, tmp: Path, store: str | None) -> None:
    plan = rep.plan
    n = plan.cluster_load
    k = plan.cluster_processes
    names = {1: "1 process", k: f"{k} processes"}
    rows = {1: f"cluster.one.{n}", k: f"cluster.several.{n}"}
    if store is None:
        for size in (1, k):
            rep.add(
                Row(
                    rows[size],
                    "cluster",
                    f"{names[size]} on one PostgreSQL: cmd/s at p99 < {plan.p99_ms:g} ms, "
                    f"{n:,} conns",
                    None,
                    "cmd/s",
                    note="not measured: give --store postgresql://... (an empty database)",
                )
            )
        rep.add(Row(f"cluster.ratio.{n}", "cluster", f"{k} processes / 1, {n:,} conns", None, "x"))
        rep.add(Row(f"cluster.cpu.{n}", "cluster", CLUSTER_CPU.format(k=k, n=n), None, "x"))
        return
    scen = tmp / "cluster-scenarios"
    scen.mkdir(exist_ok=True)
    (scen / "bench-seats.toml").write_text(scenario_toml("bench-seats", plan.seats - 4, 2))
    top: dict[int, float] = {}
    ramps: dict[int, list[dict[str, Any]]] = {}
    for size in (1, k):
        steps = ramps[size] = await cluster_run(plan, tmp, scen, store, size)
        good = best(steps, plan.p99_ms)
        top[size] = good["achieved"] if good else 0.0
        ramp = ", ".join(f"{s['achieved']:.0f} {s['p99_ms']:.0f}" for s in steps)
        rep.add(
            Row(
                rows[size],
                "cluster",
                f"{names[size]} on one PostgreSQL: cmd/s at p99 < {plan.p99_ms:g} ms, {n:,} conns",
                top[size],
                "cmd/s",
                note=f"CPU {(good or steps[0]).get('cpu_us') or 0:.0f} us a reply (the servers); "
                f"ramp (cmd/s, p99 ms): {ramp}",
            )
        )
    rep.add(
        Row(
            f"cluster.ratio.{n}",
            "cluster",
            f"{k} processes / 1, {n:,} conns",
            top[k] / top[1] if top[1] else None,
            "x",
            note=f"{os.cpu_count()} CPUs shared by the servers, PostgreSQL and the load generator",
        )
    )
    # CPU a reply at the same offered rate (the highest both ramps reached): the processes' idle
    # work (leases, statuses, pings) is spread over as many replies in both
    same = {r["offered"] for r in ramps[1]} & {r["offered"] for r in ramps[k]}
    rate = max(same, default=None)
    a, b = (
        next((r.get("cpu_us") for r in ramps[size] if r["offered"] == rate), None)
        for size in (1, k)
    )
    rep.add(
        Row(
            f"cluster.cpu.{n}",
            "cluster",
            CLUSTER_CPU.format(k=k, n=n),
            a / b if a and b else None,
            "x",
            note=f"{a:.0f} vs {b:.0f} us a reply at {rate:,.0f} cmd/s offered, the servers' CPU"
            if a and b and rate
            else "",
        )
    )


# --- client ------------------------------------------------------------------------------------


def client_section(rep: Report) -> None:
    import importlib.util

    if importlib.util.find_spec("pygame") is None or importlib.util.find_spec("pygame_gui") is None:
        for n in rep.plan.client_firms:
            for rid, what in (("frame", "frame"), ("new_round", "first frame, new round")):
                rep.add(
                    Row(
                        f"client.{rid}.{n}",
                        "client",
                        f"client {what}, {n:,} firms",
                        None,
                        "ms",
                        note="not measured: the client extra is not installed",
                    )
                )
        return
    import warnings

    from district.benchmarks.client_bench import frame_times

    for n in rep.plan.client_firms:
        with warnings.catch_warnings():  # pygame_gui's layout warnings are not figures
            warnings.simplefilter("ignore")
            ft = frame_times(n, rep.plan.client_frames)
        rep.add(
            Row(
                f"client.frame.{n}",
                "client",
                f"client frame, {ft['firms']:,} firms, mouse over the map (mean)",
                ft["hover_mean"],
                "ms",
                "< 16" if n == 200 else "",
                f"p95 {ft['hover_p95']:.1f} ms, {ft['size']}",
            )
        )
        rep.add(
            Row(
                f"client.new_round.{n}",
                "client",
                f"client first frame after a new round's view, {ft['firms']:,} firms",
                ft["new_round_median"],
                "ms",
                note=f"max {ft['new_round_max']:.0f} ms; the 4 frames after it at most "
                f"{ft['after_new_round_max']:.0f} ms",
            )
        )


# --- the run -----------------------------------------------------------------------------------


def run(plan: Plan, out: Callable[[str], None] = print, store: str | None = None) -> Report:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    rep = Report(plan, out=out)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out(
        f"District benchmark ({plan.name}): {os.cpu_count()} CPUs, load {load:.1f}, "
        f"Python {platform.python_version()}"
        + ("" if plan.targets else "; a smoke run: figures are not checked against targets")
    )
    out(f"  {'what':<62} {'value':>10} {'unit':<6} {'target':<14} {'':<6}")
    tmp = Path(tempfile.mkdtemp(prefix="district-bench-"))
    out("engine")
    engine_section(rep)
    out("games")
    games_section(rep)
    out("server (one load generator process; each server in turn)")
    asyncio.run(server_section(rep, tmp))
    out("cluster (one load generator; 1 process, then several, on one PostgreSQL)")
    asyncio.run(cluster_section(rep, tmp, store))
    out("client")
    client_section(rep)
    with contextlib.suppress(OSError):
        import shutil

        shutil.rmtree(tmp)
    missed = [r for r in rep.rows if r.ok is False]
    if plan.targets:
        out(f"{len(missed)} target(s) missed" if missed else "every target met")
    return rep


def to_json(rep: Report) -> dict[str, Any]:
    return {
        "plan": asdict(rep.plan),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rows": [asdict(r) for r in rep.rows],
    }


def json_problem(path: Path) -> str | None:
    """Why the JSON cannot be written at `path` (checked before a run of minutes), or None."""
    if path.is_dir():
        return f"--json {path}: that is a directory; give a file name, e.g. {path / 'bench.json'}"
    if not path.parent.is_dir():
        return f"--json {path}: the folder {path.parent} does not exist"
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="district bench", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a small smoke run (~30 s)")
    ap.add_argument("--json", default=None, metavar="PATH", help="also write the rows as JSON")
    ap.add_argument(
        "--store",
        default=None,
        metavar="URL",
        help="a PostgreSQL database (postgresql://...) for the cluster section",
    )
    a = ap.parse_args(argv)
    rep = run(QUICK if a.quick else FULL, store=a.store)
    if a.json:
        Path(a.json).write_text(json.dumps(to_json(rep), indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
