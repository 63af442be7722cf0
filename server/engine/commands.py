"""`apply(state, seat, command) -> events`: one command from one seat, validated, then applied.

`COMMANDS` is every command there is, in one table; each handler lives with what it acts on
(decisions, deals, chat), shared checks in district.server.engine.checks.

A refused command raises EngineError with a stable code and a readable message, and leaves the
state exactly as it was (everything is checked before anything is written).

Events are dicts with a `kind` and an `audience`: "public" or a list of seat ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from district.server.engine import deals
from district.server.engine.chat import chat
from district.server.engine.checks import (
    check_seat_and_round,
    facilitator_only,
    flag,
    need_phase,
    num,
)
from district.server.engine.decisions import decide
from district.server.engine.errors import EngineError
from district.server.engine.events import fire_event
from district.server.engine.scenario import EVENT_KINDS, MARKETS, EventSpec
from district.server.engine.state import State

Event = dict[str, Any]

MAX_TEXT = 500


def _ready(state: State, seat: str, cmd: dict[str, Any]) -> list[Event]:
    need_phase(state, "negotiation", "saying ready")
    ready = flag(cmd.get("ready", True), "ready")
    if ready:
        state.ready.add(seat)
    else:
        state.ready.discard(seat)
    return [{"kind": "ready", "audience": "public", "seat": seat, "ready": ready}]


def _inject(state: State, seat: str, cmd: dict[str, Any]) -> list[Event]:
    facilitator_only(seat, "inject events")
    if state.phase == "ended":
        raise EngineError("wrong_phase", "the game has ended")
    e = cmd.get("event")
    if not isinstance(e, dict):
        raise EngineError(
            "bad_value", "expected event: {kind, value, headline, market?, keep?}", "event"
        )
    kind = e.get("kind")
    if not isinstance(kind, str) or kind not in EVENT_KINDS:
        raise EngineError(
            "bad_value",
            f"unknown event kind {kind!r} (known: {', '.join(EVENT_KINDS)})",
            "event.kind",
        )
    headline = e.get("headline", kind)
    if not isinstance(headline, str) or len(headline) > MAX_TEXT:
        raise EngineError(
            "bad_value", f"a headline is text of at most {MAX_TEXT} characters", "event.headline"
        )
    value = num(e.get("value", 0.0), "event.value", -1e6, 1e6)
    market = e.get("market", "")
    if kind == "demand" and market not in MARKETS:
        raise EngineError(
            "bad_value",
            f"a demand event needs market = one of {', '.join(MARKETS)}",
            "event.market",
        )
    keep = int(num(e.get("keep", 0), "event.keep", 0, 1e5, integer=True))
    spec = EventSpec(
        round=max(1, state.round),
        kind=kind,
        value=value,
        headline=headline,
        market=market,
        keep=keep,
        source="facilitator",
    )
    return fire_event(state, spec)


def _mute(state: State, seat: str, cmd: dict[str, Any]) -> list[Event]:
    facilitator_only(seat, "mute the chat")
    muted = flag(cmd.get("muted", True), "muted")
    state.chat_muted = muted
    return [{"kind": "chat_muted", "audience": "public", "muted": muted}]


Handler = Callable[[State, str, dict[str, Any]], list[Event]]

COMMANDS: dict[str, Handler] = {
    "decide": decide,
    "ready": _ready,
    "propose": deals.propose,
    "respond": deals.respond,
    "counter": deals.counter,
    "withdraw": deals.withdraw,
    "chat": chat,
    "inject_event": _inject,
    "mute_chat": _mute,
}
FACILITATOR_COMMANDS = {"inject_event", "chat", "mute_chat"}


def apply(state: State, seat: str, command: dict[str, Any]) -> list[Event]:
    """Validate and apply one command of one seat. Raises EngineError and changes nothing if refused."""
    if not isinstance(command, dict):
        raise EngineError(
            "bad_command", f"a command is a map with a 'type', got {type(command).__name__}"
        )
    kind = command.get("type")
    if kind not in COMMANDS:
        raise EngineError(
            "unknown_command",
            f"unknown command type {kind!r} (known: {', '.join(sorted(COMMANDS))})",
            "type",
        )
    check_seat_and_round(state, seat, command)
    if seat == "facilitator" and kind not in FACILITATOR_COMMANDS:
        raise EngineError("forbidden", "the facilitator steers the game; it does not play a seat")
    return COMMANDS[kind](state, seat, command)
