"""Load smoke test: 200 bot connections in 10 sessions play whole games on one server process,
with no error. (The performance targets themselves are measured by benchmarks/server_bench.py.)"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from district.server.botclient import BotPlayer

from tests.server.conftest import SERVER_FAULTS, ServerProcess, create, until

SESSIONS = 10
SEATS = 20  # tests/server/scenarios/server-load.toml


async def test_200_bots_in_10_sessions_finish_their_games(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "district.sqlite3")
    proc.start()
    try:
        sessions = []
        for i in range(SESSIONS):
            created, fac = await create(
                proc.url, scenario="server-load", seed=100 + i, report_seconds=0
            )
            assert len(created["seats"]) == SEATS
            sessions.append((created, fac))
        bots = [
            BotPlayer(proc.url, created["code"], f"Bot {j}")
            for created, _ in sessions
            for j in range(SEATS)
        ]
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(b.play()) for b in bots]
        await until(lambda: all(b.client.seat for b in bots), timeout=60)
        assert len({(b.client.session, b.client.seat) for b in bots}) == SESSIONS * SEATS
        for _, fac in sessions:
            assert (await fac.control("start"))["type"] == "ack"
        done, pending = await asyncio.wait(tasks, timeout=150)
        for t in pending:
            t.cancel()
        assert not pending, f"{len(pending)} bots did not finish"
        for t in done:
            assert t.exception() is None, t.exception()
        elapsed = time.perf_counter() - t0
        for _created, fac in sessions:
            info = (await fac.control("info"))["result"]
            assert (info["status"], info["round"]) == ("ended", 3), info
            await fac.close()
        for b in bots:
            assert b.client.gaps == 0 and b.client.bye is None
            assert sorted(b.acted) == [1, 2, 3]
            assert not [r for r in b.refused if r["code"] in SERVER_FAULTS], b.refused
        print(f"\n200 bots, 10 sessions, 3 rounds: {elapsed:.1f} s")
    finally:
        proc.stop()
