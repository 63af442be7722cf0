"""A deal proposal being written: the `Draft` the scene keeps (it survives a rebuild of the form, a
new view, a change of tab and a reconnect), its starting terms from the kind's defaults, who may
be a party, and the draft as a propose/counter command, or the problems found before sending.
No widgets here: the form that edits a draft is client/panels/composer.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from district.client.forms import Kinds, kind_terms, party_rules
from district.client.panels.common import fmt_bound, parse_number

NUMERIC = ("float", "int")
DROPDOWN = ("choice", "operation", "tender", "seat")
MULTI = ("factors", "conditions")


@dataclass
class Draft:
    kind: str
    parties: list[str]
    raw: dict[str, Any] = field(default_factory=dict)
    counter_of: str = ""
    sent_cid: int | None = None
    preview_cid: int | None = None


def eligible_seats(kinds: Kinds, kind: str, view: dict[str, Any]) -> list[str]:
    """Seats that may be parties to a deal of `kind`: of a role the kind takes, firms still alive."""
    rules = party_rules(kinds, kind)
    firms = view.get("firms", [])
    out = []
    for s in view.get("seats", []):
        r = s.get("role")
        if r not in rules or rules[r][1] == 0:
            continue
        if (
            r == "firm"
            and 0 <= s.get("firm", -1) < len(firms)
            and not firms[s["firm"]].get("alive", True)
        ):
            continue
        out.append(str(s["id"]))
    return out


def default_raw(
    kinds: Kinds, kind: str, view: dict[str, Any], parties: list[str]
) -> dict[str, Any]:
    """The draft's starting text for every term: the kind's defaults."""
    spec = kind_terms(kinds, kind)
    raw: dict[str, Any] = {}
    for name, t in spec.items():
        typ = t.get("type")
        d = t.get("default")
        if typ in NUMERIC:
            raw[name] = "" if d is None else fmt_bound(d)
        elif typ == "bool":
            raw[name] = bool(d)
        elif typ in MULTI:
            raw[name] = list(d or [])
        elif typ == "shares":
            raw[name] = {}
        else:
            raw[name] = "" if d is None else str(d)
    tenders = open_tenders(view)
    tender_terms = [n for n, t in spec.items() if t.get("type") == "tender"]
    if tenders and tender_terms and not raw.get(tender_terms[0]):
        raw[tender_terms[0]] = tenders[0]["id"]
        suggest_price(raw, spec, tenders[0])
    return raw


def suggest_price(raw: dict[str, Any], spec: dict[str, Any], tender: dict[str, Any]) -> None:
    """A bid's price term starts a little under the tender's price (the buyer's ceiling)."""
    if "price" in spec and spec["price"].get("type") in NUMERIC and tender.get("price"):
        raw["price"] = fmt_bound(round(float(tender["price"]) * 0.95, 2))


def open_tenders(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in view.get("tenders", []) if t.get("status") == "open"]


def to_command(
    draft: Draft, view: dict[str, Any], kinds: Kinds
) -> tuple[dict[str, Any], dict[str, str]]:
    """The draft as a propose/counter command, or the problems found before sending."""
    spec = kind_terms(kinds, draft.kind)
    terms: dict[str, Any] = {}
    problems: dict[str, str] = {}
    firm_parties = [p for p in draft.parties if p.startswith("firm:")]
    for name, t in spec.items():
        typ = t.get("type")
        raw = draft.raw.get(name)
        if typ in NUMERIC:
            if (raw is None or str(raw).strip() == "") and not t.get("required"):
                continue
            v, err = parse_number(str(raw or ""), t)
            if err:
                problems[name] = err
            else:
                terms[name] = v if typ == "int" else float(v)  # type: ignore[arg-type]
        elif typ == "bool":
            terms[name] = bool(raw)
        elif typ in MULTI:
            if not raw:
                problems[name] = "pick at least one"
            else:
                terms[name] = list(raw)
        elif typ == "shares":
            shares: dict[str, float] = {}
            vals = raw if isinstance(raw, dict) else {}
            for p in firm_parties:
                r = str(vals.get(p, "")).strip()
                if not r:
                    r = fmt_bound(round(1.0 / max(1, len(firm_parties)), 4))
                try:
                    shares[p] = float(r.replace(",", "."))
                except ValueError:
                    problems[name] = f"'{r}' is not a number"
            if shares and not problems.get(name):
                total = sum(shares.values())
                if abs(total - 1.0) > 0.011:
                    problems[name] = f"shares must add up to 1 (now {total:.2f})"
                else:  # absorb rounding so the server's exact check passes
                    last = firm_parties[-1]
                    shares[last] = round(1.0 - sum(v for k, v in shares.items() if k != last), 6)
                    terms[name] = shares
        elif typ == "seat":
            if raw in firm_parties:
                terms[name] = raw
            elif firm_parties and t.get("required"):
                terms[name] = firm_parties[0]
            elif t.get("required"):
                problems[name] = "pick a firm party"
        else:
            if raw in (None, "") and t.get("required"):
                problems[name] = "required"
            elif raw not in (None, ""):
                terms[name] = raw
    rules = party_rules(kinds, draft.kind)
    counts: dict[str, int] = {}
    for p in draft.parties:
        r = p.split(":", 1)[0]
        counts[r] = counts.get(r, 0) + 1
    for r, (lo, hi) in rules.items():
        c = counts.get(r, 0)
        if not lo <= c <= hi:
            need = f"{lo}" if lo == hi else f"{lo} to {hi}"
            problems["parties"] = f"needs {need} {r} part{'y' if hi == 1 else 'ies'} (now {c})"
            break
    if draft.counter_of:
        cmd = {"type": "counter", "deal": draft.counter_of, "terms": terms}
    else:
        cmd = {
            "type": "propose",
            "kind": draft.kind,
            "parties": list(draft.parties),
            "terms": terms,
        }
    return cmd, problems
