"""Institutions: the government's programmes, the union's actions, audits of the wage floor,
networks and their factor stock, brokers' time, trust, and the pass-through of productivity to the
wage floor.

Sources: 000 II.d and III.3-4 (standards "take wages out of competition", the union enforces the
sharing of gains, public money conditional on compliance); 004 S.II-IV (factor-creating networks,
brokers, the trust ladder, Danish grants for >= 3 firms doing >= 2 joint activities).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine import flows
from district.server.engine.policy import effective_enforcement
from district.server.engine.scenario import FACTORS
from district.server.engine.state import State


def government(state: State, report: dict[str, Any]) -> None:
    """Apply the government's decisions for the round: tax rate, programmes, spending."""
    d = state.decisions.get("government", {})
    inst = state.institutions
    acc = state.accounts
    if "payroll_tax" in d:
        inst.payroll_tax = d["payroll_tax"]
    inst.training_match = d.get("training_match", inst.training_match)
    spend = {
        k: d.get(k, 0.0)
        for k in ("enforcement_spend", "broker_programme", "infrastructure", "publicity")
    }
    total = sum(spend.values())
    scale = min(1.0, max(0.0, acc.government) / total) if total > 0 else 0.0
    for k in spend:
        spend[k] *= scale
    inst.enforcement_spend = spend["enforcement_spend"]
    inst.infrastructure_spend = spend["infrastructure"]
    inst.publicity = spend["publicity"]
    inst.broker_programme = spend["broker_programme"]
    inst.network_grant = d.get("network_grant", 0.0)
    acc.government -= spend["enforcement_spend"] + spend["infrastructure"] + spend["publicity"]
    acc.world += spend["enforcement_spend"] + spend["infrastructure"] + spend["publicity"]
    flows.record(
        state, "spending", "government", "world", total * scale - spend["broker_programme"]
    )
    inst.infrastructure = min(1.0, inst.infrastructure * 0.97 + spend["infrastructure"] / 2000.0)
    brokers = sorted(state.accounts.brokers)
    if brokers and spend["broker_programme"] > 0:
        each = spend["broker_programme"] / len(brokers)
        for b in brokers:
            acc.brokers[b] += each
            flows.record(state, "subsidy", "government", b, each)
        acc.government -= spend["broker_programme"]
    elif spend["broker_programme"] > 0:
        inst.broker_programme = 0.0
    # a funded programme lets brokers work (near) full time (004 S.IV)
    for bs in state.broker_state.values():
        funded = inst.broker_programme / max(1, len(brokers))
        bs["hours"] = state.params.broker_hours * float(np.clip(0.6 + funded / 50.0, 0.6, 1.2))
    report["government_spend"] = total * scale


def union(state: State, report: dict[str, Any]) -> np.ndarray:
    """Organising, campaigns and strikes. Returns the output lost to strikes, per firm (0-1)."""
    f = state.firms
    prm = state.params
    acc = state.accounts
    loss = np.zeros(f.n)
    if "union" not in state.seats:
        return loss
    d = state.decisions.get("union", {})
    ui = state.inst_ids.index("union")
    for o in d.get("organise", []):
        i, spend = o["firm"], min(o["spend"], max(0.0, acc.union))
        acc.union -= spend
        acc.world += spend
        flows.record(state, "organising", "union", "world", spend)
        if f.alive[i]:
            f.union_share[i] = min(
                1.0, f.union_share[i] + 0.1 * spend / prm.organising_cost * (1 - f.union_share[i])
            )
    if d.get("referral") and acc.union >= 10.0:
        acc.union -= 10.0
        acc.world += 10.0
        flows.record(state, "referral", "union", "world", 10.0)
    # members join the firms' training as far as the union encourages them (GAME.md section 3;
    # 000 III.3: the union co-runs training): where it holds back, fewer members enrol and the
    # firms' training money for them is not spent
    join = float(d.get("training_participation", 1.0))
    if join < 1.0:
        enrol = 1.0 - f.union_share * (1.0 - join)
        f.training_spend *= enrol
        f.funded_trainees *= enrol
    state.union_state["campaigns"] = [i for i in d.get("campaign", []) if f.alive[i]]
    strikes = []
    s = d.get("strike")
    if s and f.alive[s["firm"]]:
        i = s["firm"]
        if f.wage[i] < s["demand"] and f.union_share[i] >= 0.2:
            loss[i] = prm.strike_output_loss * min(1.0, f.union_share[i] / 0.5)
            pay = min(
                max(0.0, acc.union), 0.2 * f.workers[i] * f.union_share[i] * f.wage[i] * loss[i]
            )
            acc.union -= pay
            acc.world += pay
            flows.record(state, "strike_pay", "union", "world", pay)
            state.inst_trust[ui, i] = max(0.0, state.inst_trust[ui, i] - 0.1)
            strikes.append({"firm": i, "demand": s["demand"], "loss": float(loss[i])})
        else:
            strikes.append({"firm": i, "demand": s["demand"], "loss": 0.0, "settled": True})
    state.union_state["strikes"] = strikes
    report["strikes"] = strikes
    return loss


def union_dues(state: State) -> None:
    f = state.firms
    if "union" not in state.seats:
        return
    dues = float((f.workers * f.union_share * f.wage).sum()) * state.params.union_dues_rate
    state.accounts.union += dues
    state.accounts.world -= dues
    flows.record(state, "dues", "world", "union", dues)


def audits(state: State, report: dict[str, Any]) -> None:
    """Firms paying below the floor are audited with the enforcement's probability (more where the
    union campaigns). Found: back pay, a fine to the government, lost reputation (000 III.4)."""
    f = state.firms
    prm = state.params
    inst = state.institutions
    acc = state.accounts
    floor = inst.wage_floor
    under = f.alive & (f.wage < floor - 1e-9)
    p = np.full(f.n, effective_enforcement(state))
    for i in state.union_state.get("campaigns", []):
        p[i] = min(1.0, p[i] + 0.3)
    for i in state.union_state.get("policed", []):  # a standards agreement's compliance clause
        p[i] = min(1.0, p[i] + 0.3)
    draw = state.rng.random(f.n)
    found = under & (draw < p)
    f.audited[:] = found
    f.fines[:] = 0.0
    gap = np.maximum(0.0, floor - f.wage) * f.workers
    rounds_owed = 1.0 + np.minimum(f.underpaid, prm.audit_lookback)
    back = np.where(found, gap * rounds_owed, 0.0)
    fine = back * prm.audit_fine_multiple
    f.cash -= back + fine
    f.fines = back + fine
    acc.world += float(back.sum())
    acc.government += float(fine.sum())
    flows.record(state, "back_pay", found, "world", back[found])
    flows.record(state, "fine", found, "government", fine[found])
    f.reputation[found] = np.maximum(0.0, f.reputation[found] - prm.audit_reputation_loss)
    f.underpaid = np.where(found, 0.0, np.where(under, f.underpaid + 1.0, 0.0))
    f.compliant = f.alive & ~under
    report["audits"] = [int(i) for i in np.flatnonzero(found)]
    report["below_floor"] = int(under.sum())
    report["fines"] = float(fine.sum())
    report["back_pay"] = float(back.sum())


def networks(state: State, report: dict[str, Any]) -> None:
    """Members pay dues into their networks; dues and grants build factor stock, which decays
    unless funded (004 S.II). The government's grant goes to networks of >= 3 firms funding >= 2
    factors (the Danish rule, 004 S.II)."""
    f = state.firms
    prm = state.params
    acc = state.accounts
    inst = state.institutions
    paid_grants = 0.0
    joined = 0
    for net in state.networks:
        if not net.alive:
            continue
        net.members = [m for m in net.members if f.alive[m]]
        if len(net.members) < 2:
            net.alive = False
            continue
        idx = np.array(net.members)
        dues = np.minimum(net.dues, np.maximum(0.0, f.cash[idx]))
        f.cash[idx] -= dues
        acc.world += float(dues.sum())  # dues buy services from outside
        flows.record(state, "dues", idx, "world", dues)
        fund = float(dues.sum()) + net.extra_funding  # plus grants already paid (deal_effects)
        net.extra_funding = 0.0
        active = net.stock > 0.05
        if len(idx) >= 3 and active.sum() >= 2 and inst.network_grant > 0:
            grant = min(inst.network_grant, max(0.0, acc.government))
            acc.government -= grant
            acc.world += grant
            flows.record(state, "grant", "government", "world", grant)
            fund += grant
            paid_grants += grant
        net.funded_last = fund
        scale = prm.factor_cost * max(1.0, len(idx) / 10.0)
        if net.services:
            kinds = np.zeros(len(FACTORS), dtype=bool)
            kinds[net.services] = True
        else:
            kinds = active if active.any() else np.ones(len(FACTORS), dtype=bool)
        add = np.where(kinds, fund / scale / kinds.sum(), 0.0)
        net.stock = np.clip(net.stock * (1.0 - prm.factor_decay) + add, 0.0, 1.0)
        # members meet: trust grows inside a network, faster in a closed (static) one (004 S.II
        # L1787-1788: "the initial efforts almost require static membership to build trust")
        gain = prm.trust_network_gain * (1.0 if net.open else CLOSED_TRUST_GAIN)
        sub = state.trust[np.ix_(idx, idx)]
        state.trust[np.ix_(idx, idx)] = np.minimum(1.0, sub + gain * (1.0 - sub))
        if net.open:
            joined += admit(state, net)
        if net.governance == "tripartite":
            # 000 III.3 and Conclusion: gains reach workers where an institutional context
            # (union, employers and government together) forces their distribution
            inst.pass_through_clause = max(inst.pass_through_clause, TRIPARTITE_PASS_THROUGH)
    report["network_grants"] = paid_grants
    report["network_joined"] = joined


CLOSED_TRUST_GAIN = 1.5  # assumption: a closed network's trust gain, relative to an open one's
JOIN_TRUST = 0.3  # assumption: trust in the members a firm needs to join, a broker vouching
JOINS_PER_ROUND = 1  # assumption: firms an open network takes in a round
TRIPARTITE_PASS_THROUGH = 0.3  # assumption: pass-through to the floor a tripartite board secures


def admit(state: State, net: Any) -> int:
    """An open network with a broker takes in firms outside every network that the broker has
    worked with (its events and introductions) and that trust the members enough: the broker's
    work, not its existence, carries networking beyond the founders (004 S.II L1655-1674, S.III
    L3334-3355), to background firms as well as seats."""
    f = state.firms
    bs = state.broker_state.get(net.broker)
    if bs is None:
        return 0
    inside = {m for n in state.networks if n.alive for m in n.members}
    cands = [
        i
        for i in bs.get("worked", [])
        if f.alive[i]
        and i not in inside
        and float(state.trust[i, net.members].mean()) >= JOIN_TRUST
        and f.cash[i] >= net.dues
    ]
    cands.sort(key=lambda i: (-float(state.trust[i, net.members].mean()), i))
    take = cands[:JOINS_PER_ROUND]
    net.members = sorted(net.members + take)
    return len(take)


def brokers(state: State, report: dict[str, Any]) -> None:
    """Brokers' events raise trust among attendees; introductions raise trust between two firms and
    reveal their capabilities to each other; intelligence shows next round's tenders (004 S.III)."""
    prm = state.params
    done = []
    for seat, bs in state.broker_state.items():
        d = state.decisions.get(seat, {})
        bi = state.inst_ids.index(seat)
        for attendees in d.get("events", []):
            idx = np.array([a for a in attendees if state.firms.alive[a]])
            if len(idx) < 2:
                continue
            sub = state.trust[np.ix_(idx, idx)]
            state.trust[np.ix_(idx, idx)] = np.minimum(
                1.0, sub + prm.trust_event_gain * (1.0 - sub)
            )
            state.inst_trust[bi, idx] = np.minimum(1.0, state.inst_trust[bi, idx] + 0.05)
            worked(bs, [int(x) for x in idx])
            bs["events"] += 1
            done.append({"broker": seat, "event": [int(x) for x in idx]})
        for a, b in d.get("intros", []):
            for x, y in ((a, b), (b, a)):
                state.trust[x, y] = min(
                    1.0, state.trust[x, y] + prm.trust_intro_gain * (1 - state.trust[x, y])
                )
            known = bs["known_caps"]
            known.setdefault(str(a), []).append(b)
            known.setdefault(str(b), []).append(a)
            worked(bs, [a, b])
            bs["intros"] += 1
            done.append({"broker": seat, "intro": [a, b]})
        bs["intel"] = (
            [t.id for t in state.tenders if t.round == state.round + 1] if d.get("intel") else []
        )
    report["broker_actions"] = done


def worked(bs: dict[str, Any], firms: list[int]) -> None:
    """The broker has now worked with these firms (an event or an introduction): only between
    firms it has worked with does its facilitation lower a deal's trust gate (004 S.III). The
    firms have met each other through it (each knows whom it met)."""
    bs["worked"] = sorted(set(bs.get("worked", [])) | set(firms))
    met = bs.setdefault("met", {})
    for a in firms:
        met[str(a)] = sorted(set(met.get(str(a), [])) | (set(firms) - {a}))


CLIENT_TRUST = 0.5  # assumption: a firm trusting brokers this much already has an adviser


def advisers_clients(state: State) -> None:
    """At the start, brokers whom firms already trust (experienced advisers: bankers, accountants,
    lawyers, consultants, 004 S.II L1660-1662) each have worked for a share of those firms: every
    firm trusting its broker at least `CLIENT_TRUST` is the client of one of them, dealt out in
    turn (assumption). A broker new to the district (low trust) starts with no clients."""
    brokers = sorted(state.broker_state)
    if not brokers:
        return
    f = state.firms
    for k, i in enumerate(np.flatnonzero(f.alive)):
        b = brokers[k % len(brokers)]
        if state.inst_trust[state.inst_ids.index(b), i] >= CLIENT_TRUST:
            state.broker_state[b]["worked"].append(int(i))


def trust_decay(state: State) -> None:
    """Trust drifts back toward the baseline without contact; price cutting in a sector erodes it."""
    prm = state.params
    f = state.firms
    t = state.trust
    t += prm.trust_decay * (prm.trust_baseline - t) * (t > prm.trust_baseline)
    cutters = np.flatnonzero(f.alive & (f.price_stance < -0.3))
    if len(cutters):
        same = f.sector[:, None] == f.sector[None, cutters]
        t[:, cutters] = np.maximum(0.0, t[:, cutters] - prm.trust_undercut_loss * same)
    np.fill_diagonal(t, 1.0)


def wage_floor_update(state: State, growth: float, report: dict[str, Any]) -> None:
    """Pass-through: the floor rises with district productivity growth only as far as union power
    or a pass-through clause carries it (000 III.1: OPEC trainees gained, industry wages did not;
    000 III.3: the union enforces the sharing of gains)."""
    inst = state.institutions
    prm = state.params
    f = state.firms
    employed = float(f.workers[f.alive].sum())
    density = float((f.workers * f.union_share)[f.alive].sum()) / max(employed, 1e-9)
    has_union = "union" in state.seats or inst.union_power > 0
    power = inst.union_power * (0.5 + density) if has_union else 0.0
    share = min(1.0, power * prm.pass_through_union + inst.pass_through_clause)
    rise = max(0.0, growth) * share
    inst.wage_floor *= 1.0 + rise
    report["floor_rise"] = rise
    report["pass_through"] = share
