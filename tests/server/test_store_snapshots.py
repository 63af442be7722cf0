"""Snapshots are data: whoever can write the database cannot make the server run code, and a
snapshot gives back the very state it was made of (same hash) after a restart."""

from __future__ import annotations

import pathlib
import pickle
import sqlite3
from pathlib import Path

from district.server.engine import Game
from district.server.engine.scenario_files import load_scenario
from district.server.engine.snapshot import from_data, restore, snapshot, state_hash, to_data
from district.server.net import Server
from district.server.session import SessionCore, SessionInfo

from tests.server.conftest import SCENARIOS, create, make_config, until


class Payload:
    """What an attacker with write access to the file would store: code run on unpickling."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (pathlib.Path.touch, (self.path,))


def snapshot_rows(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as c:
        return list(c.execute("SELECT session, n FROM snapshots"))


async def test_a_pickle_in_the_snapshot_row_is_not_run_and_the_session_still_recovers(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path)
    srv = Server(config)
    await srv.start()
    try:
        created, fac = await create(srv.url, seed=3)
        sid = created["session"]
        await fac.control("start")
        await fac.control("advance")  # negotiation -> report
        await fac.control("advance")  # report -> round 2: a snapshot
        await until(lambda: bool(snapshot_rows(config.db)), timeout=30)
        await fac.close()
        before = await srv.sessions[sid].call(lambda s: (s.core.game.hash(), s.core.entries))
    finally:
        await srv.stop()
    ran = tmp_path / "code-ran"
    evil = pickle.dumps({"state": Payload(ran), "meta": {}, "hash": ""})
    with sqlite3.connect(config.db) as c:
        c.execute("UPDATE snapshots SET data = ?", (evil,))
    again = Server(config)
    await again.start()
    try:
        assert not ran.exists(), "a pickle in the database ran code at start-up"
        assert sid in again.sessions, "the session was not recovered from its entries"
        after = await again.sessions[sid].call(lambda s: (s.core.game.hash(), s.core.entries))
        assert after[0] == before[0]
        assert after[1] >= before[1]
    finally:
        await again.stop()
    assert not ran.exists()


def played_core(rounds: int) -> SessionCore:
    sc = load_scenario(SCENARIOS / "server-test.toml")
    info = SessionInfo("s-1", "ABCDEF", "server-test", 9, "h", 0.0)
    core = SessionCore(info, sc)
    for e in [{"k": "start", "deadline": 1.0}]:
        core.apply(e)
    for _ in range(rounds):
        core.apply({"k": "resolve", "deadline": 2.0})
        core.apply({"k": "advance", "deadline": 3.0})
    return core


def test_a_session_snapshot_round_trip_keeps_the_hash_and_everything_else() -> None:
    core = played_core(2)
    blob, h = core.snapshot()
    assert not blob.startswith(b"\x80"), "still a pickle"
    copy = SessionCore(core.info, core.scenario)
    copy.restore(blob)
    assert copy.game.hash() == h == core.game.hash()
    assert copy.fingerprint() == core.fingerprint()
    # both play on identically
    for c in (core, copy):
        c.apply({"k": "resolve", "deadline": 4.0})
    assert copy.game.hash() == core.game.hash()


def test_a_snapshot_holds_only_data_and_refuses_other_objects() -> None:
    sc = load_scenario(SCENARIOS / "server-test.toml")
    g = Game(sc, 4)
    g.resolve()
    blob = snapshot(g.state)
    assert state_hash(restore(blob, sc)) == g.hash()
    assert from_data(to_data({"a": (1, 2), "b": {3}})) == {"a": (1, 2), "b": {3}}
    for bad in (Payload(Path("x")), print, object()):
        try:
            to_data({"x": bad})
        except TypeError:
            continue
        raise AssertionError(f"{bad!r} was packed")
