"""Bots that bargain: they answer the proposals addressed to them and propose deals that serve
their role and personality, from their view alone. Calling `negotiate` again in the same round is
safe: a bot never proposes what it (or its partners) already has pending or active.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Command = dict[str, Any]
MAX_FIRMS = 40  # the most firm parties a deal allows


def _mine(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        d
        for d in view["deals"]
        if view["seat"] in d["parties"] or d.get("drafted_by") == view["seat"]
    ]


def _live(view: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [d for d in _mine(view) if d["kind"] == kind and d["status"] in ("proposed", "active")]


def _seat_firms(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in view["firms"] if f["alive"] and f["seat"]]


def _capacity(view: dict[str, Any]) -> float:
    me = view["me"]
    return float(me["productivity"] * me["workers"])


# --- answers -----------------------------------------------------------------------------------


def _firm_answer(view: dict[str, Any], d: dict[str, Any], p: str) -> str:
    me = view["me"]
    t = d["terms"]
    revenue = max(me["revenue"], 30.0 * me["workers"])  # before the first round: a rough guess
    k = d["kind"]
    if k == "joint_bid":
        tender = next((x for x in view["tenders"] if x["id"] == t["tender"]), None)
        if tender is None or tender["status"] != "open":
            return "reject"
        need = tender["volume"] / tender["delivery_rounds"] * t["shares"].get(view["seat"], 0.0)
        return (
            "accept"
            if need <= 0.9 * _capacity(view) and t["price"] >= 0.8 * tender["price"]
            else "reject"
        )
    if k == "subcontract":
        ref = view["markets"]["reference_price"]
        if t["supplier"] == view["seat"]:  # never farm in more than a third of what it can make
            taken = sum(
                x["terms"]["volume"]
                for x in _mine(view)
                if x["kind"] == "subcontract"
                and x["status"] == "active"
                and x["terms"].get("supplier") == view["seat"]
            )
            ok = t["unit_price"] >= 0.55 * ref and taken + t["volume"] <= _capacity(view) / 3
            return "accept" if ok else "reject"
        return "accept" if t["unit_price"] <= 0.85 * ref else "reject"
    if k == "network_charter":
        limit = 1.0 if p == "low" else 0.04 * revenue + 2.0
        return "accept" if t["dues"] <= limit else "reject"
    if k == "training_levy":
        if p == "low":
            return "reject"  # the poacher free-rides on others' training (000 III.1)
        ok = t["levy_rate"] <= 0.03 and (
            p == "high" or t["anti_poaching"] or t["government_match"] >= 0.5
        )
        return "accept" if ok else "reject"
    if k == "conditional_credit":
        return "accept"  # money is welcome; whether its conditions are kept is another matter
    if k == "standards_agreement":
        if p == "low":
            return "reject"
        cap = 1.06 if p == "high" else 1.02
        return (
            "accept"
            if t["wage_floor"] <= cap * max(me["wage"], view["institutions"]["wage_floor"])
            else "reject"
        )
    if k == "challenge_grant":
        firms = sum(1 for x in d["parties"] if x.startswith("firm:"))
        return (
            "accept"
            if t["match_share"] * t["amount"] / max(1, firms) <= 0.05 * revenue + 5
            else "reject"
        )
    if k == "broker_engagement":
        return (
            "reject" if p == "low" else ("accept" if t["fee"] <= 0.01 * revenue + 3 else "reject")
        )
    return "reject"


def _institution_answer(view: dict[str, Any], d: dict[str, Any], p: str) -> str:
    role = view["role"]
    t = d["terms"]
    if role == "union":
        if d["kind"] == "standards_agreement":
            return "accept" if t["wage_floor"] >= view["institutions"]["wage_floor"] else "reject"
        if d["kind"] == "training_levy":
            return "accept" if t["union_seat"] else "reject"
        return "accept"
    if role == "government":
        if p == "low":
            return "reject"
        budget = view["me"]["budget"]
        cost = {
            "challenge_grant": t.get("amount", 0) * t.get("phase_out", 1),
            "training_levy": 50.0 * t.get("government_match", 0.0),
            "broker_engagement": t.get("fee", 0) * t.get("rounds", 1),
        }.get(d["kind"], 0.0)
        return "accept" if cost <= 0.3 * budget else "reject"
    return "accept"  # brokers take work


def answers(view: dict[str, Any], p: str) -> list[Command]:
    seat = view["seat"]
    out = []
    for d in view["deals"]:
        if d["status"] != "proposed" or seat not in d["parties"] or seat in d.get("responses", {}):
            continue
        a = _firm_answer(view, d, p) if view["role"] == "firm" else _institution_answer(view, d, p)
        out.append({"type": "respond", "deal": d["id"], "answer": a})
    return out


# --- proposals ---------------------------------------------------------------------------------


def _refusers(view: dict[str, Any], kind: str) -> set[str]:
    """Seats that turned down a deal of this kind that I was party to: don't ask them again."""
    return {
        s
        for d in _mine(view)
        if d["kind"] == kind and d["status"] == "rejected"
        for s, a in d.get("responses", {}).items()
        if a == "reject"
    }


def _tender_partners(
    view: dict[str, Any],
    tender: dict[str, Any],
    me_id: int | None,
    known: dict[str, dict[str, float]],
    trust: list[float] | None,
) -> list[dict[str, Any]] | None:
    """Seat firms that together cover every operation of the tender (greedy, trusted first)."""
    firms = _seat_firms(view)
    chosen: list[dict[str, Any]] = [f for f in firms if f["id"] == me_id]
    covered = set(chosen[0]["operations"]) if chosen else set()
    for op in tender["operations"]:
        if op in covered:
            continue
        cands = [f for f in firms if op in f["operations"] and f not in chosen]
        if not cands:
            return None

        def rank(f: dict[str, Any], op: str = op) -> tuple[float, float]:
            lvl = known.get(str(f["id"]), {}).get(op, 0.5)
            tr = trust[f["id"]] if trust else 0.5
            return (-(lvl >= tender["operations"][op]), -(tr + 0.3 * f["reputation"]))

        best = sorted(cands, key=rank)[0]
        chosen.append(best)
        covered |= set(best["operations"])
    return chosen if len(chosen) >= 2 else None


def _joint_bid(
    view: dict[str, Any],
    tender: dict[str, Any],
    members: list[dict[str, Any]],
    lead: str,
    extra: list[str],
    price_share: float,
    fee: float = 0.0,
) -> Command:
    total = sum(max(m["workers"], 1) for m in members)
    shares = {m["seat"]: round(max(m["workers"], 1) / total, 4) for m in members}
    drift = round(1.0 - sum(shares.values()), 4)
    shares[members[0]["seat"]] = round(shares[members[0]["seat"]] + drift, 4)
    return {
        "type": "propose",
        "kind": "joint_bid",
        "parties": [m["seat"] for m in members] + extra,
        "terms": {
            "tender": tender["id"],
            "lead": lead,
            "shares": shares,
            "price": round(tender["price"] * price_share, 2),
            "broker_fee": fee,
            "penalty": 15.0,
        },
    }


def _has_bid(view: dict[str, Any], tender_id: str) -> bool:
    return any(
        d["kind"] == "joint_bid"
        and d["terms"].get("tender") == tender_id
        and d["status"] in ("proposed", "active")
        for d in view["deals"]
    )


def firm_proposals(view: dict[str, Any], rng: np.random.Generator, p: str) -> list[Command]:
    me = view["me"]
    seat = view["seat"]
    i = me["firm"]
    out: list[Command] = []
    known = {str(i): me["capabilities"], **me["known_capabilities"]}
    for t in view["tenders"]:
        if t["status"] != "open" or _has_bid(view, t["id"]):
            continue
        alone = (
            all(me["capabilities"].get(op, 0) >= lvl for op, lvl in t["operations"].items())
            and _capacity(view) >= t["volume"] / t["delivery_rounds"]
        )
        if alone or not set(t["operations"]) & set(view["firms"][i]["operations"]):
            continue
        members = _tender_partners(view, t, i, known, me["trust"])
        if members:
            out.append(_joint_bid(view, t, members, seat, [], 0.9 if p == "low" else 0.95))
    in_network = any(i in n["members"] and n["alive"] for n in view["networks"])
    if p != "low" and not in_network and not _live(view, "network_charter") and view["round"] >= 1:
        refused = _refusers(view, "network_charter")
        others = [
            f
            for f in _seat_firms(view)
            if f["id"] != i and not f["networks"] and f["seat"] not in refused
        ]
        others.sort(key=lambda f: -me["trust"][f["id"]])
        # without a broker or a grant, only firms that already trust each other network (004 S.III)
        helped = (
            any(s["role"] == "broker" for s in view["seats"])
            or view["institutions"]["network_grant"] > 0
        )
        trusted = [f for f in others if me["trust"][f["id"]] >= (0.35 if helped else 0.5)]
        group = [f["seat"] for f in trusted[:3]]
        if len(group) >= 2:
            out.append(
                {
                    "type": "propose",
                    "kind": "network_charter",
                    "parties": [seat] + group,
                    "terms": {
                        "name": f"{view['firms'][i]['name']} hub",
                        "dues": 3.0,
                        "services": ["training", "quality", "intelligence"],
                        "rounds": 4,
                    },
                }
            )
    if view["round"] >= 2 and not any(
        d["kind"] == "subcontract" and d["status"] in ("proposed", "active") for d in _mine(view)
    ):
        mine_ops = set(view["firms"][i]["operations"])
        busy = {}
        for x in view["deals"]:
            if x["kind"] == "subcontract" and x["status"] == "active":
                for party in x["parties"]:
                    busy[party] = busy.get(party, 0) + 1
        suppliers = [
            f
            for f in _seat_firms(view)
            if f["id"] != i and busy.get(f["seat"], 0) < 2 and set(f["operations"]) - mine_ops
        ]
        if suppliers:  # spread the work: a random supplier among those that are not busy
            suppliers = [suppliers[int(rng.integers(0, len(suppliers)))]]
        for f in suppliers:
            extra = [op for op in f["operations"] if op not in mine_ops]
            if extra and me["cash"] > 60:
                ref = view["markets"]["reference_price"]
                price = round(ref * (0.6 if p == "low" else 0.7), 1)
                volume = round(min(0.25 * f["workers"], 0.25 * me["cash"] / price), 1)
                if volume < 1.0:
                    break
                out.append(
                    {
                        "type": "propose",
                        "kind": "subcontract",
                        "parties": [seat, f["seat"]],
                        "terms": {
                            "buyer": seat,
                            "supplier": f["seat"],
                            "operation": extra[0],
                            "volume": volume,
                            "unit_price": price,
                            "rounds": 2,
                            "assistance": 0.0 if p == "low" else 5.0,
                            "piece_rate": p == "low",
                            "exit_clause": True,
                        },
                    }
                )
                break
    return out


def union_proposals(view: dict[str, Any], rng: np.random.Generator, p: str) -> list[Command]:
    out: list[Command] = []
    refused = _refusers(view, "training_levy") | _refusers(view, "standards_agreement")
    firms = [f for f in _seat_firms(view) if f["seat"] not in refused]
    gov = any(s["id"] == "government" for s in view["seats"])
    floor = view["institutions"]["wage_floor"]
    if firms and not _live(view, "training_levy"):
        out.append(
            {
                "type": "propose",
                "kind": "training_levy",
                "parties": ["union"]
                + [f["seat"] for f in firms[:MAX_FIRMS]]
                + (["government"] if gov else []),
                "terms": {
                    "levy_rate": 0.015,
                    "government_match": 0.5 if gov else 0.0,
                    "union_seat": True,
                    "pass_through": 0.2,
                    "anti_poaching": True,
                    "rounds": 4,
                    "training_type": "cross_functional",
                },
            }
        )
    if firms and not _live(view, "standards_agreement"):
        out.append(
            {
                "type": "propose",
                "kind": "standards_agreement",
                "parties": ["union"] + [f["seat"] for f in firms[:MAX_FIRMS]],
                "terms": {
                    "wage_floor": round(floor * 1.03, 2),
                    "compliance": True,
                    "no_strike": True,
                    "rounds": 4,
                },
            }
        )
    return out


def government_proposals(view: dict[str, Any], rng: np.random.Generator, p: str) -> list[Command]:
    out: list[Command] = []
    budget = view["me"]["budget"]
    seat_of = {f["id"]: f["seat"] for f in _seat_firms(view)}
    if p == "low" or budget < 100:
        return out
    grants = _live(view, "challenge_grant")
    granted = {frozenset(d["parties"]) for d in grants}
    for n in view["networks"]:
        seats = [seat_of[m] for m in n["members"] if m in seat_of]
        if (
            n["alive"]
            and len(seats) >= 3
            and not any(set(seats) <= g for g in granted)
            and len(out) < 2
        ):
            out.append(
                {
                    "type": "propose",
                    "kind": "challenge_grant",
                    "parties": ["government"] + seats[:MAX_FIRMS],
                    "terms": {
                        "amount": round(min(30.0, 0.05 * budget), 1),
                        "match_share": 0.5,
                        "min_firms": 3,
                        "min_activities": 2,
                        "phase_out": 3,
                        "services": ["training", "intelligence"],
                    },
                }
            )
    lent = {p for d in _live(view, "conditional_credit") for p in d["parties"]}
    struggling = [
        f for f in _seat_firms(view) if f["health"] == "struggling" and f["seat"] not in lent
    ]
    if struggling and len(_live(view, "conditional_credit")) < 2:
        f = struggling[int(rng.integers(0, len(struggling)))]
        out.append(
            {
                "type": "propose",
                "kind": "conditional_credit",
                "parties": ["government", f["seat"]],
                "terms": {
                    "amount": 40.0,
                    "rate": 0.03,
                    "term": 3,
                    "purpose": "working_capital",
                    "conditions": ["compliance", "training"],
                    "audit_rate": 0.5,
                    "remedy": "clawback",
                },
            }
        )
    brokers = [s["id"] for s in view["seats"] if s["role"] == "broker"]
    if brokers and not _live(view, "broker_engagement"):
        out.append(
            {
                "type": "propose",
                "kind": "broker_engagement",
                "parties": [brokers[0], "government"],
                "terms": {"fee": 8.0, "scope": "all", "rounds": 4},
            }
        )
    union = any(s["id"] == "union" for s in view["seats"])
    if not union and not _live(view, "training_levy"):
        firms = [f["seat"] for f in _seat_firms(view)]
        firms = [s for s in firms if s not in _refusers(view, "training_levy")]
        if firms:
            out.append(
                {
                    "type": "propose",
                    "kind": "training_levy",
                    "parties": ["government"] + firms[:MAX_FIRMS],
                    "terms": {
                        "levy_rate": 0.015,
                        "government_match": 1.0,
                        "anti_poaching": True,
                        "rounds": 4,
                    },
                }
            )
    return out


def broker_proposals(view: dict[str, Any], rng: np.random.Generator, p: str) -> list[Command]:
    out: list[Command] = []
    seat = view["seat"]
    me = view["me"]
    plans = me["decisions"]
    planned = (
        len(plans.get("events", [])) * me["event_hours"]
        + len(plans.get("intros", [])) * me["intro_hours"]
        + (me["intel_hours"] if plans.get("intel") else 0.0)
    )
    budget = me["hours"] - planned
    if budget < me["draft_hours"]:
        return out
    known = view["me"]["known_capabilities"]
    for t in view["tenders"]:
        if t["status"] == "open" and not _has_bid(view, t["id"]):
            members = _tender_partners(view, t, None, known, None)
            if members:
                out.append(_joint_bid(view, t, members, members[0]["seat"], [seat], 0.95, fee=5.0))
                break
    refused = _refusers(view, "network_charter")
    firms = [f for f in _seat_firms(view) if not f["networks"] and f["seat"] not in refused]
    if (
        len(firms) >= 3
        and not _live(view, "network_charter")
        and budget - len(out) * me["draft_hours"] >= me["draft_hours"]
    ):
        out.append(
            {
                "type": "propose",
                "kind": "network_charter",
                "parties": [f["seat"] for f in firms[:5]] + [seat],
                "terms": {
                    "name": "Broker-led network",
                    "dues": 2.0,
                    "services": ["training", "intelligence"],
                    "rounds": 4,
                },
            }
        )
    return out


def negotiate(view: dict[str, Any], rng: np.random.Generator, personality: str) -> list[Command]:
    role = view["role"]
    cmds = answers(view, personality)
    proposers = {
        "firm": firm_proposals,
        "union": union_proposals,
        "government": government_proposals,
        "broker": broker_proposals,
    }
    if role in proposers and (role != "firm" or view["firms"][view["me"]["firm"]]["alive"]):
        cmds += proposers[role](view, rng, personality)
    return cmds
