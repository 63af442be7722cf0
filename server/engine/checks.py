"""Checks shared by every command: numbers in a range, firm references, lists, yes/no, the phase,
deal references. Each raises EngineError with a stable code and a message a person can act on,
and none writes anything (a refused command changes nothing)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from district.server.engine.errors import EngineError
from district.server.engine.state import State

if TYPE_CHECKING:  # the deals build on these checks
    from district.server.engine.deals.record import Deal


def num(v: Any, where: str, lo: float, hi: float, integer: bool = False) -> float:
    """A finite number in [lo, hi] (a whole one if `integer`)."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise EngineError("bad_value", f"expected a number, got {v!r}", where)
    if integer and int(v) != v:
        raise EngineError("bad_value", f"expected a whole number, got {v!r}", where)
    if not lo <= v <= hi:
        raise EngineError("out_of_range", f"{v:g} is out of range ({lo:g} to {hi:g})", where)
    return float(v)


def flag(v: Any, where: str) -> bool:
    """True or false, nothing else (not 0 or 1)."""
    if not isinstance(v, bool):
        raise EngineError("bad_value", f"expected true or false, got {v!r}", where)
    return v


def firm_ref(state: State, v: Any, where: str, alive: bool = True) -> int:
    """A firm number that exists (and, if `alive`, has not closed)."""
    if isinstance(v, bool) or not isinstance(v, int):
        raise EngineError("bad_value", f"expected a firm number, got {v!r}", where)
    if not 0 <= v < state.firms.n:
        raise EngineError(
            "unknown_firm", f"there is no firm {v} (firms are 0 to {state.firms.n - 1})", where
        )
    if alive and not state.firms.alive[v]:
        raise EngineError("firm_closed", f"firm {v} ({state.firms.name[v]}) has closed", where)
    return v


def entries(v: Any, where: str, most: int) -> list[Any]:
    """A list of at most `most` entries."""
    if not isinstance(v, list):
        raise EngineError("bad_value", f"expected a list, got {v!r}", where)
    if len(v) > most:
        raise EngineError("too_many", f"at most {most} entries, got {len(v)}", where)
    return v


def check_seat_and_round(state: State, seat: str, request: dict[str, Any]) -> None:
    """A seat of this game (or the facilitator), asking about this round (if it says which)."""
    if seat != "facilitator" and seat not in state.seats:
        raise EngineError("unknown_seat", f"there is no seat {seat!r} in this game")
    if "round" in request and request["round"] != state.round:
        raise EngineError(
            "stale",
            f"this command was made in round {request['round']!r}; "
            f"the game is in round {state.round}",
            "round",
        )


def need_phase(state: State, phase: str, what: str) -> None:
    if state.phase != phase:
        raise EngineError(
            "wrong_phase",
            f"{what} is only possible in the {phase} phase "
            f"(now: {state.phase}, round {state.round})",
        )


def deal_ref(state: State, did: Any, where: str) -> Deal:
    """The deal with this id."""
    d = state.deals.get(did) if isinstance(did, str) else None
    if d is None:
        raise EngineError("unknown_deal", f"there is no deal {did!r}", where)
    return d


def party_to(d: Deal, seat: str, where: str) -> None:
    if seat not in d.parties:
        raise EngineError("forbidden", f"you are not a party to {d.id}", where)


def facilitator_only(seat: str, what: str) -> None:
    if seat != "facilitator":
        raise EngineError("forbidden", f"only the facilitator can {what}")


# the bidirectional embeddings, overrides, isolates and marks: text that turns around what
# follows it (another seat's name, a number) in someone else's window
BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)


def plain_text(v: str, where: str) -> str:
    """Text with no control characters (C0, DEL, C1) and no bidirectional controls."""
    for ch in v:
        c = ord(ch)
        if c < 0x20 or 0x7F <= c <= 0x9F or ch in BIDI_CONTROLS:
            raise EngineError(
                "bad_value",
                f"text may not contain control or text-direction characters (U+{c:04X})",
                where,
            )
    return v
