"""Money flows between actors, as the engine moves money: one line `record(state, kind, src, dst,
amount)` where a levy, a loan, a repayment, interest, a grant, a fee, a fine, back pay, dues, a
penalty or a subsidy is paid. The debrief reads them (server/debrief/model.py).

An actor is a seat id (a seat firm, the union, the government, a broker), "government", "union",
"world" (everyone outside the district) or "background firms" (the seat-less workshops, summed).
Flows are kept in the state's derived cache, which is neither hashed nor snapshotted, and only
when asked for (`Game(..., flows=True)`, or `start(state)`): recording them changes no game, a live
session pays nothing for them, and a game replayed from its log records them all again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from district.server.engine.state import State

WORLD = "world"
GOVERNMENT = "government"
UNION = "union"
BACKGROUND = "background firms"

Flow = tuple[int, str, str, str, float]  # round, kind, from, to, amount (k)


def record(state: State, kind: str, src: Any, dst: Any, amount: Any) -> None:
    """`amount` (k) moves from `src` to `dst`. A firm may be given by its index, and a group of
    firms by an array of indices or a boolean mask with `amount` an array of the same length (or
    one number for each): seat firms are recorded one by one, the rest summed as background
    firms. Amounts of zero are not recorded."""
    out: list[Flow] | None = state.cache.get("flows")
    if out is None:
        return
    r = state.round
    for a, b, x in _pairs(state, src, dst, amount):
        if x > 1e-9:
            out.append((r, kind, a, b, round(x, 6)))
        elif x < -1e-9:
            out.append((r, kind, b, a, round(-x, 6)))


def start(state: State) -> None:
    """Record this state's flows from now on."""
    state.cache.setdefault("flows", [])


def flows(state: State) -> list[Flow]:
    """Every flow recorded on this state since it was built (or restored)."""
    return list(state.cache.get("flows", ()))


def _firm_side(state: State, side: Any, amount: Any) -> list[tuple[str, float]] | None:
    """A firm side as [(actor, amount)], or None if `side` names an actor."""
    if isinstance(side, str):
        return None
    seat_of = _seat_of(state)
    if isinstance(side, int | np.integer):
        return [(seat_of.get(int(side), BACKGROUND), float(np.sum(amount)))]
    idx = np.asarray(side)
    if idx.dtype == bool:
        idx = np.flatnonzero(idx)
    amt = np.broadcast_to(np.asarray(amount, dtype=float), idx.shape) if idx.size else idx
    if len(amt) != len(idx):  # one amount per firm of a mask given whole
        amt = np.asarray(amount, dtype=float)[idx]
    out: list[tuple[str, float]] = []
    bg = 0.0
    for i, x in zip(idx.tolist(), np.asarray(amt, dtype=float).tolist(), strict=True):
        s = seat_of.get(i)
        if s is None:
            bg += x
        else:
            out.append((s, x))
    if bg:
        out.append((BACKGROUND, bg))
    return out


def _pairs(state: State, src: Any, dst: Any, amount: Any) -> Iterable[tuple[str, str, float]]:
    a = _firm_side(state, src, amount)
    b = _firm_side(state, dst, amount)
    if a is None and b is None:
        return [(str(src), str(dst), float(np.sum(amount)))]
    if a is not None and b is None:
        return [(s, str(dst), x) for s, x in a]
    if a is None and b is not None:
        return [(str(src), s, x) for s, x in b]
    # firm to firm: the same amount each (a payment between two named firms)
    assert a is not None and b is not None
    return [(sa, sb, x) for (sa, x), (sb, _y) in zip(a, b, strict=False)]


def _seat_of(state: State) -> dict[int, str]:
    hit = state.cache.get("flows_seats")
    if hit is None:
        hit = state.seat_of_firm()
        state.cache["flows_seats"] = hit
    return hit
