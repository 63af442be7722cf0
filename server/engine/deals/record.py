"""The deal record: one per proposal or counter, kept for the whole game. Plain data (its terms a
plain dict of the kind's typed terms), hashed and snapshotted with the state."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

OPEN = ("proposed",)
LIVE = ("active",)
FINAL = ("rejected", "countered", "withdrawn", "expired", "failed", "fulfilled", "breached")


@dataclass(slots=True)
class Deal:
    id: str
    kind: str
    parties: list[str]
    proposer: str
    terms: dict[str, Any]
    round_proposed: int
    status: str = "proposed"
    responses: dict[str, str] = field(default_factory=dict)
    counter_of: str = ""
    signed_round: int = 0
    ends_round: int = 0
    drafted_by: str = ""
    forced: bool = False  # signed across a trust gate it did not meet
    gate: float = 0.0
    trust: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    breaches: list[dict[str, Any]] = field(default_factory=list)
    ledger: dict[str, float] = field(
        default_factory=dict
    )  # running amounts (credit outstanding, ...)

    def to_dict(self) -> dict[str, Any]:
        """A plain copy (what `dataclasses.asdict` gives, at a tenth of its cost: views copy
        every deal of a seat, many times a round)."""
        return {name: plain(getattr(self, name)) for name in DEAL_FIELDS}


DEAL_FIELDS = tuple(f.name for f in fields(Deal))


_ATOMS = (str, int, float, bool, type(None))


def plain(x: Any) -> Any:
    """A copy made of plain Python data: dicts, lists, numbers, text (numpy scalars become
    numbers, tuples lists). Views are made of these, many a round, so the common cases go first."""
    t = type(x)
    if t in _ATOMS:
        return x
    if t is dict:
        return {k: v if type(v) in _ATOMS else plain(v) for k, v in x.items()}
    if t is list or t is tuple:
        return [v if type(v) in _ATOMS else plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [plain(v) for v in x]
    return x
