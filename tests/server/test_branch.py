"""Branching a finished session from the start of a past round (issue 12): the new session has the
original's state at the start of that round (its hash, recorded while the original was played),
fresh seats, a new join code and facilitator token, and plays on to the end; the original is
untouched; bad requests are refused with one clear error and change nothing. The same offline,
with `district branch` on the database file."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from district.server.cli import main
from district.server.net import Server
from district.server.protocol_client import ProtocolClient
from district.server.session import SessionCore

from tests.server.conftest import create, join, make_config, until


async def cli(argv: list[str]) -> int:
    """`district ...` (its own event loop, in a thread: this test's loop runs the server)."""
    return await asyncio.to_thread(main, argv)


def record_round_starts(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, int], str]:
    """While sessions are played: the game's hash at the start of every round, by (session id,
    round). Round 1 starts when the session is made; round R > 1 with the entry that began it."""
    seen: dict[tuple[str, int], str] = {}
    apply, init = SessionCore.apply, SessionCore.__init__

    def init_and_record(self: SessionCore, *a: Any, **kw: Any) -> None:
        init(self, *a, **kw)
        seen.setdefault((self.info.id, self.round), self.game.hash())

    def apply_and_record(self: SessionCore, e: dict[str, Any]) -> Any:
        before = self.round
        out = apply(self, e)
        if self.round != before and self.phase == "negotiation":
            seen.setdefault((self.info.id, self.round), self.game.hash())
        return out

    monkeypatch.setattr(SessionCore, "__init__", init_and_record)
    monkeypatch.setattr(SessionCore, "apply", apply_and_record)
    return seen


async def play_to_the_end(fac: ProtocolClient) -> dict[str, Any]:
    await fac.control("start")  # bots in every seat nobody took
    await until(lambda: fac.clock.get("status") == "ended", timeout=60)
    info = (await fac.control("info"))["result"]
    assert info["status"] == "ended"
    return dict(info)


async def test_a_branch_starts_where_the_original_was_and_plays_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = record_round_starts(monkeypatch)
    config = make_config(tmp_path)
    srv = Server(config)
    await srv.start()
    try:
        created, fac = await create(srv.url, seed=5, report_seconds=0, negotiation_seconds=30)
        sid, code = created["session"], created["code"]
        ada = await join(srv.url, code, "Ada")
        # before the end: refused, nothing changed
        early = await fac.control("branch", round=1)
        assert early["type"] == "error" and early["code"] == "wrong_phase", early
        assert "finished" in early["message"]
        await ada.close()
        assert (await fac.control("bot", seat=ada.seat))["type"] == "ack"
        original = await play_to_the_end(fac)
        assert original["round"] == 3
        assert {r for (s, r) in starts if s == sid} == {1, 2, 3}
        before = await srv.sessions[sid].call(lambda s: s.core.fingerprint())

        # bad requests: one clear error each, and the original stays as it was
        for bad, code_, words in (
            (0, "bad_value", "from 1 to 3"),
            (4, "bad_value", "from 1 to 3"),
        ):
            r = await fac.control("branch", round=bad)
            assert r["type"] == "error" and r["code"] == code_ and words in r["message"], r
            assert r["where"] == "round"
        wrong_type = await fac.control("branch", round="2")
        assert wrong_type["type"] == "error" and wrong_type["code"] == "bad_message"
        assert wrong_type["where"] == "round"
        missing = await fac.control("branch")
        assert missing["type"] == "error" and "round" in missing["message"]
        watcher = ProtocolClient(srv.url, code=code, observer=True)
        await watcher.connect()
        no = await watcher.control("branch", round=2)
        assert no["type"] == "error" and no["code"] == "forbidden", no
        await watcher.close()
        assert await srv.sessions[sid].call(lambda s: s.core.fingerprint()) == before

        # the branch: its state at the start of round 2 is the original's then
        made = await fac.control("branch", round=2)
        assert made["type"] == "ack", made
        b = made["result"]
        assert b["round"] == 2 and b["hash"] == starts[(sid, 2)]
        assert b["session"] != sid and b["code"] != code
        assert b["token"] != created["facilitator_token"]
        assert fac.token == created["facilitator_token"]  # this console keeps its own
        assert await srv.sessions[sid].call(lambda s: s.core.fingerprint()) == before

        bfac = ProtocolClient(srv.url, token=b["token"], record=True)
        await bfac.connect()
        info = (await bfac.control("info"))["result"]
        assert (info["status"], info["round"], info["phase"]) == ("lobby", 2, "negotiation")
        assert info["hash"] == starts[(sid, 2)]
        assert info["scenario"] == original["scenario"] and info["seed"] == original["seed"]
        # fresh seats: nobody holds one, the original's player has none here; a new one joins
        assert all(s["controller"] == "open" for s in bfac.roster["seats"])
        bob = await join(srv.url, b["code"], "Bob")
        assert bob.seat
        # the old facilitator token is not the branch's
        ofac = ProtocolClient(srv.url, token=created["facilitator_token"])
        await ofac.connect()
        assert (await ofac.control("info"))["result"]["hash"] == original["hash"]
        await ofac.close()
        await bob.close()
        assert (await bfac.control("bot", seat=bob.seat))["type"] == "ack"
        after = await play_to_the_end(bfac)
        assert after["round"] == 3 and after["entries"] > info["entries"]
        await bfac.close()
        await fac.close()
    finally:
        await srv.stop()


async def test_district_branch_offline_on_the_database_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    starts = record_round_starts(monkeypatch)
    config = make_config(tmp_path)
    srv = Server(config)
    await srv.start()
    try:
        created, fac = await create(srv.url, seed=9, report_seconds=0, negotiation_seconds=30)
        sid, code = created["session"], created["code"]
        await play_to_the_end(fac)
        await fac.close()
        # while the server holds the file, the command says so
        assert (
            await cli(["branch", "--db", str(config.db), "--session", code, "--round", "3"])
        ) == 2
        assert "server" in capsys.readouterr().err.lower()
    finally:
        await srv.stop()
    db = str(config.db)
    assert (await cli(["branch", "--db", db, "--session", code, "--round", "9"])) == 2
    err = capsys.readouterr().err
    assert "round 9" in err and "from 1 to 3" in err and "Traceback" not in err
    assert (await cli(["branch", "--db", db, "--session", "NOPE99", "--round", "2"])) == 2
    assert "no session" in capsys.readouterr().err
    assert (await cli(["branch", "--db", db, "--session", code, "--round", "3"])) == 0
    out = capsys.readouterr().out
    lines = dict(x.split(": ", 1) for x in out.splitlines() if ": " in x)
    assert lines["state hash at the start of round 3"] == starts[(sid, 3)]
    srv = Server(config)
    await srv.start()
    try:
        bfac = ProtocolClient(srv.url, token=lines["facilitator token"], record=True)
        await bfac.connect()
        info = (await bfac.control("info"))["result"]
        assert (info["status"], info["round"], info["hash"]) == ("lobby", 3, starts[(sid, 3)])
        assert lines["join code"] != code
        after = await play_to_the_end(bfac)
        assert after["round"] == 3
        await bfac.close()
    finally:
        await srv.stop()
