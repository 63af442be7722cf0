"""Chat in the core: public, per deal, and private between two seats. Every message is an event."""

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
    if state.chat_muted and seat != "facilitator":
        raise EngineError("muted", "the facilitator has paused the chat")
    to = cmd.get("to", "public")
    if to == "public":
        audience: str | list[str] = "public"
        channel = "public"
    elif isinstance(to, str) and to.startswith("deal-"):
        deal = deal_ref(state, to, "to")
        if seat != "facilitator":
            party_to(deal, seat, "to")
        audience = list(deal.parties)
        channel = to
    elif isinstance(to, str) and to in state.seats:
        if to == seat:
            raise EngineError("bad_value", "you cannot send a private message to yourself", "to")
        audience = sorted({seat, to} - {"facilitator"})
        channel = "private"
    else:
        raise EngineError(
            "bad_value", f"'to' is 'public', a deal id or a seat id; got {to!r}", "to"
        )
    msg = {
        "id": state.next_id("msg"),
        "round": state.round,
        "from": seat,
        "to": to,
        "channel": channel,
        "text": text.strip(),
    }
    state.chat.append({**msg, "audience": audience})
    if len(state.chat) > MAX_LOG:
        del state.chat[: len(state.chat) - MAX_LOG]
    return [{"kind": "chat", "audience": audience, **msg}]
