"""What the server benchmarks run against: a `district serve` process of its own (a subprocess on
a free port, with its database and scenario folder), which can be stopped, or killed with SIGKILL and
started again; and the TOML of a benchmark district with a given number of seats."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def scenario_toml(
    name: str, firm_seats: int, brokers: int, background: int = 20, rounds: int = 8
) -> str:
    caps = [
        "{ machining = 0.7, design = 0.4 }",
        "{ welding = 0.7, finishing = 0.5 }",
        "{ assembly = 0.6, machining = 0.4 }",
        "{ finishing = 0.7 }",
    ]
    roads = ["high", "low", "mixed", "high"]
    out = [
        f'''[scenario]
name = "{name}"
title = "Benchmark district ({firm_seats} firm seats)"
rounds = {rounds}
operations = ["design", "machining", "welding", "finishing", "assembly"]
sectors = ["machinery"]

[institutions]
wage_floor = 30.0
reference_wage = 32.0
enforcement = 0.5
union_power = 0.4
union_density = 0.4
labour_surplus = 0.06
government_budget = 3000.0
union_funds = 300.0

[markets]
commodity_demand = {20 * firm_seats + 10 * background}.0
niche_demand = {6 * firm_seats}.0
export_demand = {3 * firm_seats}.0
'''
    ]
    for i in range(firm_seats):
        out.append(f'''[[firms]]
name = "Firm {i + 1:03d}"
seat = true
workers = {8 + (i * 3) % 9}
skilled = {1 + i % 3}
capabilities = {caps[i % 4]}
wage = {30 + i % 3}.0
cash = {90 + (i * 17) % 90}.0
road = "{roads[i % 4]}"
''')
    out.append(f"""[background]
count = {background}
workers = [4, 12]

[[seats]]
role = "union"
name = "Union"

[[seats]]
role = "government"
name = "Region"
""")
    for b in range(brokers):
        out.append(f"""[[seats]]
id = "broker:b{b + 1}"
role = "broker"
name = "Broker {b + 1}"
""")
    return "\n".join(out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """`district serve` on 127.0.0.1:`port`; `extra` arguments are added (e.g. `--store URL`)."""

    def __init__(self, db: Path, scenarios: Path, port: int, extra: tuple[str, ...] = ()) -> None:
        self.db, self.scenarios, self.port, self.extra = db, scenarios, port, extra
        self.p: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> float:
        t0 = time.perf_counter()
        self.p = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "district.server.cli",
                "serve",
                "--port",
                str(self.port),
                "--db",
                str(self.db),
                "--scenarios",
                str(self.scenarios),
                "--log-level",
                "WARNING",
                *self.extra,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("BENCH_SERVER_LOG") else subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.p.stdout is not None
        lines = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("server did not start:\n" + "".join(lines))
            lines.append(line)
            if line.startswith("sessions recovered"):
                return time.perf_counter() - t0

    def kill9(self) -> None:
        assert self.p is not None
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()

    def stop(self) -> None:
        if self.p is not None and self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(20)
                if os.environ.get("BENCH_SERVER_LOG"):
                    print(self.p.stdout.read())
            except subprocess.TimeoutExpired:
                self.p.kill()
