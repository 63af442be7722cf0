"""The codec: a message encoded as msgpack, and a client frame decoded strictly within the limits
(one msgpack map, no binary or extension values, string keys only, no duplicates, finite floats,
not too deep or too big), then checked against its schema (`read_message`)."""

from __future__ import annotations

import math
from typing import Any

import msgpack
from district.server.protocol.errors import ProtocolError
from district.server.protocol.limits import MAX_ARRAY, MAX_DEPTH, MAX_FRAME, MAX_MAP, MAX_STR
from district.server.protocol.messages import check_message


def plain_default(obj: Any) -> Any:
    """Turn the few non-msgpack types that may appear in views and stored entries (numpy scalars
    and arrays, sets) into plain data."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, set | frozenset):
        return sorted(obj, key=str)
    raise TypeError(f"cannot send a {type(obj).__name__}")


def encode(msg: dict[str, Any]) -> bytes:
    return msgpack.packb(msg, use_bin_type=True, default=plain_default)


def _no_ext(code: int, data: bytes) -> Any:
    raise ValueError(f"extension type {code} is not allowed")


def _pairs(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    if len(pairs) > MAX_MAP:
        raise _Limit(f"a map has {len(pairs)} keys (at most {MAX_MAP})")
    d: dict[Any, Any] = {}
    for k, v in pairs:
        if not isinstance(k, str):
            raise ValueError(f"map keys must be strings, got {type(k).__name__}")
        if k in d:
            raise ValueError(f"duplicate map key {k[:40]!r}")
        d[k] = v
    return d


class _Limit(ValueError):
    pass


_FLAT = frozenset((bool, int))  # values with no limit but the depth


def _check_value(v: Any, where: str, depth: int) -> None:
    """ProtocolError naming where the first value over the limits is. The walk builds no path
    while all is well (most frames): the path is made only for the value that fails."""
    bad = _first_bad(v, depth)
    if bad is None:
        return
    path, code, text = bad
    for step in reversed(path):
        if isinstance(step, int):
            where = f"{where}[{step}]"
        else:
            where = f"{where}.{step[:40]}" if where else step[:40]
    raise ProtocolError(code, text, where)


def _first_bad(v: Any, depth: int) -> tuple[list[str | int], str, str] | None:
    """(the path from v to the first value over the limits, innermost first; code; message)."""
    if depth > MAX_DEPTH:
        return [], "bad_frame", f"nested more than {MAX_DEPTH} levels deep"
    if isinstance(v, str):
        if len(v) > MAX_STR:
            return [], "too_large", f"a string of {len(v)} characters (at most {MAX_STR})"
    elif isinstance(v, float):
        if not math.isfinite(v):
            return [], "bad_frame", f"{v} is not a finite number"
    elif isinstance(v, dict):
        shallow = depth < MAX_DEPTH  # the values inside are within the depth limit
        for k, x in v.items():
            if shallow and (x is None or type(x) in _FLAT):  # nothing to check in these
                continue
            bad = _first_bad(x, depth + 1)
            if bad is not None:
                bad[0].append(k)
                return bad
    elif isinstance(v, list):
        shallow = depth < MAX_DEPTH
        for i, x in enumerate(v):
            if shallow and (x is None or type(x) in _FLAT):
                continue
            bad = _first_bad(x, depth + 1)
            if bad is not None:
                bad[0].append(i)
                return bad
    elif isinstance(v, bytes | bytearray):
        return [], "bad_frame", "binary values are not allowed (send text as a string)"
    elif v is None or isinstance(v, bool | int):
        pass
    else:  # pragma: no cover - msgpack produces nothing else with these options
        return [], "bad_frame", f"a value of type {type(v).__name__}"
    return None


def decode(frame: bytes | str) -> dict[str, Any]:
    """One client frame -> a message map, or ProtocolError (bad_frame, too_large). Never anything else."""
    if isinstance(frame, str):
        raise ProtocolError(
            "bad_frame", "text frames are not accepted; send one msgpack map in a binary frame"
        )
    if len(frame) > MAX_FRAME:
        raise ProtocolError("too_large", f"a frame of {len(frame)} bytes (at most {MAX_FRAME})")
    try:
        msg = msgpack.unpackb(
            frame,
            raw=False,
            use_list=True,
            strict_map_key=True,
            object_pairs_hook=_pairs,
            ext_hook=_no_ext,
            max_str_len=MAX_FRAME,
            max_bin_len=MAX_FRAME,
            max_array_len=MAX_ARRAY,
            max_map_len=MAX_MAP,
            max_ext_len=MAX_FRAME,
            timestamp=0,
        )
    except _Limit as e:
        raise ProtocolError("too_large", str(e)) from None
    except ValueError as e:
        text = str(e)
        if "exceeds max" in text:
            raise ProtocolError(
                "too_large", f"a string, array or map is over its limit ({text})"
            ) from None
        raise ProtocolError(
            "bad_frame", f"not one well-formed msgpack value ({text or type(e).__name__})"
        ) from None
    except Exception as e:  # msgpack raises a handful of types; none may escape
        raise ProtocolError(
            "bad_frame", f"not one well-formed msgpack value ({type(e).__name__})"
        ) from None
    if not isinstance(msg, dict):
        raise ProtocolError("bad_frame", f"a frame must hold a map, got {type(msg).__name__}")
    _check_value(msg, "", 1)
    return msg


def read_message(frame: bytes | str) -> dict[str, Any]:
    """decode + check_message: a frame from a client -> a valid message, or ProtocolError."""
    return check_message(decode(frame))
