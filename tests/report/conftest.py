"""Fixtures for the report's tests: a session played to the end by the bots of a real `district
serve` (a subprocess, a real SQLite file) that also serves the reports over HTTP, and the same
session's debrief."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from district.server.debrief import SessionLog, build_debrief

from tests.server.conftest import SeatClient, ServerProcess, create, free_port, until


@dataclass
class Played:
    db: Path
    code: str
    token: str
    reports: str  # http://127.0.0.1:PORT
    server: ServerProcess


async def _play(url: str) -> tuple[str, str]:
    created, fac = await create(url, "server-test", seed=3, report_seconds=0.05)
    await fac.close()
    fac = SeatClient(url, token=created["facilitator_token"])
    await fac.connect()
    assert (await fac.control("start"))["type"] == "ack"
    await until(lambda: fac.ended.is_set(), timeout=120)
    await fac.close()
    return created["code"], created["facilitator_token"]


@pytest.fixture(scope="session")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Played]:
    """A bots-only session of the 3-round test scenario, ended, in a running server."""
    tmp = tmp_path_factory.mktemp("played")
    port = free_port()
    srv = ServerProcess(tmp / "district.sqlite3", None, "--report-port", str(port))
    srv.start()
    try:
        assert srv.proc is not None and srv.proc.stdout is not None
        line = srv.proc.stdout.readline().strip()
        assert line == f"reports: http://127.0.0.1:{port}/report/<join code>/", line
        code, token = asyncio.run(_play(srv.url))
        yield Played(srv.db, code, token, f"http://127.0.0.1:{port}", srv)
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def debrief(played: Played) -> dict[str, Any]:
    return build_debrief(SessionLog.from_store(played.db, played.code), baseline=True, private=True)


@pytest.fixture(scope="session")
def written(debrief: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The class's report of the played session, as `write_report` writes it."""
    from district.server.report import write_report

    return write_report(debrief, tmp_path_factory.mktemp("report"))


def chromium() -> str:
    """Debian's chromium (`.ci/run` installs it); a test that needs it fails, saying so, if it is
    missing."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise AssertionError(
        "chromium is not installed: the report's browser test needs it (apt-get install -y "
        "chromium; .ci/run does this)"
    )


def run_chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
