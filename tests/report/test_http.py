"""The reports served over HTTP beside the game server: the class's page at /report/CODE/, the
facilitator's copy with the facilitator's key, the charts beside them; clear refusals; made in a
worker process while the game server's event loop carries on; kept once the session has ended."""

from __future__ import annotations

import asyncio
import re
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from district.server.net import Server
from district.server.report.http import ReportService
from district.server.store import SQLiteStore, Write

from tests.report.conftest import Played
from tests.report.test_page import drawn
from tests.server.conftest import SeatClient, create, make_config, server, until

__all__ = ["server"]  # the fixture, a real server in the test's loop


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kw: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def get(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, method=method)
    try:
        with OPENER.open(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_the_class_page_and_its_charts(played: Played, tmp_path: Path) -> None:
    status, headers, body = get(f"{played.reports}/report/{played.code}/")
    assert status == 200, body[:300]
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    page = body.decode()
    assert "The scoreboards" in page and "Timeline" not in page
    srcs = re.findall(r'<img src="([^"]+)"', page)
    assert len(srcs) >= 3
    for src in srcs:
        status, headers, png = get(f"{played.reports}/report/{played.code}/{src}")
        assert status == 200 and headers["Content-Type"] == "image/png", src
        assert png.startswith(b"\x89PNG\r\n\x1a\n"), src
        (tmp_path / src).write_bytes(png)
        assert drawn(tmp_path / src) > 0.002, src  # not an empty chart
    status, headers, body = get(f"{played.reports}/report/{played.code}/", "HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) == len(page.encode())


def test_a_code_without_its_slash_is_sent_to_the_page(played: Played) -> None:
    status, headers, _ = get(f"{played.reports}/report/{played.code.lower()}")
    assert status == 301 and headers["Location"] == f"/report/{played.code}/"


def test_the_facilitators_copy_needs_the_facilitators_key(played: Played) -> None:
    status, _, body = get(f"{played.reports}/report/{played.code}/?key={played.token}")
    assert status == 200
    assert "Timeline (facilitator only)" in body.decode()
    status, _, body = get(f"{played.reports}/report/{played.code}/?key=not-the-key")
    assert status == 403
    text = body.decode()
    assert "not the facilitator" in text and "Timeline" not in text


def test_refusals_say_what_was_wrong(played: Played) -> None:
    status, _, body = get(f"{played.reports}/report/NOSUCH/")
    assert status == 404 and "No session has the join code NOSUCH" in body.decode()
    status, _, body = get(f"{played.reports}/report/{played.code}/index.html")
    assert status == 404 and "has no file" in body.decode()
    status, _, body = get(f"{played.reports}/report/{played.code}/../../etc/passwd.png")
    assert status == 404
    status, _, body = get(f"{played.reports}/")
    assert status == 404 and "/report/JOIN-CODE/" in body.decode()
    status, headers, _ = get(f"{played.reports}/report/{played.code}/", "POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    assert all("Traceback" not in line for line in played.server.lines)


def test_an_ended_sessions_report_is_made_once(played: Played) -> None:
    assert get(f"{played.reports}/report/{played.code}/")[0] == 200
    cache = played.db.with_name(played.db.name + ".reports")
    pages = list(cache.glob("*/ended/index.html"))
    assert len(pages) == 1, pages
    made = pages[0].stat().st_mtime_ns
    time.sleep(0.05)
    assert get(f"{played.reports}/report/{played.code}/")[0] == 200
    assert pages[0].stat().st_mtime_ns == made


async def _ended_session(srv: Server) -> str:
    created, maker = await create(srv.url, "server-test", seed=5, report_seconds=0.05)
    await maker.close()
    fac = SeatClient(srv.url, token=created["facilitator_token"])
    await fac.connect()
    assert (await fac.control("start"))["type"] == "ack"
    await until(lambda: fac.ended.is_set(), timeout=120)
    await fac.close()
    return str(created["code"])


async def test_the_report_is_made_while_the_server_carries_on(
    server: Server, tmp_path: Path
) -> None:
    code = await _ended_session(server)
    reports = ReportService(server, server.config.db, tmp_path / "reports")
    await reports.start()
    try:
        gaps: list[float] = []
        done = False

        async def ticker() -> None:
            last = time.perf_counter()
            while not done:
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        t0 = time.perf_counter()
        status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/")
        took = time.perf_counter() - t0
        done = True
        await tick
        assert status == 200, body[:300]
        assert reports.made == 1
        # the event loop kept turning all the while the report was made (over a second)
        assert took > 1.0 and max(gaps) < 0.5, (took, max(gaps))
        print(f"report made in {took:.1f} s; the loop's longest pause {max(gaps) * 1000:.0f} ms")
    finally:
        await reports.stop()


async def test_wrong_codes_are_throttled_as_the_hellos_are(server: Server, tmp_path: Path) -> None:
    reports = ReportService(server, server.config.db, tmp_path / "reports")
    await reports.start()
    try:
        for _ in range(server.config.code_failures):
            status, _, _ = await asyncio.to_thread(get, f"{reports.url}/report/WRONG1/")
            assert status == 404
        status, headers, body = await asyncio.to_thread(get, f"{reports.url}/report/WRONG2/")
        assert status == 429 and int(headers["Retry-After"]) > 0
        assert "Too many wrong join codes" in body.decode()
    finally:
        await reports.stop()


async def test_a_running_sessions_report_follows_its_rounds(server: Server, tmp_path: Path) -> None:
    created, maker = await create(server.url, "server-test", seed=6, report_seconds=600)
    await maker.close()
    fac = SeatClient(server.url, token=created["facilitator_token"])
    await fac.connect()
    code = created["code"]
    sid = server.codes[code]
    reports = ReportService(server, server.config.db, tmp_path / "reports")
    await reports.start()
    key = f"?key={created['facilitator_token']}"
    try:
        status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/{key}")
        assert status == 409 and "has not played a round yet" in body.decode()
        assert (await fac.control("start"))["type"] == "ack"
        core = server.sessions[sid].core
        await until(lambda: core.round == 1 and core.phase == "report", timeout=60)
        # the class's copy waits for the end, as the debrief does in the game
        before = reports.made
        status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/")
        assert status == 403 and "opens when the game is over" in body.decode()
        assert reports.made == before  # refused before any work
        made = []
        for _ in range(2):  # made once for this round's report phase
            status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/{key}")
            assert status == 200 and "1 of 3 rounds" in body.decode()
            made.append(reports.made)
        assert made[0] == made[1]
        assert (await fac.control("end"))["type"] == "ack"
        await until(lambda: core.status == "ended", timeout=30)
        status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/")
        assert status == 200 and "1 of 3 rounds (ended early)" in body.decode()
        assert reports.made == made[1] + 1
    finally:
        await reports.stop()
        await fac.close()


class SlowStore(SQLiteStore):
    """A database whose writes take a while once `delay` is set (a busy disk, a loaded machine)."""

    delay = 0.0

    async def write(self, writes: Sequence[Write]) -> None:
        await asyncio.sleep(self.delay)
        await super().write(writes)


async def test_a_report_asked_the_moment_a_phase_changes_waits_for_it_to_be_stored(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path)
    srv = Server(config, SlowStore(config.db))
    await srv.start()
    reports = ReportService(srv, config.db, tmp_path / "reports")
    await reports.start()
    try:
        created, fac = await create(srv.url, "server-test", seed=6, report_seconds=600)
        code, sid = created["code"], created["session"]
        key = f"?key={created['facilitator_token']}"
        # the report's worker is up (nothing to report yet), then the database slows down
        status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/{key}")
        assert status == 409 and "has not played a round yet" in body.decode()
        store = srv.store
        assert isinstance(store, SlowStore)
        store.delay = 1.0
        assert (await fac.control("start"))["type"] == "ack"
        core = srv.sessions[sid].core
        await until(lambda: core.round == 1 and core.phase == "report", timeout=60, step=0.001)
        # the round's results are applied, and on their way to the database: the report has them
        status, _, body = await asyncio.to_thread(get, f"{reports.url}/report/{code}/{key}")
        assert status == 200 and "1 of 3 rounds" in body.decode(), (status, body[:200])
        await fac.close()
    finally:
        await reports.stop()
        await srv.stop()
