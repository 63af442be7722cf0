"""`district serve` and `district bots` as a teacher would run them: separate processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

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
