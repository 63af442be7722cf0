"""Workshops (issue 14): the sessions one lead facilitator oversees, whichever process serves each.

A workshop is a name and a key (its hash is in the store). The first `create` that names a
workshop makes it (the `created` reply carries the key, given or new); a later `create` into it
must carry the key. Every session created into it belongs to it (`SetWorkshop`), in the same store
transaction as the session itself, so a refused create stores nothing.

The `workshop` message (docs/protocol.md, "Workshops") lists the workshop's sessions with the
status their owners publish (`publish_statuses`, every STATUS_EVERY seconds, by a task of this
module in every process), and pauses, resumes or broadcasts to one of them as its facilitator
would: the same `Control` job (or the facilitator's public `chat` command) goes to the session's
actor. A session served by another process is forwarded there, over a websocket to the owner's
advertised address, as the same `workshop` message with `direct` (the owner checks the key in the
store again, applies it, and its reply is relayed); a session nobody serves (its owner died) is
claimed here first. `open` says where to say the workshop `hello` that joins as the session's
facilitator (`hello_session`). A wrong workshop name or key is `forbidden`, and counts against the
address like a wrong join code (`CodeThrottle`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import socket
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from district.server.protocol import ProtocolError, normalise_code, within
from district.server.protocol_client import CONNECT_ERRORS, ProtocolClient
from district.server.session import FACILITATOR, Command, Control, Session, hash_token, new_token
from district.server.store import NewWorkshop, SessionStatus, Write

if TYPE_CHECKING:
    from district.server.net import Server

STATUS_EVERY = 2.0  # seconds between two publications of the statuses of a process's sessions
REPUBLISH_EVERY = 20.0  # an unchanged status is published again this often (its `updated`)
LEASE_TTL = 3.0  # an orphan claimed here (the cluster's ttl)
ANSWER_TIMEOUT = 10.0  # seconds a session (or the owning server) has to answer an action
WORKSHOP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
SESSION_ACTIONS = ("pause", "resume", "broadcast", "open")
_log = logging.getLogger("district.workshop")


# --- who this process is ---------------------------------------------------------------------


def process_name(server: Any) -> str:
    """The name of a server process: its configured `name` (unique per store), else
    host-port-pid."""
    name = getattr(server.config, "name", None)
    if name:
        return str(name)
    return f"{socket.gethostname()}-{server.port}-{os.getpid()}"


def process_address(server: Any) -> str:
    """Where clients reach this process (its advertised URL, else the one it listens on)."""
    return str(getattr(server.config, "advertise", None) or server.url)


# --- statuses ----------------------------------------------------------------------------------


def session_status(session: Session) -> SessionStatus:
    """What the workshop console shows of a session this process serves, now."""
    c = session.core
    connected = session.conns
    online = sum(1 for r, conn in connected.items() if r != FACILITATOR and not conn.closed)
    away = sum(
        1
        for sid, s in c.seats.items()
        if s.player is not None and not s.bot and (sid not in connected or connected[sid].closed)
    )
    hub: Any = session.hub
    return SessionStatus(
        session=c.info.id,
        code=c.info.code,
        scenario=c.info.scenario,
        round=int(c.round),
        phase=str(c.phase),
        status=str(c.status),
        online=online,
        away=away,
        owner=process_name(hub) if hasattr(hub, "config") else "",
        address=process_address(hub) if hasattr(hub, "config") else "",
        updated=time.time(),
    )


def _same(a: SessionStatus, b: SessionStatus) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in SessionStatus.__slots__ if f != "updated")


_published: weakref.WeakKeyDictionary[Any, dict[str, SessionStatus]] = weakref.WeakKeyDictionary()
_tasks: weakref.WeakKeyDictionary[Any, asyncio.Task[None]] = weakref.WeakKeyDictionary()


async def publish_statuses(server: Server) -> int:
    """Publish the status of every session in this process's memory that changed (or was last
    published REPUBLISH_EVERY seconds ago); returns how many were published."""
    last = _published.setdefault(server, {})
    now = time.time()
    due: list[SessionStatus] = []
    for sid, s in list(server.sessions.items()):
        st = session_status(s)
        old = last.get(sid)
        if old is None or not _same(old, st) or now - old.updated >= REPUBLISH_EVERY:
            due.append(st)
    for sid in [sid for sid in last if sid not in server.sessions]:
        del last[sid]
    if due:
        await server.store.publish(due)
        for st in due:
            last[st.session] = st
    return len(due)


async def _publish_forever(server: Server) -> None:
    while True:
        await asyncio.sleep(STATUS_EVERY)
        try:
            await publish_statuses(server)
        except Exception as e:  # the store is failing: the console shows older statuses
            _log.warning("could not publish the sessions' statuses: %s", e)


def start(server: Server) -> None:
    """Start publishing this process's statuses (Server.start)."""
    if server not in _tasks:
        _tasks[server] = asyncio.get_running_loop().create_task(
            _publish_forever(server), name="workshop-statuses"
        )


async def stop(server: Server) -> None:
    task = _tasks.pop(server, None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# --- create ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Joining:
    """A create into a workshop, checked: what to store with the session, what to answer."""

    name: str
    before: tuple[Write, ...]  # NewWorkshop when the create makes the workshop
    key: str | None  # the key of a workshop made now (the reply carries it)


def _check_name(name: str, where: str) -> str:
    if not WORKSHOP_NAME.match(name):
        raise ProtocolError(
            "bad_message",
            "a workshop name is 1 to 64 letters, digits, spaces, dots, dashes or underscores, "
            "starting with a letter or digit",
            where,
        )
    return name


def _throttled(server: Server, addr: str, where: str) -> None:
    wait = server.throttle.retry_after(addr)
    if wait is not None:
        raise ProtocolError(
            "throttled",
            f"too many wrong codes or keys from your address; try again in {wait:.0f} s",
            where,
            retry_after=round(wait, 1),
        )


async def admit_create(server: Server, addr: str, msg: dict[str, Any]) -> Joining | None:
    """A `create`'s workshop fields, checked (None: no workshop). Raises ProtocolError: a bad
    name, a key without a workshop, a missing or wrong key of an existing workshop."""
    name = msg.get("workshop")
    key = msg.get("workshop_key")
    if name is None:
        if key is not None:
            raise ProtocolError("bad_message", "a workshop_key needs a workshop", "workshop")
        return None
    _check_name(name, "workshop")
    _throttled(server, addr, "workshop_key")
    stored = await server.store.workshop_key(name)
    if stored is None:
        key = key or new_token()
        return Joining(name, (NewWorkshop(name, hash_token(key)),), key)
    if key is None:
        raise ProtocolError(
            "forbidden",
            f"the workshop {name!r} exists: a session is created into it with its key "
            "(workshop_key)",
            "workshop_key",
        )
    if not secrets.compare_digest(hash_token(key), stored):
        server.throttle.failed(addr)
        raise ProtocolError(
            "forbidden", f"this is not the key of the workshop {name!r}", "workshop_key"
        )
    return Joining(name, (), None)


# --- the workshop message ----------------------------------------------------------------------


async def _authenticate(server: Server, addr: str, name: str, key: str, where: str) -> None:
    """The workshop exists and this is its key, else `forbidden` (the same words for a name
    that does not exist: nobody learns which workshops there are)."""
    _throttled(server, addr, where)
    stored = await server.store.workshop_key(name)
    if stored is None or not secrets.compare_digest(hash_token(key), stored):
        server.throttle.failed(addr)
        raise ProtocolError("forbidden", "wrong workshop name or key", where)


async def _member(server: Server, name: str, ref: str) -> SessionStatus:
    """The session `ref` (its id, or its join code) of the workshop."""
    code = normalise_code(ref)
    for st in await server.store.workshop_sessions(name):
        if st.session == ref or st.code == code:
            return st
    raise ProtocolError(
        "unknown_session", f"the workshop {name!r} has no session {ref[:40]!r}", "session"
    )


def _row(st: SessionStatus, rounds: dict[str, Any]) -> dict[str, Any]:
    sc = rounds.get(st.scenario) or {}
    return {
        "session": st.session,
        "code": st.code,
        "scenario": st.scenario,
        "title": sc.get("title", st.scenario),
        "rounds": sc.get("rounds", 0),
        "round": st.round,
        "phase": st.phase,
        "status": st.status,
        "online": st.online,
        "away": st.away,
        "server": st.owner,
        "updated": st.updated,
    }


async def _list(server: Server, name: str) -> list[dict[str, Any]]:
    me = process_name(server)
    scenarios = {s["name"]: s for s in server.scenario_list()}
    rows = []
    for st in await server.store.workshop_sessions(name):
        live = server.sessions.get(st.session)
        if live is not None and (not server.store.shared or st.owner in ("", me)):
            st = session_status(live)  # served here: fresher than what was published
        rows.append(_row(st, scenarios))
    return rows


class Relay:
    """The `Conn` an action of the workshop goes to its session through: it acts as the
    session's facilitator, and the session's one answer (ack or error) is kept."""

    recipient: str | None = FACILITATOR
    closed = False
    batch = False  # one message a send: the answer is found by its type

    def __init__(self) -> None:
        self.answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    def send(self, msg: dict[str, Any]) -> None:
        if msg.get("type") in ("ack", "error") and not self.answer.done():
            self.answer.set_result(msg)

    def send_bytes(self, data: bytes) -> None:
        pass  # events and views: the workshop's console does not follow the session

    def bind(self, session: Any, recipient: str | None) -> None:
        pass

    def bye(self, reason: str, message: str, code: int) -> None:
        self.closed = True


async def _serve_here(server: Server, sid: str, direct: bool) -> Session | str:
    """The session if this process serves it (claimed now if nobody did), else the address of
    the process that does."""
    store = server.store
    if store.shared:
        me = process_name(server)
        lease = await store.lease(sid)
        if lease is not None and lease.owner != me:
            if direct:  # forwarded here, but it moved meanwhile: the sender tries again
                raise ProtocolError(
                    "busy", "the session is moving between servers; try again in a few seconds"
                )
            return lease.address
        if (
            lease is None
            and (await store.claim(sid, me, process_address(server), LEASE_TTL)) is None
        ):
            raise ProtocolError(
                "busy", "another server is taking this session over; try again in a few seconds"
            )
    session = await server.session(sid)
    if session is None:
        raise ProtocolError("unknown_session", "that session no longer exists", "session")
    return session


async def _apply(session: Session, action: str, text: str) -> dict[str, Any]:
    """Pause, resume or broadcast as the session's facilitator would; the session's answer."""
    relay = Relay()
    if action == "broadcast":
        job: Control | Command = Command(
            relay, {"id": 1, "command": {"type": "chat", "to": "public", "text": text}}
        )
    else:
        job = Control(relay, {"id": 1, "action": action})
    if not session.submit(job):
        raise ProtocolError("busy", "the session has too many messages waiting; try again")
    try:
        return await within(asyncio.shield(relay.answer), ANSWER_TIMEOUT)
    except TimeoutError:
        raise ProtocolError("busy", "the session did not answer in time; try again") from None


async def _forward(address: str, msg: dict[str, Any]) -> dict[str, Any]:
    """The same workshop message to the process that serves the session; its answer."""
    c = ProtocolClient(address)
    fields = {k: v for k, v in msg.items() if k not in ("id", "type")}
    try:
        await c.connect_only(ANSWER_TIMEOUT)
        return await c.request({"type": "workshop", **fields, "direct": True}, ANSWER_TIMEOUT)
    except (*CONNECT_ERRORS, ConnectionError) as e:
        raise ProtocolError(
            "busy",
            f"the server that runs this session did not answer ({type(e).__name__}); "
            "try again in a few seconds",
        ) from None
    finally:
        await c.close()


async def handle(server: Server, addr: str, msg: dict[str, Any]) -> dict[str, Any]:
    """A checked `workshop` message from `addr`; the reply (ProtocolError: the error)."""
    re_ = msg.get("id")
    name, action = msg["name"], msg["action"]
    await _authenticate(server, addr, name, msg["key"], "key")
    if action == "list":
        return {"type": "workshop", "re": re_, "name": name, "sessions": await _list(server, name)}
    st = await _member(server, name, msg["session"])
    where = await _serve_here(server, st.session, bool(msg.get("direct")))
    if isinstance(where, str):
        answer = await _forward(where, {**msg, "session": st.session})
        return {**answer, "re": re_}
    reply = {"type": "workshop", "re": re_, "name": name, "action": action, "session": st.session}
    if action == "open":
        return {**reply, "code": st.code, "url": process_address(server)}
    answer = await _apply(where, action, msg.get("text", ""))
    if answer.get("type") == "error":
        return {**answer, "re": re_}
    return reply


async def hello_session(server: Server, addr: str, msg: dict[str, Any]) -> str:
    """A workshop `hello` (workshop, key, session): the session it joins as the facilitator of.
    Raises ProtocolError (forbidden, throttled, unknown_session)."""
    await _authenticate(server, addr, msg["workshop"], msg["key"], "key")
    return (await _member(server, msg["workshop"], msg["session"])).session


def statuses_of(server: Server) -> Sequence[SessionStatus]:
    """The statuses of the sessions this process serves, now (tests, the cluster's warden)."""
    return [session_status(s) for s in server.sessions.values()]


__all__ = [
    "STATUS_EVERY",
    "Joining",
    "Relay",
    "admit_create",
    "handle",
    "hello_session",
    "process_address",
    "process_name",
    "publish_statuses",
    "session_status",
    "start",
    "statuses_of",
    "stop",
]
