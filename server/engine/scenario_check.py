"""The checker a scenario is validated with: it collects every problem, each with its place in
the file and what was expected, instead of stopping at the first one, e.g.
``firms[3].capabilities: unknown operation 'weldng' (known: design, machining, ...)``.
"""

from __future__ import annotations

from typing import Any


class Checker:
    """Collects problems instead of stopping at the first one."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, path: str, msg: str) -> None:
        self.problems.append(f"{path}: {msg}")

    def keys(self, table: dict[str, Any], path: str, known: list[str]) -> None:
        for k in table:
            if k not in known:
                self.bad(
                    f"{path}.{k}" if path else k,
                    f"unknown key '{k}' (known: {', '.join(sorted(known))})",
                )

    def table(
        self, parent: dict[str, Any], key: str, path: str, required: bool = False
    ) -> dict[str, Any]:
        v = parent.get(key)
        if v is None:
            if required:
                self.bad(path, "missing table")
            return {}
        if not isinstance(v, dict):
            self.bad(path, f"expected a table, got {type(v).__name__}")
            return {}
        return v

    def tables(self, parent: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
        v = parent.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            self.bad(path, "expected an array of tables ([[" + key + "]])")
            return []
        return v

    def num(
        self,
        t: dict[str, Any],
        key: str,
        path: str,
        default: float | None,
        lo: float = -1e18,
        hi: float = 1e18,
        integer: bool = False,
    ) -> float:
        if key not in t:
            if default is None:
                self.bad(f"{path}.{key}", "missing (a number is required)")
                return lo if lo > -1e18 else 0.0
            return default
        v = t[key]
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.bad(f"{path}.{key}", f"expected a number, got {v!r}")
            return default if default is not None else 0.0
        if integer and int(v) != v:
            self.bad(f"{path}.{key}", f"expected a whole number, got {v!r}")
        if not (lo <= v <= hi):
            self.bad(f"{path}.{key}", f"{v!r} is out of range (expected {lo:g} to {hi:g})")
            return min(max(float(v), lo), hi)
        return float(v)

    def text(
        self,
        t: dict[str, Any],
        key: str,
        path: str,
        default: str | None = None,
        choices: list[str] | None = None,
    ) -> str:
        if key not in t:
            if default is None:
                self.bad(f"{path}.{key}", "missing (text is required)")
                return ""
            return default
        v = t[key]
        if not isinstance(v, str):
            self.bad(f"{path}.{key}", f"expected text, got {v!r}")
            return default or ""
        if choices is not None and v not in choices:
            self.bad(f"{path}.{key}", f"'{v}' is not one of: {', '.join(choices)}")
            return choices[0]
        return v

    def texts(self, t: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        v = t.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            self.bad(f"{path}.{key}", "expected a list of text")
            return ()
        return tuple(v)

    def range_(
        self,
        t: dict[str, Any],
        key: str,
        path: str,
        default: tuple[float, float],
        lo: float = 0.0,
        hi: float = 1e9,
    ) -> tuple[float, float]:
        if key not in t:
            return default
        v = t[key]
        if isinstance(v, int | float) and not isinstance(v, bool):
            v = [v, v]
        if (
            not isinstance(v, list)
            or len(v) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
        ):
            self.bad(f"{path}.{key}", f"expected [low, high] numbers, got {v!r}")
            return default
        a, b = float(v[0]), float(v[1])
        if a > b:
            self.bad(f"{path}.{key}", f"low {a:g} is above high {b:g}")
        if a < lo or b > hi:
            self.bad(
                f"{path}.{key}",
                f"[{a:g}, {b:g}] is out of range (expected within {lo:g} to {hi:g})",
            )
        return (a, b)

    def levels(
        self, t: dict[str, Any], key: str, path: str, known: list[str], what: str
    ) -> dict[str, float]:
        v = t.get(key, {})
        if not isinstance(v, dict):
            self.bad(f"{path}.{key}", f"expected a table of {what} = level (0-1)")
            return {}
        out: dict[str, float] = {}
        for k, _x in v.items():
            if k not in known:
                self.bad(f"{path}.{key}", f"unknown {what} '{k}' (known: {', '.join(known)})")
                continue
            out[k] = self.num(v, k, f"{path}.{key}", None, 0.0, 1.0)
        return out
