"""Fixtures for the server tests: a real server on 127.0.0.1 with a real SQLite file, in the test's
event loop (`server`), or in a subprocess (`ServerProcess`) for kill -9 and load tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from district.server.engine.scenario_files import SCENARIO_DIR
from district.server.net import Server, ServerConfig
from district.server.protocol_client import ProtocolClient

# The tests' client is the one every program shares; `SeatClient` is its old name.
SeatClient = ProtocolClient

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE / "scenarios"
ROOT = HERE.parents[1]


# error codes that mean the server, not the game, refused a bot's command: a bots game has none
SERVER_FAULTS = {
    "internal",
    "storage",
    "busy",
    "bad_message",
    "bad_frame",
    "forbidden",
    "bot_playing",
    "need_hello",
    "rate_limited",
    "not_started",
    "paused",
}


def make_config(tmp_path: Path, **kw: Any) -> ServerConfig:
    kw.setdefault("scenario_dirs", (SCENARIO_DIR, SCENARIOS))
    return ServerConfig(db=tmp_path / "district.sqlite3", port=0, ping_interval=None, **kw)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    srv = Server(make_config(tmp_path))
    await srv.start()
    yield srv
    await srv.stop()


async def create(
    url: str, scenario: str = "server-test", seed: int = 7, **kw: Any
) -> tuple[dict[str, Any], SeatClient]:
    """Create a session and connect its facilitator."""
    maker = ProtocolClient(url)
    await maker.connect_only()
    created = await maker.create(scenario, seed=seed, **kw)
    await maker.close()
    assert created["type"] == "created", created
    fac = ProtocolClient(url, token=created["facilitator_token"], record=True)
    await fac.connect()
    return created, fac


async def join(url: str, code: str, name: str, **kw: Any) -> SeatClient:
    c = ProtocolClient(url, code=code, name=name, record=True, **kw)
    await c.connect()
    return c


async def until(cond: Any, timeout: float = 10.0, step: float = 0.01) -> None:
    """Wait until cond() is true (the server works in the same loop, so we must yield to it)."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(step)


async def fingerprint(srv: Server, sid: str) -> tuple[Any, ...]:
    return await srv.sessions[sid].call(lambda s: s.core.fingerprint())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """`district serve` in a subprocess on 127.0.0.1."""

    def __init__(self, db: Path, port: int | None = None, *extra: str) -> None:
        self.db = db
        self.port = port or free_port()
        self.extra = extra
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self.started_in = 0.0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        t0 = time.perf_counter()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "district.server.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--db",
                str(self.db),
                "--scenarios",
                str(SCENARIOS),
                "--log-level",
                "WARNING",
                *self.extra,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip())
            if line.startswith("sessions recovered"):
                self.started_in = time.perf_counter() - t0
                return
        raise AssertionError("the server did not start:\n" + "\n".join(self.lines))

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def interrupt(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=20)
        self.lines += out.splitlines()
        return self.proc.returncode

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
