"""Workshops over real websockets: sessions created into a workshop (its key), the `workshop`
message (list, pause, resume, broadcast, open) applied to one session and no other, a wrong key
refused and throttled, the workshop hello, and, with two servers on one shared store, an action
sent to the server that does not run the session applied by the one that does."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from district.server import workshop
from district.server.net import Server
from district.server.protocol_client import ProtocolClient, Refused
from district.server.store import MemoryStore, NewSession, Store

from tests.server.conftest import create, join, make_config, until


async def ask(url: str, **fields: Any) -> dict[str, Any]:
    """One workshop message on a connection of its own; the reply."""
    c = ProtocolClient(url)
    await c.connect_only()
    try:
        return await c.request({"type": "workshop", **fields})
    finally:
        await c.close()


def chats(c: ProtocolClient) -> list[str]:
    return [
        m["event"].get("text", "")
        for m in c.stream
        if m.get("type") == "event" and m["event"].get("kind") == "chat"
    ]


async def workshop_of(url: str, n: int, name: str = "spring-school", **kw: Any) -> Any:
    """n sessions created into one workshop, each started with one player; (key, sessions) with
    sessions a list of (created, facilitator, player)."""
    created, fac = await create(url, workshop=name, negotiation_seconds=600, **kw)
    key = created["workshop_key"]
    out = [(created, fac)]
    for _ in range(n - 1):
        c, f = await create(url, workshop=name, workshop_key=key, negotiation_seconds=600, **kw)
        assert "workshop_key" not in c  # only the create that made the workshop says it
        out.append((c, f))
    sessions = []
    for k, (c, f) in enumerate(out):
        p = await join(url, c["code"], f"Player {k}")
        assert (await f.control("start"))["type"] == "ack"
        sessions.append((c, f, p))
    return key, sessions


@pytest.mark.parametrize("n", [2, 3])
async def test_a_workshop_lists_its_sessions_and_acts_on_one_of_them(
    server: Server, n: int
) -> None:
    key, sessions = await workshop_of(server.url, n)
    listed = await ask(server.url, name="spring-school", key=key, action="list")
    assert listed["type"] == "workshop", listed
    rows = {r["session"]: r for r in listed["sessions"]}
    assert set(rows) == {c["session"] for c, _, _ in sessions}
    for c, _, _ in sessions:
        r = rows[c["session"]]
        assert (r["code"], r["round"], r["phase"], r["status"]) == (
            c["code"],
            1,
            "negotiation",
            "running",
        )
        assert (r["online"], r["away"], r["rounds"]) == (1, 0, 3)
        assert r["server"] == workshop.process_name(server)
    # pause the second session, by its join code: its player sees it, the others play on
    target, _, tp = sessions[1]
    paused = await ask(
        server.url, name="spring-school", key=key, action="pause", session=target["code"]
    )
    assert paused["type"] == "workshop" and paused["session"] == target["session"], paused
    await tp.wait_for(lambda: (tp.clock or {}).get("status") == "paused")
    for c, _, p in sessions:
        assert server.sessions[c["session"]].core.status == ("paused" if c is target else "running")
        if c is not target:
            assert (await p.command({"type": "ready", "round": 1}))["type"] == "ack"
    refused = await tp.command({"type": "ready", "round": 1})
    assert refused["type"] == "error" and refused["code"] == "paused"
    again = await ask(
        server.url, name="spring-school", key=key, action="pause", session=target["session"]
    )
    assert again["type"] == "error" and again["code"] == "wrong_phase", again
    listed = await ask(server.url, name="spring-school", key=key, action="list")
    assert {r["session"]: r["status"] for r in listed["sessions"]}[target["session"]] == "paused"
    resumed = await ask(
        server.url, name="spring-school", key=key, action="resume", session=target["session"]
    )
    assert resumed["type"] == "workshop", resumed
    await tp.wait_for(lambda: (tp.clock or {}).get("status") == "running")
    # a broadcast reaches that session's players only
    first, _, fp = sessions[0]
    said = await ask(
        server.url,
        name="spring-school",
        key=key,
        action="broadcast",
        session=first["session"],
        text="Ten minutes left in every room",
    )
    assert said["type"] == "workshop", said
    await fp.wait_for(lambda: "Ten minutes left in every room" in chats(fp))
    await asyncio.sleep(0.2)
    for _, _, p in sessions[1:]:
        assert "Ten minutes left in every room" not in chats(p)
    # a player learns nothing of the workshop
    assert "workshop" not in (fp.welcome or {})
    for _, f, p in sessions:
        await f.close()
        await p.close()


async def test_open_and_the_workshop_hello_join_as_the_sessions_facilitator(
    server: Server,
) -> None:
    key, sessions = await workshop_of(server.url, 2)
    (c, f, p) = sessions[1]  # the session's teacher stays at their console all along
    opened = await ask(server.url, name="spring-school", key=key, action="open", session=c["code"])
    assert opened["type"] == "workshop", opened
    assert (opened["session"], opened["code"], opened["url"]) == (
        c["session"],
        c["code"],
        server.url,
    )
    lead = ProtocolClient(opened["url"], workshop=("spring-school", key, c["session"]), record=True)
    welcome = await lead.connect()
    assert welcome["seat"] == "facilitator" and welcome["session"] == c["session"]
    assert "token" not in welcome  # the lead has the workshop's key, no session token
    assert (await lead.control("pause"))["type"] == "ack"
    await p.wait_for(lambda: (p.clock or {}).get("status") == "paused")
    # the lead is a second facilitator: the teacher was not put out, and sees what the lead does
    await f.wait_for(lambda: (f.clock or {}).get("status") == "paused")
    assert f.bye is None and f.is_open
    said = await f.command({"type": "chat", "text": "from the teacher", "to": "public"}, cid="t1")
    assert said["type"] == "ack"
    await lead.wait_for(lambda: "from the teacher" in chats(lead))
    assert (await f.control("resume"))["type"] == "ack"
    # it reconnects with the same hello
    await lead.drop()
    assert (await lead.reconnect())["seat"] == "facilitator"
    bad = ProtocolClient(server.url, workshop=("spring-school", key + "x", c["session"]))
    with pytest.raises(Refused) as e:
        await bad.connect()
    assert e.value.code == "forbidden"
    other = ProtocolClient(server.url, workshop=("spring-school", key, "s-000000000000"))
    with pytest.raises(Refused) as e:
        await other.connect()
    assert e.value.code == "unknown_session"
    await lead.close()
    for _, f2, p2 in sessions:
        await f2.close()
        await p2.close()


async def test_a_wrong_key_is_refused_throttled_and_a_create_without_it_stores_nothing(
    tmp_path: Path,
) -> None:
    srv = Server(make_config(tmp_path, code_failures=3, code_window=60, code_block=60))
    await srv.start()
    try:
        key, sessions = await workshop_of(srv.url, 2)
        stored_before = len(await srv.store.workshop_sessions("spring-school"))
        no_key = await ask_create(srv.url, workshop="spring-school")
        assert no_key["type"] == "error" and no_key["code"] == "forbidden", no_key
        assert no_key["where"] == "workshop_key" and "key" in no_key["message"]
        wrong = await ask_create(srv.url, workshop="spring-school", workshop_key="guess")
        assert wrong["type"] == "error" and wrong["code"] == "forbidden", wrong
        assert len(await srv.store.workshop_sessions("spring-school")) == stored_before == 2
        assert len(srv.sessions) == 2
        # wrong keys to the workshop message, then even the right one waits
        for guess in ("a", "b"):
            r = await ask(srv.url, name="spring-school", key=guess, action="list")
            assert r["type"] == "error" and r["code"] == "forbidden" and r["where"] == "key", r
        blocked = await ask(srv.url, name="spring-school", key=key, action="list")
        assert blocked["type"] == "error" and blocked["code"] == "throttled", blocked
        assert blocked["retry_after"] > 0
        # a workshop that does not exist is refused in the same words as a wrong key
        srv.throttle.blocked.clear()
        nowhere = await ask(srv.url, name="autumn-school", key=key, action="list")
        assert (nowhere["code"], nowhere["message"]) == ("forbidden", "wrong workshop name or key")
        srv.throttle.blocked.clear()
        ok = await ask(srv.url, name="spring-school", key=key, action="list")
        assert ok["type"] == "workshop" and len(ok["sessions"]) == 2
        for _, f, p in sessions:
            await f.close()
            await p.close()
    finally:
        await srv.stop()


async def ask_create(url: str, **fields: Any) -> dict[str, Any]:
    c = ProtocolClient(url)
    await c.connect_only()
    try:
        return await c.create("server-test", **fields)
    finally:
        await c.close()


def claim_what_it_creates(srv: Server) -> None:
    """Test setup: the server claims each session it creates before storing it (what the cluster
    helper builds into Server.create)."""
    store: Store = srv.store
    write = store.write

    async def claiming(writes: Any) -> None:
        for w in writes:
            if isinstance(w, NewSession) and await store.lease(w.info["id"]) is None:
                got = await store.claim(
                    w.info["id"], workshop.process_name(srv), workshop.process_address(srv), 3600
                )
                assert got is not None
        await write(writes)

    store.write = claiming  # type: ignore[method-assign]


async def test_an_action_sent_to_the_server_that_does_not_run_the_session_is_applied_by_its_owner(
    tmp_path: Path,
) -> None:
    shared = MemoryStore()
    a = Server(make_config(tmp_path / "a"), store=shared)
    b = Server(make_config(tmp_path / "b"), store=shared.shared_with())
    for srv in (a, b):
        (tmp_path / ("a" if srv is a else "b")).mkdir()
        await srv.start()
        claim_what_it_creates(srv)
    try:
        key, on_a = await workshop_of(a.url, 2)
        c, _, p = on_a[0]
        sid = c["session"]
        await workshop.publish_statuses(a)
        listed = await ask(b.url, name="spring-school", key=key, action="list")
        assert {r["session"]: r["server"] for r in listed["sessions"]} == {
            x["session"]: workshop.process_name(a) for x, _, _ in on_a
        }
        assert [r["round"] for r in listed["sessions"]] == [1, 1]
        paused = await ask(b.url, name="spring-school", key=key, action="pause", session=sid)
        assert paused["type"] == "workshop" and paused["session"] == sid, paused
        await p.wait_for(lambda: (p.clock or {}).get("status") == "paused")
        assert a.sessions[sid].core.status == "paused"
        assert on_a[1][0]["session"] not in b.sessions and sid not in b.sessions
        assert a.sessions[on_a[1][0]["session"]].core.status == "running"
        said = await ask(
            b.url, name="spring-school", key=key, action="broadcast", session=sid, text="Hello A"
        )
        assert said["type"] == "workshop", said
        await p.wait_for(lambda: "Hello A" in chats(p))
        opened = await ask(b.url, name="spring-school", key=key, action="open", session=sid)
        assert opened["url"] == a.url, opened
        # a wrong key is refused where it arrives, never forwarded
        wrong = await ask(b.url, name="spring-school", key="x", action="pause", session=sid)
        assert wrong["code"] == "forbidden"
        for _, f, pl in on_a:
            await f.close()
            await pl.close()
    finally:
        await b.stop()
        await a.stop()


async def test_an_orphan_is_claimed_by_the_server_the_action_reached(tmp_path: Path) -> None:
    shared = MemoryStore()
    a = Server(make_config(tmp_path / "a"), store=shared)
    b = Server(make_config(tmp_path / "b"), store=shared.shared_with())
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
    await a.start()
    await b.start()
    claim_what_it_creates(a)
    try:
        key, on_a = await workshop_of(a.url, 1)
        c, f, p = on_a[0]
        sid = c["session"]
        await f.close()
        await p.close()
        await a.archive(sid)  # out of a's memory: a's lease is given up
        await a.store.release(sid, workshop.process_name(a))
        paused = await ask(b.url, name="spring-school", key=key, action="pause", session=sid)
        assert paused["type"] == "workshop", paused
        assert b.sessions[sid].core.status == "paused"
        lease = await shared.lease(sid)
        assert lease is not None and lease.owner == workshop.process_name(b)
    finally:
        await b.stop()
        await a.stop()


async def test_statuses_are_published_by_the_servers_own_task(server: Server) -> None:
    key, sessions = await workshop_of(server.url, 1)
    c, f, p = sessions[0]
    await until(lambda: True)
    store = server.store

    async def published() -> dict[str, Any]:
        return {st.session: st for st in await store.workshop_sessions("spring-school")}

    end = asyncio.get_running_loop().time() + workshop.STATUS_EVERY * 3
    while (await published())[c["session"]].status != "running":
        assert asyncio.get_running_loop().time() < end, "no status published"
        await asyncio.sleep(0.1)
    st = (await published())[c["session"]]
    assert (st.round, st.phase, st.online, st.owner) == (
        1,
        "negotiation",
        1,
        workshop.process_name(server),
    )
    await f.close()
    await p.close()


async def test_two_creates_making_the_same_workshop_at_once_one_makes_it_one_is_told_why(
    server: Server,
) -> None:
    replies = await asyncio.gather(
        *(ask_create(server.url, workshop="twin-school") for _ in range(2))
    )
    made = [r for r in replies if r["type"] == "created"]
    refused = [r for r in replies if r["type"] != "created"]
    assert len(made) == 1 and made[0]["workshop_key"], replies
    (r,) = refused
    assert (r["type"], r["code"], r["where"]) == ("error", "forbidden", "workshop_key"), r
    assert "a moment ago" in r["message"]
    assert [s.session for s in await server.store.workshop_sessions("twin-school")] == [
        made[0]["session"]
    ]
    assert len(server.sessions) == 1
