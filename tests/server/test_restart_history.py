"""A restart reads what it needs, not the history: a session with a game under way is rebuilt from
a snapshot taken every `SNAPSHOT_EVERY` entries (mid-phase too) plus the few entries after it, and
an archived session is not read at all until someone comes to it. The session rebuilt so is the
same as before the restart and as a replay of every entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from district.server.net import Server
from district.server.protocol_client import ProtocolClient
from district.server.session import build_core, ledger
from district.server.store import Archive, SQLiteStore, StoredSession

from tests.server.conftest import create, join, make_config

EVERY = 25  # the snapshot interval of this test (the server's is larger: same mechanism)
COMMANDS = 3 * EVERY + 7  # a history three intervals long, and some


class CountingStore(SQLiteStore):
    """The real SQLite store, noting which sessions were read and how many entries each replayed."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.loaded: dict[str, int] = {}

    async def load(self, session: str, full: bool = False) -> StoredSession | None:
        stored = await super().load(session, full)
        if stored is not None:
            self.loaded[session] = len(stored.entries)
        return stored


async def play(url: str, seed: int, name: str) -> tuple[dict[str, Any], Any, Any]:
    created, fac = await create(url, seed=seed)
    player = await join(url, created["code"], name)
    assert (await fac.control("start"))["type"] == "ack"
    for i in range(COMMANDS):
        r = await player.command({"type": "chat", "text": f"offer {i}", "to": "public"})
        assert r["type"] == "ack", r
    return created, fac, player


async def test_a_restart_replays_a_bounded_tail_and_reads_no_archived_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger, "SNAPSHOT_EVERY", EVERY)
    config = make_config(tmp_path, rate=1000.0, burst=1000.0)
    srv = Server(config)
    await srv.start()
    try:
        running, fac_r, ada = await play(srv.url, 3, "Ada")
        archived, fac_a, bea = await play(srv.url, 4, "Bea")
        for c in (fac_r, ada, fac_a, bea):
            await c.close()
        before = {
            s: await srv.sessions[s].call(lambda x: x.core.fingerprint())
            for s in (running["session"], archived["session"])
        }
    finally:
        await srv.stop()
    # the second session goes out of memory as the archiver leaves it (here written directly)
    store = SQLiteStore(config.db)
    store.start()
    await store.write([Archive(archived["session"], 1.0)])
    await store.close()
    history = len(await SQLiteStore(config.db).all_entries(running["session"]))
    assert history > COMMANDS  # joins, start, the chats, the bots' turns

    counting = CountingStore(config.db)
    srv = Server(config, store=counting)
    await srv.start()
    try:
        sid = running["session"]
        # only the running session was read, and only the entries after its latest snapshot
        assert set(counting.loaded) == {sid}, counting.loaded
        assert counting.loaded[sid] < EVERY, (counting.loaded, history)
        after = await srv.sessions[sid].call(lambda x: x.core.fingerprint())
        assert after == before[sid]
        # the same as replaying every entry from the start
        full = await counting.load(sid, full=True)
        assert full is not None and full.snapshot is None
        replayed = build_core(full, srv.sessions[sid].core.scenario)
        assert replayed.fingerprint() == after

        # the archived one is read when its facilitator comes back, as it was
        fac = ProtocolClient(srv.url, token=archived["facilitator_token"])
        await fac.connect()
        assert archived["session"] in counting.loaded
        back = await srv.sessions[archived["session"]].call(lambda x: x.core.fingerprint())
        assert back == before[archived["session"]]
        await fac.close()
    finally:
        await srv.stop()
