"""Sessions a deployment controls: a creation key whenever the server listens beyond this
computer, creation throttled per address, idle sessions archived out of memory (and loaded back
when someone comes), and a start-up time that does not grow with the sessions in the file."""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path

import pytest
from district.server.net import Server
from district.server.protocol import CODE_ALPHABET
from district.server.protocol_client import ProtocolClient
from district.server.session import hash_token
from district.server.store import INFO_FIELDS, AppendEntry, Archive, NewSession, SQLiteStore

from tests.server.conftest import SCENARIOS, ServerProcess, create, join, make_config, until


async def create_with(url: str, **kw: object) -> dict[str, object]:
    c = ProtocolClient(url)
    await c.connect_only()
    try:
        return await c.create("server-test", **kw)  # type: ignore[arg-type]
    finally:
        await c.close()


async def test_a_server_beyond_this_computer_makes_a_key_prints_it_and_keeps_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "district.sqlite3"
    keys = []
    for _ in range(2):  # the same key after a restart
        p = ServerProcess(db, None, "--host", "0.0.0.0")
        p.start()
        try:
            line = next(x for x in p.lines if x.startswith("creation key:"))
            keys.append(line.split()[2])
            refused = await create_with(p.url)
            assert refused["type"] == "error" and refused["code"] == "forbidden", refused
            assert "creation key" in str(refused["message"])
            wrong = await create_with(p.url, key=keys[-1] + "x")
            assert wrong["type"] == "error" and wrong["code"] == "forbidden"
            ok = await create_with(p.url, key=keys[-1])
            assert ok["type"] == "created", ok
        finally:
            p.stop()
    assert keys[0] == keys[1] and len(keys[0]) >= 16
    kept = db.with_name(db.name + ".create-key")
    assert kept.read_text().strip() == keys[0]
    assert os.stat(kept).st_mode & 0o777 == 0o600
    # a key of one's own choosing is used as given (and nothing is made)
    p = ServerProcess(
        tmp_path / "other.sqlite3", None, "--host", "0.0.0.0", "--create-key", "k" * 20
    )
    p.start()
    try:
        assert any(x.startswith("creation key: " + "k" * 20) for x in p.lines)
        assert (await create_with(p.url, key="k" * 20))["type"] == "created"
    finally:
        p.stop()
    assert not (tmp_path / "other.sqlite3.create-key").exists()


async def test_the_server_object_refuses_to_listen_beyond_loopback_without_a_key(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path, host="0.0.0.0")
    with pytest.raises(ValueError, match="creation key"):
        await Server(config).start()
    # on loopback, no key is needed
    local = Server(make_config(tmp_path))
    await local.start()
    try:
        assert (await create_with(local.url))["type"] == "created"
    finally:
        await local.stop()


async def test_session_creation_is_throttled_per_address(tmp_path: Path) -> None:
    now = [1000.0]
    srv = Server(
        make_config(
            tmp_path,
            create_limit=3,
            create_window=60.0,
            throttle_loopback=True,
            clock=lambda: now[0],
        )
    )
    await srv.start()
    try:
        for _ in range(3):
            assert (await create_with(srv.url))["type"] == "created"
        flood = await create_with(srv.url)
        assert flood["type"] == "error" and flood["code"] == "throttled", flood
        assert 0 < float(flood["retry_after"]) <= 60  # type: ignore[arg-type]
        assert len(srv.sessions) == 3
        now[0] += 61
        assert (await create_with(srv.url))["type"] == "created"
    finally:
        await srv.stop()


async def test_idle_sessions_leave_memory_and_come_back_when_someone_returns(
    tmp_path: Path,
) -> None:
    now = [0.0]
    config = make_config(tmp_path, archive_after=60.0, archive_every=3600.0, clock=lambda: now[0])
    srv = Server(config)
    await srv.start()
    try:
        created, fac = await create(srv.url, seed=4)
        sid = created["session"]
        ada = await join(srv.url, created["code"], "Ada")
        await fac.control("start")
        await ada.wait_for(lambda: ada.clock and ada.clock["status"] == "running")
        before = await srv.sessions[sid].call(lambda s: s.core.fingerprint()[:6])
        assert await srv.archive_idle() == 0  # connected: not idle
        await ada.close()
        await fac.close()
        await until(lambda: not srv.sessions[sid].conns)
        assert await srv.archive_idle() == 0  # idle from now
        now[0] += 61
        assert await srv.archive_idle() == 1
        assert sid not in srv.sessions and created["code"] not in srv.codes
        assert await srv.store.open_ids() == []  # not recovered at a restart while archived
        # Ada comes back with her token: the session is loaded back, her seat is hers
        await ada.connect()
        assert ada.seat is not None and sid in srv.sessions
        after = await srv.sessions[sid].call(lambda s: s.core.fingerprint()[:6])
        assert after[0] == before[0]  # the same game
        assert await srv.store.open_ids() == [sid]
        await ada.close()
    finally:
        await srv.stop()


def four_hundred_sessions(db: Path) -> list[tuple[str, str]]:
    """400 sessions written straight into a file as a creation flood leaves them (in their
    lobby), 50 of them with a game under way and archived."""
    text = (SCENARIOS / "server-test.toml").read_text(encoding="utf-8")
    out = []

    async def go() -> None:
        store = SQLiteStore(db)
        store.start()
        writes = []
        for i in range(400):
            sid = f"s-{i:012x}"
            code = "".join(CODE_ALPHABET[int(d)] for d in f"{i:06d}")
            info = {
                "id": sid,
                "code": code,
                "scenario": "server-test",
                "seed": i,
                "facilitator_hash": hash_token(f"fac-{i}"),
                "created": 1000.0 + i,
                "negotiation_seconds": 480.0,
                "report_seconds": 120.0,
            }
            assert set(info) == set(INFO_FIELDS)
            writes.append(NewSession(info, text))
            if i % 8 == 0:
                writes.append(AppendEntry(sid, 1, {"k": "start", "deadline": 1e10, "fill": True}))
                writes.append(Archive(sid, 2000.0))
            out.append((sid, code))
        await store.write(writes)
        await store.close()

    asyncio.run(go())
    return out


def test_start_up_time_does_not_grow_with_the_sessions_in_the_file(tmp_path: Path) -> None:
    db = tmp_path / "district.sqlite3"
    sessions = four_hundred_sessions(db)
    p = ServerProcess(db)
    t0 = time.perf_counter()
    p.start()
    try:
        started = time.perf_counter() - t0
        said = next(x for x in p.lines if x.startswith("sessions recovered"))
        recovery = float(re.findall(r"in ([0-9.]+) s", said)[0])
        print(f"start-up with 400 sessions: {started:.2f} s, recovery {recovery:.3f} s")
        assert recovery < 0.5, said  # nothing to rebuild: every one is loaded when needed
        assert started < 10  # loose: the interpreter's own start on a busy machine

        # any one of them is there when someone comes to it
        async def visit() -> None:
            sid, code = sessions[123]
            c = ProtocolClient(p.url, code=code, name="Ada")
            await c.connect()
            assert c.session == sid and c.seat is not None
            await c.close()
            archived = sessions[8 * 7]
            fac = ProtocolClient(p.url, token="fac-56")
            await fac.connect()
            assert fac.session == archived[0]
            await fac.close()

        asyncio.run(visit())
    finally:
        p.stop()
