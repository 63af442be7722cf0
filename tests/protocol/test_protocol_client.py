"""ProtocolClient, the one client every program shares, against a real server: create and list,
hello as a player, an observer and the facilitator, numbered requests and their replies, the
stream it keeps, a dropped connection caught up exactly, commands applied once across reconnects,
raw frames, and the Pygame client's network thread built on it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from district.server.net import Server
from district.server.protocol import encode, within
from district.server.protocol_client import (
    HELLO_ID,
    ProtocolClient,
    Refused,
    decode_server_frame,
)


async def new_session(url: str, **kw: Any) -> dict[str, Any]:
    maker = ProtocolClient(url)
    await maker.connect_only()
    listed = await maker.scenarios()
    assert listed["type"] == "scenarios"
    assert "server-test" in {s["name"] for s in listed["scenarios"]}
    created = await maker.create("server-test", seed=3, **kw)
    await maker.close()
    assert created["type"] == "created", created
    return created


async def test_hello_welcome_and_what_the_client_keeps(server: Server) -> None:
    created = await new_session(server.url)
    seen: list[str] = []
    ada = ProtocolClient(
        server.url,
        code=created["code"],
        name="Ada",
        role="union",
        on_message=lambda m: seen.append(m["type"]),
    )
    welcome = await ada.connect()
    assert welcome["re"] == HELLO_ID and welcome["seat"] == "union" and ada.seat == "union"
    assert ada.token and ada.session == created["session"] and ada.welcome is welcome
    assert "joint_bid" in welcome["deal_kinds"]
    await ada.wait_for(lambda: ada.roster is not None and ada.clock is not None)
    assert ada.view is not None and ada.view["seat"] == "union" and ada.last >= 1
    assert seen[0] == "welcome" and {"view", "clock", "roster"} <= set(seen)
    obs = ProtocolClient(server.url, code=created["code"], observer=True)
    assert (await obs.connect())["seat"] == "observer"
    fac = ProtocolClient(server.url, token=created["facilitator_token"])
    assert (await fac.connect())["seat"] == "facilitator"
    # requests are numbered and their replies awaited, in any order
    f1 = await fac.submit({"type": "ping"})
    f2 = await fac.submit({"type": "control", "action": "info"})
    info, pong = await f2, await f1
    assert pong["type"] == "pong" and info["type"] == "ack" and info["result"]["status"] == "lobby"
    assert pong["re"] != info["re"]
    assert (await fac.control("start", fill_bots=False))["type"] == "ack"
    await ada.wait_for(lambda: ada.clock is not None and ada.clock["status"] == "running")
    r = await ada.command(
        {"type": "decide", "round": 1, "decisions": {"training_participation": 0.5}}
    )
    assert r["type"] == "ack" and r["seq"] == ada.last
    assert ada.stream[-1]["event"]["kind"] == "decided"
    bad = await ada.command({"type": "decide", "round": 1, "decisions": {"wage": 3}})
    assert bad["type"] == "error" and bad["code"] in ("unknown_decision", "wrong_role")
    assert (await ada.sync())["type"] == "ack"
    for c in (ada, obs, fac):
        await c.close()


async def test_refusals_raise_and_leave_no_connection(server: Server) -> None:
    created = await new_session(server.url)
    with pytest.raises(Refused) as e:
        await ProtocolClient(server.url, code="ZZZZZZ", name="Ada").connect()
    assert e.value.code == "bad_code" and e.value.message
    c = ProtocolClient(server.url, token="not-a-token")
    with pytest.raises(Refused):
        await c.connect()
    assert not c.is_open and not c.connected.is_set()
    # and a frame the server cannot read gets an error, not a crash
    raw = ProtocolClient(server.url, code=created["code"], name="Raw", record=True)
    await raw.connect()
    await raw.send_raw(b"\xc1")
    await raw.send_raw("text")
    await raw.wait_for(lambda: sum(m["type"] == "error" for m in raw.received) >= 2)
    assert {m["code"] for m in raw.received if m["type"] == "error"} == {"bad_frame"}
    await raw.close()


async def test_a_drop_is_caught_up_exactly_and_commands_apply_once(server: Server) -> None:
    created = await new_session(server.url, report_seconds=600)
    fac = ProtocolClient(server.url, token=created["facilitator_token"])
    await fac.connect()
    a = ProtocolClient(server.url, code=created["code"], name="Ada", role="union", record=True)
    b = ProtocolClient(server.url, code=created["code"], name="Bo", role="government")
    await a.connect()
    await b.connect()
    await fac.control("start", fill_bots=False)
    await a.wait_for(lambda: a.clock is not None and a.clock["status"] == "running")
    await a.drop()  # no close handshake, as a network failure
    assert not a.connected.is_set()
    before = a.last
    for i in range(3):  # the public stream moves on while Ada is away
        await b.command({"type": "chat", "text": f"hello {i}", "to": "public"})
    welcome = await a.reconnect()
    assert welcome["seat"] == "union" and welcome["last_event"] > before
    await a.wait_for(lambda: a.last == welcome["last_event"])
    after = [m for m in a.stream if m["seq"] > before]
    assert [m["seq"] for m in after] == list(range(before + 1, welcome["last_event"] + 1))
    assert [m["event"]["text"] for m in after] == ["hello 0", "hello 1", "hello 2"]
    assert a.gaps == 0
    # the same cid twice, across a reconnect: applied once, acknowledged twice
    cmd = {"type": "chat", "text": "once", "to": "public"}
    first = await a.command_surely(cmd, "ada-1")
    await a.drop()
    again = await a.command_surely(cmd, "ada-1")
    assert first["type"] == again["type"] == "ack" and again.get("duplicate") is True
    info = (await fac.control("info"))["result"]
    assert info["commands"] == 4  # three of Bo's, one of Ada's
    for c in (a, b, fac):
        await c.close()


def test_server_frames_decode_to_maps_only() -> None:
    assert decode_server_frame(encode({"type": "pong", "re": 1})) == {"type": "pong", "re": 1}
    big = {"type": "view", "seq": 1, "view": {"firms": [{"n": i} for i in range(5000)]}}
    assert decode_server_frame(encode(big)) == big
    for bad in ("text", encode({"x": 1})[:-1], b"\x93\x01\x02\x03"):
        with pytest.raises(ValueError):
            decode_server_frame(bad)  # type: ignore[arg-type]


def test_the_network_thread_joins_reconnects_and_resends(tmp_path: Any) -> None:
    """The Pygame client's thread: statuses for the render loop, the welcome first, a drop
    survived, a command queued while away delivered once after the reconnect."""
    from district.client.net import NetClient
    from district.server.local import LocalServer, control, create_session

    from tests.server.conftest import SCENARIOS

    with LocalServer(tmp_path / "n.sqlite3", scenario_dirs=(SCENARIOS,)) as url:
        code, token = create_session(url, "server-test", seed=5, negotiation_seconds=600)
        net = NetClient(url, {"code": code, "name": "Ada", "role": "union"}).start()
        got: list[Any] = []

        def until(cond: Any, timeout: float = 10.0) -> None:
            end = time.monotonic() + timeout
            while not cond():
                assert time.monotonic() < end, [
                    (i.kind, i.status, i.message.get("type")) for i in got
                ]
                got.extend(net.poll())
                time.sleep(0.01)

        def status(s: str) -> bool:
            return any(i.kind == "status" and i.status == s for i in got)

        until(lambda: status("connected"))
        messages = [i.message for i in got if i.kind == "message"]
        assert status("connecting") and messages[0]["type"] == "welcome"
        assert net.token and messages[0]["seat"] == "union"
        control(url, token, "start", fill_bots=False)
        got.clear()
        net.drop_connection()
        net.command({"type": "chat", "text": "while away", "to": "public"}, 7)
        until(lambda: status("reconnecting"))
        until(lambda: any(i.message.get("type") == "ack" and i.message.get("re") == 7 for i in got))
        assert status("connected")
        info = control(url, token, "info")
        assert info["commands"] == 1
        net.stop()
        assert any(i.status == "closed" for i in net.poll())
        # a refused hello: failed, with the server's reason, and the error marked as the hello's
        bad = NetClient(url, {"code": "ZZZZZZ", "name": "Bo"}).start()
        seen: list[Any] = []
        end = time.monotonic() + 10
        while not any(i.status == "failed" for i in seen) and time.monotonic() < end:
            seen.extend(bad.poll())
            time.sleep(0.01)
        errors = [i.message for i in seen if i.kind == "message"]
        assert errors and errors[0]["code"] == "bad_code" and errors[0]["re"] == HELLO_ID
        assert any(i.status == "failed" and i.detail for i in seen)
        bad.stop()


async def test_wait_for_times_out(server: Server) -> None:
    created = await new_session(server.url)
    c = ProtocolClient(server.url, code=created["code"], name="Ada")
    await c.connect()
    with pytest.raises(TimeoutError):
        await c.wait_for(lambda: False, timeout=0.2)
    await c.close()
    await asyncio.sleep(0)


async def test_within_keeps_a_cancellation_that_comes_with_the_result() -> None:
    """A task told to stop just as what it waits for completes stops (asyncio.wait_for on Python
    3.11 returns the result instead, and the task goes on as if never told)."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[str] = loop.create_future()
    task = asyncio.create_task(within(fut, 5.0))
    await asyncio.sleep(0)  # it waits now
    fut.set_result("reply")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(TimeoutError):  # and it is a time limit
        await within(loop.create_future(), 0.05)


async def test_a_request_told_to_stop_as_its_reply_comes_in_stops(server: Server) -> None:
    """A bot or a window's network thread stopped (cancelled) at the moment a reply arrives: if
    the request had not returned yet, it ends cancelled, so the caller's loop ends too. (With
    asyncio.wait_for on Python 3.11 it returned the reply as if never told: a CI run hung on a bot
    that played on after being told to stop.)"""
    c = ProtocolClient(server.url)
    await c.connect_only()
    for _ in range(20):
        task = asyncio.create_task(c.request({"type": "ping"}))
        await until_pending(c)
        (reply,) = c._pending.values()
        running: list[bool] = []

        def stop(_f: Any, task: asyncio.Task[Any] = task, running: list[bool] = running) -> None:
            running.append(not task.done())
            task.cancel()

        reply.add_done_callback(stop)  # the stop, as the reply comes in
        try:
            await task
            outcome = "returned"
        except asyncio.CancelledError:
            outcome = "cancelled"
        assert running, "the reply never came"
        assert outcome == "cancelled" or not running[0], "a stop was lost"
    await c.close()


async def until_pending(c: ProtocolClient) -> None:
    for _ in range(100):
        if c._pending:
            return
        await asyncio.sleep(0)
    raise AssertionError("the request was never sent")
