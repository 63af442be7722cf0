"""Building the messages clients send (hello, command, control), and join codes and display names
as people type them."""

from __future__ import annotations

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
