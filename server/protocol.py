"""The District wire protocol: message types, their fields, error codes, limits and the codec.

Every frame is one binary WebSocket message holding one msgpack map with a string key "type".
This module is the single source of truth for the protocol (docs/protocol.md describes the same
thing for people); it imports only the standard library and msgpack, so the client can use it
without the game engine.

    >>> encode({"type": "ping", "id": 1})
    b'\\x82\\xa4type\\xa4ping\\xa2id\\x01'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import msgpack

PROTOCOL_VERSION = 1

# --- limits ---------------------------------------------------------------------------------

MAX_FRAME = 64 * 1024  # bytes, client -> server; bigger frames get error too_large
MAX_TRANSPORT_FRAME = 1024 * 1024  # the server closes the connection (1009) above this
MAX_SERVER_FRAME = 16 * 1024 * 1024  # clients should accept server frames up to this size
MAX_DEPTH = 16  # nesting of maps and arrays in one frame
MAX_STR = 4096  # characters in any one string
MAX_ARRAY = 1024  # items in any one array
MAX_MAP = 256  # keys in any one map
MAX_ID = 64  # characters of a string id / cid
MAX_NAME = 40  # characters of a display name
RATE_PER_SECOND = 20.0  # messages per second per connection, sustained
RATE_BURST = 60  # messages a connection may send at once
RATE_ABUSE = 200  # refused messages within 10 seconds after which the connection is closed
OUT_QUEUE = (
    256  # outgoing messages waiting for one client; a client that falls further behind is dropped
)
HELLO_TIMEOUT = 15.0  # seconds a connection may stay without a successful hello or create
SESSION_QUEUE = 1000  # commands waiting in one session; more get error busy
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # join codes: no 0/O, 1/I/L
CODE_LENGTH = 6

# WebSocket close codes the server uses (besides 1000 normal, 1001 going away, 1009 too big).
CLOSE_POLICY = 1008  # rate abuse, no hello in time
CLOSE_REPLACED = 4000  # a newer connection took this seat
CLOSE_SLOW = 4001  # the client did not read its messages fast enough
CLOSE_RELEASED = 4002  # the facilitator released this seat

# --- vocabulary -------------------------------------------------------------------------------

STATUSES = ("lobby", "running", "paused", "ended")
ROLES = ("firm", "union", "government", "broker")
CONTROLLERS = ("open", "human", "bot")
BYE_REASONS = ("replaced", "slow", "released", "shutdown", "policy")

ERRORS: dict[str, str] = {
    # frames and messages
    "bad_frame": "the frame is not one well-formed msgpack map (text frame, bad msgpack, trailing bytes, "
    "binary or extension values, non-string keys, duplicate keys, non-finite floats, too deep)",
    "too_large": "the frame, a string, an array or a map is over its limit",
    "bad_message": "a field is missing, of the wrong type or out of range ('where' names it)",
    "unknown_message": "the message type is not one of the protocol's",
    "version": "the client speaks another protocol version",
    "rate_limited": "too many messages; slow down (the message was dropped)",
    # identity
    "need_hello": "this message needs a successful hello first",
    "already_joined": "this connection has already said hello",
    "bad_token": "no seat or facilitator holds this token",
    "bad_code": "no session has this join code",
    "session_full": "every seat (of the asked role) is taken",
    "forbidden": "this seat may not do that (facilitator only, observers cannot act, ...)",
    "unknown_scenario": "no scenario of that name on this server",
    "unknown_seat": "no seat of that id in this session",
    # session state
    "not_started": "the facilitator has not started the game yet",
    "paused": "the game is paused",
    "ended": "the game is over",
    "bot_playing": "a bot is playing this seat; ask the facilitator to give it back",
    "wrong_phase": "not possible in this phase or status",
    "busy": "the session has too many commands waiting; try again",
    # server
    "internal": "the server failed on this message; nothing was changed",
    "storage": "the server could not save this command; nothing was changed",
}
# Codes the game engine uses inside `command`s (passed through unchanged; new ones may appear).
ENGINE_ERRORS: dict[str, str] = {
    "bad_command": "a command is not a map with a 'type'",
    "unknown_command": "the command type is not one the engine knows",
    "unknown_seat": "the seat is not in the game",
    "stale": "the command names a round that is over",
    "wrong_phase": "not possible in this phase",
    "forbidden": "this seat may not do that",
    "wrong_role": "this command is for another role",
    "bad_value": "a value has the wrong type or form",
    "out_of_range": "a number is outside its range",
    "too_many": "a list is too long",
    "too_long": "a text is too long",
    "unknown_decision": "a decision name the role does not have",
    "unknown_firm": "no such firm",
    "firm_closed": "the firm has closed",
    "tender_not_open": "the tender is not open for bids",
    "duplicate": "the same thing twice",
    "cannot_afford": "more money than the seat can spend",
    "no_time": "more hours than the broker has",
    "muted": "the facilitator has paused the chat",
    "unknown_deal": "no such deal",
    "unknown_kind": "no such deal kind",
    "deal_closed": "the deal is no longer open to that",
}


class ProtocolError(Exception):
    """A message the server refuses; becomes an `error` message with the same fields."""

    def __init__(self, code: str, message: str, where: str = "") -> None:
        super().__init__(f"{code}: {where + ': ' if where else ''}{message}")
        self.code = code
        self.message = message
        self.where = where

    def to_message(self, re: Any = None) -> dict[str, Any]:
        return {
            "type": "error",
            "re": re,
            "code": self.code,
            "message": self.message,
            "where": self.where,
        }


# --- message schemas --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a message: its wire types, whether it is required and its bounds."""

    kind: str  # "str", "int", "number", "bool", "map", "id" (int >= 0 or short str), "any"
    required: bool = False
    lo: float | None = None
    hi: float | None = None
    max_len: int | None = None
    choices: tuple[str, ...] = ()
    doc: str = ""


def _f(kind: str, doc: str, required: bool = False, **kw: Any) -> Field:
    return Field(kind, required, doc=doc, **kw)


ID = _f(
    "id",
    "correlation id, echoed as `re` in the reply: an integer 0..2^53-1 or a string of at most 64 characters",
)

CLIENT_MESSAGES: dict[str, dict[str, Field]] = {
    "hello": {
        "id": ID,
        "version": _f("int", f"protocol version; must be {PROTOCOL_VERSION}", True, lo=0, hi=2**31),
        "token": _f(
            "str", "a seat token or the facilitator token, to come back to a seat", max_len=128
        ),
        "code": _f(
            "str", "the session's join code, to join as a new player or as an observer", max_len=16
        ),
        "name": _f("str", "display name of a new player (1-40 characters)", max_len=MAX_NAME),
        "role": _f("str", "preferred role of a new player", choices=ROLES),
        "observer": _f("bool", "with a code: join as an observer (public view only, no seat)"),
        "last_event": _f(
            "int", "the last stream number this client saw (on reconnect)", lo=0, hi=2**53
        ),
    },
    "create": {
        "id": ID,
        "scenario": _f("str", "scenario name (see `scenarios`)", True, max_len=64),
        "seed": _f("int", "random seed of the game (default: random)", lo=0, hi=2**63 - 1),
        "negotiation_seconds": _f(
            "number", "length of each negotiation phase (default 480)", lo=5, hi=86400
        ),
        "report_seconds": _f(
            "number",
            "length of each report phase; 0 advances at once (default 120)",
            lo=0,
            hi=86400,
        ),
        "key": _f(
            "str", "the server's creation key, if the server was started with one", max_len=128
        ),
    },
    "scenarios": {"id": ID},
    "command": {
        "id": ID,
        "command": _f(
            "map", "a game command: a map with a string 'type' (see docs/protocol.md)", True
        ),
        "cid": _f(
            "str",
            "idempotency key, unique per seat for the whole session: a command re-sent "
            "with a cid already applied is acknowledged again, not applied twice",
            max_len=MAX_ID,
        ),
    },
    "control": {
        "id": ID,
        "action": _f("str", "facilitator action (see CONTROL_ACTIONS)", True, max_len=32),
        "seconds": _f(
            "number", "for extend: seconds to add (negative shortens)", lo=-86400, hi=86400
        ),
        "seat": _f("str", "for bot, unbot, assign, release: the seat id", max_len=128),
        "name": _f("str", "for assign: the player's display name", max_len=MAX_NAME),
        "fill_bots": _f(
            "bool", "for start: put bots in every seat nobody has taken (default true)"
        ),
        "negotiation_seconds": _f(
            "number", "for timers: length of later negotiation phases", lo=5, hi=86400
        ),
        "report_seconds": _f("number", "for timers: length of later report phases", lo=0, hi=86400),
    },
    "sync": {
        "id": ID,
        "last_event": _f("int", "the last stream number this client saw", True, lo=0, hi=2**53),
    },
    "ping": {"id": ID},
}

# Facilitator control actions and the fields each needs (besides `action` and `id`).
CONTROL_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "start": ((), "start the game (lobby -> running); optional fill_bots"),
    "pause": ((), "stop the clock; players' commands get error paused"),
    "resume": ((), "restart the clock with the time that was left"),
    "extend": (("seconds",), "add seconds to the current phase's clock"),
    "advance": ((), "end the current phase now (negotiation -> report, report -> next round)"),
    "end": ((), "end the game now"),
    "bot": (("seat",), "a bot plays this seat from now on"),
    "unbot": (("seat",), "give the seat back to its player (or leave it open)"),
    "assign": (
        ("seat", "name"),
        "reserve a seat for a named player; the ack's result has its token",
    ),
    "release": (("seat",), "free a seat: its token stops working and its connection is closed"),
    "timers": ((), "change negotiation_seconds and/or report_seconds of later phases"),
    "info": ((), "the ack's result has status, round, phase, the state hash and the log length"),
}

SERVER_MESSAGES: dict[str, dict[str, str]] = {
    "welcome": {
        "re": "id of the hello",
        "version": "protocol version",
        "session": "session id",
        "code": "join code",
        "seat": "seat id, 'facilitator' or 'observer'",
        "role": "firm, union, government, broker, facilitator or observer",
        "name": "display name of the player (seat name for the facilitator/observer)",
        "token": "only when a new seat was taken: the seat token; keep it to come back",
        "road": "the seat's suggested personality (high, low or mixed), seats only",
        "scenario": "scenario name",
        "status": "lobby, running, paused or ended",
        "last_event": "the stream number the client is at once the catch-up that follows is read",
        "server_time": "server clock, seconds since 1970 (float)",
        "deal_kinds": "the deal kinds of this server: kind -> {title, help, source, parties, gate, terms}",
    },
    "created": {
        "re": "id of the create",
        "session": "session id",
        "code": "join code for players",
        "facilitator_token": "token for hello as the facilitator; keep it secret",
        "scenario": "scenario name",
        "seed": "the game's seed",
        "seats": "list of {id, role, name}",
    },
    "scenarios": {
        "re": "id",
        "scenarios": "list of {name, title, rounds, seats: [{id, role, name}]}",
    },
    "ack": {
        "re": "id of the command/control",
        "seq": "the sender's stream number after this command's events (which came before the ack)",
        "duplicate": "true when the cid had been applied before (nothing was applied now); absent otherwise",
        "result": "map: the answer to assign (token), info (status...) or a preview command",
    },
    "error": {
        "re": "id of the refused message, or nil",
        "code": "stable error code",
        "message": "what was wrong, for a person",
        "where": "the field or place, or ''",
    },
    "view": {
        "seq": "stream number of this view",
        "view": "everything this seat may see now (a map)",
    },
    "event": {"seq": "stream number", "event": "map with 'kind' and the event's fields"},
    "clock": {
        "status": "lobby, running, paused or ended",
        "round": "round number",
        "phase": "negotiation, report or ended",
        "deadline": "server time the phase ends, or nil (lobby, paused, ended)",
        "remaining": "seconds left in the phase when this was sent, or nil",
        "server_time": "server clock when this was sent",
        "negotiation_seconds": "length of a negotiation phase",
        "report_seconds": "length of a report phase",
    },
    "roster": {
        "seats": "list of {id, role, name, player, controller, connected, ready}",
        "facilitator": "true when the facilitator is connected",
        "observers": "connected observers",
    },
    "pong": {"re": "id of the ping", "server_time": "server clock"},
    "bye": {"reason": "replaced, slow, released, shutdown or policy", "message": "for a person"},
}


# --- codec -----------------------------------------------------------------------------------


def plain_default(obj: Any) -> Any:
    """Turn the few non-msgpack types that may appear in views and stored entries (numpy scalars
    and arrays, sets) into plain data."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=str)
    raise TypeError(f"cannot send a {type(obj).__name__}")


def encode(msg: dict[str, Any]) -> bytes:
    return msgpack.packb(msg, use_bin_type=True, default=plain_default)


def _no_ext(code: int, data: bytes) -> Any:
    raise ValueError(f"extension type {code} is not allowed")


def _pairs(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    if len(pairs) > MAX_MAP:
        raise _Limit(f"a map has {len(pairs)} keys (at most {MAX_MAP})")
    d: dict[Any, Any] = {}
    for k, v in pairs:
        if not isinstance(k, str):
            raise ValueError(f"map keys must be strings, got {type(k).__name__}")
        if k in d:
            raise ValueError(f"duplicate map key {k[:40]!r}")
        d[k] = v
    return d


class _Limit(ValueError):
    pass


def _check_value(v: Any, where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ProtocolError("bad_frame", f"nested more than {MAX_DEPTH} levels deep", where)
    if isinstance(v, str):
        if len(v) > MAX_STR:
            raise ProtocolError(
                "too_large", f"a string of {len(v)} characters (at most {MAX_STR})", where
            )
    elif isinstance(v, float):
        if not math.isfinite(v):
            raise ProtocolError("bad_frame", f"{v} is not a finite number", where)
    elif isinstance(v, dict):
        for k, x in v.items():
            _check_value(x, f"{where}.{k[:40]}" if where else k[:40], depth + 1)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _check_value(x, f"{where}[{i}]", depth + 1)
    elif isinstance(v, bytes | bytearray):
        raise ProtocolError(
            "bad_frame", "binary values are not allowed (send text as a string)", where
        )
    elif v is None or isinstance(v, bool | int):
        pass
    else:  # pragma: no cover - msgpack produces nothing else with these options
        raise ProtocolError("bad_frame", f"a value of type {type(v).__name__}", where)


def decode(frame: bytes | str) -> dict[str, Any]:
    """One client frame -> a message map, or ProtocolError (bad_frame, too_large). Never anything else."""
    if isinstance(frame, str):
        raise ProtocolError(
            "bad_frame", "text frames are not accepted; send one msgpack map in a binary frame"
        )
    if len(frame) > MAX_FRAME:
        raise ProtocolError("too_large", f"a frame of {len(frame)} bytes (at most {MAX_FRAME})")
    try:
        msg = msgpack.unpackb(
            frame,
            raw=False,
            use_list=True,
            strict_map_key=True,
            object_pairs_hook=_pairs,
            ext_hook=_no_ext,
            max_str_len=MAX_FRAME,
            max_bin_len=MAX_FRAME,
            max_array_len=MAX_ARRAY,
            max_map_len=MAX_MAP,
            max_ext_len=MAX_FRAME,
            timestamp=0,
        )
    except _Limit as e:
        raise ProtocolError("too_large", str(e)) from None
    except ValueError as e:
        text = str(e)
        if "exceeds max" in text:
            raise ProtocolError(
                "too_large", f"a string, array or map is over its limit ({text})"
            ) from None
        raise ProtocolError(
            "bad_frame", f"not one well-formed msgpack value ({text or type(e).__name__})"
        ) from None
    except Exception as e:  # msgpack raises a handful of types; none may escape
        raise ProtocolError(
            "bad_frame", f"not one well-formed msgpack value ({type(e).__name__})"
        ) from None
    if not isinstance(msg, dict):
        raise ProtocolError("bad_frame", f"a frame must hold a map, got {type(msg).__name__}")
    _check_value(msg, "", 1)
    return msg


def _check_field(name: str, spec: Field, v: Any) -> None:
    k = spec.kind
    if k == "str":
        if not isinstance(v, str):
            raise ProtocolError("bad_message", f"expected a string, got {_tname(v)}", name)
        if spec.max_len is not None and len(v) > spec.max_len:
            raise ProtocolError(
                "bad_message", f"at most {spec.max_len} characters, got {len(v)}", name
            )
        if spec.choices and v not in spec.choices:
            raise ProtocolError(
                "bad_message", f"{v[:40]!r} is not one of: {', '.join(spec.choices)}", name
            )
        return
    if k == "id":
        if isinstance(v, bool) or not isinstance(v, int | str):
            raise ProtocolError(
                "bad_message", f"expected an integer or a string, got {_tname(v)}", name
            )
        if isinstance(v, int) and not 0 <= v < 2**53:
            raise ProtocolError("bad_message", "an integer id is 0 to 2^53-1", name)
        if isinstance(v, str) and len(v) > MAX_ID:
            raise ProtocolError("bad_message", f"a string id has at most {MAX_ID} characters", name)
        return
    if k in ("int", "number"):
        ok = isinstance(v, int) if k == "int" else isinstance(v, int | float)
        if isinstance(v, bool) or not ok:
            what = "an integer" if k == "int" else "a number"
            raise ProtocolError("bad_message", f"expected {what}, got {_tname(v)}", name)
        if (spec.lo is not None and v < spec.lo) or (spec.hi is not None and v > spec.hi):
            raise ProtocolError(
                "bad_message", f"{v!r} is out of range ({spec.lo:g} to {spec.hi:g})", name
            )
        return
    if k == "bool":
        if not isinstance(v, bool):
            raise ProtocolError("bad_message", f"expected true or false, got {_tname(v)}", name)
        return
    if k == "map":
        if not isinstance(v, dict):
            raise ProtocolError("bad_message", f"expected a map, got {_tname(v)}", name)
        return


def _tname(v: Any) -> str:
    if v is None:
        return "nil"
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array",
        dict: "a map",
    }.get(type(v), type(v).__name__)


def check_message(msg: dict[str, Any]) -> dict[str, Any]:
    """Validate a decoded client message against its schema; returns it or raises ProtocolError."""
    t = msg.get("type")
    if not isinstance(t, str):
        raise ProtocolError("bad_message", "every message needs a string 'type'", "type")
    spec = CLIENT_MESSAGES.get(t)
    if spec is None:
        raise ProtocolError(
            "unknown_message",
            f"unknown message type {t[:40]!r} (known: {', '.join(sorted(CLIENT_MESSAGES))})",
            "type",
        )
    for name, v in msg.items():
        if name == "type":
            continue
        f = spec.get(name)
        if f is None:
            raise ProtocolError(
                "bad_message",
                f"a {t} message has no field {name[:40]!r} (fields: {', '.join(sorted(spec))})",
                name,
            )
        _check_field(name, f, v)
    for name, f in spec.items():
        if f.required and name not in msg:
            raise ProtocolError("bad_message", f"a {t} message needs '{name}'", name)
    if t == "control":
        action = msg["action"]
        need = CONTROL_ACTIONS.get(action)
        if need is None:
            raise ProtocolError(
                "bad_message",
                f"unknown action {action!r} (known: {', '.join(CONTROL_ACTIONS)})",
                "action",
            )
        for name in need[0]:
            if name not in msg:
                raise ProtocolError("bad_message", f"the {action} action needs '{name}'", name)
    elif t == "command":
        ctype = msg["command"].get("type")
        if not isinstance(ctype, str) or not ctype:
            raise ProtocolError(
                "bad_message", "a command is a map with a string 'type'", "command.type"
            )
    elif t == "hello" and ("token" in msg) == ("code" in msg):
        raise ProtocolError(
            "bad_message",
            "a hello has either a token (to come back) or a code (to join)",
            "token" if "token" in msg else "code",
        )
    return msg


def read_message(frame: bytes | str) -> dict[str, Any]:
    """decode + check_message: a frame from a client -> a valid message, or ProtocolError."""
    return check_message(decode(frame))


def id_of(msg: Any) -> Any:
    """The correlation id of a (possibly invalid) message, if it has a usable one, else None."""
    if isinstance(msg, dict):
        v = msg.get("id")
        if (isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**53) or (
            isinstance(v, str) and len(v) <= MAX_ID
        ):
            return v
    return None


# --- builders for clients ---------------------------------------------------------------------


def hello(
    *,
    token: str | None = None,
    code: str | None = None,
    name: str | None = None,
    role: str | None = None,
    observer: bool = False,
    last_event: int | None = None,
    id: int | str = 0,
) -> dict[str, Any]:
    m: dict[str, Any] = {"type": "hello", "id": id, "version": PROTOCOL_VERSION}
    for k, v in (
        ("token", token),
        ("code", code),
        ("name", name),
        ("role", role),
        ("last_event", last_event),
    ):
        if v is not None:
            m[k] = v
    if observer:
        m["observer"] = True
    return m


def command(cmd: dict[str, Any], id: int | str, cid: str | None = None) -> dict[str, Any]:
    m: dict[str, Any] = {"type": "command", "id": id, "command": cmd}
    if cid is not None:
        m["cid"] = cid
    return m


def control(action: str, id: int | str, **fields: Any) -> dict[str, Any]:
    return {"type": "control", "id": id, "action": action, **fields}


def normalise_code(code: str) -> str:
    """Join codes are read case-insensitively, ignoring spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def valid_name(name: str) -> str | None:
    """A display name, trimmed; None if it is empty or has control characters."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or any(not ch.isprintable() for ch in name):
        return None
    return name
