"""The state of a district: plain data, numpy arrays indexed by firm (struct of arrays).

No behaviour hides here beyond growth (new firms) and the sum of the accounts; a state is built from
a scenario by `state_build.new_state`, and copied, hashed and snapshotted by `snapshot`. The state
carries its own seeded random generator, so everything that happens to it is a deterministic
function of the scenario, the seed and the commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
from district.server.engine.params import Params
from district.server.engine.scenario import Scenario

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
    rent_pay: np.ndarray  # workers' bargained share of the firm's rent last round (k)
    drawn: np.ndarray  # what the owners have drawn out of the firm since it started (k)
    revenue_total: np.ndarray  # sales revenue summed over the rounds it has traded (k)
    profit_total: np.ndarray  # profit summed over the same rounds (k): its margin over the game
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
    open: bool = True  # admits firms its broker has worked with; closed: static, trust grows faster
    governance: str = "members"  # "tripartite": union and government on the board


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
    start: dict[str, float] = field(default_factory=dict)  # the built state's indicators and boards
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


def money_total(state: State) -> float:
    """The sum of every account; every transfer keeps it (up to float rounding)."""
    a = state.accounts
    return (
        float(state.firms.cash.sum()) + a.world + a.government + a.union + sum(a.brokers.values())
    )
