"""A server in a background thread, and a small synchronous client API for scripts and tests.

    with LocalServer() as url:                       # free loopback port, temporary database
        code, token = create_session(url, "emilia-romagna", seed=1, negotiation_seconds=300)
        fill_with_bots(url, token, keep=["firm"])     # every seat but the first free firm seat
        control(url, token, "start")
        ... a player joins with `code` ...

The server runs on its own asyncio loop in its own thread; `LocalServer.run(coro)` runs a
coroutine there (for tests that need to look inside).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from district.server.protocol import ROLES, within
from district.server.protocol_client import ProtocolClient, Refused


class LocalServer:
    """`district serve` in a thread, on 127.0.0.1 and a free port (or `port`)."""

    def __init__(
        self,
        db_path: str | Path | None = None,
        *,
        port: int = 0,
        scenario_dirs: tuple[str | Path, ...] = (),
        reports: bool = False,
        **config: Any,
    ) -> None:
        self.reports = reports  # also serve the sessions' reports over HTTP (a free port)
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if db_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="district-")
            db_path = Path(self._tmp.name) / "district.sqlite3"
        self.db_path = Path(db_path)
        self.port = port
        self.scenario_dirs = tuple(Path(d) for d in scenario_dirs)
        self.config = config
        self.server: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.url = ""
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> str:
        if self._thread is not None:
            return self.url
        self._thread = threading.Thread(
            target=self._main, name="district-local-server", daemon=True
        )
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise RuntimeError(f"the local server did not start: {self._error}") from self._error
        if not self.url:
            raise RuntimeError("the local server did not start in 30 s")
        return self.url

    def _main(self) -> None:
        from district.server.engine.scenario_files import SCENARIO_DIR
        from district.server.net import Server, ServerConfig

        cfg = ServerConfig(
            db=self.db_path,
            port=self.port,
            scenario_dirs=(SCENARIO_DIR, *self.scenario_dirs),
            **self.config,
        )

        async def run() -> None:
            self.loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self.server = Server(cfg)
            try:
                await self.server.start()
            except BaseException as e:
                self._error = e
                self._ready.set()
                return
            service = None
            if self.reports:
                from district.server.serve import start_reports

                service = await start_reports(self.server, cfg, 0, given=False)
            self.url = self.server.url
            self._ready.set()
            await self._stop.wait()
            if service is not None:
                await service.stop()
            await self.server.stop()

        try:
            asyncio.run(run())
        except BaseException as e:  # reported by start()
            self._error = e
            self._ready.set()

    def run(self, coro_fn: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
        """Run a coroutine on the server's loop and wait for its result."""
        assert self.loop is not None
        fut: concurrent.futures.Future[Any] = asyncio.run_coroutine_threadsafe(coro_fn(), self.loop)  # type: ignore[arg-type]
        return fut.result(timeout)

    def stop(self) -> None:
        if self._thread is None:
            return
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        self._thread = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


# --- a synchronous client for scripts ----------------------------------------------------------
# Each helper runs the shared ProtocolClient on a private event loop, so a script without a loop
# (or a thread whose loop is busy) can call it.

T = TypeVar("T")


def run_sync(coro_fn: Callable[[], Awaitable[T]], timeout: float = 30.0) -> T:
    """Run `coro_fn()` to completion on a private event loop and return its result. From a thread
    that already runs a loop, the private loop runs in a helper thread (so the caller's loop is
    never nested)."""

    async def bounded() -> T:
        return await within(coro_fn(), timeout)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(bounded())
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="district-sync") as pool:
        return pool.submit(asyncio.run, bounded()).result()


def _check(what: str, reply: dict[str, Any]) -> dict[str, Any]:
    if reply["type"] == "error":
        raise RuntimeError(f"{what}: {reply['code']}: {reply['message']}")
    return reply


def create_session(
    url: str,
    scenario: str = "emilia-romagna",
    seed: int | None = None,
    negotiation_seconds: float = 480.0,
    report_seconds: float = 120.0,
) -> tuple[str, str]:
    """Create a session; returns (join code, facilitator token)."""

    async def go() -> dict[str, Any]:
        c = ProtocolClient(url)
        await c.connect_only()
        try:
            return await c.create(
                scenario,
                seed=seed,
                negotiation_seconds=negotiation_seconds,
                report_seconds=report_seconds,
            )
        finally:
            await c.close()

    created = _check("create", run_sync(go))
    return created["code"], created["facilitator_token"]


def control(url: str, facilitator_token: str, action: str, **fields: Any) -> dict[str, Any]:
    """One facilitator action; returns the ack's result (or {})."""

    async def go() -> dict[str, Any]:
        c = ProtocolClient(url, token=facilitator_token)
        try:
            await _hello(c)
            return await c.control(action, **fields)
        finally:
            await c.close()

    return dict(_check(action, run_sync(go)).get("result") or {})


async def _hello(c: ProtocolClient) -> None:
    try:
        await c.connect()
    except Refused as e:
        raise RuntimeError(f"hello: {e.code}: {e.message}") from None


def fill_with_bots(
    url: str, facilitator_token: str, keep: list[str] | tuple[str, ...] = ()
) -> list[str]:
    """Hand every seat nobody holds to a server-side bot, except those in `keep`: seat ids, or role
    names meaning "the first free seat of that role" (repeat a role to keep several). Returns the
    seats given to bots."""

    async def go() -> list[str]:
        c = ProtocolClient(url, token=facilitator_token)
        try:
            await _hello(c)
            await c.wait_for(lambda: c.roster is not None)
            assert c.roster is not None
            free = [s for s in c.roster["seats"] if s["controller"] == "open"]
            kept: set[str] = {k for k in keep if k not in ROLES}
            for role in [k for k in keep if k in ROLES]:
                for s in free:
                    if s["role"] == role and s["id"] not in kept:
                        kept.add(s["id"])
                        break
            botted = [s["id"] for s in free if s["id"] not in kept]
            for seat in botted:
                _check(f"bot {seat}", await c.control("bot", seat=seat))
            return botted
        finally:
            await c.close()

    return run_sync(go)
