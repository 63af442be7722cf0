"""What signed deals do in resolution, and how they are enforced.

- on_signed: one-off effects (a charter founds a network, credit is paid out, a levy binds its
  members against poaching each other).
- take_effect: per-round flows at the start of resolution (levies collect and train, fees, grants,
  and the failures of deals signed across a trust gate they did not meet).
- move_work: subcontracts move capacity from supplier to buyer; technical assistance and piece
  rates act on the supplier.
- consortium_bids: active joint bids bid as one; their quality is capped by the members' shared
  factor stock (004: production networks only work on top of factor-creating ones).
- enforce: delivery shares and penalties, credit repayments and audits, standards audits,
  fulfilment at the end of a term, trust from kept and broken promises.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine.deals import Deal, deal_summary, expire_proposals
from district.server.engine.markets import INTELLIGENCE, QUALITY, TRAINING, factor_access
from district.server.engine.policy import effective_enforcement
from district.server.engine.scenario import FACTORS
from district.server.engine.state import Network, State, role_of


def _firms(state: State, d: Deal) -> list[int]:
    return [state.firm_of(p) for p in d.parties if role_of(p) == "firm"]


def _note(report: dict[str, Any], d: Deal, text: str, **extra: Any) -> None:
    report.setdefault("deal_outcomes", []).append(
        {"deal": d.id, "kind": d.kind, "text": text, **extra}
    )


def _end(state: State, d: Deal, status: str, why: str = "") -> None:
    d.status = status
    d.history.append({"round": state.round, "action": status, "why": why})


def _trust_among(state: State, idx: list[int], delta: float) -> None:
    if len(idx) < 2:
        return
    a = np.array(idx)
    sub = state.trust[np.ix_(a, a)]
    state.trust[np.ix_(a, a)] = np.clip(sub + delta, 0.0, 1.0)
    np.fill_diagonal(state.trust, 1.0)


def breach(state: State, d: Deal, firm: int, why: str, report: dict[str, Any]) -> None:
    """A party broke the deal: the others' trust in it falls, its reputation too."""
    others = [i for i in _firms(state, d) if i != firm]
    f = state.firms
    for o in others:
        state.trust[o, firm] = max(0.0, state.trust[o, firm] - 0.2)
    f.reputation[firm] = max(0.0, f.reputation[firm] - 0.05)
    d.breaches.append({"round": state.round, "firm": firm, "why": why})
    _end(state, d, "breached", why)
    _note(report, d, f"{f.name[firm]} broke the {d.kind.replace('_', ' ')}: {why}", firm=firm)


# --- signing ------------------------------------------------------------------------------------


def on_signed(state: State, d: Deal) -> None:
    f = state.firms
    acc = state.accounts
    t = d.terms
    members = _firms(state, d)
    if d.kind == "network_charter":
        services = [FACTORS.index(s) for s in t["services"]]
        broker = d.drafted_by or next((p for p in d.parties if role_of(p) == "broker"), "")
        net = Network(
            id=state.next_id("network"),
            name=t["name"],
            members=sorted(members),
            stock=np.zeros(len(FACTORS)),
            dues=t["dues"],
            founded=state.round,
            deal=d.id,
            broker=broker,
        )
        net.services = services
        state.networks.append(net)
        d.ledger["network"] = float(len(state.networks) - 1)
    elif d.kind == "training_levy" and t["anti_poaching"]:
        group = int(d.id.split("-")[1])
        f.anti_poach[members] = group
    elif d.kind == "conditional_credit":
        i = members[0]
        amount = min(t["amount"], max(0.0, acc.government))
        acc.government -= amount
        f.cash[i] += amount
        f.public_debt[i] += amount
        d.ledger["outstanding"] = amount
        d.ledger["rate"] = t["rate"]
        if t["purpose"] == "technology":  # the money buys machines
            spend = min(amount, max(0.0, f.cash[i]))
            f.cash[i] -= spend
            acc.world += spend
            step = spend / (state.params.tech_cost_per_worker * max(f.workers[i], 1.0))
            f.technology[i] = min(1.0, f.technology[i] + step * (1.0 - f.technology[i]))
        elif t["purpose"] == "training":
            spend = min(amount, max(0.0, f.cash[i]))
            f.cash[i] -= spend
            acc.world += spend
            f.funded_trainees[i] += spend / state.params.training_cost
        if "scrap_machines" in t["conditions"]:
            # 003 fn 12: aid conditional on scrapping old machines destroyed the second-hand
            # market small firms lived on: the borrower loses its old machines, entrants find none
            f.technology[i] = max(0.0, f.technology[i] - 0.1)
            state.counters["secondhand_scrapped"] = state.counters.get("secondhand_scrapped", 0) + 1
    elif d.kind == "challenge_grant":
        net = _group_network(state, members)
        if net is None:
            net = Network(
                id=state.next_id("network"),
                name="Grant network",
                members=sorted(members),
                stock=np.zeros(len(FACTORS)),
                dues=0.0,
                founded=state.round,
                deal=d.id,
                broker=d.drafted_by or next((p for p in d.parties if role_of(p) == "broker"), ""),
            )
            net.services = [FACTORS.index(s) for s in t["services"]]
            state.networks.append(net)
        d.ledger["network"] = float(state.networks.index(net))


def _group_network(state: State, members: list[int]) -> Network | None:
    want = set(members)
    for net in state.networks:
        if net.alive and want <= set(net.members):
            return net
    return None


# --- per round, before the labour market ----------------------------------------------------


def take_effect(state: State, report: dict[str, Any]) -> None:
    f = state.firms
    acc = state.accounts
    inst = state.institutions
    prm = state.params
    base_clause = state.scenario.institutions["pass_through_clause"]
    clause = base_clause
    for d in list(state.deals.values()):
        if d.status != "active":
            continue
        members = [i for i in _firms(state, d) if f.alive[i]]
        t = d.terms
        if (
            d.forced
            and members
            and d.kind in ("joint_bid", "subcontract", "network_charter", "training_levy")
        ):
            p_fail = min(0.9, 0.3 + 2.0 * (d.gate - d.trust))
            if state.rng.random() < p_fail:
                worst = min(
                    members,
                    key=lambda i: min((state.trust[j, i] for j in members if j != i), default=1.0),
                )
                d.ledger["defector"] = float(worst)
                if d.kind in ("network_charter", "training_levy"):
                    breach(
                        state,
                        d,
                        worst,
                        "pulled out: the members did not trust each other enough",
                        report,
                    )
                    if d.kind == "network_charter" and "network" in d.ledger:
                        net = state.networks[int(d.ledger["network"])]
                        net.members = [m for m in net.members if m != worst]
                    continue
        if d.kind == "training_levy":
            payroll = f.workers * f.wage
            total = 0.0
            for i in members:
                due = t["levy_rate"] * payroll[i]
                if f.cash[i] < due:
                    breach(state, d, i, f"could not pay its levy of {due:.0f}k", report)
                    break
                f.cash[i] -= due
                total += due
            if d.status != "active":
                continue
            match = (
                min(total * t["government_match"], max(0.0, acc.government))
                if "government" in d.parties
                else 0.0
            )
            acc.government -= match
            pool = total + match
            acc.world += pool  # paid to the college
            weights = payroll[members] / max(payroll[members].sum(), 1e-9)
            cost = prm.training_cost * (1.1 if t["training_type"] == "cross_functional" else 1.0)
            for i, w in zip(members, weights, strict=True):
                f.funded_trainees[i] += pool * w / cost
                if t["training_type"] == "cross_functional":
                    f.technology[i] = min(1.0, f.technology[i] + 0.01)
            clause = max(
                clause,
                min(
                    1.0,
                    t["pass_through"] + (0.2 if t["union_seat"] and "union" in d.parties else 0.0),
                ),
            )
            d.ledger["collected"] = d.ledger.get("collected", 0.0) + pool
        elif d.kind == "broker_engagement":
            broker = next(p for p in d.parties if role_of(p) == "broker")
            payers = [p for p in d.parties if role_of(p) in ("firm", "government")]
            for p in payers:
                if p == "government":
                    fee = min(t["fee"], max(0.0, acc.government))
                    acc.government -= fee
                else:
                    i = state.firm_of(p)
                    if not f.alive[i]:
                        continue
                    fee = t["fee"]
                    f.cash[i] -= fee
                acc.brokers[broker] += fee
                state.broker_state[broker]["fees"] += fee
        elif d.kind == "challenge_grant":
            net = state.networks[int(d.ledger["network"])]
            live = [m for m in net.members if f.alive[m]]
            services = len(net.services) if net.services else int((net.stock > 0.05).sum())
            activities = services + sum(
                1
                for o in state.deals.values()
                if o.status == "active"
                and o.id != d.id
                and o.kind in ("joint_bid", "subcontract", "training_levy", "network_charter")
                and set(_firms(state, o)) & set(live)
            )
            if len(live) >= t["min_firms"] and activities >= t["min_activities"] and net.alive:
                grant = min(t["amount"], max(0.0, acc.government))
                acc.government -= grant
                match_each = t["match_share"] * grant / max(1, len(live))
                f.cash[live] -= match_each
                acc.world += grant + match_each * len(live)  # spent on the network's services
                net.extra_funding += grant + match_each * len(live)
                d.ledger["paid"] = d.ledger.get("paid", 0.0) + grant
            else:
                _note(
                    report,
                    d,
                    f"the group did not qualify this round ({len(live)} firms, {activities} joint activities)",
                )
    inst.pass_through_clause = clause


def move_work(state: State, cap: np.ndarray, report: dict[str, Any]) -> None:
    """Subcontracts: the supplier makes units for the buyer, who sells them as its own."""
    f = state.firms
    for d in state.deals.values():
        if d.status != "active" or d.kind != "subcontract":
            continue
        t = d.terms
        b, s = state.firm_of(t["buyer"]), state.firm_of(t["supplier"])
        if not (f.alive[b] and f.alive[s]):
            _end(state, d, "expired", "a party closed")
            continue
        if d.ledger.get("defector") is not None and "defector" in d.ledger:
            d.ledger.pop("defector")
            breach(
                state, d, s, "did not deliver: the firms did not trust each other enough", report
            )
            continue
        units = min(t["volume"], cap[s])
        if units < t["volume"] - 1e-6 and not t["exit_clause"]:
            breach(state, d, s, f"delivered {units:.1f} of {t['volume']:g} units", report)
        cap[s] -= units
        cap[b] += units
        pay = units * t["unit_price"] + t["assistance"]
        f.cash[b] -= pay
        f.cash[s] += pay
        if t["assistance"] > 0:
            w = max(f.workers[s], 1.0)
            f.skill[s] = min(
                1.0, f.skill[s] + 0.3 * t["assistance"] / (state.params.training_cost * w)
            )
            f.technology[s] = min(
                1.0,
                f.technology[s]
                + 0.5
                * t["assistance"]
                / (state.params.tech_cost_per_worker * w)
                * (1 - f.technology[s]),
            )
        if t["piece_rate"]:  # "by the metre": cheaper, but lower quality and retention (003 I-2.3)
            f.quality[s] = max(0.0, f.quality[s] - 0.05)
            f.skill[s] = max(0.0, f.skill[s] - 0.01)
        if d.status == "active":
            state.trust[b, s] = min(1.0, state.trust[b, s] + 0.03)
            state.trust[s, b] = min(1.0, state.trust[s, b] + 0.03)
        d.ledger["units"] = d.ledger.get("units", 0.0) + units


def consortium_bids(
    state: State, cap: np.ndarray, report: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Active joint bids whose tender is open bid as one consortium."""
    f = state.firms
    ops = state.scenario.operations
    access = factor_access(state)
    out = []
    for d in state.deals.values():
        if d.status != "active" or d.kind != "joint_bid":
            continue
        t = d.terms
        tender = next((x for x in state.tenders if x.id == t["tender"]), None)
        if tender is None or tender.status != "open":
            continue
        seats = list(t["shares"])
        members = [state.firm_of(p) for p in seats]
        if not all(f.alive[m] for m in members):
            _end(state, d, "expired", "a member closed before the award")
            continue
        shares = np.array([t["shares"][p] for p in seats])
        idx = np.array(members)
        missing = [
            op for op, lvl in tender.operations.items() if f.caps[idx, ops.index(op)].max() < lvl
        ]
        per_round = tender.volume / tender.delivery_rounds
        why = ""
        if missing:
            why = f"no member does {', '.join(missing)} well enough"
        elif cap[idx].sum() < per_round:
            why = f"the members can make {cap[idx].sum():.0f} units a round; the buyer needs {per_round:.0f}"
        stock = float(np.mean(access[idx][:, [TRAINING, INTELLIGENCE, QUALITY]].mean(axis=1)))
        ceiling = 0.35 + 0.6 * stock
        quality = min(float((f.quality[idx] * shares).sum()), ceiling)
        if not why and quality < tender.min_quality:
            why = (
                f"consortium quality {quality:.2f} is below the buyer's {tender.min_quality:.2f}"
                + (
                    " - the members' shared factor stock is too thin"
                    if ceiling < tender.min_quality
                    else ""
                )
            )
        if why:
            if report is not None:
                _note(report, d, f"joint bid for {tender.id} not eligible: {why}")
            continue
        out.append(
            {
                "tender": tender.id,
                "members": members,
                "shares": list(shares),
                "price": t["price"],
                "quality": quality,
                "reputation": float((f.reputation[idx] * shares).sum()),
                "deal": d.id,
            }
        )
        defector = d.ledger.pop("defector", None)
        tender.defectors = [int(defector)] if defector is not None else []
    return out


# --- after finance ---------------------------------------------------------------------------


def _conditions_met(state: State, d: Deal, i: int) -> list[str]:
    f = state.firms
    floor = state.institutions.wage_floor
    broken = []
    for c in d.terms["conditions"]:
        if (
            (c == "compliance" and f.wage[i] < floor - 1e-9)
            or (c == "wage_floor" and f.wage[i] < 1.05 * floor)
            or (c == "training" and f.training_spend[i] <= 0 and f.trained[i] <= 0)
            or (c == "network" and not any(n.alive and i in n.members for n in state.networks))
            or (
                c == "buyer_contract"
                and not f.preferred[i]
                and not any(
                    o.kind == "subcontract"
                    and o.status == "active"
                    and state.firm_of(o.terms["supplier"]) == i
                    for o in state.deals.values()
                )
            )
            or (c == "certification" and f.quality[i] < 0.55)
        ):
            broken.append(c)
    return broken


def enforce(state: State, report: dict[str, Any]) -> None:
    f = state.firms
    acc = state.accounts
    for d in list(state.deals.values()):
        if d.status != "active":
            continue
        t = d.terms
        members = _firms(state, d)
        if d.kind == "joint_bid":
            tender = next(x for x in state.tenders if x.id == t["tender"])
            if tender.winner_deal != d.id:
                if tender.status != "open":
                    _end(state, d, "expired", "the bid did not win")
                    _note(report, d, f"joint bid for {tender.id} lost")
                continue
            short = next(
                (s for s in report.get("tender_shortfalls", []) if s["tender"] == tender.id), None
            )
            if d.signed_round == state.round or tender.round == state.round:
                broker = next((p for p in d.parties if role_of(p) == "broker"), None)
                if broker and t["broker_fee"] > 0:
                    for p, sh in t["shares"].items():
                        f.cash[state.firm_of(p)] -= t["broker_fee"] * sh
                    acc.brokers[broker] += t["broker_fee"]
                    state.broker_state[broker]["fees"] += t["broker_fee"]
                _note(report, d, f"joint bid won {tender.id} at {tender.winning_price:g} per unit")
            if short:
                for m, miss in short["members"].items():
                    others = [o for o in members if o != m]
                    pen = miss * t["penalty"]
                    f.cash[m] -= pen
                    for o in others:
                        f.cash[o] += pen / len(others)
                    breach(
                        state,
                        d,
                        m,
                        f"left {miss:.1f} units of its share undelivered and paid {pen:.0f}k",
                        report,
                    )
                continue
            if tender.status == "done":
                _trust_among(state, members, 0.1)  # successful joint work (004 S.III)
                _end(state, d, "fulfilled")
                _note(report, d, f"joint bid for {tender.id} delivered in full")
        elif d.kind == "conditional_credit":
            i = members[0]
            out = d.ledger.get("outstanding", 0.0)
            if not f.alive[i]:
                _end(state, d, "breached", "the borrower closed")
                continue
            rounds_left = max(1, d.ends_round - state.round + 1)
            pay = out / rounds_left + out * d.ledger["rate"]
            principal = out / rounds_left
            f.cash[i] -= pay
            acc.government += pay
            f.public_debt[i] = max(0.0, f.public_debt[i] - principal)
            d.ledger["outstanding"] = out - principal
            broken = _conditions_met(state, d, i)
            if broken:
                d.ledger["breached_rounds"] = d.ledger.get("breached_rounds", 0.0) + 1
                if state.rng.random() < t["audit_rate"]:
                    why = f"an audit found the condition{'s' if len(broken) > 1 else ''} {', '.join(broken)} broken"
                    if t["remedy"] == "clawback":
                        rest = d.ledger["outstanding"]
                        f.cash[i] -= rest
                        acc.government += rest
                        f.public_debt[i] = max(0.0, f.public_debt[i] - rest)
                        d.ledger["outstanding"] = 0.0
                        why += f"; {rest:.0f}k clawed back"
                    else:
                        d.ledger["rate"] += 0.1
                        why += "; the rate rises by 10 points"
                        d.ledger["audited_breach"] = 1.0
                    f.credit[i] = max(0.0, f.credit[i] - 0.2)
                    breach(state, d, i, why, report)
                    if t["remedy"] == "penalty_rate":
                        d.status = "active"  # the loan runs on at the penalty rate
                    continue
            if state.round >= d.ends_round and d.status == "active":
                _end(state, d, "fulfilled")
        elif d.kind == "standards_agreement":
            floor = t["wage_floor"]
            p = effective_enforcement(state) + (0.3 if "government" in d.parties else 0.0)
            for i in members:
                if f.alive[i] and f.wage[i] < floor - 1e-9 and state.rng.random() < p:
                    back = (floor - f.wage[i]) * f.workers[i]
                    f.cash[i] -= back
                    acc.world += back
                    state.inst_trust[state.inst_ids.index("union"), i] = max(
                        0.0, state.inst_trust[state.inst_ids.index("union"), i] - 0.2
                    )
                    breach(
                        state,
                        d,
                        i,
                        f"paid {f.wage[i]:.1f} under the agreed floor {floor:.1f} and owed {back:.0f}k back pay",
                        report,
                    )
                    break
            if d.status == "active" and t["no_strike"]:
                for s in report.get("strikes", []):
                    if s["firm"] in members and s.get("loss", 0) > 0:
                        d.breaches.append(
                            {"round": state.round, "seat": "union", "why": "struck a signatory"}
                        )
                        _end(state, d, "breached", "the union struck a signatory")
        if d.status == "active" and d.kind != "joint_bid" and state.round >= d.ends_round:
            if d.kind == "network_charter":
                _note(
                    report,
                    d,
                    "the charter's term ended; the network lives on if members keep paying dues",
                )
            _trust_among(state, members, 0.05)  # kept promises
            if d.kind == "training_levy" and t["anti_poaching"]:
                group = int(d.id.split("-")[1])
                f.anti_poach[f.anti_poach == group] = 0
            _end(state, d, "fulfilled")
    report["expired_proposals"] = expire_proposals(state)
    report["deal_summary"] = deal_summary(state)
