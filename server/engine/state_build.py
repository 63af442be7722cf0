"""A new state: the district at the start of round 1, built from a validated scenario and a seed."""

from __future__ import annotations

import numpy as np
from district.server.engine.indicators import opening
from district.server.engine.institutions import advisers_clients
from district.server.engine.scenario import FACTORS, FOCI, ROADS, Scenario
from district.server.engine.state import (
    Accounts,
    Institutions,
    Labour,
    Markets,
    Network,
    Seat,
    State,
    Tender,
    make_firms,
)


def _roman(n: int) -> str:
    """Roman numerals for 1-3999 (beyond that, plain digits)."""
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, sym in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        while n >= value:
            out += sym
            n -= value
    return out


def background_names(names: tuple[str, ...], count: int, taken: set[str]) -> list[str]:
    """Names for `count` background firms, by index and never from the random stream: the
    scenario's `names` in order, then again with "II", "III", ...; "Workshop 1", "Workshop 2", ...
    without them. A name already taken (a seat firm's, or an earlier one) is skipped, so every
    name in the district is distinct."""
    bases = list(names) or [f"Workshop {j + 1}" for j in range(count)]
    used = set(taken)
    out: list[str] = []
    lap = 1
    while len(out) < count:
        for base in bases:
            nm = base if lap == 1 else f"{base} {_roman(lap)}"
            if nm in used:
                continue
            used.add(nm)
            out.append(nm)
            if len(out) == count:
                break
        lap += 1
    return out


def new_state(scenario: Scenario, seed: int) -> State:
    """The district at the start of round 1, built from a validated scenario and a seed."""
    rng = np.random.default_rng(seed)
    prm = scenario.params
    ops = scenario.operations
    lag = int(prm.training_lag)
    specs = scenario.firms
    bg = scenario.background
    n = len(specs) + bg.count
    f = make_firms(n, len(ops), lag)
    inst = scenario.institutions
    for i, s in enumerate(specs):
        f.name[i] = s.name
        f.sector[i] = scenario.sectors.index(s.sector)
        f.workers[i] = s.workers
        f.skilled[i] = s.skilled
        f.skill[i] = s.skill
        f.technology[i] = s.technology
        for op, lvl in s.capabilities.items():
            f.caps[i, ops.index(op)] = lvl
        f.wage[i] = s.wage
        f.cash[i] = s.cash
        f.debt[i] = s.debt
        f.reputation[i] = s.reputation
        f.focus[i] = FOCI.index(s.focus)
        f.road[i] = ROADS.index(s.road)
        f.union_share[i] = s.union_share
        if s.location is not None:
            f.x[i], f.y[i] = s.location
        else:
            f.x[i], f.y[i] = rng.uniform(0.08, 0.92, 2)
    k = len(specs)
    m = bg.count
    if m:
        sl = slice(k, k + m)
        f.name[sl] = background_names(bg.names, m, set(f.name[:k]))
        sectors = [scenario.sectors.index(s) for s in bg.sectors]
        f.sector[sl] = rng.choice(sectors, size=m)
        f.workers[sl] = np.round(rng.uniform(*bg.workers, size=m))
        f.skill[sl] = rng.uniform(*bg.skill, size=m)
        f.skilled[sl] = np.floor(f.workers[sl] * np.clip(f.skill[sl] - 0.3, 0, 1))
        f.technology[sl] = rng.uniform(*bg.technology, size=m)
        f.wage[sl] = rng.uniform(*bg.wage, size=m)
        f.cash[sl] = rng.uniform(*bg.cash, size=m)
        f.reputation[sl] = rng.uniform(0.3, 0.6, size=m)
        f.union_share[sl] = rng.uniform(*bg.union_share, size=m)
        f.road[sl] = np.where(rng.random(m) < bg.high_road_share, 0, 1)
        f.focus[sl] = (rng.random(m) < bg.niche_share).astype(np.int8)
        lo, hi = bg.operations_per_firm
        for j in range(m):
            count = int(rng.integers(lo, hi + 1))
            chosen = rng.choice(len(ops), size=count, replace=False)
            f.caps[k + j, chosen] = rng.uniform(*bg.capability, size=count)
        f.x[sl] = rng.uniform(0.05, 0.95, size=m)
        f.y[sl] = rng.uniform(0.05, 0.95, size=m)
    f.alive[:] = True
    f.credit[:] = 0.8
    f.compliant[:] = f.wage >= inst["wage_floor"]
    f.skill_pay[:] = prm.skilled_premium_market
    f.net_worth0[:] = f.cash - f.debt
    f.quality[:] = 0.5

    trust = np.full((n, n), scenario.trust["firms"])
    name_index = {nm: i for i, nm in enumerate(f.name)}
    networks: list[Network] = []
    for j, ns in enumerate(scenario.networks):
        members = list(range(n)) if "*" in ns.members else sorted(name_index[m] for m in ns.members)
        stock = np.array([ns.stock.get(fac, 0.0) for fac in FACTORS])
        networks.append(
            Network(
                id=f"network-{j + 1}",
                name=ns.name,
                members=members,
                stock=stock,
                dues=ns.dues,
                founded=0,
            )
        )
        idx = np.array(members)
        if len(idx) and "*" not in ns.members:
            trust[np.ix_(idx, idx)] = np.maximum(trust[np.ix_(idx, idx)], scenario.trust["network"])
    np.fill_diagonal(trust, 1.0)

    seats: dict[str, Seat] = {}
    for ss in scenario.seats:
        seats[ss.id] = Seat(
            id=ss.id,
            role=ss.role,
            name=ss.name,
            firm=name_index[ss.firm] if ss.role == "firm" else -1,
            road=ss.road,
        )
    inst_ids = ["union", "government"] + sorted(s.id for s in scenario.seats if s.role == "broker")
    inst_trust = np.zeros((len(inst_ids), n))
    for r, iid in enumerate(inst_ids):
        inst_trust[r] = scenario.trust[iid.split(":")[0]]

    workforce = float(f.workers.sum())
    surplus = inst["labour_surplus"]
    unemployed = workforce * surplus / max(1e-9, 1 - surplus)
    accounts = Accounts(
        government=inst["government_budget"],
        union=inst["union_funds"],
        brokers={s.id: inst["broker_funds"] for s in scenario.seats if s.role == "broker"},
    )
    accounts.world = -(
        accounts.government + accounts.union + sum(accounts.brokers.values()) + float(f.cash.sum())
    )
    state = State(
        scenario=scenario,
        params=prm,
        seed=seed,
        round=0,
        phase="briefing",
        firms=f,
        trust=trust,
        inst_ids=inst_ids,
        inst_trust=inst_trust,
        networks=networks,
        tenders=[
            Tender(
                id=t.id,
                round=t.round,
                buyer=t.buyer,
                operations=dict(t.operations),
                volume=t.volume,
                price=t.price,
                min_quality=t.min_quality,
                delivery_rounds=t.delivery_rounds,
                penalty=t.penalty,
            )
            for t in scenario.tenders
        ],
        seats=seats,
        institutions=Institutions(
            wage_floor=inst["wage_floor"],
            enforcement=inst["enforcement"],
            union_power=inst["union_power"],
            payroll_tax=inst["payroll_tax"],
            infrastructure=inst["infrastructure"],
            pass_through_clause=inst["pass_through_clause"],
            interest_rate=prm.interest_rate,
            reference_wage=inst["reference_wage"],
        ),
        markets=Markets(
            **{
                k: scenario.markets[k]
                for k in (
                    "commodity_demand",
                    "niche_demand",
                    "export_demand",
                    "import_pressure",
                    "growth",
                )
            }
        ),
        labour=Labour(
            unemployed=unemployed, unemployed_skilled=unemployed * 0.1, unemployed_skill=0.3
        ),
        accounts=accounts,
        rng=rng,
        broker_state={
            s.id: {
                "hours": prm.broker_hours,
                "reputation": 0.5,
                "fees": 0.0,
                "intel": [],
                "known_caps": {},
                "events": 0,
                "intros": 0,
                "worked": [],  # firms it has held events for or introduced (the trust ladder)
            }
            for s in scenario.seats
            if s.role == "broker"
        },
        union_state={"strikes": [], "campaigns": []},
    )
    advisers_clients(state)
    state.start = opening(state)
    return state
