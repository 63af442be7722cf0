"""What the session's decisions ask for, as typed values.

The rules (server/session/rules.py) look at a session's state and return a list of these; the
ledger (server/session/ledger.py) carries them out in order. The fold (server/session/state.py)
returns the deliveries an entry causes (`EventOut`, `ViewOut`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from district.server.session.audience import Conn

Entry = dict[str, Any]


# --- decisions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """Apply this entry to the session and store it (it was checked: applying it cannot fail)."""

    entry: Entry


@dataclass(frozen=True, slots=True)
class Attempt:
    """Apply and store this game command, if the engine accepts it. If it refuses (nothing
    changed), `conn` gets the engine's error and the rest of the decision is dropped; without
    `conn` (a bot's move) the refusal is only logged."""

    entry: Entry
    conn: Conn | None = None
    re: Any = None


@dataclass(frozen=True, slots=True)
class Reply:
    """Send this message to this connection, after what was recorded before it is stored.
    `ack`: it acknowledges what was recorded, and becomes a `storage` error if storing fails."""

    conn: Conn
    msg: dict[str, Any]
    ack: bool = False


@dataclass(frozen=True, slots=True)
class Ack:
    """Acknowledge a message: an `ack` whose `seq` is `recipient`'s stream number once what was
    recorded before it is applied."""

    conn: Conn
    re: Any
    recipient: str
    result: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AddToken:
    """A seat token (its hash) now opens `seat`: stored, and the server finds the session by it."""

    hash: str
    seat: str


@dataclass(frozen=True, slots=True)
class DropToken:
    hash: str


@dataclass(frozen=True, slots=True)
class Bye:
    """The connection holding `recipient` is told goodbye and closed (after what comes before)."""

    recipient: str
    reason: str
    message: str
    code: int


@dataclass(frozen=True, slots=True)
class Admit:
    """A hello is accepted: once what was recorded is stored, `conn` is bound to `recipient` and
    gets its welcome (with `token` if it took a new seat), its catch-up and the clock."""

    conn: Conn
    recipient: str
    re: Any
    token: str | None = None
    last_event: int | None = None


@dataclass(frozen=True, slots=True)
class Wait:
    """A hello with the join code while the session is locked: `conn` waits for the facilitator
    to admit or refuse it (it is told so with a `waiting` message; the facilitator gets the
    request in its `join_requests`). `name` is the joiner's checked display name."""

    conn: Conn
    re: Any
    name: str
    role: str | None = None
    last_event: int | None = None


@dataclass(frozen=True, slots=True)
class Unwait:
    """Request `request` is answered (admitted or refused): it leaves the facilitator's list."""

    request: str


@dataclass(frozen=True, slots=True)
class Question:
    """A preview to answer: `seat` asks what `request` would do to its numbers. It changes
    nothing and is recorded nowhere; the actor answers it off the event loop, from a copy of the
    state made now, and `seq` is the asking seat's stream number now."""

    conn: Conn
    re: Any
    seat: str
    request: dict[str, Any]
    seq: int


@dataclass(frozen=True, slots=True)
class Announce:
    """The clock and/or the roster changed: everyone connected gets the new one."""

    clock: bool = False
    roster: bool = False


@dataclass(frozen=True, slots=True)
class Flush:
    """Store and send everything so far now (not at the end of the batch)."""


@dataclass(frozen=True, slots=True)
class TakeSnapshot:
    """Store a snapshot of the session after the next flush (a round began)."""


@dataclass(frozen=True, slots=True)
class Branch:
    """The facilitator's `branch`: make a new session from the start of `round` of this one (the
    actor asks the server; server/session/branch.py) and answer `re` on `conn` with its code and
    facilitator token."""

    conn: Conn
    re: Any
    round: int


@dataclass(frozen=True, slots=True)
class Arm:
    """Wake the session at `deadline` (server time)."""

    deadline: float


Output = (
    Record
    | Attempt
    | Reply
    | Ack
    | AddToken
    | DropToken
    | Bye
    | Admit
    | Wait
    | Unwait
    | Question
    | Announce
    | Flush
    | TakeSnapshot
    | Branch
)


# --- deliveries (made by the fold) ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventOut:
    """Event number `seq` of `recipient`'s stream, packed once for every recipient."""

    recipient: str
    seq: int
    packed: bytes


@dataclass(frozen=True, slots=True)
class ViewOut:
    """A fresh view, number `seq` of `recipient`'s stream (computed when it is sent)."""

    recipient: str
    seq: int


Delivery = EventOut | ViewOut


def error(re: Any, code: str, message: str, where: str = "") -> dict[str, Any]:
    return {"type": "error", "re": re, "code": code, "message": message, "where": where}
