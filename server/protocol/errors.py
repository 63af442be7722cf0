"""The protocol's error codes (and the engine's, passed through inside `command`s) and
`ProtocolError`, the refusal that becomes an `error` message."""

from __future__ import annotations

from typing import Any

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
    "locked": "the facilitator has closed this session to new players",
    "refused": "the facilitator did not let this late joiner in",
    "unknown_request": "nobody is waiting with that join request",
    "throttled": "too many wrong join codes from this address; wait 'retry_after' seconds",
    "forbidden": "this seat may not do that (facilitator only, observers cannot act, ...)",
    "unknown_scenario": "no scenario of that name on this server",
    "unknown_seat": "no seat of that id in this session",
    "unknown_session": "the workshop has no such session (or it no longer exists)",
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
    "damaged": "the session's saved data is damaged: the server has set it aside",
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

    def __init__(
        self, code: str, message: str, where: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(f"{code}: {where + ': ' if where else ''}{message}")
        self.code = code
        self.message = message
        self.where = where
        self.retry_after = retry_after

    def to_message(self, re: Any = None) -> dict[str, Any]:
        msg = {
            "type": "error",
            "re": re,
            "code": self.code,
            "message": self.message,
            "where": self.where,
        }
        if self.retry_after is not None:
            msg["retry_after"] = self.retry_after
        return msg
