"""Deals as a person reads them: one line for the list, a term's value (seats and tenders by name,
shares by party), the number people quote, an open tender's label, and the lines of a preview
(what a deal would do to my numbers): functions of the view and the deal kinds, no widgets."""

from __future__ import annotations

import re
from typing import Any

from district.client.forms import Kinds, kind_title, label, number_unit
from district.client.panels.common import fmt_value, seat_name
from district.client.ui.draw import fmt_delta, fmt_num


def deal_line(view: dict[str, Any], d: dict[str, Any], kinds: Kinds) -> str:
    """One line for the list: status first, then kind, the tender if any, and the other parties."""
    terms = d.get("terms", {})
    title = kind_title(kinds, d.get("kind", "")).split(" (")[0]
    bits = [f"[{d.get('status', '')}] {title}"]
    if terms.get("tender"):
        bits.append(tender_name(view, str(terms["tender"])))
    others = [
        seat_name(view, p).split(" (")[0] for p in d.get("parties", []) if p != view.get("seat")
    ]
    if others:
        bits.append(", ".join(others[:2]) + (f" +{len(others) - 2}" if len(others) > 2 else ""))
    return " · ".join(bits)


def tender_name(view: dict[str, Any], tid: str) -> str:
    t: dict[str, Any] = next((t for t in view.get("tenders", []) if t.get("id") == tid), {})
    return str(t.get("buyer") or tid).split(" (")[0]


def deal_number(did: str) -> str:
    """'deal-12' -> 'deal 12': the number people quote, not the id's spelling."""
    return did.replace("-", " ", 1) if did.startswith("deal-") else did


def term_value(view: dict[str, Any], t: dict[str, Any], v: Any) -> str:
    """A term's value for a person: seats and tenders by name, shares by party."""
    typ = t.get("type")
    if typ == "seat" and isinstance(v, str):
        return seat_name(view, v)
    if typ == "tender" and isinstance(v, str):
        return tender_name(view, v)
    if typ == "shares" and isinstance(v, dict):
        return ", ".join(
            f"{seat_name(view, p).split(' (')[0]} {fmt_num(x, '%')}" for p, x in v.items()
        )
    if isinstance(v, int | float) and _SHARE.search(str(t.get("help", ""))):
        return fmt_num(v, "%")  # a share, a rate or a probability
    if isinstance(v, list):
        return ", ".join(label(str(x)) for x in v) or "none"
    if isinstance(v, str) and typ in ("choice", "operation"):
        return label(v)
    return fmt_value(v)


_SHARE = re.compile(r"\bshare\b|\bprobability\b|\binterest\b")


def tender_label(t: dict[str, Any]) -> str:
    """An open tender for a person: its buyer, volume and price (not its id)."""
    return (
        f"{str(t.get('buyer') or t['id']).split(' (')[0]} · {fmt_value(t.get('volume'))} units "
        f"at up to {fmt_value(t.get('price'))} k"
    )


def preview_lines(ev: dict[str, Any]) -> list[tuple[str, float]]:
    """A preview's changes: (number, with - without), as the server computed them."""
    delta = ev.get("delta") or {}
    return [(k, float(v)) for k, v in delta.items() if isinstance(v, int | float)]


def preview_html_lines(ev: dict[str, Any], indent: str = "") -> list[str]:
    """One line a number: its name, the change with its unit, and the word for it."""
    lines = []
    for k, v in preview_lines(ev):
        col = "#4cc38a" if v > 0 else ("#ee5d5d" if v < 0 else "#9aa6ba")
        word = "up" if v > 0 else ("down" if v < 0 else "same")
        shown = fmt_delta(v, number_unit(k))[0]
        lines.append(f"{indent}{label(k)}: <font color={col}><b>{shown}</b> ({word})</font>")
    return lines
