"""The server's worker processes (previews, debriefs, reports) end by themselves soon after the
server is killed: it cannot shut its pool down then, and each worker would otherwise wait for
work for ever (about 100 MB each, one set more after every crash)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SERVER = """
import os, sys, time
from district.server.session.workers import WorkerPool
pool = WorkerPool(1).get()
print(pool.submit(os.getpid).result(), flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    """Running (a process that ended but was not yet reaped counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_worker_ends_soon_after_its_server_is_killed() -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    worker = int(server.stdout.readline())
    try:
        assert worker != server.pid and alive(worker)
        time.sleep(1.5)
        assert alive(worker)  # it does not end while its server runs
        server.kill()  # as kill -9: nothing of the server's runs after this
        server.wait()
        end = time.monotonic() + 5
        while alive(worker) and time.monotonic() < end:
            time.sleep(0.1)
        assert not alive(worker), "the worker outlived its server"
    finally:
        server.kill()
        if alive(worker):
            subprocess.run(["kill", "-9", str(worker)], check=False)
