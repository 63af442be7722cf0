"""A state as a whole value: a deep copy (previews, 'what if' branches), a hash of everything that
can change during a game, and snapshots that restore to an identical state (same hash)."""

from __future__ import annotations

import copy
import hashlib
import pickle
import struct
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np
from district.server.engine.state import State


def copy_state(state: State) -> State:
    """A deep copy, for previews and 'what if' branches (the scenario is shared, it is immutable)."""
    memo = {id(state.scenario): state.scenario}
    return copy.deepcopy(state, memo)


def _feed(h: Any, obj: Any) -> None:
    if isinstance(obj, np.ndarray):
        h.update(f"nd{obj.dtype.str}{obj.shape}".encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, bool | np.bool_):
        h.update(b"T" if obj else b"F")
    elif isinstance(obj, int | np.integer):
        h.update(b"i" + str(int(obj)).encode())
    elif isinstance(obj, float | np.floating):
        h.update(b"f" + struct.pack("<d", float(obj)))
    elif isinstance(obj, str):
        h.update(b"s" + obj.encode() + b"\0")
    elif obj is None:
        h.update(b"N")
    elif isinstance(obj, dict):
        h.update(b"{")
        for k in sorted(obj, key=str):
            _feed(h, str(k))
            _feed(h, obj[k])
        h.update(b"}")
    elif isinstance(obj, list | tuple):
        h.update(b"[")
        for x in obj:
            _feed(h, x)
        h.update(b"]")
    elif isinstance(obj, set | frozenset):
        _feed(h, sorted(obj, key=str))
    elif isinstance(obj, np.random.Generator):
        _feed(h, obj.bit_generator.state)
    elif is_dataclass(obj):
        h.update(type(obj).__name__.encode())
        for fl in fields(obj):
            _feed(h, fl.name)
            _feed(h, getattr(obj, fl.name))
    else:
        raise TypeError(f"cannot hash {type(obj).__name__}")


def state_hash(state: State) -> str:
    """A hash of everything that can change during a game (not the immutable scenario)."""
    h = hashlib.sha256()
    for fl in fields(state):
        if fl.name in ("scenario", "params", "cache"):
            continue
        _feed(h, fl.name)
        _feed(h, getattr(state, fl.name))
    return h.hexdigest()[:16]


def snapshot(state: State) -> bytes:
    """Bytes that `restore` turns back into an identical state (same hash). Trusted storage only."""
    return pickle.dumps(state, protocol=5)


def restore(data: bytes) -> State:
    return pickle.loads(data)
