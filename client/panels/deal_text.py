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


def tender_forms(t: dict[str, Any]) -> tuple[str, ...]:
    """A tender's label, then shorter forms of it for a narrow menu (buyer, volume and price
    kept as long as they fit: two tenders of one buyer still read apart)."""
    buyer = str(t.get("buyer") or t["id"]).split(" (")[0]
    vol, price = fmt_value(t.get("volume")), fmt_value(t.get("price"))
    return (
        tender_label(t),
        f"{buyer} · {vol} units, {price} k",
        f"{buyer} · {vol} at {price} k",
        f"{buyer} · {vol} units",
        f"{buyer.split()[0]} · {vol} at {price} k",
    )


def preview_lines(ev: dict[str, Any]) -> list[tuple[str, float]]:
    """A preview's changes: (number, with - without), as the server computed them."""
    delta = ev.get("delta") or {}
    return [(k, float(v)) for k, v in delta.items() if isinstance(v, int | float)]


# a seat's own numbers that are shares (0-1): shown as whole percentages, changed in points
def own_value(name: str, v: float) -> str:
    """One of my numbers as every screen shows it (the dashboard's units)."""
    return fmt_num(v, number_unit(name))


def own_change(name: str, d: float) -> str:
    """A change of one of my numbers in the unit of its value ('+20k', '+2 workers', '+3 pts'),
    or 'same'."""
    text, _colour, word = fmt_delta(d, number_unit(name))
    return "same" if word == "flat" else text


def preview_html_lines(ev: dict[str, Any], indent: str = "") -> list[str]:
    """One line a number: its name, what I get with no deal at all (the standing 'no deal'
    line, from the live state), what I get with the deal, and the change in the same unit."""
    no_deal = ev.get("no_deal") or ev.get("without") or {}
    with_ = ev.get("with") or {}
    lines = []
    for k, v in preview_lines(ev):
        col = "#4cc38a" if v > 0 else ("#ee5d5d" if v < 0 else "#9aa6ba")
        change = own_change(k, v)
        if change == "same":
            col = "#9aa6ba"
        else:  # in words too, not in colour alone
            change += ", up" if v > 0 else ", down"
        base = no_deal.get(k)
        after = with_.get(k)
        if isinstance(base, int | float) and isinstance(after, int | float):
            lines.append(
                f"{indent}{label(k)}: no deal {own_value(k, base)} · with it"
                f" <b>{own_value(k, after)}</b> <font color={col}>({change})</font>"
            )
        else:
            lines.append(f"{indent}{label(k)}: <font color={col}><b>({change})</b></font>")
    return lines


def preview_reason_html(ev: dict[str, Any], indent: str = "") -> str:
    """Why the deal would change none of my numbers, in the server's plain words ('' if it does)."""
    reason = str(ev.get("reason") or "")
    return f"{indent}<font color=#f0a03c>{reason}</font>" if reason else ""


def preview_html(ev: dict[str, Any], title: str, indent: str = "") -> str:
    """A preview for the composer or a proposal's card: the heading (no deal -> with the deal),
    a line a number, and the reason a deal would do nothing."""
    lines = [f"<b>{title}</b>"]
    reason = preview_reason_html(ev, indent)
    if reason:  # first: it says why every line below is the same
        lines.append(reason)
    lines += preview_html_lines(ev, indent)
    return "<br>".join(lines)


def effect_summary(ev: dict[str, Any]) -> str:
    """The few words a list row has room for: the changes of my money numbers, or 'no change'."""
    bits = [
        f"{label(k).lower()} {own_change(k, v)}"
        for k, v in preview_lines(ev)
        if number_unit(k) == "k" and own_change(k, v) != "same"
    ]
    return ", ".join(bits[:2]) if bits else "no change for you"


def no_deal_text(ev: dict[str, Any]) -> str:
    """The standing 'no deal' line: what I get next round with no deal at all."""
    nd = ev.get("no_deal") or ev.get("without") or {}
    keys = [k for k in ("cash", "profit", "workers", "budget", "funds", "wage_floor") if k in nd]
    return "If you sign nothing, next round: " + ", ".join(
        f"{label(k).lower()} {own_value(k, float(nd[k]))}" for k in keys
    )
