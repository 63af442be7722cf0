"""Terms of a deal kind, declared once as a typed record.

A kind's `Terms` is a frozen dataclass; each field is made by `term(...)`, whose metadata (a
`TermSpec`) gives the term's wire type, help, default, range or choices, and whether it is public
once signed. From that one declaration come the defaults, the generic checks of a proposal's
values (`check_values`) and the schema clients build their composer from (`schema`).

Wire types: float, int, bool, text, choice, factors and conditions (distinct picks from choices),
seat (a firm party), operation, tender (an open one), shares (firm party -> share, summing to 1).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from district.server.engine.errors import EngineError
from district.server.engine.state import State, role_of

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@dataclass(frozen=True, slots=True)
class TermSpec:
    type: str
    help: str
    default: Any = None
    required: bool = False
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    public: bool = False  # shown to everyone once the deal is signed

    def wire(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": self.type,
            "help": self.help,
            "default": list(self.default) if isinstance(self.default, list) else self.default,
            "required": self.required,
        }
        if self.min is not None:
            d["min"] = self.min
        if self.max is not None:
            d["max"] = self.max
        if self.choices is not None:
            d["choices"] = list(self.choices)
        return d


def term(
    type_: str,
    help_: str,
    default: Any = None,
    lo: float | None = None,
    hi: float | None = None,
    choices: Sequence[str] | None = None,
    required: bool = False,
    public: bool = False,
) -> Any:
    """A field of a kind's Terms record, with its TermSpec as metadata."""
    spec = TermSpec(
        type=type_,
        help=help_,
        default=default,
        required=required,
        min=lo,
        max=hi,
        choices=tuple(choices) if choices is not None else None,
        public=public,
    )
    meta = {"term": spec}
    if required:
        return field(metadata=meta)
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@functools.cache
def specs(terms: type[DataclassInstance]) -> dict[str, TermSpec]:
    """Each term's spec, in declaration order."""
    out = {}
    for f in fields(terms):
        spec = f.metadata["term"]
        assert spec.required == (f.default is MISSING and f.default_factory is MISSING), f.name
        out[f.name] = spec
    return out


def schema(terms: type[DataclassInstance]) -> dict[str, dict[str, Any]]:
    """The wire schema of a Terms record: {name: {type, help, default, required, min?, max?,
    choices?}}."""
    return {name: s.wire() for name, s in specs(terms).items()}


def _bad(code: str, msg: str, where: str) -> EngineError:
    return EngineError(code, msg, where)


def check_term(state: State, name: str, spec: TermSpec, v: Any, parties: list[str]) -> Any:
    """One term's value checked against its spec; returns the clean value."""
    w = f"terms.{name}"
    t = spec.type
    if t in ("float", "int"):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise _bad("bad_term", f"expected a number, got {v!r}", w)
        if t == "int" and int(v) != v:
            raise _bad("bad_term", f"expected a whole number, got {v!r}", w)
        lo = spec.min if spec.min is not None else -math.inf
        hi = spec.max if spec.max is not None else math.inf
        if not lo <= v <= hi:
            raise _bad(
                "illegal_term",
                f"{v:g} is outside the allowed range {lo:g} to {hi:g} ({spec.help})",
                w,
            )
        return int(v) if t == "int" else float(v)
    if t == "bool":
        if not isinstance(v, bool):
            raise _bad("bad_term", f"expected true or false, got {v!r}", w)
        return v
    if t == "text":
        if not isinstance(v, str) or not v.strip() or len(v) > 80:
            raise _bad("bad_term", "expected a name of 1 to 80 characters", w)
        return v.strip()
    choices = spec.choices or ()
    if t == "choice":
        if v not in choices:
            raise _bad("illegal_term", f"{v!r} is not one of: {', '.join(choices)}", w)
        return v
    if t in ("factors", "conditions"):
        if (
            not isinstance(v, list)
            or not v
            or any(x not in choices for x in v)
            or len(set(v)) != len(v)
        ):
            raise _bad(
                "illegal_term",
                f"expected a list of distinct items from: {', '.join(choices)}",
                w,
            )
        return list(v)
    if t == "seat":
        if v not in parties or role_of(v) != "firm":
            raise _bad("illegal_term", f"{v!r} must be one of the firm parties", w)
        return v
    if t == "operation":
        ops = state.scenario.operations
        if v not in ops:
            raise _bad("illegal_term", f"unknown operation {v!r} (known: {', '.join(ops)})", w)
        return v
    if t == "tender":
        tender = next((x for x in state.tenders if x.id == v), None)
        if tender is None or tender.status != "open":
            open_ids = [x.id for x in state.tenders if x.status == "open"] or ["none"]
            raise _bad(
                "tender_not_open",
                f"tender {v!r} is not open for bids (open: {', '.join(open_ids)})",
                w,
            )
        return v
    if t == "shares":
        firms = [p for p in parties if role_of(p) == "firm"]
        if not isinstance(v, dict) or set(v) != set(firms):
            raise _bad(
                "illegal_term", f"give a share for each firm party exactly: {', '.join(firms)}", w
            )
        out = {}
        for k, x in v.items():
            if isinstance(x, bool) or not isinstance(x, int | float) or not 0 < x <= 1:
                raise _bad("illegal_term", f"each share is above 0 and at most 1; {k} has {x!r}", w)
            out[k] = float(x)
        if abs(sum(out.values()) - 1.0) > 1e-6:
            raise _bad(
                "illegal_term", f"shares must sum to 1 (they sum to {sum(out.values()):g})", w
            )
        return out
    raise _bad("bad_term", f"unknown term type {t}", w)


def check_values(
    state: State, title: str, terms: type[DataclassInstance], values: Any, parties: list[str]
) -> dict[str, Any]:
    """A proposal's terms checked one by one, in declaration order, missing ones defaulted (a
    required one missing is refused). Returns the clean terms as a plain dict."""
    spec = specs(terms)
    if not isinstance(values, dict):
        raise _bad("bad_value", "terms is a map of term -> value", "terms")
    unknown = set(values) - set(spec)
    if unknown:
        raise _bad(
            "unknown_term",
            f"a {title.lower()} has no term {sorted(unknown)[0]!r} (terms: {', '.join(spec)})",
            f"terms.{sorted(unknown)[0]}",
        )
    out: dict[str, Any] = {}
    for name, s in spec.items():
        if name in values:
            out[name] = check_term(state, name, s, values[name], parties)
        elif s.required:
            raise _bad("missing_term", f"this term is required ({s.help})", f"terms.{name}")
        else:
            out[name] = list(s.default) if isinstance(s.default, list) else s.default
    return out
