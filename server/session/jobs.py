"""The jobs a session's actor takes from its queue, one at a time, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from district.server.session.actor import Session
    from district.server.session.audience import Conn


@dataclass(frozen=True, slots=True)
class Hello:
    """A connection says hello. `via`: "token" (`who` holds the token whose hash is `token_hash`:
    a seat id or "facilitator"), "observer" or "join" (a new player, with the join code).
    `done` gets True once the connection is bound to the session, False if it was refused."""

    conn: Conn
    msg: dict[str, Any]
    via: Literal["token", "observer", "join"]
    who: str | None = None
    token_hash: str | None = None
    done: asyncio.Future[bool] | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Command:
    conn: Conn
    msg: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Control:
    conn: Conn
    msg: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sync:
    conn: Conn
    msg: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Ask:
    """A `debrief` request: answered off the event loop (server/session/debriefs.py)."""

    conn: Conn
    msg: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Gone:
    """A connection closed."""

    conn: Conn


@dataclass(frozen=True, slots=True)
class Call:
    """Run `fn(session)` inside the actor, between jobs; its result goes to `done`."""

    fn: Callable[[Session], Any]
    done: asyncio.Future[Any] = field(compare=False)


@dataclass(frozen=True, slots=True)
class Tick:
    """Look at the clock and the bots (a timer fired, or the session just started)."""


@dataclass(frozen=True, slots=True)
class Stop:
    """Store what is pending and stop; later jobs are answered, not run."""


Job = Hello | Command | Control | Sync | Ask | Gone | Call | Tick | Stop
CLIENT_JOBS = (Hello, Command, Control, Sync, Ask)  # counted against the session's queue limit
