"""What the forms are built from, all of it sent by the server.

- Deal forms: the welcome's `deal_kinds` (docs/protocol.md section 8.1), the engine's schema of
  every kind: {kind: {title, source, help, parties: {role: [fewest, most]}, gate, terms: {name:
  {type, help, default, required, min?, max?, choices?}}}}. The client keeps no copy of it.
- Decision forms: the view's `limits`, computed by the engine with the same function that checks a
  `decide`: {decision: {type: "float" | "int" | "bool" | "choice" | "list", min?, max?, choices?,
  most?, help?, labels?}} (`labels`: a scale's points in words, shown instead of the number). A bound the view does not carry is not checked here (the server still checks it
  and its error is shown by the field).

What the client adds is presentation only: labels, units and which widget shows a decision that
is a list (firms to pick, tenders to bid for), for the role's decisions of docs/protocol.md section
8; a decision the limits name that the client does not know is shown by its type. A decision the
view has no limits for (a server that sends none yet) is shown with no range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Kinds = dict[str, dict[str, Any]]
Field = dict[str, Any]

# --- deal kinds -----------------------------------------------------------------------------------


def kind_title(kinds: Kinds, kind: str) -> str:
    """The kind's title as the server names it (its id, made readable, if the server did not say)."""
    return str((kinds.get(kind) or {}).get("title") or kind.replace("_", " ").capitalize())


def kind_terms(kinds: Kinds, kind: str) -> dict[str, Field]:
    terms = (kinds.get(kind) or {}).get("terms") or {}
    return {str(k): dict(v) for k, v in terms.items() if isinstance(v, dict)}


def party_rules(kinds: Kinds, kind: str) -> dict[str, tuple[int, int]]:
    """role -> (fewest, most) parties of that role."""
    p = (kinds.get(kind) or {}).get("parties") or {}
    return {str(r): (int(lohi[0]), int(lohi[1])) for r, lohi in p.items()}


def allowed_kinds(kinds: Kinds, role: str) -> list[str]:
    """Deal kinds my role may be a party to (brokers may also draft any kind for others)."""
    return [k for k in kinds if role == "broker" or role in party_rules(kinds, k)]


def label(name: str) -> str:
    """A term's or a number's name for a person: `unit_price` -> 'Unit price'."""
    return name.replace("_", " ").strip().capitalize()


_MONEY = re.compile(r"\(k\b|\bk per\b|\(k\)")


def term_unit(t: Field) -> str:
    """'k' (thousands of the scenario's currency) when the term's help says its amount is in k."""
    return "k" if t.get("unit") == "k" or _MONEY.search(str(t.get("help", ""))) else ""


# the unit of a seat's own numbers (a preview's `with`, `without` and `delta`): k is thousands of
# the scenario's currency
NUMBER_UNITS = {
    "cash": "k",
    "profit": "k",
    "revenue": "k",
    "debt": "k",
    "budget": "k",
    "funds": "k",
    "wage_floor": "k",
    "wage": "k",
    "workers": "workers",
    "skilled": "workers",
    "skill": "idx",
    "quality": "idx",
    "technology": "idx",
    "reputation": "idx",
    "trust": "idx",
    "productivity": "%",
    "union_density": "%",
    "compliance": "%",
    "approval": "%",
}


def number_unit(name: str) -> str:
    return NUMBER_UNITS.get(name, "")


# --- decisions ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Look:
    """How one decision is shown: label, unit, help and (for lists) the widget that picks it.
    `type` and `choices` are the protocol's vocabulary, used only when the view has no limits."""

    label: str
    unit: str = ""
    help: str = ""
    widget: str = ""  # "", bids, firm_spend, strike, firms, firm_groups, firm_pairs
    type: str = "float"
    choices: tuple[str, ...] = ()


LOOKS: dict[str, dict[str, Look]] = {
    "firm": {
        "wage": Look("Wage", "k", "base wage per worker"),
        "skill_pay": Look("Skill premium", "%", "premium for trained workers, % of the wage"),
        "training": Look("Training", "k", "training spend this round"),
        "technology": Look("Technology", "k", "technology investment this round"),
        "focus": Look(
            "Market focus",
            "",
            "commodity: price competition; niche: quality and export",
            type="choice",
            choices=("commodity", "niche"),
        ),
        "price": Look(
            "Price stance",
            "",
            "what you charge against the market price: below it wins buyers, "
            "above it earns more on each unit",
        ),
        "hire": Look("Hire / fire", "workers", "workers to hire (negative: let go)", type="int"),
        "poach": Look("Poach", "workers", "trained workers to lure from rivals", type="int"),
        "bids": Look("Tender bids", "k", "bid alone for open tenders", "bids", "list"),
    },
    "union": {
        "organise": Look("Organise", "k", "organising spend per firm", "firm_spend", "list"),
        "strike": Look("Strike", "k", "strike a firm for a wage demand", "strike", "list"),
        "campaign": Look("Campaign", "", "firms to campaign against", "firms", "list"),
        "training_participation": Look(
            "Training participation", "%", "% of members joining training"
        ),
        "referral": Look("Job referral", "", "run a job referral service", type="bool"),
    },
    "government": {
        "enforcement_spend": Look("Enforcement", "k", "labour inspection spend"),
        "network_grant": Look("Network grants", "k", "grants to networks"),
        "broker_programme": Look("Broker programme", "k", "funds brokers' hours"),
        "infrastructure": Look("Infrastructure", "k", "roads, parks, centres"),
        "publicity": Look("Publicity", "k", "approval"),
        "training_match": Look("Training match", "%", "public match, % of firms' training spend"),
        "payroll_tax": Look("Payroll tax", "%", "tax on payroll"),
    },
    "broker": {
        "events": Look("Events", "", "social events: groups of firms", "firm_groups", "list"),
        "intros": Look(
            "Introductions", "", "introductions between two firms", "firm_pairs", "list"
        ),
        "intel": Look("Market intel", "", "learn next round's tenders", type="bool"),
    },
}
SPENDS = (  # decisions whose "do nothing" is 0
    "training",
    "technology",
    "hire",
    "poach",
    "enforcement_spend",
    "network_grant",
    "broker_programme",
    "infrastructure",
    "publicity",
)
# where a decision's current value is in the view when the seat has not decided it this round
CURRENT = {"wage": "wage", "skill_pay": "skill_pay", "price": "price_stance", "focus": "focus"}
INSTITUTION = ("training_match", "payroll_tax")
LIMIT_KEYS = ("min", "max", "choices", "most", "help", "labels")


def decision_fields(view: dict[str, Any]) -> list[tuple[str, Field]]:
    """The decisions form of the view's role: (name, field) in display order. A field holds
    `type` (float, int, bool, choice, or a list widget: bids, firm_spend, strike, firms,
    firm_groups, firm_pairs), `label`, `unit`, `help`, `default` (the current value) and whatever
    bounds the view's `limits` give (`min`, `max`, `choices`, `most`). A number whose limits
    carry `labels` (its scale's points in words) is of type `steps`, with `steps` [(value, word,
    meaning)]: the player picks a word, the wire value is the word's number. A share (unit %) is shown
    in percent: its bounds and default are x100 and `scale` (100) says to divide before sending."""
    role = str(view.get("role", ""))
    looks = LOOKS.get(role, {})
    given = view.get("limits")
    limits: dict[str, Any] = given if isinstance(given, dict) else {}
    names = list(looks) + [n for n in limits if n not in looks]
    out = []
    for name in names:
        lim: dict[str, Any] = limits[name] if isinstance(limits.get(name), dict) else {}
        look = looks.get(name) or Look(label(name), type=str(lim.get("type", "float")))
        typ = look.widget or str(lim.get("type") or look.type)
        if typ == "list":
            continue  # a list decision this client has no widget for
        f: Field = {"type": typ, "label": look.label, "unit": look.unit, "help": look.help}
        floor = (view.get("institutions") or {}).get("wage_floor")
        if name == "wage" and isinstance(floor, int | float):
            f["help"] = f"{look.help}; the wage floor is {floor:g} k"
        if look.choices:
            f["choices"] = list(look.choices)
        for k in LIMIT_KEYS:
            if k in lim:
                f[k] = lim[k]
        f["default"] = _current(view, name, typ)
        steps = stance_steps(f.get("labels"))
        if steps and typ in ("float", "int"):  # a scale with words for its points: pick a word
            f["type"], f["steps"] = "steps", steps
        elif look.unit == "%" and typ == "float":  # a share, typed and shown as a percentage
            f["scale"] = 100
            for k in ("min", "max", "default"):
                if isinstance(f.get(k), int | float):
                    f[k] = round(float(f[k]) * 100, 6)
        out.append((name, f))
    return out


def stance_steps(labels: Any) -> list[tuple[float, str, str]]:
    """A decision's `labels` (points of its scale in words: [{value, label, says?}]) as (value,
    word, what it means), lowest first; [] when there are none, or they are not well formed."""
    if not isinstance(labels, list):
        return []
    out = []
    for x in labels:
        if not isinstance(x, dict) or not isinstance(x.get("value"), int | float):
            return []
        out.append((float(x["value"]), str(x.get("label") or x["value"]), str(x.get("says", ""))))
    return sorted(out)


def nearest_step(steps: list[tuple[float, str, str]], v: Any) -> int:
    """The index of the step nearest to the value `v` (the middle one when `v` is no number)."""
    if not isinstance(v, int | float) or isinstance(v, bool):
        try:
            v = float(v)
        except (TypeError, ValueError):
            return len(steps) // 2
    return min(range(len(steps)), key=lambda k: abs(steps[k][0] - float(v)))


def _current(view: dict[str, Any], name: str, typ: str) -> Any:
    me = view.get("me") or {}
    dec = me.get("decisions") or {}
    if name in dec:
        return dec[name]
    if name in CURRENT and CURRENT[name] in me:
        return me[CURRENT[name]]
    if name in INSTITUTION:
        return (view.get("institutions") or {}).get(name)
    if typ == "bool":
        return False
    if typ in ("bids", "firm_spend", "firms", "firm_groups", "firm_pairs"):
        return []
    if name in SPENDS:
        return 0  # nothing spent, nobody hired: this round's "do nothing"
    return None


# --- deal terms as a person types them ------------------------------------------------------------
# The engine's schema is in its own units (a levy rate of 0.02, a share of 0.5, money in k). The
# composer shows and reads them in people's units: rates, shares and probabilities as whole percent,
# money in k as the dashboard shows it, counts whole. `term_field` is the one place that says how;
# draft.py converts back (divides by `scale`) so the wire terms are the engine's.

_RATE = re.compile(r"\bshare\b|\bprobability\b|\binterest\b|\brate\b")
_COUNT = re.compile(r"^\s*units\b")
# engine notation in a help text: "(k)", "(k per worker per round)", "(firm seat -> 0-1, ...)"
_NOTATION = re.compile(r"\s*\((?:[^()]*->[^()]*|k\b[^()]*|[^()]*\b0-1\b[^()]*)\)")
_UNIT_WORDS = {
    "%": "in percent",
    "k": "in k (thousands)",
}


def term_unit_of(name: str, t: Field) -> str:
    """A term's unit for a person: '%' for a rate, share or probability, 'k' for money,
    'units' for a count of units, '' for a plain number."""
    typ = t.get("type")
    if typ == "shares":
        return "%"
    if typ not in ("float", "int"):
        return ""
    if typ == "float" and (
        _RATE.search(str(t.get("help", ""))) or name.endswith(("_rate", "_share"))
    ):
        return "%"
    if term_unit(t) == "k":
        return "k"
    if _COUNT.search(str(t.get("help", ""))):
        return "units"
    return ""


def person_help(name: str, t: Field) -> str:
    """A term's help in a person's wording: the engine's description without its notation
    ('firm seat -> 0-1', '(k)'), and the unit said from the term's type and unit."""
    unit = term_unit_of(name, t)
    text = _NOTATION.sub("", str(t.get("help", ""))).strip()
    if t.get("type") == "shares":
        extra = "in percent, adding up to 100%"
    elif t.get("type") == "int" or unit == "units":
        extra = "a whole number"
    else:
        extra = _UNIT_WORDS.get(unit, "")
    if text and extra:
        return f"{text}, {extra}"
    return text or extra


def term_field(name: str, t: Field) -> Field:
    """A deal term as the composer shows it: `unit`, `help` in a person's words, and for a
    percentage its `min`, `max` and `default` x100 with `scale` 100 (divide before sending).
    Counts (`whole`) are shown whole."""
    f: Field = dict(t)
    unit = term_unit_of(name, t)
    f["unit"] = unit
    f["help"] = person_help(name, t)
    f["wire_help"] = t.get("help", "")
    f["whole"] = t.get("type") == "int" or unit == "units"
    if unit == "%":
        f["scale"] = 100
        for k in ("min", "max", "default"):
            if isinstance(f.get(k), int | float) and not isinstance(f.get(k), bool):
                f[k] = round(float(f[k]) * 100, 6)
    return f


def form_terms(kinds: Kinds, kind: str) -> dict[str, Field]:
    """The kind's terms as the composer shows them (see `term_field`)."""
    return {n: term_field(n, t) for n, t in kind_terms(kinds, kind).items()}


def to_form(f: Field, v: Any) -> Any:
    """A wire value of a term in the form's units (x100 for a percentage)."""
    scale = f.get("scale")
    if scale and isinstance(v, int | float) and not isinstance(v, bool):
        return round(float(v) * float(scale), 6)
    return v


def to_wire(f: Field, v: float | int) -> float | int:
    """A value typed in the form's units in the engine's (a levy of 2 (%) -> 0.02)."""
    scale = f.get("scale")
    return round(float(v) / float(scale), 10) if scale else v


def fmt_form(f: Field, v: float | int) -> str:
    """A value in the form's units for an entry: whole for counts and percentages, else as
    typed ('45', '42.75')."""
    x = float(v)
    if f.get("whole") or f.get("unit") == "%":
        if abs(x - round(x)) < 1e-6 or f.get("whole"):
            return f"{round(x):d}" if f.get("whole") else f"{x:.0f}"
        return f"{x:.1f}".rstrip("0").rstrip(".")
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    return f"{round(x, 2):g}"


def with_unit(f: Field, s: str) -> str:
    """'10' -> '10%', '45' -> '45k', '5' -> '5 units' as the field's unit says."""
    unit = f.get("unit", "")
    if unit in ("%", "k"):
        return f"{s}{unit}"
    return f"{s} {unit}" if unit else s
