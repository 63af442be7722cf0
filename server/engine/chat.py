"""Chat in the core: public, per deal, private between two seats, and a seat's request for help
to the facilitator (`to: "facilitator"`: only the facilitator and the sender see it, flagged
`help`), and the facilitator's private reply to one seat (`to: <seat id>` from the facilitator:
that seat and the facilitator only, channel `help`, flagged `reply`). Every message is an event."""

from __future__ import annotations

from typing import Any

from district.server.engine.checks import deal_ref, party_to, plain_text
from district.server.engine.errors import EngineError
from district.server.engine.state import State

MAX_CHAT = 500
MAX_LOG = 2000


def chat(state: State, seat: str, cmd: dict[str, Any]) -> list[dict[str, Any]]:
    text = cmd.get("text")
    if not isinstance(text, str) or not text.strip():
        raise EngineError("bad_value", "a message needs some text", "text")
    if len(text) > MAX_CHAT:
        raise EngineError(
            "too_long", f"a message is at most {MAX_CHAT} characters (got {len(text)})", "text"
        )
    plain_text(text, "text")
    to = cmd.get("to", "public")
    help_ = to == "facilitator"  # a request for help: works even while the chat is muted
    if state.chat_muted and seat != "facilitator" and not help_:
        raise EngineError("muted", "the facilitator has paused the chat")
    if help_:
        if seat == "facilitator":
            raise EngineError("bad_value", "you cannot send a private message to yourself", "to")
        audience: str | list[str] = [seat, "facilitator"]
        channel = "help"
    elif to == "public":
        audience = "public"
        channel = "public"
    elif isinstance(to, str) and to.startswith("deal-"):
        deal = deal_ref(state, to, "to")
        if seat != "facilitator":
            party_to(deal, seat, "to")
        audience = list(deal.parties)
        channel = to
    elif isinstance(to, str) and to in state.seats and seat == "facilitator":
        # the facilitator's private reply: the seat's help conversation, seen by that seat and
        # the facilitator only
        audience = [to, "facilitator"]
        channel = "help"
    elif isinstance(to, str) and to in state.seats:
        if to == seat:
            raise EngineError("bad_value", "you cannot send a private message to yourself", "to")
        audience = sorted({seat, to})
        channel = "private"
    else:
        raise EngineError(
            "bad_value",
            f"'to' is 'public', 'facilitator', a deal id or a seat id; got {to!r}",
            "to",
        )
    msg = {
        "id": state.next_id("msg"),
        "round": state.round,
        "from": seat,
        "to": to,
        "channel": channel,
        "text": text.strip(),
    }
    if help_:
        msg["help"] = True
    elif channel == "help":
        msg["reply"] = True
    state.chat.append({**msg, "audience": audience})
    if len(state.chat) > MAX_LOG:
        del state.chat[: len(state.chat) - MAX_LOG]
    return [{"kind": "chat", "audience": audience, **msg}]
