"""`district serve` and `district bots` as a teacher would run them: separate processes."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from district.server.serve import default_db_path

from tests.server.conftest import ROOT, ServerProcess, create, free_port, join, until


def test_serve_prints_its_database_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "class.sqlite3")
    proc.start()
    assert any(line == f"database: {tmp_path / 'class.sqlite3'}" for line in proc.lines)
    assert any(
        line.startswith(f"District server: ws://127.0.0.1:{proc.port}") for line in proc.lines
    )
    assert proc.interrupt() == 0
    assert proc.lines[-1] == "stopped."
    assert (tmp_path / "class.sqlite3").exists()


def test_the_default_database_is_in_the_users_data_directory(tmp_path: Path) -> None:
    env = {**os.environ, "DISTRICT_DATA": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    port = free_port()
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "district.server.cli",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert p.stdout is not None
        lines = [p.stdout.readline().strip() for _ in range(3)]
        assert f"database: {tmp_path / 'data' / 'district.sqlite3'}" in lines
    finally:
        p.terminate()
        out, _ = p.communicate(timeout=20)
    assert p.returncode == 0, out
    assert default_db_path().name == "district.sqlite3"


async def test_district_bots_fills_seats_from_another_process(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "district.sqlite3")
    proc.start()
    try:
        created, fac = await create(proc.url, seed=4, report_seconds=0)
        human = await join(proc.url, created["code"], "Ada")
        bots = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "district.server.cli",
            "bots",
            "--server",
            proc.url,
            "--code",
            created["code"],
            "--seats",
            "6",
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        await until(
            lambda: (
                fac.roster is not None
                and sum(s["player"] is not None for s in fac.roster["seats"]) == 7
            ),
            timeout=30,
        )
        await fac.control("start")
        for r in (1, 2, 3):
            await until(
                lambda r=r: (
                    human.view is not None
                    and human.view["round"] == r
                    and human.view["phase"] == "negotiation"
                    and human.clock is not None
                    and human.clock["status"] == "running"
                ),
                timeout=30,
            )
            assert (await human.command({"type": "ready", "round": r, "ready": True}))[
                "type"
            ] == "ack"
        out, _ = await asyncio.wait_for(bots.communicate(), 60)
        text = out.decode()
        assert bots.returncode == 0, text
        assert "game over." in text and text.count("acted in 3 round(s)") == 6
        await until(lambda: human.clock is not None and human.clock["status"] == "ended")
        await human.close()
        await fac.close()
    finally:
        proc.stop()


# --- mistakes: one line on stderr with what to do, exit code 2, no traceback ---------------------


def _district(*argv: str, timeout: float = 60, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "district.server.cli", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def _one_error_line(err: str, *fragments: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for f in fragments:
        assert f in lines[0], err
    return lines[0]


def test_serve_on_a_port_in_use_says_so_and_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = _district("serve", "--port", str(port), "--db", str(tmp_path / "d.sqlite3"))
    assert r.returncode == 2, r.stdout + r.stderr
    _one_error_line(
        r.stderr,
        f"port {port} is in use: is another district serve running? try --port {port + 1}",
    )


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_serve_on_a_port_out_of_range(port: str, tmp_path: Path) -> None:
    r = _district("serve", "--port", port, "--db", str(tmp_path / "d.sqlite3"))
    assert r.returncode == 2, r.stdout + r.stderr
    _one_error_line(r.stderr, f"port {port} is out of range", "--port 8765")
    assert "District server:" not in r.stdout


def test_serve_on_an_unknown_host(tmp_path: Path) -> None:
    r = _district(
        "serve", "--host", "no-such-host.invalid", "--port", str(free_port()),
        "--db", str(tmp_path / "d.sqlite3"),
    )  # fmt: skip
    assert r.returncode == 2, r.stdout + r.stderr
    _one_error_line(r.stderr, "unknown host 'no-such-host.invalid'", "--host 127.0.0.1")


def test_serve_with_a_database_it_cannot_open(tmp_path: Path) -> None:
    r = _district("serve", "--port", str(free_port()), "--db", str(tmp_path))  # a folder
    assert r.returncode == 2, r.stdout + r.stderr
    _one_error_line(r.stderr, f"cannot open the database {tmp_path}", "--db")


def test_bots_with_no_server_wait_a_bounded_time_then_say_so() -> None:
    url = f"ws://127.0.0.1:{free_port()}"  # nobody listens there
    t0 = time.monotonic()
    r = _district("bots", "--server", url, "--code", "ABC", "--wait", "2", timeout=30)
    assert time.monotonic() - t0 < 20
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"waiting for the server at {url} (up to 2 s)" in r.stdout
    _one_error_line(r.stderr, f"no District server answers at {url}", "district serve")


def test_bots_with_a_malformed_server_address() -> None:
    r = _district("bots", "--server", "localhost:8765", "--code", "ABC")
    assert r.returncode == 2
    _one_error_line(r.stderr, "'localhost:8765' is not a server address", "ws://127.0.0.1:8765")


def test_bots_with_a_wrong_join_code(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "district.sqlite3")
    proc.start()
    try:
        r = _district("bots", "--server", proc.url, "--code", "NOPE99", timeout=30)
    finally:
        proc.stop()
    assert r.returncode == 2, r.stdout + r.stderr
    _one_error_line(r.stderr, "no session has the join code 'NOPE99'", "--code")
