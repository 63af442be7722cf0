"""Joint bids: a firm answers by whether its share fits its capacity and the price is fair; firms
and brokers propose consortia that cover a tender's operations, trusted partners first."""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.bots.deals.common import (
    Command,
    Strategy,
    View,
    broker_hours_left,
    capacity,
    seat_firms,
)


def my_knowledge(view: View) -> dict[str, dict[str, float]]:
    """What a firm knows of capabilities: its own, and others' from introductions and networks."""
    me = view["me"]
    return {**me["known_capabilities"], str(me["firm"]): me["capabilities"]}


def known_gaps(
    view: View, tender: dict[str, Any], members: list[str], known: dict[str, dict[str, float]]
) -> list[str]:
    """The tender's operations that, as far as the bot knows, no member does well enough: none
    lists it, or every one that lists it is known to fall short (the buyer would rule the bid out).
    A member whose level the bot does not know is given the benefit of the doubt."""
    firms = [f for f in view["firms"] if f["seat"] in members]
    return [
        op
        for op, need in tender["operations"].items()
        if not any(
            op in f["operations"] and known.get(str(f["id"]), {}).get(op, need) >= need
            for f in firms
        )
    ]


def firm_answer(view: View, d: dict[str, Any], p: str) -> str:
    t = d["terms"]
    tender = next((x for x in view["tenders"] if x["id"] == t["tender"]), None)
    if tender is None or tender["status"] != "open":
        return "reject"
    # a draft that counts on a member for an operation it is known to fall short at (often the
    # answering firm itself: a broker may not know its levels) cannot win: no time lost on it
    if known_gaps(view, tender, d["parties"], my_knowledge(view)):
        return "reject"
    need = tender["volume"] / tender["delivery_rounds"] * t["shares"].get(view["seat"], 0.0)
    return (
        "accept"
        if need <= 0.9 * capacity(view) and t["price"] >= 0.8 * tender["price"]
        else "reject"
    )


def tender_partners(
    view: View,
    tender: dict[str, Any],
    me_id: int | None,
    known: dict[str, dict[str, float]],
    trust: list[float] | None,
    rng: np.random.Generator | None = None,
) -> list[dict[str, Any]] | None:
    """Seat firms that together cover every operation of the tender, picked from what the bot
    can know: a partner known (from introductions or a shared network) to do the operation well
    enough first, firms known to fall short never; then partners sharing a network with the lead
    (their shared factor stock lifts the consortium's quality, 004 S.II); then trust and
    reputation, the bot's own draws breaking ties (never the listing order)."""
    firms = seat_firms(view)
    chosen: list[dict[str, Any]] = [f for f in firms if f["id"] == me_id]
    if me_id is None and firms:  # a broker builds around the firm that covers most of the work
        ops = set(tender["operations"])
        chosen = [max(firms, key=lambda f: (len(ops & set(f["operations"])), f["reputation"]))]

    def able(f: dict[str, Any]) -> set[str]:
        """The tender's operations a firm lists and is not known to fall short at."""
        mine = known.get(str(f["id"]), {})
        return {
            op
            for op, need in tender["operations"].items()
            if op in f["operations"] and mine.get(op, need) >= need
        }

    covered = able(chosen[0]) if chosen else set()
    my_nets = set(chosen[0]["networks"]) if chosen else set()
    noise = rng.random(len(view["firms"])) if rng is not None else None
    for op in tender["operations"]:
        if op in covered:
            continue
        need = tender["operations"][op]
        cands = [
            f
            for f in firms
            if op in f["operations"]
            and f not in chosen
            and known.get(str(f["id"]), {}).get(op, need) >= need
        ]
        if not cands:
            return None

        def rank(f: dict[str, Any], op: str = op, need: float = need) -> tuple[float, ...]:
            sure = op in known.get(str(f["id"]), {})
            shared = bool(my_nets & set(f["networks"]))
            tr = trust[f["id"]] if trust else 0.5
            tie = float(noise[f["id"]]) * 0.05 if noise is not None else 0.0
            return (-float(sure), -(tr + 0.3 * f["reputation"] + tie + 0.1 * shared))

        best = sorted(cands, key=rank)[0]
        chosen.append(best)
        covered |= able(best)
    return chosen if len(chosen) >= 2 else None


def leads(members: list[dict[str, Any]], me_id: int) -> bool:
    """Whether I am the one to lead this consortium: its best-reputed member (then the first by
    number). Each consortium is proposed once, by its natural lead, not by every member."""
    best = max(members, key=lambda f: (f["reputation"], -f["id"]))
    return bool(best["id"] == me_id)


def proposal(
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


def has_bid(
    view: View, tender: dict[str, Any], known: dict[str, dict[str, float]] | None = None
) -> bool:
    """Whether a live joint bid for the tender is in the bot's view; with `known`, only one the
    bot does not know to leave an operation uncovered (a firm does not wait on a broker's draft
    that counts on it for what it cannot do)."""
    return any(
        d["kind"] == "joint_bid"
        and d["terms"].get("tender") == tender["id"]
        and d["status"] in ("proposed", "active")
        and (known is None or not known_gaps(view, tender, d["parties"], known))
        for d in view["deals"]
    )


def proposed_before(view: View, tender: dict[str, Any]) -> bool:
    """Whether the bot has already proposed a joint bid for the tender: it proposes one consortium
    a tender, and does not send the same one again after a member turned it down."""
    return any(
        d["kind"] == "joint_bid"
        and d.get("proposer") == view["seat"]
        and d["terms"].get("tender") == tender["id"]
        for d in view["deals"]
    )


def by_firm(view: View, rng: np.random.Generator, p: str, so_far: list[Command]) -> list[Command]:
    """For each open tender it cannot serve alone but has a part in: a consortium it leads."""
    me = view["me"]
    i = me["firm"]
    out: list[Command] = []
    known = my_knowledge(view)
    for t in view["tenders"]:
        if t["status"] != "open" or has_bid(view, t, known) or proposed_before(view, t):
            continue
        alone = (
            all(me["capabilities"].get(op, 0) >= lvl for op, lvl in t["operations"].items())
            and capacity(view) >= t["volume"] / t["delivery_rounds"]
        )
        if alone or not set(t["operations"]) & set(view["firms"][i]["operations"]):
            continue
        members = tender_partners(view, t, i, known, me["trust"], rng)
        if members and leads(members, i):
            out.append(proposal(t, members, view["seat"], [], 0.9 if p == "low" else 0.95))
    return out


def by_broker(view: View, rng: np.random.Generator, p: str, so_far: list[Command]) -> list[Command]:
    """One consortium for the first open tender nobody bids for, drafted for a fee."""
    if broker_hours_left(view) < view["me"]["draft_hours"]:
        return []
    known = view["me"]["known_capabilities"]
    for t in view["tenders"]:
        if t["status"] == "open" and not has_bid(view, t) and not proposed_before(view, t):
            members = tender_partners(view, t, None, known, None, rng)
            if members:
                return [proposal(t, members, members[0]["seat"], [view["seat"]], 0.95, fee=5.0)]
    return []


STRATEGY = Strategy(firm_answer=firm_answer, proposals={"firm": by_firm, "broker": by_broker})
