"""Reports on a store several server processes share (issue 14): any process serves a session's
report, read from the store, though another process plays it; it follows the session's rounds."""

from __future__ import annotations

import asyncio
from pathlib import Path

from district.server.net import Server
from district.server.report.http import ReportService
from district.server.store.postgres import PostgresStore

from tests.report.test_http import get
from tests.server.conftest import SeatClient, create, make_config, until


async def test_a_process_serves_the_report_of_a_session_another_process_plays(
    tmp_path: Path, pg_url: str
) -> None:
    a = Server(make_config(tmp_path, name="p0"), PostgresStore(pg_url))
    b = Server(make_config(tmp_path / "b", name="p1"), PostgresStore(pg_url))
    (tmp_path / "b").mkdir()
    await a.start()
    await b.start()
    reports = ReportService(b, b.config.db, tmp_path / "reports")
    await reports.start()
    try:
        created, maker = await create(a.url, "server-test", seed=5, report_seconds=600)
        await maker.close()
        fac = SeatClient(a.url, token=created["facilitator_token"])
        await fac.connect()
        code, sid = created["code"], created["session"]
        assert (await fac.control("start"))["type"] == "ack"
        core = a.sessions[sid].core
        await until(lambda: core.round == 1 and core.phase == "report", timeout=60)
        assert sid not in b.sessions  # played on p0 only
        key = f"?key={created['facilitator_token']}"
        status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/{key}")
        assert status == 200, body[:300]
        assert "1 of 3 rounds" in body.decode()
        status, _, _ = await asyncio.to_thread(get, f"{reports.url}/report/{code}/")
        assert status == 403  # the class's copy still waits for the end
        assert (await fac.control("end"))["type"] == "ack"
        await until(lambda: core.status == "ended", timeout=30)
        status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/")
        assert status == 200 and "1 of 3 rounds (ended early)" in body.decode()
        await fac.close()
    finally:
        await reports.stop()
        await a.stop()
        await b.stop()
