"""Which seats people take first for a class of a given size (owned by the scenarios work).

`parse_players(raw, seat_ids, problems)` validates a scenario's [players] table, appending
"players...: message" strings to `problems`, and returns the cleaned table.
"""

from __future__ import annotations

from typing import Any


def parse_players(raw: dict[str, Any], seat_ids: list[str], problems: list[str]) -> dict[str, Any]:
    return dict(raw)
