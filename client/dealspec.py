"""What the forms are generated from: the deal kinds' term schema and each role's decisions.

The deal schema is the engine's machine-readable spec (`server.engine.deals`), read once; a view
or the server's welcome may also carry it (`deal_spec`), which wins. Until the engine publishes
one, a placeholder with the same shape (from GAME.md section 5) stands in:

    {kind: {"title": str, "roles": [...], "min_parties": n, "terms": {name: {"type": "float" |
     "int" | "bool" | "choice" | "firm" | "firms" | "tender" | "operation" | "operations" | "seat"
     | "text", "min": .., "max": .., "default": .., "choices": [..], "help": str}}}}
"""

from __future__ import annotations

import copy
from typing import Any

Spec = dict[str, dict[str, Any]]


def _f(lo: float, hi: float, default: float, help_: str, unit: str = "") -> dict[str, Any]:
    return {"type": "float", "min": lo, "max": hi, "default": default, "help": help_, "unit": unit}


def _i(lo: int, hi: int, default: int, help_: str, unit: str = "") -> dict[str, Any]:
    return {"type": "int", "min": lo, "max": hi, "default": default, "help": help_, "unit": unit}


def _c(choices: list[str], default: str, help_: str) -> dict[str, Any]:
    return {"type": "choice", "choices": choices, "default": default, "help": help_}


def _b(default: bool, help_: str) -> dict[str, Any]:
    return {"type": "bool", "default": default, "help": help_}


PLACEHOLDER_SPEC: Spec = {
    "joint_bid": {
        "title": "Joint bid",
        "roles": ["firm", "broker"],
        "min_parties": 2,
        "help": "Bid for a tender as one consortium: pool operations and capacity.",
        "terms": {
            "tender": {"type": "tender", "help": "the open tender to bid for"},
            "lead": {"type": "firm", "help": "the firm that leads the bid"},
            "price": _f(0.01, 1000.0, 60.0, "bid price per unit", "k"),
            "split": {"type": "shares", "help": "each member's share of the work and revenue"},
            "broker_fee": _f(0.0, 0.2, 0.0, "share of revenue paid to the broker"),
            "penalty": _f(
                0.0, 1000.0, 50.0, "paid by a member that does not deliver its share", "k"
            ),
        },
    },
    "subcontract": {
        "title": "Subcontract",
        "roles": ["firm"],
        "min_parties": 2,
        "max_parties": 2,
        "help": "Move work to a supplier firm; technical assistance raises its skill.",
        "terms": {
            "operation": {"type": "operation", "help": "the operation farmed out"},
            "volume": _f(1.0, 500.0, 20.0, "units per round"),
            "rate": _f(1.0, 500.0, 40.0, "price per unit", "k"),
            "piece_rate": _b(False, "paid by the piece ('by the metre'): cheaper, lowers quality"),
            "rounds": _i(1, 8, 2, "how many rounds it runs"),
            "assistance": _b(True, "technical assistance to the supplier"),
        },
    },
    "network_charter": {
        "title": "Network charter",
        "roles": ["firm", "union", "government", "broker"],
        "min_parties": 3,
        "help": "Found a service hub: members pay dues into shared factors.",
        "terms": {
            "dues": _f(0.0, 200.0, 10.0, "dues per member per round", "k"),
            "service": _c(
                ["training", "intelligence", "certification", "equipment"],
                "training",
                "the service the dues fund",
            ),
            "open": _b(True, "open membership"),
            "rounds": _i(1, 12, 4, "duration in rounds"),
        },
    },
    "training_levy": {
        "title": "Training levy",
        "roles": ["union", "government", "firm"],
        "min_parties": 2,
        "help": "A payroll levy pays for training; clauses decide who gains.",
        "terms": {
            "rate": _f(0.0, 0.05, 0.01, "levy on payroll"),
            "match": _f(0.0, 1.0, 0.5, "government match per levy euro"),
            "kind": _c(["craft", "cross-functional"], "craft", "type of training"),
            "union_seat": _b(True, "the union sits on the training board"),
            "pass_through": _f(0.0, 1.0, 0.5, "share of trainees' productivity gain paid in wages"),
            "anti_poaching": _b(True, "signatories do not poach each other's trainees"),
            "rounds": _i(1, 12, 3, "duration in rounds"),
        },
    },
    "conditional_credit": {
        "title": "Conditional credit",
        "roles": ["government", "firm"],
        "min_parties": 2,
        "help": "Public credit with conditions the borrower must meet and sustain.",
        "terms": {
            "amount": _f(10.0, 5000.0, 200.0, "loan amount", "k"),
            "rate": _f(0.0, 0.2, 0.03, "interest rate"),
            "term": _i(1, 10, 4, "rounds to repay"),
            "wage_floor": _b(True, "condition: pay at least the wage floor"),
            "training": _b(False, "condition: take part in training"),
            "network": _b(False, "condition: belong to a network"),
            "audit_rate": _f(0.0, 1.0, 0.5, "chance of an audit each round"),
            "remedy": _c(["clawback", "penalty_rate"], "clawback", "what happens on breach"),
        },
    },
    "standards_agreement": {
        "title": "Wage and standards agreement",
        "roles": ["union", "firm", "government"],
        "min_parties": 2,
        "help": "Take wages out of competition: a floor for the signatories.",
        "terms": {
            "wage_floor": _f(1.0, 200.0, 32.0, "wage floor for signatories", "k"),
            "no_strike": _b(True, "the union will not strike signatories"),
            "rounds": _i(1, 12, 3, "duration in rounds"),
        },
    },
    "challenge_grant": {
        "title": "Challenge grant",
        "roles": ["government", "firm", "broker"],
        "min_parties": 2,
        "help": "Public money for groups of firms doing joint activities, phased out.",
        "terms": {
            "amount": _f(0.0, 5000.0, 300.0, "grant per round", "k"),
            "match": _f(0.0, 1.0, 0.5, "share the firms must match"),
            "min_firms": _i(2, 20, 3, "eligibility: at least this many firms"),
            "phase_out": _i(1, 10, 3, "rounds until the grant ends"),
        },
    },
    "broker_engagement": {
        "title": "Broker engagement",
        "roles": ["broker", "firm", "government"],
        "min_parties": 2,
        "help": "Hire a broker: fees for facilitation that lowers trust gates.",
        "terms": {
            "fee": _f(0.0, 200.0, 20.0, "fee per round", "k"),
            "scope": _c(
                ["introductions", "events", "drafting", "all"], "all", "what the broker does"
            ),
            "exit_round": _i(1, 12, 4, "the round the broker leaves"),
        },
    },
}


def _from_engine() -> Spec | None:
    try:
        from district.server.engine import deals as engine_deals  # same distribution; pure data
    except Exception:  # pragma: no cover - the engine is always importable in this repo
        return None
    for name in ("DEAL_SPECS", "SPEC", "DEAL_SPEC", "KINDS", "DEAL_KINDS"):
        spec = getattr(engine_deals, name, None)
        if callable(spec):
            try:
                spec = spec()
            except Exception:
                spec = None
        if isinstance(spec, dict) and spec and all(isinstance(v, dict) for v in spec.values()):
            return normalise(spec)
    return None


def normalise(spec: dict[str, Any]) -> Spec:
    """Accept a few shapes of spec: terms as a dict by name or a list of {name, ...} records."""
    out: Spec = {}
    for kind, entry in spec.items():
        e = dict(entry)
        terms = e.get("terms", {})
        if isinstance(terms, list):
            terms = {t["name"]: {k: v for k, v in t.items() if k != "name"} for t in terms}
        clean: dict[str, dict[str, Any]] = {}
        for name, t in terms.items():
            t = dict(t) if isinstance(t, dict) else {"type": str(t)}
            if "range" in t and isinstance(t["range"], list | tuple) and len(t["range"]) == 2:
                t.setdefault("min", t["range"][0])
                t.setdefault("max", t["range"][1])
            if "meaning" in t:
                t.setdefault("help", t["meaning"])
            t.setdefault("type", "float")
            t.setdefault("help", "")
            clean[name] = t
        e["terms"] = clean
        e.setdefault("title", kind.replace("_", " ").capitalize())
        e.setdefault("roles", [])
        e.setdefault("help", e.get("meaning", ""))
        out[kind] = e
    return out


_CACHE: dict[str, Spec] = {}


def deal_spec(view: dict[str, Any] | None = None) -> Spec:
    """The term schema to build composers from: the view's, else the engine's, else the placeholder."""
    if view and isinstance(view.get("deal_spec"), dict) and view["deal_spec"]:
        return normalise(view["deal_spec"])
    if "engine" not in _CACHE:
        _CACHE["engine"] = _from_engine() or copy.deepcopy(PLACEHOLDER_SPEC)
    return _CACHE["engine"]


def kind_title(kind: str, spec: Spec | None = None) -> str:
    spec = spec or deal_spec()
    return str(spec.get(kind, {}).get("title") or kind.replace("_", " ").capitalize())


# --- decisions ------------------------------------------------------------------------------------


def decision_fields(view: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The decisions form of the view's role: (name, field spec) in display order, with ranges as
    the engine checks them (server/engine/commands.py)."""
    role = view.get("role")
    inst = view.get("institutions", {})
    me = view.get("me") or {}
    dec = me.get("decisions", {})
    if role == "firm":
        floor = float(inst.get("wage_floor", 30.0))
        ref = float(inst.get("reference_wage", floor))
        workers = float(me.get("workers", 10.0))
        return [
            (
                "wage",
                {
                    **_f(
                        max(1.0, round(0.3 * floor, 2)),
                        round(5 * ref, 2),
                        dec.get("wage", me.get("wage", floor)),
                        f"base wage per worker; the floor is {floor:g}",
                        "k",
                    ),
                    "label": "Wage",
                },
            ),
            (
                "skill_pay",
                {
                    **_f(
                        0.0,
                        1.0,
                        dec.get("skill_pay", me.get("skill_pay", 0.1)),
                        "premium for trained workers, share of the wage",
                    ),
                    "label": "Skill premium",
                },
            ),
            (
                "training",
                {
                    **_f(
                        0.0,
                        max(1.0, float(int(me.get("spendable", 1e4)))),
                        dec.get("training", 0.0),
                        "training spend this round",
                        "k",
                    ),
                    "label": "Training",
                },
            ),
            (
                "technology",
                {
                    **_f(
                        0.0,
                        max(1.0, float(int(me.get("spendable", 1e4)))),
                        dec.get("technology", 0.0),
                        "technology investment this round",
                        "k",
                    ),
                    "label": "Technology",
                },
            ),
            (
                "focus",
                {
                    **_c(
                        ["commodity", "niche"],
                        dec.get("focus", me.get("focus", "commodity")),
                        "commodity: price competition; niche: quality and export",
                    ),
                    "label": "Market focus",
                },
            ),
            (
                "price",
                {
                    **_f(
                        -1.0,
                        1.0,
                        dec.get("price", me.get("price_stance", 0.0)),
                        "-1 undercut ... +1 premium",
                    ),
                    "label": "Price stance",
                },
            ),
            (
                "hire",
                {
                    **_i(
                        -int(workers),
                        max(20, int(workers)),
                        int(dec.get("hire", 0)),
                        "workers to hire (negative: let go)",
                    ),
                    "label": "Hire / fire",
                },
            ),
            (
                "poach",
                {
                    **_i(0, 50, int(dec.get("poach", 0)), "trained workers to lure from rivals"),
                    "label": "Poach",
                },
            ),
            (
                "bids",
                {
                    "type": "bids",
                    "default": dec.get("bids", []),
                    "help": "bid alone for open tenders",
                    "label": "Tender bids",
                },
            ),
        ]
    if role == "union":
        return [
            (
                "organise",
                {
                    "type": "firm_spend",
                    "default": dec.get("organise", []),
                    "help": "organising spend per firm (k)",
                    "label": "Organise",
                },
            ),
            (
                "strike",
                {
                    "type": "strike",
                    "default": dec.get("strike"),
                    "help": "strike a firm for a wage demand",
                    "label": "Strike",
                },
            ),
            (
                "campaign",
                {
                    "type": "firms",
                    "default": dec.get("campaign", []),
                    "help": "firms to campaign against",
                    "label": "Campaign",
                },
            ),
            (
                "training_participation",
                {
                    **_f(
                        0.0,
                        1.0,
                        dec.get("training_participation", 0.5),
                        "share of members joining training",
                    ),
                    "label": "Training participation",
                },
            ),
            (
                "referral",
                {
                    **_b(bool(dec.get("referral", False)), "run a job referral service (10k)"),
                    "label": "Job referral",
                },
            ),
        ]
    if role == "government":
        budget = max(1.0, float(me.get("budget", 1000.0)))
        out = []
        for name, label, help_ in (
            ("enforcement_spend", "Enforcement", "labour inspection spend"),
            ("network_grant", "Network grants", "grants to networks"),
            ("broker_programme", "Broker programme", "funds brokers' hours"),
            ("infrastructure", "Infrastructure", "roads, parks, centres"),
            ("publicity", "Publicity", "approval"),
        ):
            out.append(
                (
                    name,
                    {**_f(0.0, float(int(budget)), dec.get(name, 0.0), help_, "k"), "label": label},
                )
            )
        out.append(
            (
                "training_match",
                {
                    **_f(
                        0.0,
                        1.0,
                        dec.get("training_match", inst.get("training_match", 0.0)),
                        "public match per training euro",
                    ),
                    "label": "Training match",
                },
            )
        )
        out.append(
            (
                "payroll_tax",
                {
                    **_f(
                        0.0,
                        0.3,
                        dec.get("payroll_tax", inst.get("payroll_tax", 0.05)),
                        "tax on payroll",
                    ),
                    "label": "Payroll tax",
                },
            )
        )
        return out
    if role == "broker":
        return [
            (
                "events",
                {
                    "type": "firm_groups",
                    "default": dec.get("events", []),
                    "help": "social events: groups of firms",
                    "label": "Events",
                },
            ),
            (
                "intros",
                {
                    "type": "firm_pairs",
                    "default": dec.get("intros", []),
                    "help": "introductions between two firms",
                    "label": "Introductions",
                },
            ),
            (
                "intel",
                {
                    **_b(bool(dec.get("intel", False)), "learn next round's tenders"),
                    "label": "Market intel",
                },
            ),
        ]
    return []
