"""Storage that fails well: a damaged session is set aside with one clear line and the rest start;
a second server on the same file refuses to start."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from district.server.net import Server
from district.server.protocol_client import ProtocolClient, Refused

from tests.server.conftest import ROOT, SCENARIOS, ServerProcess, create, make_config


async def two_games(srv: Server) -> list[dict[str, str]]:
    out = []
    for seed in (1, 2):
        created, fac = await create(srv.url, seed=seed)
        await fac.control("start")
        await fac.control("advance")
        await fac.control("advance")  # round 2: a snapshot
        await fac.control("pause")  # an entry after it
        await fac.close()
        out.append(created)
    return out


async def test_a_damaged_session_is_quarantined_and_the_others_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path)
    srv = Server(config)
    await srv.start()
    try:
        bad, good = await two_games(srv)
        good_hash = await srv.sessions[good["session"]].call(lambda s: s.core.game.hash())
    finally:
        await srv.stop()
    with sqlite3.connect(config.db) as c:  # the last entry of one session: not msgpack any more
        c.execute(
            "UPDATE entries SET data = x'c1c1' WHERE session = ? AND n = "
            "(SELECT max(n) FROM entries WHERE session = ?)",
            (bad["session"], bad["session"]),
        )
    caplog.set_level(logging.INFO)
    again = Server(config)
    await again.start()
    try:
        assert good["session"] in again.sessions and bad["session"] not in again.sessions
        h = await again.sessions[good["session"]].call(lambda s: s.core.game.hash())
        assert h == good_hash
        lines = [r for r in caplog.records if bad["session"] in r.getMessage()]
        said = [r for r in lines if r.levelno >= logging.ERROR]
        assert len(said) == 1 and "damaged and set aside" in said[0].getMessage(), lines
        assert all(r.exc_info is None for r in lines if r.levelno >= logging.INFO), "a traceback"
        # a player coming to it is told, in words, and nothing else breaks
        c = ProtocolClient(again.url, code=bad["code"], name="Ada")
        with pytest.raises(Refused) as refused:
            await c.connect()
        assert refused.value.msg["code"] == "damaged"
        fac = ProtocolClient(again.url, token=bad["facilitator_token"])
        with pytest.raises(Refused) as refused:
            await fac.connect()
        assert refused.value.msg["code"] == "damaged"
    finally:
        await again.stop()
    # set aside for good: the next start does not even try it
    caplog.clear()
    third = Server(config)
    await third.start()
    try:
        assert not [r for r in caplog.records if bad["session"] in r.getMessage()]
        assert good["session"] in third.sessions
    finally:
        await third.stop()


def test_a_second_server_on_the_same_file_refuses_with_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "district.sqlite3"
    first = ServerProcess(db)
    first.start()
    try:
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "district.server.cli",
                "serve",
                "--port",
                "0",
                "--db",
                str(db),
                "--scenarios",
                str(SCENARIOS),
                "--log-level",
                "WARNING",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert second.returncode == 2, second.stdout + second.stderr
        err = second.stderr.strip().splitlines()
        assert len(err) == 1 and "Traceback" not in second.stderr, second.stderr
        assert "in use by another district server" in err[0] and str(db) in err[0]
        assert str(first.proc.pid if first.proc else "") in err[0]
        assert "sessions recovered" not in second.stdout
    finally:
        first.stop()
    # once the first has stopped, the file is free again
    third = ServerProcess(db)
    third.start()
    third.stop()
