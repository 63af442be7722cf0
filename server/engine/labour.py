"""The labour market: training with a lag, poaching of trained workers by wage, quits, hiring and
firing, and the regional pool of the unemployed.

Sources: OPEC (000 III.1): training one evening a week for a year, technicians poached back and
forth, trainees promoted and paid about 15% more; surplus labour (003 I-2.3) pushes wages down and
lets firms squeeze labour.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from district.server.engine import flows
from district.server.engine.policy import outside_wage
from district.server.engine.state import State


def train(state: State, report: dict[str, Any]) -> None:
    """Completed trainees become trained workers; this round's spending enrols new trainees."""
    f = state.firms
    prm = state.params
    acc = state.accounts
    inst = state.institutions
    # courses that complete now
    done = np.minimum(f.pipeline[:, 0], f.workers)
    done[~f.alive] = 0.0
    f.pipeline[:, :-1] = f.pipeline[:, 1:]
    f.pipeline[:, -1] = 0.0
    w = np.maximum(f.workers, 1e-9)
    f.skill = np.minimum(1.0, f.skill + prm.training_skill_gain * done / w)
    f.skilled = np.minimum(f.workers, f.skilled + done)
    f.trained = done
    # new trainees: the firm pays its share, the government's matching programme the rest
    match = min(inst.training_match, 0.9)
    # training is paid out of cash in hand: a firm without cash cannot enrol trainees
    spend = np.where(f.alive, np.minimum(f.training_spend, np.maximum(0.0, f.cash)), 0.0)
    f.training_spend = spend
    gov_part = spend * match / max(1e-9, 1.0 - match) if match > 0 else np.zeros_like(spend)
    total_gov = float(gov_part.sum())
    if total_gov > max(0.0, acc.government):
        gov_part *= max(0.0, acc.government) / total_gov
        total_gov = float(gov_part.sum())
    acc.government -= total_gov
    flows.record(state, "subsidy", "government", gov_part > 0, gov_part[gov_part > 0])
    f.cash -= spend
    acc.world += float(spend.sum()) + total_gov
    seats_free = np.maximum(0.0, f.workers - f.skilled - f.pipeline.sum(axis=1))
    trainees = np.minimum(seats_free, (spend + gov_part) / prm.training_cost + f.funded_trainees)
    f.funded_trainees[:] = 0.0
    f.pipeline[:, -1] += trainees
    report["trainees"] = float(trainees.sum())
    report["trained"] = float(done.sum())
    report["training_spend"] = float(spend.sum())
    report["training_match_paid"] = total_gov


def poach(state: State, report: dict[str, Any]) -> None:
    """Trained workers move to rivals that offer clearly more, unless an anti-poaching clause binds
    both firms. The victim's trust in the poacher falls (000 III.1)."""
    f = state.firms
    prm = state.params
    f.lost_skilled[:] = 0.0
    f.gained_skilled[:] = 0.0
    poachers = np.flatnonzero(f.alive & (f.poach > 0))
    report["poached"] = 0.0
    if len(poachers) == 0:
        return
    offer = f.wage * (1.0 + f.skill_pay)  # what a trained worker earns at each firm
    src = np.flatnonzero(f.alive & (f.skilled > 0.5))
    if len(src) == 0:
        return
    gap = (
        offer[poachers][None, :] / np.maximum(offer[src][:, None], 1e-9)
        - 1.0
        - prm.poaching_threshold
    )
    gap = np.maximum(gap, 0.0)
    gap[src[:, None] == poachers[None, :]] = 0.0
    group = f.anti_poach
    bound = (group[src][:, None] == group[poachers][None, :]) & (group[src][:, None] > 0)
    gap[bound] = 0.0
    pull = gap * f.poach[poachers][None, :]
    total_pull = pull.sum(axis=1)
    has = total_pull > 0
    if not has.any():
        return
    leave = f.skilled[src] * prm.poaching_mobility * np.minimum(1.0, gap.max(axis=1) / 0.1)
    flows = (
        np.where(has[:, None], pull / np.maximum(total_pull, 1e-12)[:, None], 0.0) * leave[:, None]
    )
    # a poacher takes no more than it seeks
    got = flows.sum(axis=0)
    scale = np.where(got > f.poach[poachers], f.poach[poachers] / np.maximum(got, 1e-12), 1.0)
    flows *= scale[None, :]
    out = flows.sum(axis=1)
    inn = flows.sum(axis=0)
    # trained workers carry their skill with them
    sk_level = np.minimum(1.0, f.skill + prm.training_skill_gain * 0.5)
    carried_out = out * sk_level[src]
    carried_in = (flows * sk_level[src][:, None]).sum(axis=0)
    ws = f.workers[src]
    f.skill[src] = np.clip((f.skill[src] * ws - carried_out) / np.maximum(ws - out, 1e-9), 0.0, 1.0)
    f.workers[src] -= out
    f.skilled[src] -= out
    wp = f.workers[poachers]
    f.skill[poachers] = np.clip((f.skill[poachers] * wp + carried_in) / (wp + inn), 0.0, 1.0)
    f.workers[poachers] += inn
    f.skilled[poachers] += inn
    f.lost_skilled[src] = out
    f.gained_skilled[poachers] = inn
    # trust: victims resent poachers in proportion to what they lost
    hit = np.minimum(1.0, flows / 2.0) * prm.trust_poaching_loss
    sub = state.trust[np.ix_(src, poachers)]
    state.trust[np.ix_(src, poachers)] = np.maximum(0.0, sub - hit)
    subt = state.trust[np.ix_(poachers, src)]
    state.trust[np.ix_(poachers, src)] = np.maximum(0.0, subt - 0.5 * hit.T)
    report["poached"] = float(out.sum())


def hire_and_quit(state: State, report: dict[str, Any]) -> None:
    """Quits from firms that pay below the outside option, firing, and hiring from the pool."""
    f = state.firms
    prm = state.params
    lab = state.labour
    alive = f.alive
    employed = float(f.workers[alive].sum())
    surplus = lab.unemployed / max(1.0, employed + lab.unemployed)
    w_out = outside_wage(state)
    # quits: workers paid well below what they could get elsewhere leave, less so when jobs are scarce
    short = np.clip((w_out - f.wage) / (0.3 * w_out), 0.0, 1.0)
    scarcity = float(np.clip(1.0 - 3.0 * surplus, 0.1, 1.0))
    quits = np.where(alive, f.workers * prm.quit_rate * short * scarcity, 0.0)
    fired = np.where(alive, np.minimum(np.maximum(-f.hire, 0.0), f.workers - quits - 1.0), 0.0)
    fired = np.maximum(fired, 0.0)
    leaving = quits + fired
    # leavers are mostly untrained; trained workers leave in proportion
    sk_share = np.where(f.workers > 0, f.skilled / np.maximum(f.workers, 1e-9), 0.0)
    sk_leaving = leaving * sk_share
    pool_sk = lab.unemployed_skill * lab.unemployed + float((leaving * f.skill).sum())
    f.workers -= leaving
    f.skilled -= sk_leaving
    lab.unemployed += float(leaving.sum())
    lab.unemployed_skilled += float(sk_leaving.sum())
    lab.unemployed_skill = pool_sk / max(lab.unemployed, 1e-9)
    # hiring: attractive wages fill vacancies first; the pool limits everyone
    want = np.where(alive, np.maximum(f.hire, 0.0), 0.0)
    attract = np.clip(1.0 + 2.0 * (f.wage - w_out) / w_out, 0.2, 1.0)
    referral = 1.2 if state.decisions.get("union", {}).get("referral") else 1.0
    available = lab.unemployed * min(1.0, prm.hiring_rate * referral)
    asked = float((want * attract).sum())
    fill = min(1.0, available / asked) if asked > 0 else 0.0
    hired = want * attract * fill
    total = float(hired.sum())
    if total > 0:
        sk_frac = lab.unemployed_skilled / max(lab.unemployed, 1e-9)
        nw = f.workers + hired
        f.skill = np.where(
            nw > 0,
            (f.skill * f.workers + hired * lab.unemployed_skill) / np.maximum(nw, 1e-9),
            f.skill,
        )
        f.workers = nw
        f.skilled += hired * sk_frac
        lab.unemployed -= total
        lab.unemployed_skilled = max(0.0, lab.unemployed_skilled - total * sk_frac)
    f.skilled = np.clip(f.skilled, 0.0, f.workers)
    report.update(
        quits=float(quits.sum()),
        fired=float(fired.sum()),
        hired=total,
        outside_wage=w_out,
        surplus=surplus,
    )
