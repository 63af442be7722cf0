"""Reports on a store several server processes share (issue 14): any process serves a session's
report, read from the store, though another process plays it; it follows the session's rounds, and
the facilitator's copy holds the previews asked (notes, read from the store as a report made from
a SQLite file reads them)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from district.server.net import Server
from district.server.report.http import ReportService
from district.server.store.postgres import PostgresStore

from tests.report.test_http import get
from tests.server.conftest import SeatClient, create, join, make_config, until


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
        ada = await join(a.url, code, "Ada", role="firm")
        assert (await fac.control("start"))["type"] == "ack"
        await until(lambda: ada.view is not None and ada.view.get("phase") == "negotiation")
        assert ada.view is not None and ada.seat is not None
        other = next(f for f in ada.view["firms"] if f["seat"] and f["seat"] != ada.seat)
        for volume in (1, 2):  # two previews asked: two lines of the facilitator's timeline
            preview = {
                "type": "preview",
                "kind": "subcontract",
                "parties": [ada.seat, other["seat"]],
                "terms": {"buyer": ada.seat, "supplier": other["seat"],
                          "operation": other["operations"][0], "volume": volume, "unit_price": 1},
            }  # fmt: skip
            assert (await ada.command(preview))["type"] == "ack"
        assert (await ada.command({"type": "ready"}))["type"] == "ack"
        core = a.sessions[sid].core
        await until(lambda: core.round == 1 and core.phase == "report", timeout=60)
        assert sid not in b.sessions  # played on p0 only
        key = f"?key={created['facilitator_token']}"
        status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/{key}")
        assert status == 200, body[:300]
        page = body.decode()
        assert "1 of 3 rounds" in page
        assert page.count("asked what a draft subcontract would do") == 2
        status, _, _ = await asyncio.to_thread(get, f"{reports.url}/report/{code}/")
        assert status == 403  # the class's copy still waits for the end
        assert (await fac.control("end"))["type"] == "ack"
        await until(lambda: core.status == "ended", timeout=30)
        status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/")
        assert status == 200 and "1 of 3 rounds (ended early)" in body.decode()
        assert "asked what" not in body.decode()  # the timeline is the facilitator's only
        await fac.close()
        await ada.close()
    finally:
        await reports.stop()
        await a.stop()
        await b.stop()
