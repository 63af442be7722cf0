"""Each scenario plays like its case: bots-only runs land where the source says, in direction and
rough size. Every test names the source figure it checks (seed, section, line) and the indicator
that stands for it. Runs are cached (tests.scenarios.helpers), so a scenario's game is played once.

Bands are deliberately wide: the sources give directions and a few rough sizes, not point
estimates, and the engine's coefficients are still being tuned.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.scenarios.helpers import (
    at_round,
    data,
    firm_index,
    initial_firms,
    mean,
    run,
    run_class,
    run_variant,
    scenario,
    series,
    variant,
)

# --- counterfactual versions of the scenarios (the source's claim is about a cause) -------------


@variant("kumasi-low-surplus")
def _low_surplus(d: dict) -> None:
    d["institutions"]["labour_surplus"] = 0.04
    d["events"] = [e for e in d["events"] if e["kind"] != "surplus"]


@variant("kumasi-orders-spread")
def _orders_spread(d: dict) -> None:
    d["params"]["commodity_order_queue"] = 0.0


@variant("bw-no-cut")
def _no_cut(d: dict) -> None:
    d["events"] = [e for e in d["events"] if e["kind"] != "supplier_cut"]


@variant("alberta-no-factor-stock")
def _no_factor_stock(d: dict) -> None:
    for n in d["networks"]:
        n["stock"] = {}


@variant("denmark-no-campaign")
def _no_campaign(d: dict) -> None:
    d["events"] = [e for e in d["events"] if e["kind"] != "budget"]
    d["seats"] = [s for s in d["seats"] if s["role"] != "broker"]
    d["players"]["humans_first"] = [
        s for s in d["players"]["humans_first"] if not s.startswith("broker:")
    ]


# --- Oregon plastics (000 III.1) ------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_oregon_trainees_earn_about_15_percent_more_while_the_wage_floor_stays_put(
    seed: int,
) -> None:
    """000 III.1 L159: trainees earn "about 15% more" than before training; L163: training "did
    not raise wage levels in general in the industry" (no worker representation).
    Indicators: the pay premium of trained workers over their firm's base wage, weighted by trained
    workers (10-22%); the legal wage floor at the end against the start (unchanged); mean skill
    (rises, so the floor stays put although productivity grows)."""
    game, _ = run("oregon-plastics", seed)
    f = game.state.firms
    a = f.alive & (f.skilled > 0)
    premium = float((f.skilled[a] * f.skill_pay[a]).sum() / f.skilled[a].sum())
    assert 0.10 <= premium <= 0.22, f"trained workers earn {premium:+.0%} over the base wage"
    floor = series(game, "wage_floor")
    assert abs(floor[-1] / floor[0] - 1) < 0.005, (
        f"the floor moved from {floor[0]:.1f} to {floor[-1]:.1f}"
    )
    skill = series(game, "mean_skill")
    assert skill[-1] - skill[0] >= 0.08, f"mean skill only {skill[0]:.2f} -> {skill[-1]:.2f}"
    assert series(game, "productivity")[-1] > series(game, "productivity")[0]


def test_oregon_firms_poach_each_others_technicians() -> None:
    """000 III.1 L155: a large moulder "pirated" a rival's technician and the rival pirated one
    back. Indicator: trained workers poached between firms over the game (more than a few)."""
    game, _ = run("oregon-plastics", 1)
    assert sum(series(game, "poached")) >= 5


# --- Emilia-Romagna (004 S.II, 000 II.d) ------------------------------------------------------------


def test_emilia_romagna_robot_cell_is_won_by_a_joint_bid_of_fsm_and_its_suppliers() -> None:
    """004 S.II L1379-1385: FSM (16 employees) and five suppliers under 20 employees make diesel-
    engine robot cells no one of them could make alone. Indicator: the robot-cell tender needs
    operations no single firm has, and it is won by a consortium of several firms including FSM."""
    sc = scenario("emilia-romagna")
    tender = next(t for t in sc.tenders if t.id == "diesel-robot-cell")
    assert not any(
        all(f.capabilities.get(op, 0) >= lvl for op, lvl in tender.operations.items())
        for f in sc.firms
    ), "some firm could make the robot cell alone"
    for seed in (1, 2):
        game, _ = run("emilia-romagna", seed)
        t = next(t for t in game.state.tenders if t.id == "diesel-robot-cell")
        assert t.status in ("awarded", "done") and len(t.winner) >= 3, (t.status, t.winner)
        assert firm_index(game, "FSM Robotica") in t.winner


@pytest.mark.parametrize("seed", [1, 2])
def test_emilia_romagna_wages_rise_with_enforced_standards_and_low_unemployment(seed: int) -> None:
    """000 II.d L99-107: strict, enforced labour laws close out the low road; "rapidly increasing
    wages and decreasing unemployment". Indicators: the wage floor rises by at least 10% over the
    game; compliance averages at least 85%; unemployment ends at 8% or less and not above its start."""
    game, _ = run("emilia-romagna", seed)
    floor = series(game, "wage_floor")
    assert floor[-1] / floor[0] - 1 >= 0.10, f"floor {floor[0]:.1f} -> {floor[-1]:.1f}"
    assert mean(series(game, "compliance")) >= 0.85
    unemp = series(game, "unemployment_rate")
    assert unemp[-1] <= 0.08 and unemp[-1] <= unemp[0] + 0.01, unemp


# --- contrast: institutions decide whether gains reach workers (000 II.d, III.3, III.4) -------------


def _contrast_runs(how: str, seed: int) -> tuple:
    if how == "as designed":
        return run("emilia-romagna", seed)[0], run("la-apparel", seed)[0]
    # the same strategies seat by seat: every firm seat cycles low, mixed, high road (a class of 40)
    return run_class("emilia-romagna", 40, seed)[0], run_class("la-apparel", 40, seed)[0]


@pytest.mark.parametrize(
    ("how", "seed"), [("as designed", 1), ("as designed", 2), ("same strategies", 11)]
)
def test_same_bots_different_institutions_emilia_romagna_against_los_angeles(
    how: str, seed: int
) -> None:
    """000 II.d L107 (standards "take wages out of competition" in Emilia-Romagna) against 000 III.4
    L223-225 and L239 (Los Angeles: abuses rampant, no union, compliance "does not guarantee
    high-wage jobs"); 000 C L251, L267: networks "may address the competitive challenge, but not
    the distributive crisis". The same bot code plays both, once with each case's own mix of firm
    strategies and once with the very same mix seat by seat. Indicators: both districts become
    more competitive (the competitiveness board ends at least 10% above its first round), but only Emilia-Romagna's wage floor rises (by at least 10
    points of growth more than Los Angeles', which stays within 3%); compliance averages at least
    15 points higher and union density ends at least 30 points higher in Emilia-Romagna."""
    er, la = _contrast_runs(how, seed)
    for g in (er, la):
        c = series(g, "competitiveness")
        assert c[-1] >= 1.10 * c[0], f"both networks should gain competitiveness: {c}"
    growth = {
        k: series(g, "wage_floor")[-1] / series(g, "wage_floor")[0] - 1
        for k, g in (("er", er), ("la", la))
    }
    assert abs(growth["la"]) < 0.03, growth
    assert growth["er"] - growth["la"] >= 0.10, growth
    assert mean(series(er, "compliance")) - mean(series(la, "compliance")) >= 0.15
    assert series(er, "union_density")[-1] - series(la, "union_density")[-1] >= 0.3


# --- Los Angeles apparel (000 III.4) --------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_los_angeles_scandal_opens_the_industry_to_compliance_and_the_effect_fades(
    seed: int,
) -> None:
    """000 III.4 L223: sub-minimum wages are rampant; L227: after the slavery scandal the industry
    became "much more open" to compliance; L239: hence compliance as a condition contractors must
    "meet and sustain". Indicators: compliance (share of workers in firms paying the floor) is at
    most 60% before the scandal (rounds 1-2), at least 25 points higher in the three rounds after it
    (3-5), and falls back by at least 15 points when the inspectors move on (rounds 6-8)."""
    game, _ = run("la-apparel", seed)
    c = series(game, "compliance")
    before, during, after = mean(c[0:2]), mean(c[2:5]), mean(c[5:8])
    assert before <= 0.60, c
    assert during >= before + 0.25, c
    assert after <= during - 0.15, c


def test_los_angeles_credit_kept_only_by_contractors_who_meet_and_sustain_compliance() -> None:
    """000 III.4 L233-239: public credit with labour-law compliance as a condition contractors must
    "meet and sustain". Indicators: the public lender signs credit with a compliance condition, and
    every such credit that ran its course without breach went to a contractor paying the floor at
    the end, while breaches of the compliance condition were found by audits."""
    signed = 0
    for seed in (1, 2):
        game, _ = run("la-apparel", seed)
        st = game.state
        for d in st.deals.values():
            if d.kind != "conditional_credit" or "compliance" not in d.terms["conditions"]:
                continue
            signed += 1
            firm = st.firm_of(next(p for p in d.parties if p.startswith("firm:")))
            if d.status == "fulfilled":
                assert st.firms.compliant[firm] or not st.firms.alive[firm]
            for b in d.breaches:
                assert "audit" in str(b.get("why", "")), b
    assert signed >= 2


# --- New York garment (000 III.3) ---------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_new_york_union_shares_the_gains_that_los_angeles_workers_do_not_get(seed: int) -> None:
    """000 III.3 L211: the union acted "as an enforcer to assure the distribution of gains"; 000 III.4
    L223: in Los Angeles "almost no firms are under union contract". Indicators: New York's wage
    floor rises by at least 5% while Los Angeles' stays within 2%; union density stays at 45% or more."""
    ny, _ = run("ny-garment", seed)
    la, _ = run("la-apparel", seed)
    ny_floor, la_floor = series(ny, "wage_floor"), series(la, "wage_floor")
    assert ny_floor[-1] / ny_floor[0] - 1 >= 0.05, ny_floor
    assert abs(la_floor[-1] / la_floor[0] - 1) < 0.02, la_floor
    assert series(ny, "union_density")[-1] >= 0.45


def test_mademoiselle_knitwear_leaves_chapter_11_with_better_paid_more_skilled_workers() -> None:
    """000 III.3 L201-203: Mademoiselle Knitwear had filed for Chapter 11; after GIDC's training it
    became profitable, wages rose and turnover fell. Indicators: the firm survives every seed, its
    net worth ends above its (negative) start, its wage rises by at least 8% and its workers' skill
    by at least 0.15."""
    for seed in (1, 2):
        game, _ = run("ny-garment", seed)
        f = game.state.firms
        i = firm_index(game, "Mademoiselle Knitwear")
        spec = next(s for s in scenario("ny-garment").firms if s.name == "Mademoiselle Knitwear")
        assert f.alive[i]
        assert f.cash[i] - f.debt[i] > spec.cash - spec.debt
        assert f.wage[i] / spec.wage - 1 >= 0.08
        assert f.skill[i] - spec.skill >= 0.15


# --- Kumasi (003 I-2) ----------------------------------------------------------------------------


def _wage_to_floor(game) -> list[float]:
    return [
        w / f for w, f in zip(series(game, "mean_wage"), series(game, "wage_floor"), strict=True)
    ]


@pytest.mark.parametrize("seed", [1, 2])
def test_kumasi_labour_surplus_holds_wages_near_the_subsistence_floor(seed: int) -> None:
    """003 I-2.3 L352-358: with a vast labour surplus the only floor is subsistence ("the rural or
    urban subsistence economy") and competition squeezes labour. Indicator: the mean wage stays
    within 15% of the subsistence floor every round and averages at or below it."""
    game, _ = run("kumasi", seed)
    ratio = _wage_to_floor(game)
    assert max(ratio) <= 1.15 and mean(ratio) <= 1.0, ratio


def test_kumasi_it_is_the_surplus_that_holds_wages_down() -> None:
    """003 I-2.3 L352-358: the size of the labour surplus shifts competition between innovation and
    squeezing labour. Indicator: the same district with a small surplus (4%, no apprentice wave)
    pays on average at least 12% more relative to the floor."""
    game, _ = run("kumasi", 1)
    low, _ = run_variant("kumasi", 1, "kumasi-low-surplus")
    assert mean(_wage_to_floor(low)) >= 1.12 * mean(_wage_to_floor(game))


@pytest.mark.parametrize("seed", [1, 2])
def test_kumasi_apprentices_open_workshops_until_orders_and_profits_run_out(seed: int) -> None:
    """003 I-2.3 L360: "the gain of new economic space was outpaced by the flood of entrants";
    workshops were "often without orders ... and made little profit". Indicators: while imports are
    strangled (rounds 1-4) new workshops number at least 10% of the district; by the last three
    rounds the district's margin is under half its early level and under 8%, the price of the
    magazine's work has fallen by at least 10%, and workshops close."""
    game, _ = run("kumasi", seed)
    reports = game.state.reports
    entries = [len(r["details"].get("entries", [])) for r in reports]
    exits = [len(r["details"].get("exits", [])) for r in reports]
    margin = [r["details"]["margin"] for r in reports]
    price = series(game, "commodity_price")
    assert sum(entries[:4]) >= 0.10 * initial_firms(game).sum(), entries
    assert mean(margin[-3:]) <= min(0.08, 0.5 * mean(margin[:3])), margin
    assert mean(price[-3:]) <= 0.90 * mean(price[:3]), price
    assert sum(exits[4:]) >= 3, exits


def _without_orders(game) -> list[int]:
    return [int(h["firms_without_orders"]) for h in game.state.history]


def test_kumasi_over_entry_leaves_workshops_without_orders() -> None:
    """003 I-2.3 L360: "the gain of new economic space was outpaced by the flood of entrants";
    workshops were "often without orders". Indicator: in bots-only games some rounds end with at
    least 10 workshops that sold nothing (spare capacity, no orders), in all at least 25 workshop-
    rounds per game; the same district without the labour surplus (4%, no apprentice wave: the
    `district calibrate` counterfactual) has at most a fifth as many; and with orders spread over
    all capacity (no queue for known names) the glut only lowers the price: none sell nothing."""
    for seed in (1, 2):
        game, _ = run("kumasi", seed)
        low, _ = run_variant("kumasi", seed, "kumasi-low-surplus")
        spread, _ = run_variant("kumasi", seed, "kumasi-orders-spread")
        idle, idle_low = _without_orders(game), _without_orders(low)
        assert max(idle) >= 10 and sum(idle) >= 25, idle
        assert sum(idle_low) <= 0.2 * sum(idle), (idle, idle_low)
        assert sum(_without_orders(spread)) == 0, _without_orders(spread)
        # the idle workshops come from over-entry: more firms opened than without the surplus
        entries = sum(len(r["details"].get("entries", [])) for r in game.state.reports[:4])
        entries_low = sum(len(r["details"].get("entries", [])) for r in low.state.reports[:4])
        assert entries >= 2 * entries_low, (entries, entries_low)


def test_kumasi_workshops_farm_out_what_they_cannot_do_themselves() -> None:
    """003 I-2.2 L282: workshops accept jobs they cannot complete and farm out the operations they
    lack to the few with machines. Indicator: the multi-operation jobs are won by consortia of
    workshops (joint bids), each including one of the machine owners."""
    machines = {
        "Asante Precision Lathe Works",
        "Boateng Engineering (machine builders)",
        "Opoku Foundry",
    }
    won = 0
    for seed in (1, 2):
        game, _ = run("kumasi", seed)
        for t in game.state.tenders:
            if t.id in ("timber-truck-rebuild", "corn-mill-parts") and t.status in (
                "awarded",
                "done",
            ):
                names = {game.state.firms.name[i] for i in t.winner}
                assert len(names) >= 2 and names & machines, (t.id, names)
                won += 1
    assert won >= 3


# --- Baden-Wuerttemberg (002 sections 3-4) -----------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_baden_wuerttemberg_supplier_cut_keeps_the_best_problem_solvers_and_shrinks_the_district(
    seed: int,
) -> None:
    """002 3 L362-368 and 4 L484-489: the multinationals cut suppliers; loyalty does not count,
    "the capacity to cooperate and solve problems" does; "a sharp winnowing of the number of
    suppliers ... within the region". Indicators: exactly the `keep` suppliers are kept and they
    are broader problem-solvers (more operations, more skill) than the rest; at least 85% of the kept
    survive, at least 20 points more than the rest; the district ends with at most 85% of its firms."""
    game, _ = run("baden-wuerttemberg", seed)
    f = game.state.firms
    init = initial_firms(game)
    kept = f.preferred & init
    cut = next(e for e in scenario("baden-wuerttemberg").events if e.kind == "supplier_cut")
    assert kept.sum() == cut.keep
    breadth = (f.caps > 0.5).sum(axis=1)
    assert breadth[kept].mean() > breadth[init & ~kept].mean()
    assert f.skill[kept].mean() > f.skill[init & ~kept].mean()
    surv_kept = (f.alive & kept).sum() / kept.sum()
    surv_rest = (f.alive & init & ~kept).sum() / (init & ~kept).sum()
    assert surv_kept >= 0.85 and surv_kept - surv_rest >= 0.20, (surv_kept, surv_rest)
    alive = series(game, "firms_alive")
    assert alive[-1] <= 0.85 * alive[0]


def test_baden_wuerttemberg_without_the_cut_more_local_suppliers_survive() -> None:
    """002 4 L484-489: the winnowing is what shrinks the regional supplier base. Indicator: the same
    district without the supplier cut ends with more firms alive."""
    game, _ = run("baden-wuerttemberg", 1)
    nocut, _ = run_variant("baden-wuerttemberg", 1, "bw-no-cut")
    assert series(game, "firms_alive")[-1] < series(nocut, "firms_alive")[-1]


def test_baden_wuerttemberg_sector_health_and_regional_health_diverge() -> None:
    """002 4 L501-505: the process is "good for the longterm health of the sectoral communities"
    but "indisputably bad for many firms and workers". Indicators: product quality rises by at
    least 0.1 while employment falls by at least 15%."""
    game, _ = run("baden-wuerttemberg", 1)
    q, emp = series(game, "quality"), series(game, "employment")
    assert q[-1] - q[0] >= 0.10 and emp[-1] <= 0.85 * emp[0], (q, emp)


# --- Denmark 1989 (004 S.II) -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_denmark_campaign_networks_about_40_percent_of_small_firms_within_three_rounds(
    seed: int,
) -> None:
    """004 S.II L1673: "By 1991, more than 3,000 of Denmark's 7,300 small manufacturing firms were
    involved in networks" (41%, within three years of the 1989 launch); L1750: 94% would continue
    after the subsidies. Indicators: no networks at the start; the networked share of firms at the
    end of round 3 is 25-55%; at least 75% of the networks founded by round 3 are alive at the end,
    after the campaign's sunset in round 4."""
    assert not data("denmark-1989").get("networks")
    game, _ = run("denmark-1989", seed)
    share = at_round(game, "networked_share", 3)
    assert 0.25 <= share <= 0.55, series(game, "networked_share")
    early = [n for n in game.state.networks if 1 <= n.founded <= 3]
    assert early, "no network was founded during the campaign"
    assert sum(n.alive for n in early) / len(early) >= 0.75


def test_denmark_uptake_is_caused_by_the_campaign() -> None:
    """004 S.II L1655-1674: the campaign (brokers, grants) produced the uptake. Indicator: without
    brokers and campaign money, the networked share at round 3 is at most 60% of the campaign's."""
    with_campaign, _ = run("denmark-1989", 1)
    without, _ = run_variant("denmark-1989", 1, "denmark-no-campaign")
    assert at_round(without, "networked_share", 3) <= 0.6 * at_round(
        with_campaign, "networked_share", 3
    )


AIDS_MAKERS = {  # the scenario's six very small makers of aids for the disabled (004 S.II L1678-1681)
    "Aalborg Rehab Aids",
    "Horsens Hospital Beds",
    "Kolding Walking Aids",
    "Randers Ergonomi",
    "Viborg Seating Aids",
    "Odense Lift Systems",
}


def test_denmark_aids_makers_win_the_public_health_order_with_an_electronics_partner() -> None:
    """004 S.II L1678-1710: very small makers of aids for the disabled, with no expertise in the
    embedded electronics their one buyer now wants, set up a common service centre and then, as a
    group, found an electronics partner. Indicator: in bots-only games the public-health-aids
    tender is won by a consortium of an aids maker and a firm that does electronics; without the
    campaign (no brokers, no campaign money) nobody wins it in the same seeds."""
    ops = scenario("denmark-1989").operations
    wins = 0
    for seed in (1, 2):
        game, _ = run("denmark-1989", seed)
        t = next(t for t in game.state.tenders if t.id == "public-health-aids")
        if t.status not in ("awarded", "done"):
            continue
        f = game.state.firms
        names = {f.name[i] for i in t.winner}
        assert names & AIDS_MAKERS, names
        assert any(f.caps[i, ops.index("electronics")] >= 0.55 for i in t.winner), names
        wins += 1
    assert wins >= 1
    without, _ = run_variant("denmark-1989", 1, "denmark-no-campaign")
    t = next(t for t in without.state.tenders if t.id == "public-health-aids")
    assert t.status == "unawarded", t.winner


# --- Alberta 1993 (004 ES, S.III, S.IV) ------------------------------------------------------------


def test_alberta_production_networks_win_only_on_a_factor_base() -> None:
    """004 ES L247-257: production networks are "invariably built upon an existing base of
    sophisticated factor-creating networking"; Conclusion L4061-4066: firms with the same
    deficiencies gain little by joining. Indicators: with the associations' factor stock (PETRO-
    TRADE's market intelligence, APVMA's quality) the turnkey tender is won by a consortium of
    PETRO-TRADE members and the district exports at least 20% more than the same district without
    that stock, where the turnkey tender finds no winner."""
    petro = set(
        next(n for n in scenario("alberta-1993").networks if n.name == "PETRO-TRADE").members
    )
    base, _ = run("alberta-1993", 1)
    bare, _ = run_variant("alberta-1993", 1, "alberta-no-factor-stock")
    t = next(t for t in base.state.tenders if t.id == "kazakhstan-turnkey")
    assert t.status in ("awarded", "done") and len(t.winner) >= 2
    assert {base.state.firms.name[i] for i in t.winner} & petro
    t_bare = next(t for t in bare.state.tenders if t.id == "kazakhstan-turnkey")
    assert t_bare.status == "unawarded"
    assert sum(series(base, "exports")) >= 1.2 * sum(series(bare, "exports"))


def test_alberta_stays_thinly_networked_without_a_campaign() -> None:
    """004 S.IV L3492-3527 and S.III: dispersed firms, "my competitor is my enemy", associations
    that lobby. Indicator: the networked share stays below Denmark's at every round once the
    Danish campaign has run a year. (Round 1 is not compared: Alberta starts with its
    associations, Denmark with no networks at all, 004 S.II L1645-1651, and the Danish share
    climbs from there over the campaign's three rounds, 004 S.II L1673.)"""
    ab, _ = run("alberta-1993", 1)
    dk, _ = run("denmark-1989", 1)
    for r in range(2, 7):
        assert at_round(ab, "networked_share", r) < at_round(dk, "networked_share", r)


def test_every_calibration_run_is_a_full_game() -> None:
    """The runs above are whole games: every scenario played all its rounds."""
    for name in (
        "oregon-plastics",
        "emilia-romagna",
        "la-apparel",
        "ny-garment",
        "kumasi",
        "baden-wuerttemberg",
        "denmark-1989",
        "alberta-1993",
    ):
        game, _ = run(name, 1)
        assert len(game.state.history) == scenario(name).rounds
        assert np.isfinite([v for h in game.state.history for v in h.values()]).all()
