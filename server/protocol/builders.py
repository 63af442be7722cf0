"""Building the messages clients send (hello, command, control), and join codes and display names
as people type them."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from district.server.protocol.limits import MAX_NAME, PROTOCOL_VERSION


def hello(
    *,
    token: str | None = None,
    code: str | None = None,
    name: str | None = None,
    role: str | None = None,
    observer: bool = False,
    last_event: int | None = None,
    id: int | str = 0,
    workshop: str | None = None,
    key: str | None = None,
    session: str | None = None,
) -> dict[str, Any]:
    m: dict[str, Any] = {"type": "hello", "id": id, "version": PROTOCOL_VERSION}
    for k, v in (
        ("token", token),
        ("code", code),
        ("workshop", workshop),
        ("key", key),
        ("session", session),
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


# characters that turn text around or hide it: the bidirectional embeddings, overrides and
# isolates, and the marks that change the direction of what follows
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)


# the same characters as one pattern: a string is searched in C, not character by character
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")
_PLAIN = (int, float, bool, type(None))  # values with no text in them


def unsafe_char(text: str) -> str | None:
    """The first control (C0, DEL, C1) or bidirectional-control character of `text`, or None."""
    m = _UNSAFE.search(text)
    return m.group() if m is not None else None


def _any_unsafe(value: Any) -> bool:
    """Some string in `value` (keys included) holds an unsafe character (no paths built: most
    messages have none, and `unsafe_text` then looks where)."""
    if isinstance(value, str):
        return _UNSAFE.search(value) is not None
    if isinstance(value, dict):
        for k, v in value.items():
            if _UNSAFE.search(k) is not None if isinstance(k, str) else _any_unsafe(k):
                return True
            if not isinstance(v, _PLAIN) and _any_unsafe(v):
                return True
    elif isinstance(value, list):
        return any(not isinstance(v, _PLAIN) and _any_unsafe(v) for v in value)
    return False


def unsafe_text(value: Any, where: str = "") -> tuple[str, str] | None:
    """The first string in `value` (a message's map, walked through its maps and lists, keys
    included) holding a control or text-direction character: (where it is, e.g. "terms.name" or
    "event.headline", the character), or None. Free text one seat sends reaches others."""
    if not _any_unsafe(value):
        return None
    return _where_unsafe(value, where)


def _where_unsafe(value: Any, where: str) -> tuple[str, str] | None:
    if isinstance(value, str):
        bad = unsafe_char(value)
        return (where, bad) if bad is not None else None
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{where}.{k}" if where else str(k)
            found = _where_unsafe(k, here) or _where_unsafe(v, here)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _where_unsafe(v, f"{where}[{i}]")
            if found is not None:
                return found
    return None


def valid_name(name: str) -> str | None:
    """A display name, trimmed; None if it is empty, too long or has control characters."""
    if unsafe_char(name) is not None:
        return None
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or any(not ch.isprintable() for ch in name):
        return None
    return name


# what only the person running the session may be called (compared letters and digits only,
# case-folded: "Face-Ilitator", "T E A C H E R" and "teacher2" are all refused)
RESERVED_NAMES = ("facilitator", "teacher", "instructor", "moderator", "organiser", "organizer")
RESERVED_EXACT = ("admin", "administrator", "host", "server", "system", "observer", "staff")
_LOOKALIKE = str.maketrans("013457@$", "oleastas")


def name_key(name: str) -> str:
    """What two names are compared by: letters only, case-folded, look-alike digits read as
    letters (so "Ada" and "ADA " and "4da" are the same name)."""
    s = unicodedata.normalize("NFKC", name).casefold().translate(_LOOKALIKE)
    return "".join(ch for ch in s if ch.isalnum())


def impersonates(name: str) -> str | None:
    """What the name could pass for ("the facilitator"), or None."""
    key = name_key(name)
    if any(r in key for r in RESERVED_NAMES) or key in RESERVED_EXACT:
        return "the facilitator"
    return None
