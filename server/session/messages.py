"""Messages the session sends that are built from its state alone: welcome, roster, event frames."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Collection, Mapping
from typing import Any

import msgpack
from district.server.protocol import PROTOCOL_VERSION
from district.server.session.state import FACILITATOR, SessionCore, plain


@functools.cache
def deal_kinds() -> dict[str, Any]:
    """The engine's schema of every deal kind (parties, terms with types and ranges), as plain
    data: clients build their deal composer from it."""
    from district.server.engine import deals

    return plain(getattr(deals, "DEAL_SPECS", {}))


def new_token() -> str:
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def welcome(
    core: SessionCore, recipient: str, re: Any, token: str | None, now: float
) -> dict[str, Any]:
    seat = core.seats.get(recipient)
    msg: dict[str, Any] = {
        "type": "welcome",
        "re": re,
        "version": PROTOCOL_VERSION,
        "session": core.info.id,
        "code": core.info.code,
        "seat": recipient,
        "role": seat.role if seat else recipient,
        "name": (seat.player or seat.name) if seat else recipient.title(),
        "scenario": core.info.scenario,
        "status": core.status,
        "last_event": core.streams[recipient].seq,
        "server_time": now,
    }
    if seat is not None:
        msg["road"] = seat.road
    msg["deal_kinds"] = deal_kinds()
    if token is not None:
        msg["token"] = token
    return msg


def roster(
    core: SessionCore,
    connected: Collection[str],
    observers: int,
    away: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Who plays which seat; `connected`: the recipients with a live connection; `away`: since
    when (server time) a seat's player has been disconnected."""
    ready = core.game.state.ready
    seats = [
        {
            "id": s.id,
            "role": s.role,
            "name": s.name,
            "player": s.player,
            "controller": s.controller,
            "connected": s.id in connected,
            "ready": s.id in ready,
            "away_since": (away or {}).get(s.id)
            if s.player is not None and s.id not in connected
            else None,
            "standin": s.standin,
        }
        for s in core.seats.values()
    ]
    return {
        "type": "roster",
        "seats": seats,
        "facilitator": FACILITATOR in connected,
        "observers": observers,
        "locked": core.locked,
    }


_EVENT_HEAD = b"\x83" + msgpack.packb("type") + msgpack.packb("event") + msgpack.packb("seq")
_EVENT_KEY = msgpack.packb("event")


def event_frame(seq: int, packed_event: bytes) -> bytes:
    """{type: "event", seq, event} without packing the event again for every recipient."""
    return _EVENT_HEAD + msgpack.packb(seq) + _EVENT_KEY + packed_event
