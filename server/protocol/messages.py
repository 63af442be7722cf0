"""The messages: the vocabulary, the schema of every client message (its fields, their types and
bounds), the facilitator's actions, the fields of every server message, and the check of a
decoded client message against its schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from district.server.protocol.errors import ProtocolError
from district.server.protocol.limits import MAX_ID, MAX_NAME, PROTOCOL_VERSION

# --- vocabulary -------------------------------------------------------------------------------

STATUSES = ("lobby", "running", "paused", "ended")
ROLES = ("firm", "union", "government", "broker")
CONTROLLERS = ("open", "human", "bot")
BYE_REASONS = ("replaced", "slow", "released", "shutdown", "policy")
WORKSHOP_ACTIONS = ("list", "pause", "resume", "broadcast", "open")

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
        "workshop": _f(
            "str",
            "a workshop's name: with `key` and `session`, join that session of the workshop as "
            "its facilitator (the workshop console's Open)",
            max_len=64,
        ),
        "key": _f("str", "with `workshop`: the workshop's key", max_len=128),
        "session": _f(
            "str", "with `workshop`: the session (its id or its join code)", max_len=MAX_ID
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
        "workshop": _f(
            "str",
            "create the session into this workshop (made by the first create that names it)",
            max_len=64,
        ),
        "workshop_key": _f(
            "str",
            "the workshop's key: needed to create into an existing workshop; for a new one, its "
            "key (default: a new one, in the reply)",
            max_len=128,
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
        "request": _f("str", "for admit, refuse: the join request's id", max_len=MAX_ID),
        "round": _f(
            "int", "for branch: the round whose start the new session begins at", lo=0, hi=10**6
        ),
        "fill_bots": _f(
            "bool", "for start: put bots in every seat nobody has taken (default true)"
        ),
        "negotiation_seconds": _f(
            "number", "for timers: length of later negotiation phases", lo=5, hi=86400
        ),
        "report_seconds": _f("number", "for timers: length of later report phases", lo=0, hi=86400),
        "standin_seconds": _f(
            "number",
            "for timers: how long a disconnected player may be away before a stand-in plays "
            "their seat (default 60)",
            lo=0,
            hi=86400,
        ),
    },
    "sync": {
        "id": ID,
        "last_event": _f("int", "the last stream number this client saw", True, lo=0, hi=2**53),
    },
    "ping": {"id": ID},
    "debrief": {"id": ID},
    "workshop": {
        "id": ID,
        "name": _f("str", "the workshop's name", True, max_len=64),
        "key": _f("str", "the workshop's key", True, max_len=128),
        "action": _f(
            "str", "list, pause, resume, broadcast or open", True, choices=WORKSHOP_ACTIONS
        ),
        "session": _f(
            "str", "for every action but list: the session (its id or join code)", max_len=MAX_ID
        ),
        "text": _f("str", "for broadcast: the message to the session's players", max_len=500),
        "direct": _f(
            "bool",
            "between servers: apply it here (this server serves the session) or refuse it; "
            "never forward it",
        ),
    },
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
    "lock": ((), "close the session to new players (a new joiner waits for admit or refuse)"),
    "admit": (("request",), "let a waiting joiner in: they take a seat as a normal join would"),
    "refuse": (("request",), "turn a waiting joiner away: they get error refused"),
    "unlock": ((), "open the session to new players again"),
    "timers": ((), "change negotiation_seconds, report_seconds and/or standin_seconds"),
    "branch": (
        ("round",),
        "a finished game: make a new session from the start of this round (same scenario, seed "
        "and log up to there; fresh seats); the ack's result has its code and facilitator token",
    ),
    "info": ((), "the ack's result has status, round, phase, the state hash and the log length"),
    "new_token": (
        (),
        "a new facilitator token (the ack's result has it); the old one stops working at once",
    ),
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
        "workshop": "only when created into a workshop: its name",
        "workshop_key": "only when this create made the workshop: its key; keep it secret",
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
        "locked": "true when the facilitator has closed the session to new players",
    },
    "pong": {"re": "id of the ping", "server_time": "server clock"},
    "debrief": {
        "re": "id of the debrief request",
        "round": "the round the session was at when the debrief was made",
        "phase": "the phase it was in (negotiation, report or ended)",
        "debrief": "the debrief model (docs/debrief.md); its timeline only for the facilitator",
    },
    "waiting": {
        "message": "for a person: the joiner waits for the facilitator to let them in",
    },
    "join_requests": {
        "requests": "facilitator only: list of {id, name, role, since} of joiners waiting",
    },
    "workshop": {
        "re": "id of the workshop message",
        "name": "the workshop's name",
        "sessions": "list: every session of the workshop (code, scenario, round, phase, ...)",
        "action": "the action done (pause, resume, broadcast, open)",
        "session": "the session it was done to (its id)",
        "code": "open: the session's join code",
        "url": "open: where to say the workshop hello (the server that runs the session)",
    },
    "bye": {
        "reason": "replaced, slow, released, shutdown, policy or moved",
        "message": "for a person",
        "code": "moved only (the same as reason): the session moved to another server",
    },
    "redirect": {
        "re": "id of the hello",
        "url": "the ws:// or wss:// address of the server that serves the session",
        "session": "the session's id",
        "message": "for a person",
    },
}


# --- checking a client message ----------------------------------------------------------------


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
    elif t == "hello":
        ways = [k for k in ("token", "code", "workshop") if k in msg]
        if len(ways) != 1:
            raise ProtocolError(
                "bad_message",
                "a hello has either a token (to come back), a code (to join) or a workshop "
                "(with its key and a session)",
                ways[-1] if ways else "code",
            )
        if ways[0] == "workshop":
            for need in ("key", "session"):
                if need not in msg:
                    raise ProtocolError("bad_message", f"a workshop hello needs '{need}'", need)
    elif t == "workshop" and msg["action"] != "list":
        need = ["session"] + (["text"] if msg["action"] == "broadcast" else [])
        for name in need:
            if name not in msg:
                raise ProtocolError(
                    "bad_message", f"the {msg['action']} action needs '{name}'", name
                )
    return msg


def id_of(msg: Any) -> Any:
    """The correlation id of a (possibly invalid) message, if it has a usable one, else None."""
    if isinstance(msg, dict):
        v = msg.get("id")
        if (isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**53) or (
            isinstance(v, str) and len(v) <= MAX_ID
        ):
            return v
    return None
