"""The session's actor over the in-memory store, with stand-in connections (no sockets): nothing is
acknowledged before it is stored, a failing store or a failing job changes nothing, and what the
jobs before a failing one did is kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import msgpack
import pytest
from district.server.engine.scenario_files import load_scenario
from district.server.session import (
    Command,
    Hello,
    Session,
    SessionCore,
    SessionInfo,
    build_core,
    hash_token,
)
from district.server.store import INFO_FIELDS, AppendEntry, MemoryStore, NewSession

from tests.server.conftest import SCENARIOS, until

SCENARIO = load_scenario(SCENARIOS / "server-test.toml")


class FakeConn:
    def __init__(self) -> None:
        self.recipient: str | None = None
        self.closed = False
        self.batch = False
        self.got: list[dict[str, Any]] = []
        self.session: Session | None = None

    def send(self, msg: dict[str, Any]) -> None:
        self.got.append(msg)

    def send_bytes(self, data: bytes) -> None:
        self.got.append(msgpack.unpackb(data, raw=False, strict_map_key=False))

    def bind(self, session: Session, recipient: str) -> None:
        self.session, self.recipient = session, recipient

    def bye(self, reason: str, message: str, code: int) -> None:
        self.got.append({"type": "bye", "reason": reason})
        self.closed = True

    def replies(self) -> list[dict[str, Any]]:
        return [m for m in self.got if m["type"] in ("ack", "error", "welcome")]


class FakeHub:
    def __init__(self) -> None:
        self.tokens: dict[str, tuple[str, str]] = {}
        self.ended: list[str] = []
        self.report_port: int | None = None

    def token_added(self, hash_: str, session: str, who: str) -> None:
        self.tokens[hash_] = (session, who)

    def token_removed(self, hash_: str) -> None:
        self.tokens.pop(hash_, None)

    def session_ended(self, session: str) -> None:
        self.ended.append(session)

    def stats(self) -> dict[str, Any]:
        return {}


@pytest.fixture
async def rig() -> AsyncIterator[tuple[Session, MemoryStore, FakeConn]]:
    store = MemoryStore()
    store.start()
    info = SessionInfo("s-actor", "ABCDEF", "server-test", 3, hash_token("fac"), 1.0)
    await store.write([NewSession({k: getattr(info, k) for k in INFO_FIELDS}, "")])
    session = Session(SessionCore(info, SCENARIO), store, FakeHub())
    session.start()
    player = FakeConn()
    done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    msg = {"type": "hello", "id": 1, "version": 1, "code": "ABCDEF", "name": "Ada"}
    session.submit(Hello(player, msg, "join", done=done))
    assert await done
    fac = FakeConn()
    session.submit(Hello(fac, {"id": 1}, "token", "facilitator", hash_token("fac")))
    await until(lambda: fac.recipient == "facilitator")
    session.submit(
        Command(fac, {"id": 2, "command": {"type": "chat", "text": "hi", "to": "public"}})
    )
    await until(lambda: len(fac.replies()) == 2)
    yield session, store, player
    await session.stop()


def chat(n: int, text: str) -> dict[str, Any]:
    return {"type": "command", "id": n, "command": {"type": "chat", "text": text, "to": "public"}}


async def test_a_command_is_acknowledged_once_stored(
    rig: tuple[Session, MemoryStore, FakeConn],
) -> None:
    session, store, player = rig
    welcome = player.replies()[0]
    assert welcome["type"] == "welcome" and welcome["seat"] == player.recipient and welcome["token"]
    stored = await store.load("s-actor")
    assert stored is not None and [e["k"] for e in stored.entries] == ["join", "cmd"]
    assert await store.lookup_token(hash_token(welcome["token"])) == ("s-actor", player.recipient)


async def test_a_failing_store_refuses_and_changes_nothing(
    rig: tuple[Session, MemoryStore, FakeConn],
) -> None:
    session, store, _player = rig
    fac = session.conns["facilitator"]
    assert isinstance(fac, FakeConn)
    before = await session.call(lambda s: s.core.fingerprint())
    store.refuse = lambda w: isinstance(w, AppendEntry)
    session.submit(Command(fac, chat(10, "lost")))
    await until(lambda: any(m.get("re") == 10 for m in fac.replies()))
    assert [m for m in fac.replies() if m.get("re") == 10][0]["code"] == "storage"
    assert await session.call(lambda s: s.core.fingerprint()) == before
    assert not any(m.get("type") == "event" and m["event"].get("text") == "lost" for m in fac.got)
    store.refuse = None
    await until(lambda: not session.ledger.resting(), timeout=5)  # the store's rest after failing
    session.submit(Command(fac, chat(11, "kept")))
    await until(lambda: any(m.get("re") == 11 for m in fac.replies()))
    assert [m for m in fac.replies() if m.get("re") == 11][0]["type"] == "ack"


async def test_a_job_that_fails_half_way_is_undone_and_the_jobs_around_it_are_not(
    rig: tuple[Session, MemoryStore, FakeConn],
) -> None:
    session, store, _player = rig
    fac = session.conns["facilitator"]
    assert isinstance(fac, FakeConn)
    game = session.core.game
    real = game.apply

    def half_way(seat: str, cmd: dict[str, Any]) -> list[dict[str, Any]]:
        events = real(seat, cmd)  # the state is changed...
        if cmd.get("text") == "boom":
            raise RuntimeError("an engine bug")  # ...and then the engine fails
        return events

    game.apply = half_way  # type: ignore[method-assign]
    # one batch: the job before the failing one and the one after it stand
    for n, text in [(20, "before"), (21, "boom"), (22, "after")]:
        session.submit(Command(fac, chat(n, text)))
    await until(lambda: sum(m.get("re") in (20, 21, 22) for m in fac.replies()) == 3)
    by_id = {m["re"]: m for m in fac.replies() if m.get("re") in (20, 21, 22)}
    assert [by_id[n]["type"] for n in (20, 21, 22)] == ["ack", "error", "ack"]
    assert by_id[21]["code"] == "internal"
    texts = [e["cmd"]["text"] for e in await store.all_entries("s-actor") if e["k"] == "cmd"]
    assert texts == ["hi", "before", "after"]
    chat_log = await session.call(
        lambda s: [c["text"] for c in s.core.game.view("facilitator")["chat"]]
    )
    assert chat_log == ["hi", "before", "after"]
    live = await session.call(lambda s: s.core.fingerprint())
    stored = await store.load("s-actor")
    assert stored is not None
    assert build_core(stored, SCENARIO).fingerprint() == live
