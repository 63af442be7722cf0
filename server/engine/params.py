"""Model parameters: every coefficient of the district economy, with its unit and source.

A scenario may override any of them in its `[params]` table. `docs/model.md` documents each one;
a test checks that the document names every parameter defined here.

Money is in thousands of currency units (k), one round is one year unless a scenario says
otherwise, output is in "units" (one unit is what an average worker makes in a year with average
skill and technology).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


def p(
    default: float,
    unit: str,
    meaning: str,
    source: str = "assumption",
    lo: float = 0.0,
    hi: float = 1e9,
) -> float:
    return field(
        default=default,
        metadata={"unit": unit, "meaning": meaning, "source": source, "lo": lo, "hi": hi},
    )


@dataclass(slots=True)
class Params:
    # --- production -------------------------------------------------------------------------
    base_productivity: float = p(
        1.0,
        "units/worker/round",
        "output of a worker with skill 0.5 and technology 0.5",
        lo=0.01,
        hi=100,
    )
    skill_elasticity: float = p(0.5, "-", "how much productivity rises with mean skill", lo=0, hi=3)
    tech_elasticity: float = p(0.5, "-", "how much productivity rises with technology", lo=0, hi=3)
    factor_productivity: float = p(
        0.25,
        "-",
        "productivity gain from a full stock of shared factors (training, equipment)",
        "004 S.II (factor-creating networks raise members' productivity)",
        hi=2,
    )
    sweat_productivity_loss: float = p(
        0.15,
        "-",
        "productivity lost at a wage 50% below the floor (turnover, effort)",
        "000 II.c, 003 I-2.3 (sweating lowers quality and retention)",
        hi=1,
    )
    tech_depreciation: float = p(
        0.05, "1/round", "share of technology level lost each round without investment"
    )
    tech_cost_per_worker: float = p(
        20.0, "k/worker", "investment per worker that moves technology a full step", lo=0.01
    )
    # --- quality ----------------------------------------------------------------------------
    quality_skill_weight: float = p(
        0.5, "-", "weight of skill in product quality", "004 S.II, 000 III.2", hi=1
    )
    quality_tech_weight: float = p(0.3, "-", "weight of technology in product quality", hi=1)
    quality_factor_weight: float = p(
        0.2,
        "-",
        "weight of shared quality/certification stock in quality",
        "004 S.II (certification networks)",
        hi=1,
    )
    # --- markets ----------------------------------------------------------------------------
    commodity_price: float = p(60.0, "k/unit", "reference price of commodity output", lo=0.01)
    commodity_elasticity: float = p(1.0, "-", "price elasticity of commodity demand", lo=0.1, hi=20)
    commodity_price_floor: float = p(
        0.8,
        "-",
        "lowest commodity price as a share of its reference: in a deeper glut output goes unsold",
        "003 I-2.3 (workshops 'often without orders'; level assumption)",
        lo=0.05,
        hi=1,
    )
    commodity_price_cap: float = p(
        1.1,
        "-",
        "highest commodity price as a multiple of its reference: above it buyers import instead",
        lo=1,
        hi=5,
    )
    commodity_order_queue: float = p(
        0.0,
        "0-1",
        "share of commodity orders that buyers place with the workshops they prefer first (known"
        " names, lower prices), filling each before the next; the rest is spread over all spare"
        " capacity. 0: a glut idles every firm a little; 1: it leaves the least preferred with no"
        " orders at all",
        "003 I-2.3 L360 (workshops 'often without orders'; level assumption)",
        hi=1,
    )
    quality_market_elasticity: float = p(
        2.0,
        "-",
        "price elasticity of niche and export demand (their prices fall when more is offered)",
        lo=0.1,
        hi=20,
    )
    undercut_share_gain: float = p(
        1.2, "-", "sales weight gained per unit of price cut stance on the commodity market", hi=10
    )
    niche_price: float = p(
        66.0,
        "k/unit",
        "price of niche output of quality 0.5",
        "assumption (000 III.2: niche pays for skill)",
        lo=0.01,
    )
    export_price: float = p(72.0, "k/unit", "price of export output of quality 0.5", lo=0.01)
    niche_min_quality: float = p(
        0.45, "0-1", "quality below which a firm cannot sell in the niche market", "000 III.2", hi=1
    )
    export_min_quality: float = p(
        0.55, "0-1", "quality below which a firm cannot export", "004 S.II", hi=1
    )
    export_min_access: float = p(
        0.35,
        "0-1",
        "market intelligence (own reputation or network stock) needed to export",
        "004 S.II (market intelligence networks), 003 I-2.4 (collective marketing)",
        hi=1,
    )
    materials_share: float = p(
        0.33,
        "-",
        "bought-in materials and services as a share of sales",
        "assumption: a third of a small manufacturer's sales is bought in",
        hi=1,
    )
    # --- tenders ----------------------------------------------------------------------------
    tender_quality_weight: float = p(0.5, "-", "weight of quality in a tender bid's score", hi=10)
    tender_price_weight: float = p(0.3, "-", "weight of a low price in a tender bid's score", hi=10)
    tender_reputation_weight: float = p(
        0.2, "-", "weight of reputation in a tender bid's score", hi=10
    )
    tender_penalty_share: float = p(
        0.2, "-", "default penalty for undelivered tender volume, as a share of its value", hi=5
    )
    # --- labour -----------------------------------------------------------------------------
    training_cost: float = p(
        6.0,
        "k/trainee",
        "cost of training one worker (fees, materials)",
        "000 III.1 (OPEC: firms pay community-college fees)",
        lo=0.01,
    )
    training_lag: float = p(
        1,
        "rounds",
        "rounds before trainees complete (OPEC: one evening a week for a year)",
        "000 III.1, L157",
        lo=1,
        hi=4,
    )
    training_skill_gain: float = p(
        0.3, "0-1", "skill added to a worker by a completed course", "assumption", hi=1
    )
    skilled_premium_market: float = p(
        0.15,
        "-",
        "wage premium a trained worker can earn on the open market (promotion)",
        "000 III.1, L159 (OPEC trainees earned about 15% more)",
        hi=2,
    )
    poaching_mobility: float = p(
        0.35,
        "1/round",
        "share of a firm's trained workers who leave per round for a clearly better offer",
        "000 III.1, L157 (technicians pirated back and forth)",
        hi=1,
    )
    poaching_threshold: float = p(
        0.05, "-", "relative wage gap below which trained workers do not move", hi=1
    )
    quit_rate: float = p(
        0.25, "1/round", "quit rate of workers paid far below their outside option", hi=1
    )
    surplus_wage_pressure: float = p(
        1.0,
        "-",
        "how much the labour surplus lowers the outside option wage",
        "003 I-2.3 (surplus labour pushes wages down)",
        hi=5,
    )
    hiring_rate: float = p(
        0.5, "-", "share of a firm's vacancies filled per round from the unemployed pool", hi=1
    )
    union_dues_rate: float = p(
        0.01, "-", "share of members' wages paid to the union as dues", hi=0.2
    )
    pass_through_union: float = p(
        0.8,
        "-",
        "share of district productivity growth passed to the wage floor at full union power",
        "000 III.3 (GIDC: union enforces sharing of gains)",
        hi=2,
    )
    organising_cost: float = p(
        30.0,
        "k per point",
        "union spending that raises a target firm's union share by 0.1",
        lo=0.01,
    )
    strike_output_loss: float = p(
        0.3, "-", "share of a struck firm's output lost in a strike round", hi=1
    )
    # --- institutions -----------------------------------------------------------------------
    audit_fine_multiple: float = p(
        2.0,
        "-",
        "fine for underpaying, as a multiple of the back pay owed",
        "000 III.4 (compliance 'meet and sustain'), assumption for the size",
        hi=20,
    )
    audit_lookback: float = p(
        2, "rounds", "rounds of back pay owed when underpayment is found", lo=0, hi=10
    )
    audit_reputation_loss: float = p(
        0.15, "0-1", "reputation lost when an audit finds underpayment", hi=1
    )
    enforcement_cost: float = p(
        40.0,
        "k per point",
        "government spending for 0.1 of enforcement intensity per round",
        lo=0.01,
    )
    payroll_tax: float = p(0.05, "-", "default payroll tax rate to the regional government", hi=0.5)
    # --- finance ----------------------------------------------------------------------------
    fixed_cost: float = p(8.0, "k/round", "overhead per firm per round (rent, upkeep)", lo=0)
    fixed_cost_per_worker: float = p(
        3.5, "k/worker/round", "overhead per worker per round (space, energy, upkeep)", lo=0
    )
    rent_share_union: float = p(
        0.5,
        "-",
        "share of a firm's rent (operating surplus above the normal margin) its workers win at full"
        " union power when half of them or more are members",
        "000 III.2 L167-169 (skills command a higher price where workers have bargaining power),"
        " II.d L101 (profits spread broadly)",
        hi=1,
    )
    rent_share_market: float = p(
        0.3,
        "-",
        "share of a firm's rent its trained workers win individually in a tight labour market"
        " (in proportion to the trained share of its workforce; none at 10% unemployment or more)",
        "000 III.1 L163 (individual bargaining power rose with skills), 003 I-2.3 (surplus labour"
        " holds wages down)",
        hi=1,
    )
    buyer_power: float = p(
        0.0,
        "-",
        "share of a firm's rent its buyers take back through lower prices: retailers and parent"
        " firms that hold the market power squeeze their contractors (0 where power is symmetric)",
        "000 III.4 L223-225 (retailers and manufacturers 'hold the real market power'), 003 I-2.3"
        " L352 (subcontracting 'as disguised wage labour'), 000 II.d L101 (symmetric power:"
        " profits spread)",
        hi=0.9,
    )
    normal_margin: float = p(
        0.04,
        "-",
        "operating margin on sales that owners keep before workers bargain over the rest (a"
        " normal return on the firm's capital)",
        hi=1,
    )
    interest_rate: float = p(
        0.08, "1/round", "interest on debt for a firm of full credit standing", hi=1
    )
    risk_premium: float = p(0.12, "1/round", "extra interest at zero credit standing", hi=1)
    credit_limit_revenue: float = p(
        0.6, "-", "debt allowed as a share of last round's revenue at full credit standing", hi=10
    )
    payout_share: float = p(
        0.5,
        "-",
        "share of a year's profit the owners draw out of the firm (out of cash above 10% of sales)",
        "assumption: owner-managers live off about half their firm's profit (003 I-2.3 L356: the"
        " small entrepreneur earns more than a wage worker)",
        hi=1,
    )
    repay_share: float = p(
        0.3, "-", "share of positive cash above a buffer used to repay debt", hi=1
    )
    # --- entry and exit ---------------------------------------------------------------------
    entry_margin: float = p(
        0.06,
        "-",
        "mean operating margin above which skilled workers start workshops",
        "003 I-2.3 (apprentices open workshops while orders last)",
        hi=1,
    )
    entry_rate: float = p(
        0.02,
        "firms per skilled unemployed",
        "entries per skilled unemployed worker per point of excess margin",
        hi=1,
    )
    spinoff_share: float = p(
        0.15,
        "-",
        "weight of an employed skilled worker, against an unemployed one, as a founder",
        "003 I-2.3 (apprentices and employees set up their own workshops; level assumption)",
        hi=1,
    )
    entry_size: float = p(4.0, "workers", "workers a new workshop starts with", lo=1, hi=100)
    entry_cash: float = p(25.0, "k", "savings a new workshop starts with", lo=0)
    max_entry_share: float = p(
        0.1, "-", "most new workshops per round, as a share of firms alive", hi=1
    )
    # --- trust ------------------------------------------------------------------------------
    trust_decay: float = p(
        0.08,
        "1/round",
        "share of the distance to the baseline trust lost each round without contact",
        "004 S.III (trust decays without contact)",
        hi=1,
    )
    trust_baseline: float = p(0.2, "0-1", "trust between strangers", hi=1)
    trust_poaching_loss: float = p(
        0.15,
        "0-1",
        "trust lost by a victim toward a firm that poached its trained workers",
        "000 III.1 (poaching between OPEC firms)",
        hi=1,
    )
    trust_undercut_loss: float = p(
        0.02, "0-1", "trust lost toward a same-sector firm that cuts prices, per round", hi=1
    )
    trust_network_gain: float = p(
        0.04, "0-1", "trust gained per round between members of the same network", "004 S.III", hi=1
    )
    trust_event_gain: float = p(
        0.12,
        "0-1",
        "trust gained among attendees of a broker's event",
        "004 S.III (trust ladder)",
        hi=1,
    )
    trust_intro_gain: float = p(
        0.15, "0-1", "trust gained between two firms a broker introduces", "004 S.III", hi=1
    )
    # --- shared factors ---------------------------------------------------------------------
    factor_decay: float = p(
        0.2,
        "1/round",
        "share of a network's factor stock lost each round unless funded",
        "004 S.II (factor networks need continuing funding)",
        hi=1,
    )
    factor_cost: float = p(
        100.0,
        "k per point",
        "spending that adds 1.0 (full) factor stock for a 10-firm network",
        lo=0.01,
    )
    # --- broker -----------------------------------------------------------------------------
    broker_hours: float = p(
        40.0,
        "hours/round",
        "a full-time broker's time budget per round",
        "004 S.IV (brokers near full-time)",
        lo=1,
    )
    event_hours: float = p(10.0, "hours", "time a broker's event takes", lo=0.1)
    intro_hours: float = p(4.0, "hours", "time an introduction takes", lo=0.1)
    intel_hours: float = p(8.0, "hours", "time to learn next round's tenders", lo=0.1)
    draft_hours: float = p(6.0, "hours", "time to draft a deal with standard terms", lo=0.1)

    def overridden(self, values: dict[str, float]) -> Params:
        out = Params()
        for f in fields(self):
            setattr(out, f.name, getattr(self, f.name))
        for k, v in values.items():
            setattr(out, k, float(v))
        return out


PARAM_FIELDS = {f.name: f for f in fields(Params)}


def parameter_table() -> str:
    """The parameter table of docs/model.md, generated from the fields' metadata (a test keeps
    the document in step with it)."""
    lines = ["| parameter | default | unit | meaning | source |", "|---|---|---|---|---|"]
    for f in fields(Params):
        m = f.metadata
        lines.append(
            f"| `{f.name}` | {f.default:g} | {m['unit']} | {m['meaning']} | {m['source']} |"
        )
    return "\n".join(lines)
