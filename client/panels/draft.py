"""A deal proposal being written: the `Draft` the scene keeps (it survives a rebuild of the form, a
new view, a change of tab and a reconnect), its starting terms from the kind's defaults, who may
be a party, and the draft as a propose/counter command, or the problems found before sending.
No widgets here: the form that edits a draft is client/panels/composer.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from district.client.forms import (
    Field,
    Kinds,
    fmt_form,
    form_terms,
    kind_terms,
    kind_title,
    party_rules,
    to_form,
    to_wire,
    with_unit,
)
from district.client.panels.common import fmt_bound, fmt_limit, parse_number, seat_name

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


def _role(seat: str) -> str:
    return seat.split(":", 1)[0]


def _firm_of(view: dict[str, Any], seat: str) -> dict[str, Any] | None:
    firms = view.get("firms", [])
    for s in view.get("seats", []):
        if s.get("id") == seat and s.get("role") == "firm":
            fi = s.get("firm", -1)
            return firms[fi] if isinstance(fi, int) and 0 <= fi < len(firms) else None
    return None


def operations_of(view: dict[str, Any], seat: str) -> list[str]:
    """Operations the view says `seat`'s firm does well enough to be farmed work (a capability of
    at least 0.2 where the view knows the number: mine, or one my networks or brokers told me;
    otherwise the public list), the best first."""
    me = view.get("me") or {}
    f = _firm_of(view, seat)
    if f is None:
        return []
    known: dict[str, Any] | None = None
    if seat == view.get("seat") and isinstance(me.get("capabilities"), dict):
        known = me["capabilities"]
    elif isinstance(me.get("known_capabilities"), dict):
        known = me["known_capabilities"].get(str(f.get("id")))
    if known:
        return [op for op, c in sorted(known.items(), key=lambda kv: -kv[1]) if c >= 0.2]
    return list(f.get("operations", []))


def _cash(view: dict[str, Any], seat: str) -> float | None:
    """What `seat` could pay now, as far as the view tells (only my own firm's cash is known)."""
    me = view.get("me") or {}
    if seat != view.get("seat") or "cash" not in me:
        return None
    return float(me.get("cash") or 0.0) + 0.5 * max(float(me.get("revenue") or 0.0), 0.0)


def _plural(role: str, n: int) -> str:
    names = {"firm": "firms", "union": "union", "government": "government", "broker": "brokers"}
    if n == 1:
        return {"firm": "firm", "broker": "broker"}.get(role, role)
    return names.get(role, role + "s")


def i_am_party(kinds: Kinds, kind: str, me: str) -> bool:
    """Whether the proposer is a party: always, except a broker drafting a kind it need not sign."""
    rules = party_rules(kinds, kind)
    r = _role(me)
    if r != "broker":
        return True
    return rules.get("broker", (0, 0))[0] > 0


def why_not(kinds: Kinds, kind: str, view: dict[str, Any], me: str) -> str:
    """In plain words, why a deal of `kind` cannot be proposed now by `me` ("" if it can)."""
    spec = kind_terms(kinds, kind)
    title = kind_title(kinds, kind)
    rules = party_rules(kinds, kind)
    r = _role(me)
    if r not in rules and r != "broker":
        return f"A {title.lower()} has no place for a {r}."
    needs_tender = any(t.get("type") == "tender" and t.get("required") for t in spec.values())
    if needs_tender and not open_tenders(view):
        return (
            f"No tender is open this round, so there is nothing to make a {title.lower()} for. "
            "Watch the tenders board: new ones open in later rounds."
        )
    mine = i_am_party(kinds, kind, me)
    for role, (lo, _hi) in rules.items():
        need = lo - (1 if mine and role == r else 0)
        if need <= 0:
            continue
        others = [s for s in eligible_seats(kinds, kind, view) if _role(s) == role and s != me]
        if len(others) < need:
            who = "nobody plays it" if not others else f"only {len(others)} can"
            return (
                f"A {title.lower()} needs {lo} {_plural(role, lo)} as parties; in this game {who}."
            )
    if r == "broker":
        hours = (view.get("me") or {}).get("hours")
        cost = (view.get("me") or {}).get("draft_hours")
        if isinstance(hours, int | float) and isinstance(cost, int | float) and hours < cost:
            return f"Drafting a deal takes {cost:g} hours and you have {hours:g} this round."
    if kind == "subcontract" and not default_parties(kinds, kind, view, me)[1:]:
        return "No other firm with a player does an operation that could be farmed out."
    return ""


def default_parties(kinds: Kinds, kind: str, view: dict[str, Any], me: str) -> list[str]:
    """The fewest parties the kind needs, starting with me: other seats that are alive and not me
    (for a subcontract, a supplier that does an operation)."""
    rules = party_rules(kinds, kind)
    parties = [me] if me and i_am_party(kinds, kind, me) else []
    pool = [s for s in eligible_seats(kinds, kind, view) if s != me]
    if kind == "subcontract" or any(
        t.get("type") == "operation" for t in kind_terms(kinds, kind).values()
    ):
        pool.sort(key=lambda s: not operations_of(view, s))  # suppliers that do something first
    for role, (lo, _hi) in rules.items():
        have = sum(1 for p in parties if _role(p) == role)
        for s in pool:
            if have >= lo:
                break
            if _role(s) == role and s not in parties:
                parties.append(s)
                have += 1
    # someone must engage a broker, and a proposal needs someone to answer it
    if (
        kind == "broker_engagement" and not any(_role(p) in ("firm", "government") for p in parties)
    ) or (
        len(parties) == 1
        and parties[0] == me
        and not me.startswith("broker:")
        and rules.get(_role(me), (0, 0))[0] == 0
    ):
        extra = next((s for s in pool if _role(s) in ("firm", "government")), None)
        if extra:
            parties.append(extra)
    return parties


def default_raw(
    kinds: Kinds, kind: str, view: dict[str, Any], parties: list[str]
) -> dict[str, Any]:
    """The draft's starting text for every term: the kind's defaults, made sendable as far as the
    view tells: an open tender and a price under its ceiling, seat terms on different parties
    (the buyer me), an operation the supplier does, amounts the payer can afford. Numbers are
    in the form's units (forms.term_field): a levy rate of 0.02 reads '2' (%)."""
    spec = form_terms(kinds, kind)
    raw: dict[str, Any] = {}
    for name, t in spec.items():
        typ = t.get("type")
        d = t.get("default")
        if typ in NUMERIC:
            raw[name] = "" if d is None else fmt_form(t, d)
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
    firms = [p for p in parties if p.startswith("firm:")]
    me = str(view.get("seat", ""))
    if me in firms:  # I come first: the lead, the buyer
        firms.remove(me)
        firms.insert(0, me)
    for k, name in enumerate(n for n, t in spec.items() if t.get("type") == "seat"):
        if firms:
            raw[name] = firms[k % len(firms)]
    if "supplier" in spec and "buyer" in spec and raw.get("supplier") == raw.get("buyer"):
        raw["supplier"] = ""
    ops = [n for n, t in spec.items() if t.get("type") == "operation"]
    if ops:
        supplier = str(raw.get("supplier") or (firms[-1] if firms else ""))
        theirs = operations_of(view, supplier)
        buyer = str(raw.get("buyer") or "")
        mine = set(operations_of(view, buyer)) if buyer else set()
        # what the supplier does and the buyer does not do first: the point of farming out
        best = sorted(theirs, key=lambda op: op in mine)
        if best:
            raw[ops[0]] = best[0]
    _afford(raw, spec, view, kind, parties)
    return raw


def _set(raw: dict[str, Any], spec: dict[str, Any], name: str, v: float) -> None:
    t = spec.get(name) or {}
    lo = t.get("min")
    if isinstance(lo, int | float):
        v = max(v, float(lo))
    raw[name] = fmt_form(t, int(v) if t.get("whole") else round(v, 2))


def _num(raw: dict[str, Any], name: str, default: float = 0.0) -> float:
    try:
        return float(str(raw.get(name, "")).replace(",", "."))
    except ValueError:
        return default


def _afford(
    raw: dict[str, Any], spec: dict[str, Any], view: dict[str, Any], kind: str, parties: list[str]
) -> None:
    """Amounts within what the payer can afford as far as the view tells; modest where it does not
    (another firm's cash is private)."""
    me = view.get("me") or {}
    if "volume" in spec and "unit_price" in spec and "buyer" in raw:
        supplier = _firm_of(view, str(raw.get("supplier", "")))
        if supplier is not None and supplier.get("workers"):
            cap = 0.5 * float(supplier["workers"])  # the least a firm's workers make a round
            if _num(raw, "volume") > cap:
                _set(raw, spec, "volume", max(1, int(cap)))
        cash = _cash(view, str(raw["buyer"]))
        budget = 0.6 * cash if cash is not None else 10.0  # another firm's cash: modest
        assistance = _num(raw, "assistance")
        budget = max(0.0, budget - assistance)
        vol, price = _num(raw, "volume", 1.0), _num(raw, "unit_price", 1.0)
        if vol * price > budget:
            vol = max(1.0, min(vol, float(int(budget / max(price, 0.01)))))
            _set(raw, spec, "volume", vol)
            if vol * price > budget:
                _set(raw, spec, "unit_price", max(0.01, int(budget / vol * 100) / 100))
    gov = me.get("budget") if view.get("role") == "government" else None
    if "amount" in spec:
        cap_amount = float(gov) if isinstance(gov, int | float) else None
        rounds_name = "phase_out" if "phase_out" in spec else ""
        n = max(1.0, _num(raw, rounds_name, 1.0)) if rounds_name else 1.0
        if cap_amount is not None and _num(raw, "amount") * n > 0.8 * cap_amount:
            _set(raw, spec, "amount", max(0.0, int(0.8 * cap_amount / n)))
    if "min_firms" in spec:
        firms = sum(1 for p in parties if p.startswith("firm:"))
        if firms and _num(raw, "min_firms") > firms:
            _set(raw, spec, "min_firms", firms)


def even_shares(firms: list[str]) -> dict[str, str]:
    """Each firm's share of a joint bid, in whole percent adding up to 100 (the last takes the
    rest): 33, 33, 34."""
    n = max(1, len(firms))
    out = {p: str(100 // n) for p in firms}
    if firms:
        out[firms[-1]] = str(100 - (100 // n) * (len(firms) - 1))
    return out


def in_units(t: Field, err: str) -> str:
    """A local problem with a bound ('at most 10') said with the field's unit ('at most 10%')."""
    if err.startswith(("at least ", "at most ")) and t.get("unit"):
        head, _sp, num = err.rpartition(" ")
        return f"{head} {with_unit(t, num)}"
    return err


def form_range_hint(t: Field) -> str:
    """The bounds of a term in the form's units, for the hint beside it: '0 – 10%', 'from 45k',
    '1 – 12' ('' when it has none); counts whole."""
    lo, hi = t.get("min"), t.get("max")
    whole = bool(t.get("whole"))
    big = 1e5 * float(t.get("scale") or 1)
    if t.get("type") == "shares":
        return "total 100%"
    if lo is not None and (hi is None or float(hi) >= big):
        return f"from {with_unit(t, fmt_limit(lo, 'min', whole))}"
    if hi is not None and lo is None:
        return f"up to {with_unit(t, fmt_limit(hi, 'max', whole))}"
    if lo is None or hi is None:
        return with_unit(t, "").strip()
    return f"{fmt_limit(lo, 'min', whole)} – {with_unit(t, fmt_limit(hi, 'max', whole))}"


def raw_from_terms(kinds: Kinds, kind: str, terms: dict[str, Any]) -> dict[str, Any]:
    """A deal's wire terms as a draft's text in the form's units (to counter it)."""
    spec = form_terms(kinds, kind)
    raw: dict[str, Any] = {}
    for k, v in terms.items():
        t = spec.get(k, {})
        typ = t.get("type")
        if typ in NUMERIC and isinstance(v, int | float):
            raw[k] = fmt_form(t, to_form(t, v))
        elif typ == "shares" and isinstance(v, dict):
            raw[k] = {p: f"{float(x) * 100:.0f}" for p, x in v.items()}
        else:
            raw[k] = v
    return raw


def suggest_price(raw: dict[str, Any], spec: dict[str, Any], tender: dict[str, Any]) -> None:
    """A bid's price term starts a little under the tender's price (the buyer's ceiling)."""
    if "price" in spec and spec["price"].get("type") in NUMERIC and tender.get("price"):
        raw["price"] = fmt_bound(round(float(tender["price"]) * 0.95, 2))


def humanize(text: str, view: dict[str, Any]) -> str:
    """A message with the view's seat ids ('firm:meccanica-ferri') replaced by their names."""
    ids = sorted((str(x.get("id", "")) for x in view.get("seats", [])), key=len, reverse=True)
    for sid in ids:
        if sid and ":" in sid and sid in text:
            name = seat_name(view, sid)
            text = text.replace(f"'{sid}'", name).replace(sid, name)
    return text


def open_tenders(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in view.get("tenders", []) if t.get("status") == "open"]


def to_command(
    draft: Draft, view: dict[str, Any], kinds: Kinds
) -> tuple[dict[str, Any], dict[str, str]]:
    """The draft as a propose/counter command, or the problems found before sending."""
    spec = form_terms(kinds, draft.kind)
    terms: dict[str, Any] = {}
    problems: dict[str, str] = {}
    firm_parties = [p for p in draft.parties if p.startswith("firm:")]
    for name, t in spec.items():
        typ = t.get("type")
        raw = draft.raw.get(name)
        if typ in NUMERIC:
            if (raw is None or str(raw).strip() == "") and not t.get("required"):
                continue
            v, err = parse_number(str(raw or "").rstrip("%").strip(), t)
            if err:
                problems[name] = in_units(t, err)
            else:  # typed in the form's units, sent in the engine's
                assert v is not None
                terms[name] = int(v) if typ == "int" else float(to_wire(t, v))
        elif typ == "bool":
            terms[name] = bool(raw)
        elif typ in MULTI:
            if not raw:
                problems[name] = "pick at least one"
            else:
                terms[name] = list(raw)
        elif typ == "shares":  # typed in percent, sent as parts of 1
            shares: dict[str, float] = {}
            vals = raw if isinstance(raw, dict) else {}
            even = even_shares(firm_parties)
            for p in firm_parties:
                r = str(vals.get(p, "")).strip().rstrip("%").strip() or even[p]
                try:
                    shares[p] = float(r.replace(",", "."))
                except ValueError:
                    problems[name] = f"'{r}' is not a number"
            if shares and not problems.get(name):
                total = sum(shares.values())
                if any(x <= 0 or x > 100 for x in shares.values()):
                    problems[name] = "each share is above 0% and at most 100%"
                elif abs(total - 100.0) > 1.1:
                    problems[name] = f"shares must add up to 100% (now {total:.0f}%)"
                else:  # absorb rounding so the server's exact check passes
                    parts = {p: round(x / 100.0, 6) for p, x in shares.items()}
                    last = firm_parties[-1]
                    parts[last] = round(1.0 - sum(v for k, v in parts.items() if k != last), 6)
                    terms[name] = parts
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


_RANGE = re.compile(
    r"(?P<v>-?[\d.]+(?:e[+-]?\d+)?) is outside the allowed range "
    r"(?P<lo>-?[\d.]+(?:e[+-]?\d+)?|-inf) to (?P<hi>-?[\d.]+(?:e[+-]?\d+)?|inf)(?: \(.*\))?$"
)
_SHARES = re.compile(r"shares must sum to 1 \(they sum to (?P<s>[\d.e+-]+)\)")
_ONE_SHARE = re.compile(r"each share is above 0 and at most 1; .* has (?P<v>[\d.e+-]+)")


def refusal_in_units(f: Field, message: str) -> str:
    """A server refusal of one term, quoting the engine's units ('0.5 is outside the allowed range
    0 to 0.1 (share of payroll paid into the pool)'), said in the field's units ('50% is outside
    the allowed range, 0% to 10%'). Other messages are returned as they are."""
    m = _RANGE.search(message)
    if m:
        v = to_form(f, float(m.group("v")))
        lo, hi = m.group("lo"), m.group("hi")
        whole = bool(f.get("whole"))
        shown = with_unit(f, fmt_form(f, v))
        lo_s = (
            with_unit(f, fmt_limit(to_form(f, float(lo)), "min", whole)) if "inf" not in lo else ""
        )
        hi_s = (
            with_unit(f, fmt_limit(to_form(f, float(hi)), "max", whole)) if "inf" not in hi else ""
        )
        if lo_s and hi_s:
            return f"{shown} is outside the allowed range, {lo_s} to {hi_s}"
        return f"{shown} is outside the allowed range ({'at least ' + lo_s if lo_s else 'at most ' + hi_s})"
    m = _SHARES.search(message)
    if m:
        return f"the shares must add up to 100% (they add up to {float(m.group('s')) * 100:.0f}%)"
    m = _ONE_SHARE.search(message)
    if m:
        return f"each share is above 0% and at most 100% (one is {float(m.group('v')) * 100:.0f}%)"
    return message
