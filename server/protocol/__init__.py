"""The District wire protocol: message types, their fields, error codes, limits and the codec.

Every frame is one binary WebSocket message holding one msgpack map with a string key "type".
This package is the single source of truth for the protocol (docs/protocol.md describes the same
thing for people); it imports only the standard library and msgpack, so the client can use it
without the game engine. Everything is imported from here; the modules are

- limits: the version, the limits and the close codes;
- errors: the error codes and `ProtocolError`;
- messages: the message schemas and the check of a client message against them;
- codec: encoding, and the strict decoding of a client frame;
- builders: the messages clients send, and join codes and names as people type them;
- waiting: `within`, a wait with a time limit that keeps a cancellation.

    >>> encode({"type": "ping", "id": 1})
    b'\\x82\\xa4type\\xa4ping\\xa2id\\x01'
"""

from __future__ import annotations

from district.server.protocol.builders import (
    command,
    control,
    hello,
    impersonates,
    name_key,
    normalise_code,
    unsafe_char,
    unsafe_text,
    valid_name,
)
from district.server.protocol.codec import (
    decode,
    encode,
    plain_default,
    read_message,
)
from district.server.protocol.errors import (
    ENGINE_ERRORS,
    ERRORS,
    ProtocolError,
)
from district.server.protocol.limits import (
    CLOSE_POLICY,
    CLOSE_RELEASED,
    CLOSE_REPLACED,
    CLOSE_SLOW,
    CODE_ALPHABET,
    CODE_LENGTH,
    HELLO_TIMEOUT,
    MAX_ARRAY,
    MAX_DEPTH,
    MAX_FRAME,
    MAX_ID,
    MAX_MAP,
    MAX_NAME,
    MAX_OPEN_PROPOSALS,
    MAX_ROUND_PROPOSALS,
    MAX_SERVER_FRAME,
    MAX_STR,
    MAX_TRANSPORT_FRAME,
    OUT_QUEUE,
    PREVIEW_BURST,
    PREVIEW_RATE,
    PROTOCOL_VERSION,
    RATE_ABUSE,
    RATE_BURST,
    RATE_PER_SECOND,
    SESSION_QUEUE,
)
from district.server.protocol.messages import (
    BYE_REASONS,
    CLIENT_MESSAGES,
    CONTROL_ACTIONS,
    CONTROLLERS,
    ID,
    ROLES,
    SERVER_MESSAGES,
    STATUSES,
    WORKSHOP_ACTIONS,
    Field,
    check_message,
    id_of,
)
from district.server.protocol.waiting import within

__all__ = [
    "BYE_REASONS",
    "WORKSHOP_ACTIONS",
    "CLIENT_MESSAGES",
    "CLOSE_POLICY",
    "CLOSE_RELEASED",
    "CLOSE_REPLACED",
    "CLOSE_SLOW",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "CONTROLLERS",
    "CONTROL_ACTIONS",
    "ENGINE_ERRORS",
    "ERRORS",
    "Field",
    "HELLO_TIMEOUT",
    "ID",
    "MAX_ARRAY",
    "MAX_DEPTH",
    "MAX_FRAME",
    "MAX_ID",
    "MAX_MAP",
    "MAX_NAME",
    "MAX_SERVER_FRAME",
    "MAX_STR",
    "MAX_TRANSPORT_FRAME",
    "OUT_QUEUE",
    "PREVIEW_RATE",
    "PREVIEW_BURST",
    "MAX_ROUND_PROPOSALS",
    "MAX_OPEN_PROPOSALS",
    "PROTOCOL_VERSION",
    "ProtocolError",
    "RATE_ABUSE",
    "RATE_BURST",
    "RATE_PER_SECOND",
    "ROLES",
    "SERVER_MESSAGES",
    "SESSION_QUEUE",
    "STATUSES",
    "check_message",
    "command",
    "control",
    "decode",
    "encode",
    "hello",
    "id_of",
    "normalise_code",
    "plain_default",
    "read_message",
    "impersonates",
    "name_key",
    "unsafe_char",
    "unsafe_text",
    "valid_name",
    "within",
]
