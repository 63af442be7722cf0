"""A full disk under a running server (a real SQLite file; the server process may write no more
than a few hundred bytes past a file's start, as RLIMIT_FSIZE makes it): the server burns no CPU
retrying, keeps answering questions (`info`, views), a session whose phase ends meanwhile still
answers, and everything resumes by itself once the disk has room again."""

from __future__ import annotations

import asyncio
import os
import resource
import time
from pathlib import Path

from tests.server.conftest import ServerProcess, create, join


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def disk_full(pid: int, full: bool) -> None:
    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (256 if full else hard, hard))


async def test_a_full_disk_costs_no_cpu_questions_are_answered_and_it_resumes(
    tmp_path: Path,
) -> None:
    p = ServerProcess(tmp_path / "district.sqlite3")
    p.start()
    assert p.proc is not None
    pid = p.proc.pid
    try:
        created, fac = await create(p.url, seed=2, negotiation_seconds=5, report_seconds=60)
        ada = await join(p.url, created["code"], "Ada", role="firm")
        started = await fac.control("start")
        assert started["type"] == "ack", started
        await ada.wait_for(lambda: ada.clock and ada.clock["status"] == "running")
        shorter = await fac.control("extend", seconds=-3.5)  # the phase ends in 1.5 s
        assert shorter["type"] == "ack", shorter
        await ada.wait_for(lambda: ada.clock and ada.clock["deadline"] < time.time() + 2)
        deadline = float(ada.clock["deadline"])  # type: ignore[index]

        disk_full(pid, True)
        refused = await ada.command({"type": "ready"}, timeout=10)
        assert refused["type"] == "error" and refused["code"] == "storage", refused
        # the phase's time runs out while the disk is full
        await asyncio.sleep(max(0.0, deadline - time.time()) + 0.5)
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        answers = []
        for _ in range(4):
            t = time.monotonic()
            info = await fac.control("info")
            assert info["type"] == "ack", info
            view = await ada.sync(last_event=None, timeout=5)
            assert view["type"] == "ack", view
            answers.append(time.monotonic() - t)
            await asyncio.sleep(0.5)
        busy = (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
        print(f"full disk: server CPU {busy:.0%}, answers in {max(answers) * 1000:.0f} ms at most")
        assert busy < 0.35, f"the server burns {busy:.0%} of a core on a full disk"
        assert max(answers) < 1.0
        assert ada.clock is not None and ada.clock["phase"] == "negotiation"  # nothing ended

        disk_full(pid, False)
        # by itself: the phase ends and commands are taken again
        await ada.wait_for(lambda: ada.clock and ada.clock["phase"] == "report", timeout=30)
        ok = await ada.command({"type": "chat", "text": "back", "to": "public"}, timeout=10)
        assert ok["type"] == "ack", ok
        await ada.close()
        await fac.close()
    finally:
        disk_full(pid, False) if p.proc and p.proc.poll() is None else None
        p.stop()
