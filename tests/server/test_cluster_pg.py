"""Several server processes on a real PostgreSQL (issue 14; tests/pg.py starts it): fencing by the
database's clock, takeover after kill -9, drain by SIGTERM and by `district serve --drain`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path

from district.server.net import Server
from district.server.store.postgres import PostgresStore

from tests.pg import PgServer
from tests.server.conftest import ROOT, ServerProcess, create, join, make_config, until
from tests.server.test_cluster import raw_hello, started


async def entries_cids(url: str, sid: str) -> list[str]:
    store = PostgresStore(url)
    store.start()
    try:
        return [e["cid"] for e in await store.all_entries(sid) if "cid" in e]
    finally:
        await store.close()


async def owner(url: str, sid: str) -> str | None:
    store = PostgresStore(url)
    store.start()
    try:
        lease = await store.lease(sid)
        return None if lease is None else lease.owner
    finally:
        await store.close()


async def test_a_paused_owner_is_fenced_out_by_the_database_and_its_clients_move(
    tmp_path: Path, pg: PgServer, pg_url: str
) -> None:
    # p0 does not renew (paused); its lease is made to lapse in the database itself
    a = Server(
        make_config(tmp_path, name="p0", warden={"renew_every": 3600}), PostgresStore(pg_url)
    )
    b = Server(make_config(tmp_path, name="p1"), PostgresStore(pg_url))
    await a.start()
    await b.start()
    try:
        created, fac, ada = await started(a.url, negotiation_seconds=600)
        sid = created["session"]
        reply, _ = await raw_hello(b.url, code=created["code"], name="Bo")
        assert reply["type"] == "redirect" and reply["url"] == a.address
        database = pg_url.rsplit("/", 1)[1]
        pg.psql("UPDATE leases SET expires = clock_timestamp() - interval '1 second'", database)
        await until(lambda: sid in b.sessions, timeout=6)
        with contextlib.suppress(ConnectionError):
            await ada.command({"type": "chat", "text": "late", "to": "public"}, cid="late")
        await until(lambda: ada.bye is not None)
        assert ada.bye is not None and ada.bye["code"] == "moved"
        assert sid not in a.sessions
        assert "late" not in await entries_cids(pg_url, sid)
        ada.url = b.url
        await ada.reconnect()
        assert (await ada.command({"type": "chat", "text": "x", "to": "public"}, cid="late"))[
            "type"
        ] == "ack"
        assert (await entries_cids(pg_url, sid)).count("late") == 1
        await ada.close()
        await fac.close()
    finally:
        await a.stop()
        await b.stop()


def serve(tmp_path: Path, url: str, name: str) -> ServerProcess:
    p = ServerProcess(tmp_path / f"{name}.sqlite3", None, "--store", url, "--name", name)
    p.start()
    return p


async def test_kill_9_of_the_owner_then_another_process_takes_over_within_5_s(
    tmp_path: Path, pg_url: str
) -> None:
    p1, p2 = serve(tmp_path, pg_url, "p1"), serve(tmp_path, pg_url, "p2")
    try:
        created, fac, ada = await started(p1.url, negotiation_seconds=600)
        sid = created["session"]
        assert (await ada.command({"type": "chat", "text": "a", "to": "public"}, cid="k1"))[
            "type"
        ] == "ack"
        seat = ada.seat
        p1.kill9()
        t0 = time.monotonic()
        while await owner(pg_url, sid) != "p2":
            assert time.monotonic() - t0 < 5.0, "not taken over within 5 s"
            await asyncio.sleep(0.1)
        took = time.monotonic() - t0
        ada.url = p2.url
        await ada.reconnect()
        assert ada.seat == seat and "k1" in await entries_cids(pg_url, sid)
        print(f"takeover after kill -9: {took:.2f} s")
        await ada.close()
        await fac.close()
    finally:
        p1.stop()
        p2.stop()


async def test_drain_and_sigterm_hand_the_sessions_over_and_exit_0(
    tmp_path: Path, pg_url: str
) -> None:
    p1, p2 = serve(tmp_path, pg_url, "p1"), serve(tmp_path, pg_url, "p2")
    try:
        c1, fac1, ada1 = await started(p1.url, negotiation_seconds=600)
        c2, fac2 = await create(p2.url, seed=4)
        bo = await join(p2.url, c2["code"], "Bo")
        # `district serve --drain p1`: p1 hands its session over to p2 and exits 0
        drain = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "district.server.cli",
            "serve",
            "--drain",
            "p1",
            "--store",
            pg_url,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(drain.communicate(), 30)
        lines = out.decode().splitlines()
        assert drain.returncode == 0, lines
        assert lines[-1] == "p1 has handed its sessions over and exited", lines
        assert p1.proc is not None and p1.proc.wait(10) == 0
        await until(lambda: ada1.bye is not None)
        assert ada1.bye is not None and ada1.bye["code"] == "moved"
        ada1.url = p2.url  # home would be the proxy: p2 serves it now
        await ada1.reconnect()
        assert await owner(pg_url, c1["session"]) == "p2"
        # SIGTERM drains too: exit 0, the lease released at once (not left to lapse)
        assert p2.proc is not None
        p2.proc.send_signal(signal.SIGTERM)
        assert p2.proc.wait(20) == 0
        assert await owner(pg_url, c2["session"]) is None
        assert await owner(pg_url, c1["session"]) is None
        await until(lambda: bo.bye is not None)
        assert bo.bye is not None and bo.bye["code"] == "moved"
        for c in (ada1, bo, fac1, fac2):
            await c.close()
    finally:
        p1.stop()
        p2.stop()


def test_district_serve_refuses_advertise_without_a_store_and_a_wide_listen_without_advertise(
    tmp_path: Path,
) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "district.server.cli",
                "serve",
                "--db",
                str(tmp_path / "d"),
                *args,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )

    r = run("--port", "0", "--advertise", "ws://h:1")
    assert r.returncode == 2 and "need --store URL" in r.stderr, r.stderr
    r = run("--host", "0.0.0.0", "--port", "0", "--store", "postgresql://u@127.0.0.1:1/x")
    assert r.returncode == 2 and "needs --advertise URL" in r.stderr, r.stderr
    r = run("--drain", "p1")
    assert r.returncode == 2 and "--drain NAME needs --store URL" in r.stderr, r.stderr
