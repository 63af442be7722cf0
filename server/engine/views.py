"""`view(state, seat)`: the only way state leaves the core. Each seat sees the public district and
its own private numbers; nothing private of another seat (cash, costs, decisions, private chat,
other seats' deals) is in it. Views are plain dicts of numbers, text and lists (msgpack-ready).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from district.server.engine.deals import visible_deals
from district.server.engine.decisions import broker_hours, decision_limits, spendable
from district.server.engine.indicators import SCOREBOARDS
from district.server.engine.policy import effective_enforcement, outside_wage
from district.server.engine.scenario import FACTORS, FOCI
from district.server.engine.state import State, role_of

PUBLIC_SEATS = ("facilitator", "observer")


def _r(x: float, nd: int = 2) -> float:
    return round(float(x), nd)


def cent_up(x: float) -> float:
    """A floor shown to the cent, rounded up: whoever pays the floor they see is never found
    below the floor the audits check (rounding to the nearest cent put bots paying "the floor"
    a fraction of a cent under it, and every one of them was audited)."""
    c = math.ceil(float(x) * 100.0) / 100.0
    while c < x:  # the float product can round down past an exact cent
        c = math.nextafter(c, math.inf)
    return c


def _tender(t: Any, full: bool = True) -> dict[str, Any]:
    d = {
        "id": t.id,
        "round": t.round,
        "buyer": t.buyer,
        "operations": dict(t.operations),
        "volume": t.volume,
        "price": t.price,
        "min_quality": t.min_quality,
        "delivery_rounds": t.delivery_rounds,
        "penalty": t.penalty,
        "status": t.status,
    }
    if t.status in ("awarded", "done"):
        d.update(
            winner=list(t.winner),
            winner_deal=t.winner_deal,
            winning_price=_r(t.winning_price),
            delivered=_r(t.delivered),
        )
    return d


def _cached(state: State, name: str, key: tuple, make: Any) -> Any:
    """Derived public data is the same for every seat until the state changes in a way the key
    names; views are built many times a round (every seat, every bot pass), the data once."""
    hit = state.cache.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = make(state)
    state.cache[name] = (key, value)
    return value


def _public_key(state: State) -> tuple:
    """Everything that can change the public firm table or history between phases: a new round or
    phase, events (news), and networks founded, joined or closed."""
    return (
        state.round,
        state.phase,
        state.firms.n,
        len(state.news),
        len(state.history),
        tuple((n.id, len(n.members), n.alive) for n in state.networks),
    )


def public_firms(state: State) -> list[dict[str, Any]]:
    return _cached(state, "firms", _public_key(state), _make_public_firms)


def _make_public_firms(state: State) -> list[dict[str, Any]]:
    f = state.firms
    ops = state.scenario.operations
    seat_of = state.seat_of_firm()
    member: dict[int, list[str]] = {}
    for net in state.networks:
        if net.alive:
            for m in net.members:
                member.setdefault(m, []).append(net.id)
    out = []
    for i in range(f.n):
        health = (
            "closed"
            if not f.alive[i]
            else (
                "new"
                if f.born[i] == state.round
                else ("struggling" if f.profit[i] < 0 else "healthy")
            )
        )
        out.append(
            {
                "id": i,
                "name": f.name[i],
                "sector": state.scenario.sectors[int(f.sector[i])],
                "x": _r(f.x[i], 3),
                "y": _r(f.y[i], 3),
                "alive": bool(f.alive[i]),
                "workers": int(round(float(f.workers[i]))),
                "focus": FOCI[int(f.focus[i])],
                "reputation": _r(f.reputation[i]),
                "operations": [ops[j] for j in np.flatnonzero(f.caps[i] > 0.05)],
                "networks": member.get(i, []),
                "audited": bool(f.audited[i]),
                "union": _r(f.union_share[i], 1),
                "seat": seat_of.get(i),
                "born": int(f.born[i]),
                "died": int(f.died[i]),
                "health": health,
                "preferred": bool(f.preferred[i]),
                "exporter": bool(f.exports[i] > 0),
            }
        )
    return out


def public_view(state: State) -> dict[str, Any]:
    inst = state.institutions
    m = state.markets
    sc = state.scenario
    last = state.reports[-1] if state.reports else None
    return {
        "round": state.round,
        "rounds": sc.rounds,
        "phase": state.phase,
        "scenario": {
            "name": sc.name,
            "title": sc.title,
            "summary": sc.summary,
            "currency": sc.currency,
            "operations": list(sc.operations),
            "sectors": list(sc.sectors),
            "round_length": sc.round_length,
            "teaches": list(sc.teaches),
            "questions": list(sc.questions),
        },
        "institutions": {
            "wage_floor": cent_up(inst.wage_floor),
            "enforcement": _r(effective_enforcement(state)),
            "union_power": _r(inst.union_power),
            "payroll_tax": _r(inst.payroll_tax, 3),
            "infrastructure": _r(inst.infrastructure),
            "training_match": _r(inst.training_match),
            "network_grant": _r(inst.network_grant),
            "approval": _r(inst.approval),
            "interest_rate": _r(inst.interest_rate, 3),
            "reference_wage": _r(inst.reference_wage),
            "outside_wage": _r(outside_wage(state)),
        },
        "markets": {
            "commodity_price": _r(m.commodity_price),
            "commodity_demand": _r(m.commodity_demand),
            "niche_demand": _r(m.niche_demand),
            "export_demand": _r(m.export_demand),
            "import_pressure": _r(m.import_pressure),
            "reference_price": state.params.commodity_price,
        },
        "labour": {
            "unemployed": int(round(state.labour.unemployed)),
            "unemployment_rate": _r(state.history[-1]["unemployment_rate"], 3)
            if state.history
            else None,
        },
        "firms": [dict(x) for x in public_firms(state)],
        "networks": [
            {
                "id": n.id,
                "name": n.name,
                "members": list(n.members),
                "alive": n.alive,
                "stock": {k: _r(v) for k, v in zip(FACTORS, n.stock, strict=True)},
                "founded": n.founded,
                "broker": n.broker,
            }
            for n in state.networks
        ],
        "tenders": [_tender(t) for t in state.tenders if t.status != "upcoming"],
        "news": list(state.news),
        "history": [
            dict(h)
            for h in _cached(
                state,
                "history",
                (len(state.history),),
                lambda s: [{k: _r(v, 3) for k, v in h.items()} for h in s.history],
            )
        ],
        # before round 1's report the boards show the district as built (indicators.opening)
        "scoreboards": dict(last["scoreboards"]) if last else _start_boards(state),
        "start_scoreboards": _start_boards(state),
        "last_report": _public_report(last) if last else None,
        "seats": [
            {"id": s.id, "role": s.role, "name": s.name, "firm": s.firm}
            for s in state.seats.values()
        ],
        "ready": sorted(state.ready),
        "chat_muted": state.chat_muted,
    }


def _start_boards(state: State) -> dict[str, float]:
    return {k: state.start[k] for k in SCOREBOARDS if k in state.start}


def _public_report(rep: dict[str, Any]) -> dict[str, Any]:
    d = rep["details"]
    keep = (
        "tenders_awarded",
        "audits",
        "exits",
        "entries",
        "strikes",
        "poached",
        "trainees",
        "commodity_price",
        "broker_actions",
        "tender_shortfalls",
        "deal_outcomes",
    )
    details = {k: d[k] for k in keep if k in d}
    if "tender_shortfalls" in details:  # keyed by firm number inside the engine; lists on the wire
        details["tender_shortfalls"] = [
            {
                "tender": s["tender"],
                "short": s["short"],
                "members": [{"firm": int(m), "units": u} for m, u in s["members"].items()],
            }
            for s in details["tender_shortfalls"]
        ]
    return {
        "round": rep["round"],
        "scoreboards": rep["scoreboards"],
        "news": rep["news"],
        "details": details,
    }


def _firm_private(state: State, seat: str) -> dict[str, Any]:
    f = state.firms
    i = state.firm_of(seat)
    ops = state.scenario.operations
    known = {j for net in state.networks if net.alive and i in net.members for j in net.members}
    for bs in state.broker_state.values():
        known |= set(bs["known_caps"].get(str(i), []))
    known.discard(i)
    wages = f.workers[i] * f.wage[i] + f.skilled[i] * f.wage[i] * f.skill_pay[i] + f.rent_pay[i]
    return {
        "firm": i,
        "cash": _r(f.cash[i]),
        "debt": _r(f.debt[i]),
        "credit": _r(f.credit[i]),
        "spendable": _r(spendable(state, i)),
        "wage": _r(f.wage[i]),
        "skill_pay": _r(f.skill_pay[i]),
        "workers": _r(f.workers[i]),
        "skilled": _r(f.skilled[i]),
        "skill": _r(f.skill[i], 3),
        "technology": _r(f.technology[i], 3),
        "capabilities": {ops[j]: _r(f.caps[i, j]) for j in range(len(ops))},
        "quality": _r(f.quality[i], 3),
        "productivity": _r(f.productivity[i], 3),
        "revenue": _r(f.revenue[i]),
        "profit": _r(f.profit[i]),
        "exports": _r(f.exports[i]),
        "wage_bill": _r(wages),
        "rent_pay": _r(f.rent_pay[i]),  # the workers' bargained share of last round's rent
        "fines": _r(f.fines[i]),
        "in_training": _r(f.pipeline[i].sum()),
        "trained_last_round": _r(f.trained[i]),
        "lost_skilled": _r(f.lost_skilled[i]),
        "gained_skilled": _r(f.gained_skilled[i]),
        "underpaid_rounds": int(f.underpaid[i]),
        "price_stance": _r(f.price_stance[i]),
        "focus": FOCI[int(f.focus[i])],
        "public_debt": _r(f.public_debt[i]),
        "net_worth": _r(f.cash[i] - f.debt[i] - f.public_debt[i]),
        "net_worth_start": _r(f.net_worth0[i]),
        "drawn": _r(f.drawn[i]),  # what the owners have drawn out of the firm so far
        "trust": [_r(x) for x in state.trust[i]],
        "known_capabilities": {
            str(j): {ops[k]: _r(f.caps[j, k]) for k in np.flatnonzero(f.caps[j] > 0.05)}
            for j in sorted(known)
        },
        "anti_poach": int(f.anti_poach[i] > 0),  # 1: a levy's clause binds it
        # brokers that have held an event for it or introduced it (it was there)
        "brokers_met": sorted(
            b for b, bs in state.broker_state.items() if i in bs.get("worked", [])
        ),
        # firms it has met at a broker's events or been introduced to
        "met_through_brokers": sorted(
            {j for bs in state.broker_state.values() for j in bs.get("met", {}).get(str(i), [])}
        ),
    }


def _history_mine(state: State, seat: str) -> list[float]:
    return [float(r["scores"].get(seat, 0.0)) for r in state.reports]


def view(state: State, seat: str) -> dict[str, Any]:
    """What `seat` may see. 'facilitator' and 'observer' get the public view (the facilitator also
    sees every seat's readiness and role scores, which are public at the debrief anyway). A playing
    seat also gets `limits`: its decisions' ranges, exactly as the engine checks them."""
    v = public_view(state)
    v["seat"] = seat
    role = role_of(seat) if seat not in PUBLIC_SEATS else seat
    v["role"] = role
    v["deals"] = visible_deals(state, seat)
    v["chat"] = [
        {k: x for k, x in m.items() if k != "audience"}
        for m in state.chat
        if m["audience"] == "public" or seat in m["audience"]
    ][-200:]
    if seat in PUBLIC_SEATS:
        if seat == "facilitator":
            v["scores"] = dict(state.reports[-1]["scores"]) if state.reports else {}
        return v
    v["limits"] = decision_limits(state, seat)
    me: dict[str, Any] = {
        "decisions": dict(state.decisions.get(seat, {})),
        "score": state.reports[-1]["scores"].get(seat) if state.reports else None,
        "score_history": _history_mine(state, seat),
    }
    if role == "firm":
        me.update(_firm_private(state, seat))
    elif role == "union":
        me.update(
            funds=_r(state.accounts.union),
            strikes=state.union_state.get("strikes", []),
            campaigns=state.union_state.get("campaigns", []),
            trust=[_r(x) for x in state.inst_trust[state.inst_ids.index("union")]],
        )
    elif role == "government":
        inst = state.institutions
        me.update(
            budget=_r(state.accounts.government),
            enforcement_spend=_r(inst.enforcement_spend),
            enforcement_cost=state.params.enforcement_cost,
            broker_programme=_r(inst.broker_programme),
            infrastructure_spend=_r(inst.infrastructure_spend),
            trust=[_r(x) for x in state.inst_trust[state.inst_ids.index("government")]],
        )
    elif role == "broker":
        bs = state.broker_state[seat]
        ops = state.scenario.operations
        f = state.firms
        me.update(
            funds=_r(state.accounts.brokers.get(seat, 0.0)),
            hours=_r(broker_hours(state, seat)),
            draft_hours=state.params.draft_hours,
            event_hours=state.params.event_hours,
            intro_hours=state.params.intro_hours,
            intel_hours=state.params.intel_hours,
            fees=_r(bs["fees"]),
            reputation=_r(bs["reputation"]),
            events_held=bs["events"],
            introductions=bs["intros"],
            worked_with=sorted(bs.get("worked", [])),
            intel=[_tender(t) for t in state.tenders if t.id in bs["intel"]],
            known_capabilities={
                k: {ops[c]: _r(f.caps[int(k), c]) for c in np.flatnonzero(f.caps[int(k)] > 0.05)}
                for k in sorted(
                    {str(x) for v_ in bs["known_caps"].values() for x in v_} | set(bs["known_caps"])
                )
            },
            trust=[_r(x) for x in state.inst_trust[state.inst_ids.index(seat)]],
        )
    v["me"] = me
    return v
