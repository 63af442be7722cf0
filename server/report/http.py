"""The report over HTTP, beside the game server on a port of its own (`district serve
--report-port N`): a tiny asyncio HTTP/1.1 server, GET and HEAD only, one request a connection.

    GET /report/<CODE>/             the session's report for the class (the join code is the key)
    GET /report/<CODE>/?key=TOKEN   the facilitator's copy, with the timeline (the facilitator's
                                    token, as the console holds it)
    GET /report/<CODE>/<chart>.png  the charts the page shows

A report is made in a worker process (the debrief replays the session and plays the bots-only
baseline, then matplotlib draws), never on the event loop. It is kept per session while the session
stays at the same round and phase, and for good once the session has ended. Wrong join codes count
against the address as the websocket hello's do (the server's CodeThrottle)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import shutil
import ssl
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from district.server.protocol import within
from district.server.protocol.builders import normalise_code
from district.server.session.messages import hash_token
from district.server.session.workers import worker_pool

if TYPE_CHECKING:
    from district.server.debrief import SessionLog
    from district.server.net import Server

_log = logging.getLogger("district.report")
CHART_RE = re.compile(r"^[a-z0-9-]{1,64}\.png$")
READ_TIMEOUT = 10.0
MAX_REQUEST = 16 * 1024
REASONS = {
    200: "OK",
    301: "Moved Permanently",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
# the page needs nothing but its own charts and its inline style
SECURITY = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class ReportProblem(Exception):
    """A report cannot be made; the message says why, for the person who asked."""


def generate(source: str | SessionLog, sid: str, out: str, baseline: bool) -> str:
    """In the worker process: the session's debrief from the SQLite database (a path, read only)
    or from its log as read from a shared store, written as the class's page (index.html), the
    facilitator's (facilitator.html) and their charts."""
    from district.server.debrief import LogError, SessionLog, build_debrief
    from district.server.report import draw_charts, page

    try:
        log = SessionLog.from_store(source, sid) if isinstance(source, str) else source
    except LogError as e:
        raise ReportProblem(str(e)) from None
    d = build_debrief(log, baseline=baseline, private=True)
    if len(d.get("rounds") or []) < 2:
        raise ReportProblem(
            "this session has not played a round yet: its report appears after round 1's results"
        )
    target = Path(out)
    tmp = target.with_name(target.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    images = draw_charts(d, tmp, baseline)
    for name, private in (("index.html", False), ("facilitator.html", True)):
        (tmp / name).write_text(
            page.render(d, images, private=private, baseline=baseline), encoding="utf-8"
        )
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return str(target)


@dataclass(slots=True)
class _Made:
    key: str
    task: asyncio.Future[str]


class ReportService:
    """Serves reports of the game server `hub`'s sessions from `db`, kept in `cache`."""

    def __init__(
        self,
        hub: Server,
        db: Path,
        cache: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        baseline: bool = True,
    ) -> None:
        self.hub = hub
        self.db = db
        self.cache = cache
        self.host = host
        self.port = port
        self.tls = tls
        self.baseline = baseline
        self.made = 0  # reports made since start (tests read it)
        self._server: asyncio.Server | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._reports: dict[str, _Made] = {}

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    async def start(self) -> int:
        self._server = await asyncio.start_server(
            self._client, self.host, self.port, ssl=self.tls, limit=MAX_REQUEST
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await within(self._server.wait_closed(), 3.0)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    # --- the reports ----------------------------------------------------------------------------

    def _key(self, sid: str) -> str:
        """What the session's report depends on: its round and phase while it runs."""
        s = self.hub.sessions.get(sid)
        core = getattr(s, "core", None)
        if core is None:
            return "stored"
        if core.status == "ended":
            return "ended"
        return f"{core.status}-{core.round}-{core.phase}"

    async def _over(self, sid: str) -> bool:
        """Whether the session's game is over (its class's report may be read)."""
        core = getattr(self.hub.sessions.get(sid), "core", None)
        if core is not None:
            return bool(core.status == "ended")
        stored = await self.hub.store.load(sid)
        return stored is not None and stored.finished is not None

    async def _stored(self, sid: str, within: float = 5.0) -> None:
        """Wait (a little) until the store holds every entry the session in memory has applied:
        the worker reads the database file, and the phase the key names may still be on its way
        there (a write under way)."""
        ledger = getattr(self.hub.sessions.get(sid), "ledger", None)
        if ledger is None:
            return
        target = ledger.core.entries
        end = asyncio.get_running_loop().time() + within
        while ledger.stored_entries < target and asyncio.get_running_loop().time() < end:
            await asyncio.sleep(0.01)

    async def _shared_log(self, sid: str) -> tuple[str, SessionLog]:
        """A session of a store several processes share (it may be played on another process):
        its log read from the store now, with its notes (the previews asked, for the
        facilitator's timeline), and the key of that state (how many entries and notes)."""
        import tomllib

        from district.server.debrief import SessionLog
        from district.server.debrief.log import seats_of
        from district.server.engine.scenario_parse import parse_scenario

        stored = await self.hub.store.load(sid, full=True)
        if stored is None or stored.quarantined is not None:
            raise ReportProblem("this session's saved data cannot be read")
        info = stored.info
        try:
            scenario = parse_scenario(
                tomllib.loads(stored.scenario_text), f"{info['scenario']} (stored)"
            )
        except Exception as e:
            raise ReportProblem(f"this session's stored scenario does not load: {e}") from None
        notes = await self.hub.store.notes(sid)  # read after the entries: none of theirs missing
        log = SessionLog(
            scenario=scenario,
            seed=int(info["seed"]),
            entries=stored.entries,
            settings={
                "negotiation_seconds": info["negotiation_seconds"],
                "report_seconds": info["report_seconds"],
            },
            code=str(info["code"]),
            notes=notes,
            created=float(info["created"]),
            scenario_text=stored.scenario_text,
        )
        log.seats = seats_of(scenario, stored.entries)
        ended = "ended" if stored.finished is not None else "running"
        return f"{ended}-{len(stored.entries)}-{len(notes)}", log

    async def report(self, sid: str) -> Path:
        """The folder of the session's current report, made now in the worker if needed."""
        source: str | SessionLog = str(self.db)
        if self.hub.store.shared:
            key, source = await self._shared_log(sid)
        else:
            key = self._key(sid)
            await self._stored(sid)
        made = self._reports.get(sid)
        failed = (
            made is not None
            and made.task.done()
            and (made.task.cancelled() or made.task.exception() is not None)
        )
        if made is None or made.key != key or failed:
            if self._pool is None:
                self._pool = worker_pool(1, lower=False)
            folder = self.cache / hashlib.sha256(sid.encode()).hexdigest()[:16] / key
            loop = asyncio.get_running_loop()
            task = loop.run_in_executor(
                self._pool, generate, source, sid, str(folder), self.baseline
            )
            made = self._reports[sid] = _Made(key, task)
            self.made += 1
        return Path(await asyncio.shield(made.task))

    # --- HTTP -----------------------------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        addr = str(peer[0]) if isinstance(peer, tuple) else "local"
        try:
            try:
                head = await within(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
                return
            status, headers, body = await self._answer(head, addr)
            self._send(writer, status, headers, body)
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _send(
        self, writer: asyncio.StreamWriter, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        head_only = headers.pop("X-Head-Only", None)
        head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}"]
        all_headers = {**SECURITY, **headers, "Connection": "close"}
        all_headers.setdefault("Content-Length", str(len(body)))
        head += [f"{k}: {v}" for k, v in all_headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if not head_only:
            writer.write(body)

    async def _answer(self, head: bytes, addr: str) -> tuple[int, dict[str, str], bytes]:
        try:
            line = head.split(b"\r\n", 1)[0].decode("ascii")
            method, target, _version = line.split(" ")
        except (UnicodeDecodeError, ValueError):
            return _page(400, "Bad request", "This server answers web browsers' GET requests.")
        if method not in ("GET", "HEAD"):
            return _page(405, "Not allowed", "Only GET is answered here.", Allow="GET, HEAD")
        try:
            status, headers, body = await self._get(target, addr)
        except Exception:
            _log.exception("report request %s failed", target[:200])
            status, headers, body = _page(
                500, "Something went wrong", "The server could not answer; its log says why."
            )
        if method == "HEAD":
            headers["Content-Length"] = str(len(body))
            headers["X-Head-Only"] = "1"
            return status, headers, b""
        return status, headers, body

    async def _get(self, target: str, addr: str) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(target)
        parts = url.path.split("/")
        if len(parts) < 3 or parts[0] != "" or parts[1] != "report" or not parts[2]:
            return _page(
                404,
                "No such page",
                "A session's report is at /report/JOIN-CODE/ on this address.",
            )
        wait = self.hub.throttle.retry_after(addr)
        if wait is not None:
            return _page(
                429,
                "Too many wrong codes",
                f"Too many wrong join codes from your address; try again in {wait:.0f} s.",
                **{"Retry-After": str(round(wait))},
            )
        code = normalise_code(parts[2])[:16]
        sid = self.hub.codes.get(code) or await self.hub.store.lookup_code(code)
        if sid is None:
            self.hub.throttle.failed(addr)
            return _page(404, "No such session", f"No session has the join code {code}.")
        if len(parts) == 3:  # /report/CODE: the page's charts are found beside /report/CODE/
            query = f"?{url.query}" if url.query else ""
            return 301, {"Location": f"/report/{code}/{query}"}, b""
        rest = "/".join(parts[3:])
        private = False
        keys = parse_qs(url.query).get("key")
        if keys:
            held = self.hub.tokens.get(hash_token(keys[0])) or await self.hub.store.lookup_token(
                hash_token(keys[0])
            )
            if held != (sid, "facilitator"):
                self.hub.throttle.failed(addr)
                return _page(
                    403,
                    "Wrong key",
                    f"This key is not the facilitator's of session {code}. The class's report "
                    f"is at /report/{code}/ without a key.",
                )
            private = True
        if not private and not await self._over(sid):
            # as the debrief in the game: the class's copy would tell players what the others did
            return _page(
                403,
                "Not yet",
                f"The class's report of session {code} opens when the game is over. The "
                "facilitator's copy (with ?key=) can be read now.",
            )
        if rest and not CHART_RE.match(rest):
            return _page(404, "No such file", f"Session {code}'s report has no file {rest!r}.")
        from district.server.report import matplotlib_missing

        missing = matplotlib_missing()
        if missing:
            return _page(503, "Reports are not available", f"This server: {missing}.")
        try:
            folder = await self.report(sid)
        except ReportProblem as e:
            return _page(409, "No report yet", str(e))
        except Exception:  # the worker failed: logged here, said without a traceback
            _log.exception("the report of session %s could not be made", sid)
            return _page(
                500,
                "The report could not be made",
                "Making this session's report failed; the server's log says why.",
            )
        if not rest:
            name = "facilitator.html" if private else "index.html"
            return (
                200,
                {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
                (folder / name).read_bytes(),
            )
        try:
            data = (folder / rest).read_bytes()
        except OSError:
            return _page(404, "No such file", f"Session {code}'s report has no file {rest!r}.")
        return 200, {"Content-Type": "image/png", "Cache-Control": "no-cache"}, data


def _page(status: int, title: str, text: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    body = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f'</title></head><body style="font: 24px sans-serif; margin: 48px"><h1>{escape(title)}'
        f"</h1><p>{escape(text)}</p></body></html>"
    ).encode()
    return status, {"Content-Type": "text/html; charset=utf-8", **headers}, body


__all__ = ["ReportProblem", "ReportService", "generate"]
