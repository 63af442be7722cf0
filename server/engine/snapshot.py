"""A state as a whole value: a deep copy (previews, 'what if' branches), a hash of everything that
can change during a game, and snapshots that restore to an identical state (same hash).

A snapshot is data, not code: msgpack with a few typed extensions (numpy arrays as dtype, shape and
bytes; tuples; sets; the engine's own dataclasses by name, from a fixed list; the random generator's
state). Restoring one builds only those types, so whoever can write the database cannot make the
server run anything (pickle could). The scenario is not in it: `restore` is given it."""

from __future__ import annotations

import copy
import hashlib
import struct
import sys
from dataclasses import fields, is_dataclass
from functools import cache
from typing import Any

import msgpack
import numpy as np
from district.server.engine.scenario import Scenario
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


# msgpack extension codes of a snapshot
_ARRAY, _TUPLE, _SET, _FROZENSET, _OBJECT, _GENERATOR, _SCALAR, _BIGINT = range(1, 9)
_NOT_SNAPSHOTTED = ("scenario", "params", "cache")  # given back by `restore` (cache: derived)
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
FORMAT = 1


class SnapshotError(ValueError):
    """The bytes are not a snapshot this engine can restore (damaged, or of another format)."""


@cache
def _dataclasses() -> dict[str, type]:
    """The engine's dataclasses by name: the only objects a snapshot can make."""
    out: dict[str, type] = {}
    for name, mod in list(sys.modules.items()):
        if not name.startswith("district.server.engine") or mod is None:
            continue
        for obj in vars(mod).values():
            if isinstance(obj, type) and is_dataclass(obj) and obj.__module__ == name:
                out[f"{obj.__module__}:{obj.__qualname__}"] = obj
    return out


def _pack(obj: Any) -> bytes:
    return msgpack.packb(obj, use_bin_type=True, default=_default, strict_types=True)


def _default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            raise TypeError("a snapshot cannot hold an array of objects")
        data = np.ascontiguousarray(obj)
        return msgpack.ExtType(_ARRAY, _pack([obj.dtype.str, list(obj.shape), data.tobytes()]))
    if isinstance(obj, np.generic):
        return msgpack.ExtType(_SCALAR, _pack([obj.dtype.str, obj.tobytes()]))
    if isinstance(obj, tuple):
        return msgpack.ExtType(_TUPLE, _pack(list(obj)))
    if isinstance(obj, frozenset):
        return msgpack.ExtType(_FROZENSET, _pack(list(obj)))
    if isinstance(obj, set):
        return msgpack.ExtType(_SET, _pack(list(obj)))
    if isinstance(obj, np.random.Generator):
        bg = obj.bit_generator
        return msgpack.ExtType(_GENERATOR, _pack([type(bg).__name__, _big(bg.state)]))
    if is_dataclass(obj) and not isinstance(obj, type):
        key = f"{type(obj).__module__}:{type(obj).__qualname__}"
        if _dataclasses().get(key) is not type(obj):
            raise TypeError(f"a snapshot cannot hold a {key}")
        values = {f.name: getattr(obj, f.name) for f in fields(obj)}
        return msgpack.ExtType(_OBJECT, _pack([key, values]))
    if type(obj) in (bool, int, float, str, bytes, list, dict) or obj is None:
        return obj  # a subclass (strict_types): stored as its base type
    raise TypeError(f"a snapshot cannot hold a {type(obj).__name__}")


def _big(x: Any) -> Any:
    """Integers beyond 64 bits (a generator's state) as extensions."""
    if isinstance(x, dict):
        return {k: _big(v) for k, v in x.items()}
    if type(x) is int and not -(2**63) <= x < 2**64:
        return msgpack.ExtType(_BIGINT, str(x).encode())
    return x


def _unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext, use_list=True)


def _ext(code: int, data: bytes) -> Any:
    if code == _BIGINT:
        return int(data.decode())
    v = _unpack(data)
    if code == _ARRAY:
        dtype, shape, raw = v
        dt = np.dtype(dtype)
        if dt.hasobject:
            raise SnapshotError("an array of objects")
        return np.frombuffer(raw, dtype=dt).reshape(shape).copy()
    if code == _SCALAR:
        dtype, raw = v
        dt = np.dtype(dtype)
        if dt.hasobject:
            raise SnapshotError("a scalar object")
        return np.frombuffer(raw, dtype=dt)[0]
    if code == _TUPLE:
        return tuple(v)
    if code == _SET:
        return set(v)
    if code == _FROZENSET:
        return frozenset(v)
    if code == _GENERATOR:
        name, st = v
        if name not in _BIT_GENERATORS:
            raise SnapshotError(f"unknown random generator {name!r}")
        bg = getattr(np.random, name)()
        bg.state = st
        return np.random.Generator(bg)
    if code == _OBJECT:
        key, values = v
        cls = _dataclasses().get(key)
        if cls is None:
            raise SnapshotError(f"unknown object type {key!r}")
        obj: Any = object.__new__(cls)
        names = {f.name for f in fields(cls)}
        if set(values) != names:
            raise SnapshotError(f"{key} has fields {sorted(values)}, expected {sorted(names)}")
        for k, x in values.items():
            object.__setattr__(obj, k, x)
        return obj
    raise SnapshotError(f"unknown extension {code}")


def to_data(obj: Any) -> bytes:
    """Any value of engine types (dicts, lists, numbers, arrays, the engine's dataclasses) as
    snapshot bytes (`from_data` gives it back)."""
    return _pack(obj)


def from_data(data: bytes) -> Any:
    """A value packed by `to_data`. Raises SnapshotError if the bytes are not one."""
    try:
        return _unpack(data)
    except SnapshotError:
        raise
    except Exception as e:
        raise SnapshotError(f"not a snapshot ({type(e).__name__}: {e})") from None


def snapshot(state: State) -> bytes:
    """Bytes that `restore` turns back into an identical state (same hash); the scenario, its
    parameters and the derived cache are left out."""
    values = {
        f.name: getattr(state, f.name) for f in fields(state) if f.name not in _NOT_SNAPSHOTTED
    }
    return _pack({"format": FORMAT, "state": values})


def restore(data: bytes, scenario: Scenario) -> State:
    """The state a `snapshot` was made of, played in `scenario`. Raises SnapshotError if the bytes
    are not a snapshot of this format."""
    d = from_data(data)
    if not isinstance(d, dict) or d.get("format") != FORMAT or not isinstance(d.get("state"), dict):
        raise SnapshotError("not a snapshot of this format")
    values = d["state"]
    names = {f.name for f in fields(State)} - set(_NOT_SNAPSHOTTED)
    if set(values) != names:
        raise SnapshotError(f"the snapshot's state fields differ: {sorted(set(values) ^ names)}")
    return State(scenario=scenario, params=scenario.params, cache={}, **values)
