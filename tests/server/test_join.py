"""Joining, identity and seats, over real websockets on loopback."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import msgpack
import pytest
from district.server.botclient import Refused, SeatClient
from district.server.net import CodeThrottle, Server
from district.server.protocol import CLOSE_REPLACED, PROTOCOL_VERSION, encode
from district.server.protocol_client import ProtocolClient

from tests.server.conftest import create, fingerprint, join, make_config, until


async def test_players_join_with_the_code_and_get_seats_in_order(server: Server) -> None:
    created, fac = await create(server.url)
    code = created["code"]
    assert len(code) == 6 and created["session"] in server.sessions
    a = await join(server.url, code, "Ada")
    b = await join(
        server.url, code.lower()[:3] + "-" + code.lower()[3:], "Bo"
    )  # codes forgive case and dashes
    u = await join(server.url, code, "Una", role="union")
    assert (a.seat, b.seat, u.seat) == ("firm:alpha-meccanica", "firm:beta-saldature", "union")
    assert a.welcome is not None and a.welcome["role"] == "firm" and a.welcome["name"] == "Ada"
    assert a.welcome["road"] == "high" and b.welcome is not None and b.welcome["road"] == "low"
    kinds = a.welcome["deal_kinds"]  # the engine's deal schema, for the client's composer
    assert "joint_bid" in kinds and kinds["joint_bid"]["terms"]["price"]["type"] == "float"
    assert a.token and a.token != b.token
    # everyone got a view of their own, a clock and a roster
    assert a.view is not None and a.view["seat"] == a.seat and "me" in a.view
    assert a.clock is not None and a.clock["status"] == "lobby"
    await until(
        lambda: a.roster is not None and sum(s["connected"] for s in a.roster["seats"]) == 3
    )
    seats = {s["id"]: s for s in a.roster["seats"]}
    assert seats["union"]["player"] == "Una" and seats["union"]["controller"] == "human"
    assert seats["government"]["controller"] == "open" and a.roster["facilitator"] is True
    # the one union seat is taken: asking for it again is refused
    with pytest.raises(Refused) as e:
        await join(server.url, code, "Uma", role="union")
    assert e.value.code == "session_full"
    # tokens are stored hashed: the raw token is nowhere in the database
    raw = (server.config.db).read_bytes() + (
        server.config.db.with_suffix(".sqlite3-wal")
    ).read_bytes()
    assert a.token.encode() not in raw and created["facilitator_token"].encode() not in raw
    for c in (a, b, u, fac):
        await c.close()


async def test_a_token_brings_a_player_back_to_the_same_seat(server: Server) -> None:
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    seat, token = a.seat, a.token
    await a.close()
    again = SeatClient(server.url, token=token)
    w = await again.connect()
    assert w["seat"] == seat and "token" not in w and w["name"] == "Ada"
    await again.close()
    await fac.close()


@pytest.mark.parametrize(
    "hello, code",
    [
        ({"token": "nope"}, "bad_token"),
        ({"code": "ZZZZZZ", "name": "x"}, "bad_code"),
        ({"code": "ZZZZZZ", "name": "x", "version": 99}, "version"),
        ({"code": "ZZZZZZ"}, "bad_message"),
        ({"token": "a", "code": "b"}, "bad_message"),
        ({"code": "ZZZZZZ", "name": "x", "role": "king"}, "bad_message"),
        ({"code": "ZZZZZZ", "name": "x", "colour": "red"}, "bad_message"),
    ],
)
async def test_bad_hellos_are_refused_with_a_code(server: Server, hello: dict, code: str) -> None:
    created, fac = await create(server.url)
    if hello.get("code") == "ZZZZZZ" and code not in ("bad_code",):
        hello = {**hello, "code": created["code"]}
    before = await fingerprint(server, created["session"])
    c = SeatClient(server.url, code="-")
    await c.connect_only()
    reply = await c.request({"type": "hello", "version": PROTOCOL_VERSION, **hello})
    assert reply["type"] == "error" and reply["code"] == code, reply
    assert reply["message"] and isinstance(reply["where"], str)
    # the connection is still usable and nothing changed
    assert (await c.request({"type": "ping"}))["type"] == "pong"
    assert await fingerprint(server, created["session"]) == before
    await c.close()
    await fac.close()


async def test_commands_before_hello_and_a_second_hello_are_refused(server: Server) -> None:
    created, fac = await create(server.url)
    c = SeatClient(server.url, code="-")
    await c.connect_only()
    r = await c.request({"type": "command", "command": {"type": "ready"}})
    assert r["code"] == "need_hello"
    r = await c.request({"type": "control", "action": "start"})
    assert r["code"] == "need_hello"
    ok = await c.request({"type": "hello", "version": 1, "code": created["code"], "name": "Ada"})
    assert ok["type"] == "welcome"
    r = await c.request({"type": "hello", "version": 1, "code": created["code"], "name": "Bo"})
    assert r["code"] == "already_joined"
    await until(lambda: c.roster is not None)
    assert (
        sum(s["player"] is not None for s in c.roster["seats"]) == 1
    )  # the second hello took no seat
    await c.close()
    await fac.close()


async def test_two_connections_for_one_seat_the_newer_wins(server: Server) -> None:
    created, fac = await create(server.url)
    await fac.control("start", fill_bots=False)
    old = await join(server.url, created["code"], "Ada")
    new = SeatClient(server.url, token=old.token, record=True)
    await new.connect()
    await until(lambda: old.bye is not None and not old.connected.is_set())
    assert old.bye["reason"] == "replaced"
    assert old._reader is not None
    await until(lambda: old._reader.done())
    # the newer connection plays the seat; the older one is closed with 4000
    r = await new.command({"type": "chat", "text": "it's me", "to": "public"})
    assert r["type"] == "ack"
    assert any(
        m.get("type") == "event" and m["event"].get("text") == "it's me" for m in new.received
    )
    assert not any(
        m.get("type") == "event" and m["event"].get("text") == "it's me" for m in old.received
    )
    await until(
        lambda: (
            fac.roster is not None
            and {s["id"]: s for s in fac.roster["seats"]}[new.seat]["connected"]
        )
    )
    await new.close()
    await fac.close()


async def test_the_replaced_connection_sees_close_code_4000(server: Server) -> None:
    from websockets.asyncio.client import connect

    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    async with connect(server.url) as ws:
        await ws.send(encode({"type": "hello", "version": 1, "token": a.token}))
        assert msgpack.unpackb(await ws.recv())["type"] == "welcome"
        await until(lambda: a._ws is not None and a._ws.close_code is not None)
        assert a._ws.close_code == CLOSE_REPLACED
    await fac.close()


async def test_observers_see_the_public_view_and_cannot_act(server: Server) -> None:
    created, fac = await create(server.url)
    obs = SeatClient(server.url, code=created["code"], observer=True, record=True)
    w = await obs.connect()
    assert w["seat"] == "observer" and w["role"] == "observer"
    assert obs.view is not None and "me" not in obs.view and "scores" not in obs.view
    r = await obs.command({"type": "chat", "text": "hi", "to": "public"})
    assert r["code"] == "forbidden"
    r = await obs.control("start")
    assert r["code"] == "forbidden"
    await obs.close()
    await fac.close()


async def test_scenarios_and_create_errors(server: Server) -> None:
    c = SeatClient(server.url, code="-")
    await c.connect_only()
    r = await c.request({"type": "scenarios"})
    names = {s["name"] for s in r["scenarios"]}
    assert {"server-test", "emilia-romagna"} <= names
    st = next(s for s in r["scenarios"] if s["name"] == "server-test")
    assert st["rounds"] == 3 and len(st["seats"]) == 7
    for bad in ("nope", "../scenarios/emilia-romagna", "/etc/passwd", "Emilia-Romagna"):
        r = await c.request({"type": "create", "scenario": bad})
        assert r["code"] == "unknown_scenario", bad
    r = await c.request({"type": "create", "scenario": "server-test", "negotiation_seconds": 1})
    assert r["code"] == "bad_message" and r["where"] == "negotiation_seconds"
    assert server.sessions == {}
    await c.close()


async def test_a_creation_key_is_required_when_the_server_has_one(tmp_path) -> None:
    from tests.server.conftest import make_config

    srv = Server(make_config(tmp_path, create_key="sesame"))
    await srv.start()
    try:
        c = SeatClient(srv.url, code="-")
        await c.connect_only()
        r = await c.request({"type": "create", "scenario": "server-test"})
        assert r["code"] == "forbidden" and r["where"] == "key"
        r = await c.request({"type": "create", "scenario": "server-test", "key": "sesame"})
        assert r["type"] == "created"
        await c.close()
    finally:
        await srv.stop()


async def test_no_hello_in_time_closes_the_connection(tmp_path) -> None:
    from websockets.asyncio.client import connect

    from tests.server.conftest import make_config

    srv = Server(make_config(tmp_path, hello_timeout=0.3))
    await srv.start()
    try:
        async with connect(srv.url) as ws:
            msg = msgpack.unpackb(await asyncio.wait_for(ws.recv(), 5))
            assert msg["type"] == "bye" and msg["reason"] == "policy"
            await asyncio.wait_for(ws.wait_closed(), 5)
            assert ws.close_code == 1008
    finally:
        await srv.stop()


async def test_names_that_pass_for_the_facilitator_or_hide_text_are_refused_on_the_wire(
    server: Server,
) -> None:
    created, fac = await create(server.url)
    sid = created["session"]
    a = await join(server.url, created["code"], "Ada")
    before = await fingerprint(server, sid)
    for name in ("Facilitator", "TEACHER", "ada", "Ada\u202e", "A\x1bda"):
        with pytest.raises(Refused) as e:
            await join(server.url, created["code"], name)
        assert e.value.code == "bad_message" and e.value.where == "name", name
        assert "Traceback" not in e.value.message
    r = await fac.request({"type": "control", "action": "assign", "seat": "union", "name": "ADA"})
    assert r["code"] == "bad_message" and r["where"] == "name"
    assert await fingerprint(server, sid) == before
    # chat that would turn text around in other windows never reaches them
    await fac.request({"type": "control", "action": "start"})
    r = await a.request({"type": "command", "command": {"type": "chat", "text": "x\u202ey"}})
    assert r["code"] == "bad_value" and r["where"] == "text"
    texts = await server.sessions[sid].call(lambda s: [m["text"] for m in s.core.game.state.chat])
    assert not any("\u202e" in t for t in texts)
    for c in (a, fac):
        await c.close()


async def test_a_locked_session_holds_new_players_at_the_door_even_after_a_restart(
    tmp_path: Path,
) -> None:
    srv = Server(make_config(tmp_path))
    await srv.start()
    created, fac = await create(srv.url)
    a = await join(srv.url, created["code"], "Ada")
    r = await fac.request({"type": "control", "action": "lock"})
    assert r["type"] == "ack"
    await until(lambda: fac.roster is not None and fac.roster["locked"] is True)
    bo = ProtocolClient(srv.url, code=created["code"], name="Bo")
    task = asyncio.ensure_future(bo.connect(timeout=0.5))  # waits past its timeout
    await until(lambda: len(fac.join_requests) == 1)
    await asyncio.sleep(0.7)
    assert not task.done() and bo.waiting is not None
    await bo.close()
    await until(lambda: fac.join_requests == [])
    with contextlib.suppress(BaseException):
        await task
    for c in (a, fac):
        await c.close()
    await srv.stop()
    srv = Server(make_config(tmp_path))
    await srv.start()
    try:
        back = SeatClient(srv.url, token=a.token)  # seats' tokens still work
        assert (await back.connect())["seat"] == a.seat
        obs = SeatClient(srv.url, code=created["code"], observer=True)
        assert (await obs.connect())["seat"] == "observer"
        fac = SeatClient(srv.url, token=created["facilitator_token"])
        await fac.connect()
        bo = ProtocolClient(srv.url, code=created["code"], name="Bo")
        task = asyncio.ensure_future(bo.connect())
        await until(lambda: len(fac.join_requests) == 1)  # still locked after the restart
        assert (await fac.request({"type": "control", "action": "unlock"}))["type"] == "ack"
        # unlocked: Bo, who was waiting, comes in with no more asking, and Cy straight in
        bo_seat = (await asyncio.wait_for(task, 10))["seat"]
        await until(lambda: fac.join_requests == [])
        cy = await join(srv.url, created["code"], "Cy")
        assert len({a.seat, bo_seat, cy.seat}) == 3
        for c in (back, obs, fac, bo, cy):
            await c.close()
    finally:
        await srv.stop()


async def test_a_late_joiner_waits_and_the_facilitator_admits_or_refuses(
    server: Server,
) -> None:
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    obs = ProtocolClient(server.url, code=created["code"], observer=True, record=True)
    await obs.connect()
    await fac.request({"type": "control", "action": "start"})
    await fac.request({"type": "control", "action": "lock"})
    # Bo arrives while the session is locked: Bo waits, the facilitator sees Bo's request
    bo = ProtocolClient(server.url, code=created["code"], name="Bo", record=True)
    bo_task = asyncio.ensure_future(bo.connect())
    await until(lambda: len(fac.join_requests) == 1)
    assert bo.waiting is not None and "teacher" in bo.waiting["message"]
    assert not bo_task.done()
    req = fac.join_requests[0]
    assert req["name"] == "Bo"
    # admit: Bo gets a welcome with a seat of their own, and the lock stays on
    r = await fac.request({"type": "control", "action": "admit", "request": req["id"]})
    assert r["type"] == "ack", r
    welcome = await bo_task
    assert welcome["type"] == "welcome" and welcome["token"]
    assert welcome["seat"] not in ("observer", "facilitator", a.seat)
    await until(lambda: fac.join_requests == [])
    await until(
        lambda: (
            fac.roster is not None
            and any(s["player"] == "Bo" for s in fac.roster["seats"])
            and fac.roster["locked"] is True
        )
    )
    # Cy waits too and is refused: a clear error, no seat
    cy = ProtocolClient(server.url, code=created["code"], name="Cy", record=True)
    cy_task = asyncio.ensure_future(cy.connect())
    await until(lambda: len(fac.join_requests) == 1)
    r = await fac.request(
        {"type": "control", "action": "refuse", "request": fac.join_requests[0]["id"]}
    )
    assert r["type"] == "ack"
    with pytest.raises(Refused) as e:
        await cy_task
    assert e.value.code == "refused" and "teacher" in e.value.message
    # an answered request cannot be answered again
    r = await fac.request({"type": "control", "action": "admit", "request": req["id"]})
    assert r["code"] == "unknown_request"
    # a seat and the observers learned nothing of the requests
    for c in (a, obs, bo):
        assert not [m for m in c.received if m.get("type") == "join_requests"], c
        # the name as a value ('Cy'), not two letters that a token or a hash may hold by chance
        assert not any("'Cy'" in repr(m) for m in c.received), c
    assert not [m for m in a.received + obs.received if m.get("type") == "waiting"]
    for c in (a, obs, bo, fac):
        await c.close()


async def test_unlocking_lets_those_waiting_in_each_to_a_seat_of_their_own(
    server: Server,
) -> None:
    """Two students arrive while the session is locked; the teacher unlocks it (rather than
    admitting each): both come in at once, each to a different seat, and the requests are gone."""
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    await fac.request({"type": "control", "action": "start"})
    await fac.request({"type": "control", "action": "lock"})
    late = [
        ProtocolClient(server.url, code=created["code"], name=n, record=True) for n in ("Bo", "Cy")
    ]
    tasks = [asyncio.ensure_future(c.connect()) for c in late]
    await until(lambda: len(fac.join_requests) == 2)
    assert not any(t.done() for t in tasks)
    r = await fac.request({"type": "control", "action": "unlock"})
    assert r["type"] == "ack", r
    welcomes = await asyncio.wait_for(asyncio.gather(*tasks), 10)
    seats = [w["seat"] for w in welcomes]
    assert all(w["type"] == "welcome" and w["token"] for w in welcomes)
    assert len(set(seats)) == 2 and a.seat not in seats
    await until(lambda: fac.join_requests == [])
    await until(
        lambda: (
            fac.roster is not None
            and {"Bo", "Cy"} <= {s["player"] for s in fac.roster["seats"]}
            and fac.roster["locked"] is False
        )
    )
    for c in (a, *late, fac):
        await c.close()


async def test_join_code_guessing_is_throttled_per_address_for_a_while(tmp_path: Path) -> None:
    now = [1000.0]
    srv = Server(make_config(tmp_path, clock=lambda: now[0]))
    await srv.start()
    try:
        created, fac = await create(srv.url)
        ok = await join(srv.url, created["code"], "Ada")  # a success does not count
        for _ in range(10):
            with pytest.raises(Refused) as e:
                await join(srv.url, "ZZZZZZ", "Guess")
            assert e.value.code == "bad_code"
        # the 11th try, and even the right code, from this address: throttled, with a wait
        for code in ("ZZZZZZ", created["code"]):
            with pytest.raises(Refused) as e:
                await join(srv.url, code, "Bo")
            assert e.value.code == "throttled" and e.value.where == "code"
            assert 0 < e.value.msg["retry_after"] <= 60
        # tokens are not codes: players coming back are not held up
        back = SeatClient(srv.url, token=ok.token)
        assert (await back.connect())["seat"] == ok.seat
        now[0] += 61  # the block is over
        bo = await join(srv.url, created["code"], "Bo")
        assert bo.seat
        for c in (ok, back, bo, fac):
            await c.close()
    finally:
        await srv.stop()


def test_the_code_throttle_counts_each_address_within_its_window() -> None:
    now = [0.0]
    t = CodeThrottle(limit=3, window=60.0, block=30.0, clock=lambda: now[0])
    for _ in range(2):
        t.failed("10.0.0.1")
    now[0] = 61.0  # those two are out of the window
    t.failed("10.0.0.1")
    t.failed("10.0.0.1")
    assert t.retry_after("10.0.0.1") is None
    t.failed("10.0.0.1")
    assert t.retry_after("10.0.0.1") == 30.0
    assert t.retry_after("10.0.0.2") is None  # another address is not held up
    now[0] = 91.0
    assert t.retry_after("10.0.0.1") is None


async def test_help_requests_and_the_bot_notice_cross_the_wire(server: Server) -> None:
    created, fac = await create(server.url)
    a = await join(server.url, created["code"], "Ada")
    b = await join(server.url, created["code"], "Bo")
    await fac.request({"type": "control", "action": "start"})
    r = await a.request(
        {"type": "command", "command": {"type": "chat", "text": "help!", "to": "facilitator"}}
    )
    assert r["type"] == "ack"

    def helps(c: Any) -> list[dict[str, Any]]:
        return [
            m["event"]
            for m in c.received
            if m["type"] == "event" and m["event"]["kind"] == "chat" and m["event"].get("help")
        ]

    await until(lambda: len(helps(fac)) == 1 and len(helps(a)) == 1)
    assert helps(fac)[0]["from"] == a.seat and helps(fac)[0]["text"] == "help!"
    r = await fac.request({"type": "control", "action": "bot", "seat": a.seat})
    assert r["type"] == "ack"

    def notices(c: Any) -> list[dict[str, Any]]:
        return [
            m["event"]
            for m in c.received
            if m["type"] == "event" and m["event"]["kind"] == "seat_taken_by_bot"
        ]

    await until(lambda: len(notices(a)) == 1)
    assert notices(a)[0]["seat"] == a.seat
    assert not helps(b) and not notices(b) and not notices(fac)
    for c in (a, b, fac):
        await c.close()
