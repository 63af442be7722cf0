"""The state of a district: plain data, numpy arrays indexed by firm (struct of arrays).

No behaviour hides here beyond construction, growth (new firms), copying, hashing and
snapshots. The state carries its own seeded random generator, so everything that happens to it is
a deterministic function of the scenario, the seed and the commands.
"""

from __future__ import annotations

import copy
import hashlib
import pickle
import struct
from dataclasses import dataclass, field, fields, is_dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from district.server.engine.params import Params
from district.server.engine.scenario import FACTORS, FOCI, ROADS, Scenario

if TYPE_CHECKING:  # the deal record lives with the deals, which build on the state
    from district.server.engine.deals.record import Deal

ROLE_OF_PREFIX = {"firm": "firm", "broker": "broker", "union": "union", "government": "government"}


def role_of(seat: str) -> str:
    return ROLE_OF_PREFIX.get(seat.split(":", 1)[0], "")


@dataclass(slots=True)
class Firms:
    """Every per-firm quantity, one array each, index = firm id (firms are never removed)."""

    name: list[str]
    sector: np.ndarray  # int16, index into scenario.sectors
    x: np.ndarray
    y: np.ndarray
    alive: np.ndarray  # bool
    born: np.ndarray  # int16 round of entry (0 = at start)
    died: np.ndarray  # int16 round of exit (0 = alive)
    workers: np.ndarray  # headcount
    skilled: np.ndarray  # trained workers among them
    skill: np.ndarray  # mean skill 0-1
    technology: np.ndarray  # 0-1
    caps: np.ndarray  # (n, operations) capability level 0-1
    wage: np.ndarray  # base wage paid, k per worker per round
    skill_pay: np.ndarray  # premium paid to trained workers (share of the base wage)
    cash: np.ndarray
    debt: np.ndarray  # owed to banks (outside)
    public_debt: np.ndarray  # owed to the government (conditional credit)
    credit: np.ndarray  # credit standing 0-1
    reputation: np.ndarray  # delivery and quality record 0-1
    focus: np.ndarray  # int8: 0 commodity, 1 niche/export
    road: np.ndarray  # int8: 0 high, 1 low, 2 mixed (background firms' policy; a bot's personality)
    union_share: np.ndarray  # share of the firm's workers in the union
    compliant: np.ndarray  # bool: paid at least the floor last round
    underpaid: np.ndarray  # rounds of underpayment not yet found (for back pay)
    pipeline: np.ndarray  # (n, lag) workers in training, column 0 completes next
    training_spend: np.ndarray
    funded_trainees: (
        np.ndarray
    )  # trainees paid for by levies or credit, enrolled at the next training step
    tech_spend: np.ndarray
    price_stance: np.ndarray  # -1 (undercut) .. +1 (premium)
    poach: np.ndarray  # trained workers sought from rivals this round
    hire: np.ndarray  # headcount change wanted this round
    preferred: np.ndarray  # bool: kept by an outside buyer after a supplier cut
    anti_poach: np.ndarray  # int32 group of a levy's anti-poaching clause (0 = unbound)
    # results of the last round (public or private as views decide)
    quality: np.ndarray
    productivity: np.ndarray
    output: np.ndarray
    sales: np.ndarray
    exports: np.ndarray
    revenue: np.ndarray
    profit: np.ndarray
    lost_skilled: np.ndarray  # trained workers poached away last round
    gained_skilled: np.ndarray  # trained workers poached in last round
    trained: np.ndarray  # trainees who completed last round
    audited: np.ndarray  # bool: found underpaying last round
    fines: np.ndarray
    net_worth0: np.ndarray  # net worth at entry, for the firm's score

    @property
    def n(self) -> int:
        return len(self.name)

    def array_fields(self) -> list[str]:
        return [f.name for f in fields(self) if f.name != "name"]


@dataclass(slots=True)
class Network:
    """A network or service hub: members pool dues (and grants) into factor stock."""

    id: str
    name: str
    members: list[int]
    stock: np.ndarray  # (len(FACTORS),) 0-1 each
    dues: float  # k per member per round
    founded: int
    deal: str = ""  # the charter that made it, if any
    funded_last: float = 0.0
    alive: bool = True
    broker: str = ""  # broker who formed it
    services: list[int] = field(
        default_factory=list
    )  # factors its dues fund (empty: those in stock)
    extra_funding: float = 0.0  # grants and matches received this round


@dataclass(slots=True)
class Tender:
    id: str
    round: int
    buyer: str
    operations: dict[str, float]
    volume: float
    price: float
    min_quality: float
    delivery_rounds: int
    penalty: float
    status: str = "upcoming"  # upcoming, open, awarded, done, unawarded
    winner: list[int] = field(
        default_factory=list
    )  # firm indices of the winner (one or a consortium)
    winner_deal: str = ""
    winning_price: float = 0.0
    delivered: float = 0.0
    shortfall: float = 0.0
    shares: list[float] = field(default_factory=list)
    defectors: list[int] = field(default_factory=list)  # consortium members who will not deliver


@dataclass(slots=True)
class Seat:
    id: str
    role: str
    name: str
    firm: int = -1  # firm index for firm seats
    road: str = "high"


@dataclass(slots=True)
class Institutions:
    wage_floor: float
    enforcement: float
    union_power: float
    payroll_tax: float
    infrastructure: float
    pass_through_clause: float
    interest_rate: float
    reference_wage: float
    # government programmes in force (set by the government's decisions)
    training_match: float = 0.0  # share of firms' training spend the government pays
    network_grant: float = 0.0  # k per round for networks meeting the eligibility rule
    broker_programme: float = 0.0  # k per round to brokers
    enforcement_spend: float = 0.0
    infrastructure_spend: float = 0.0
    publicity: float = 0.0
    approval: float = 0.5


@dataclass(slots=True)
class Markets:
    commodity_demand: float
    niche_demand: float
    export_demand: float
    import_pressure: float
    growth: float
    commodity_price: float = 0.0  # last clearing price
    niche_sold: float = 0.0
    export_sold: float = 0.0
    commodity_sold: float = 0.0
    reserved_share: float = 0.0  # share of commodity demand reserved for preferred suppliers


@dataclass(slots=True)
class Labour:
    unemployed: float
    unemployed_skilled: float
    unemployed_skill: float  # mean skill of the unemployed


@dataclass(slots=True)
class Accounts:
    """Every holder of money outside the firms. `world` is everyone outside the district
    (buyers, suppliers, banks, households, colleges): money enters and leaves through it, so the
    sum of all accounts is conserved exactly by every transfer."""

    world: float = 0.0
    government: float = 0.0
    union: float = 0.0
    brokers: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class State:
    scenario: Scenario
    params: Params
    seed: int
    round: int
    phase: str  # "negotiation", "report", "ended"
    firms: Firms
    trust: np.ndarray  # (n, n) firm-to-firm trust 0-1
    inst_ids: list[str]  # the non-firm actors in the order of inst_trust's rows
    inst_trust: np.ndarray  # (len(inst_ids), n) trust between each institution and each firm
    networks: list[Network]
    tenders: list[Tender]
    seats: dict[str, Seat]
    institutions: Institutions
    markets: Markets
    labour: Labour
    accounts: Accounts
    rng: np.random.Generator
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    ready: set[str] = field(default_factory=set)
    news: list[dict[str, Any]] = field(default_factory=list)  # this round's briefing
    history: list[dict[str, Any]] = field(default_factory=list)  # indicators per resolved round
    reports: list[dict[str, Any]] = field(default_factory=list)  # per round: what happened
    deals: dict[str, Deal] = field(default_factory=dict)  # deal id -> Deal (engine.deals.record)
    chat: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)  # id counters (deals, chat, networks)
    broker_state: dict[str, dict[str, Any]] = field(default_factory=dict)  # per broker seat
    union_state: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, float] = field(default_factory=dict)  # round-0 indicators, for the indices
    chat_muted: bool = False
    cache: dict[str, Any] = field(
        default_factory=dict, repr=False
    )  # derived data (views); not hashed

    def next_id(self, kind: str) -> str:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return f"{kind}-{self.counters[kind]}"

    def firm_of(self, seat: str) -> int:
        s = self.seats.get(seat)
        return s.firm if s is not None else -1

    def seat_of_firm(self) -> dict[int, str]:
        return {s.firm: s.id for s in self.seats.values() if s.firm >= 0}


def _empty(n: int, dtype: Any = np.float64) -> np.ndarray:
    return np.zeros(n, dtype=dtype)


def make_firms(n: int, n_ops: int, lag: int) -> Firms:
    kw: dict[str, Any] = {"name": [""] * n}
    for f in fields(Firms):
        if f.name == "name":
            continue
        if f.name == "caps":
            kw[f.name] = np.zeros((n, n_ops))
        elif f.name == "pipeline":
            kw[f.name] = np.zeros((n, lag))
        elif f.name in ("alive", "compliant", "preferred", "audited"):
            kw[f.name] = np.zeros(n, dtype=bool)
        elif f.name == "anti_poach":
            kw[f.name] = np.zeros(n, dtype=np.int32)
        elif f.name in ("sector", "born", "died"):
            kw[f.name] = np.zeros(n, dtype=np.int16)
        elif f.name in ("focus", "road"):
            kw[f.name] = np.zeros(n, dtype=np.int8)
        else:
            kw[f.name] = _empty(n)
    return Firms(**kw)


def append_firms(state: State, new: Firms) -> None:
    """Add firms (entry). Every per-firm array and the trust matrices grow together."""
    old = state.firms
    for name in old.array_fields():
        setattr(old, name, np.concatenate([getattr(old, name), getattr(new, name)]))
    old.name.extend(new.name)
    k = new.n
    n = old.n
    t = np.full((n, n), state.params.trust_baseline)
    t[: n - k, : n - k] = state.trust
    np.fill_diagonal(t, 1.0)
    state.trust = t
    state.inst_trust = np.concatenate(
        [state.inst_trust, np.full((len(state.inst_ids), k), state.params.trust_baseline)], axis=1
    )


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
        for j in range(m):
            f.name[k + j] = f"Workshop {j + 1}"
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
            }
            for s in scenario.seats
            if s.role == "broker"
        },
        union_state={"strikes": [], "campaigns": []},
    )
    return state


def money_total(state: State) -> float:
    """The sum of every account; every transfer keeps it (up to float rounding)."""
    a = state.accounts
    return (
        float(state.firms.cash.sum()) + a.world + a.government + a.union + sum(a.brokers.values())
    )


def copy_state(state: State) -> State:
    """A deep copy, for previews and 'what if' branches (the scenario is shared, it is immutable)."""
    memo = {id(state.scenario): state.scenario}
    return copy.deepcopy(state, memo)


def _feed(h: Any, obj: Any) -> None:
    if isinstance(obj, np.ndarray):
        h.update(f"nd{obj.dtype.str}{obj.shape}".encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, bool | np.bool_):
        h.update(b"T" if obj else b"F")
    elif isinstance(obj, int | np.integer):
        h.update(b"i" + str(int(obj)).encode())
    elif isinstance(obj, float | np.floating):
        h.update(b"f" + struct.pack("<d", float(obj)))
    elif isinstance(obj, str):
        h.update(b"s" + obj.encode() + b"\0")
    elif obj is None:
        h.update(b"N")
    elif isinstance(obj, dict):
        h.update(b"{")
        for k in sorted(obj, key=str):
            _feed(h, str(k))
            _feed(h, obj[k])
        h.update(b"}")
    elif isinstance(obj, list | tuple):
        h.update(b"[")
        for x in obj:
            _feed(h, x)
        h.update(b"]")
    elif isinstance(obj, set | frozenset):
        _feed(h, sorted(obj, key=str))
    elif isinstance(obj, np.random.Generator):
        _feed(h, obj.bit_generator.state)
    elif is_dataclass(obj):
        h.update(type(obj).__name__.encode())
        for fl in fields(obj):
            _feed(h, fl.name)
            _feed(h, getattr(obj, fl.name))
    else:
        raise TypeError(f"cannot hash {type(obj).__name__}")


def state_hash(state: State) -> str:
    """A hash of everything that can change during a game (not the immutable scenario)."""
    h = hashlib.sha256()
    for fl in fields(state):
        if fl.name in ("scenario", "params", "cache"):
            continue
        _feed(h, fl.name)
        _feed(h, getattr(state, fl.name))
    return h.hexdigest()[:16]


def snapshot(state: State) -> bytes:
    """Bytes that `restore` turns back into an identical state (same hash). Trusted storage only."""
    return pickle.dumps(state, protocol=5)


def restore(data: bytes) -> State:
    return pickle.loads(data)
