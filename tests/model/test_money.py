"""Money at magnitudes a small manufacturer would recognise, and cash that binds (issue 10).

Magnitudes are the stated assumptions of docs/model.md ("Money"): operating margins of a few
percent to the low teens in good years and losses in bad ones; owners draw part of the profit, so
a firm's net worth grows by a fraction a year, not tenfold in a game. The rules are comparisons of
controlled runs: the same district with the mechanism and without it.
"""

from __future__ import annotations

import numpy as np
from district.server import api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import district, firm, game, play, seat
from tests.scenarios.helpers import SHIPPED, initial_firms, run, run_variant, variant

A, B = seat("Alpha"), seat("Beta")


@variant("no-rent-sharing")
def _no_rent_sharing(d: dict) -> None:
    d.setdefault("params", {}).update(rent_share_union=0.0, rent_share_market=0.0)


@variant("no-buyer-power")
def _no_buyer_power(d: dict) -> None:
    d.setdefault("params", {})["buyer_power"] = 0.0


def firm_margins(g) -> np.ndarray:
    """Each firm's operating margin over the rounds it traded (profit / sales, summed), for the
    firms that traded at least two rounds (a workshop that opened and closed at once says little
    about margins)."""
    f = g.state.firms
    end = np.where(f.died > 0, f.died, g.state.round)
    ok = (f.revenue_total > 0) & (end - f.born >= 2)
    return f.profit_total[ok] / f.revenue_total[ok]


def test_margins_and_net_worth_are_those_of_small_manufacturers() -> None:
    """docs/model.md, Money (assumption): the district's operating margin averages between a loss
    of 5% and a profit of 12% over a game in every scenario, no round makes more than 22%, some
    rounds of some scenarios lose money, no firm's margin over the game exceeds 18%, firms start
    with a net worth of 10-50% of a year's sales, and the median surviving firm ends with less
    than twice the net worth it started with (the issue measured 31-35% margins every round in
    Emilia-Romagna and net worth growing 10-30 times)."""
    losing_rounds = 0
    for name in SHIPPED:
        g, _ = run(name, 1)
        margins = [r["details"]["margin"] for r in g.state.reports]
        assert -0.05 <= float(np.mean(margins)) <= 0.12, (name, margins)
        assert max(margins) <= 0.22, (name, margins)
        losing_rounds += sum(m < 0 for m in margins)
        f = g.state.firms
        a = f.alive & (f.net_worth0 > 0)
        growth = (f.cash[a] - f.debt[a] - f.public_debt[a]) / f.net_worth0[a]
        assert float(np.median(growth)) < 2.0, (name, float(np.median(growth)))
        # no firm keeps a margin a small manufacturer would not recognise (issue 10: FSM Robotica
        # made 26-31% every round)
        assert float(firm_margins(g).max()) <= 0.18, (name, float(firm_margins(g).max()))
        # the opening balance sheet: net worth is a real cushion, not a few weeks of sales
        start = initial_firms(g)
        cushion = float(f.net_worth0[start].sum()) / g.state.history[0]["sales_value"]
        assert 0.1 <= cushion <= 0.5, (name, cushion)
    assert losing_rounds >= 3, "bad years should cost money somewhere"


def test_workers_and_buyers_take_the_rents_of_productive_firms() -> None:
    """Where workers have bargaining power they win a share of their firm's rent (000 III.2
    L167-169; II.d L101: profits spread broadly): in Emilia-Romagna (strong unions, little
    unemployment) the best firms' margins stay at most 18% and workers earn more; with the rent
    sharing switched off, the same district has firms above 20% and lower pay. Where retailers
    hold the market power (000 III.4 L223-225) they take the rent through the price: in Los
    Angeles, without it, a contractor keeps more than 20%. Kumasi's workers, with a vast labour
    surplus and no union (003 I-2.3), win next to nothing of it."""
    er, _ = run("emilia-romagna", 1)
    er_off, _ = run_variant("emilia-romagna", 1, "no-rent-sharing")
    assert firm_margins(er).max() <= 0.18 < 0.2 < firm_margins(er_off).max()
    pay, pay_off = (float(np.mean([h["mean_wage"] for h in g.state.history])) for g in (er, er_off))
    assert pay > 1.03 * pay_off, (pay, pay_off)
    la, _ = run("la-apparel", 1)
    la_off, _ = run_variant("la-apparel", 1, "no-buyer-power")
    assert firm_margins(la).max() <= 0.18 < 0.2 < firm_margins(la_off).max()
    ku, _ = run("kumasi", 1)
    shared = sum(r["details"]["rent_pay"] for r in ku.state.reports)
    wages = sum(r["details"]["wages"] for r in ku.state.reports)
    assert shared < 0.01 * wages, (shared, wages)


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(name=st.sampled_from(SHIPPED), seed=st.integers(0, 10_000))
def test_no_firm_keeps_a_margin_above_a_fifth(name: str, seed: int) -> None:
    """Across scenarios and seeds: no firm that traded two rounds or more ends a game with an
    operating margin above 20%, and the district as a whole is not making more than 12%."""
    g = api.new_game(name, seed)
    g.run()
    assert float(firm_margins(g).max()) <= 0.2, (name, seed, float(firm_margins(g).max()))
    margins = [r["details"]["margin"] for r in g.state.reports]
    assert float(np.mean(margins)) <= 0.12, (name, seed, margins)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(name=st.sampled_from(SHIPPED), seed=st.integers(0, 10_000))
def test_no_live_firm_ends_a_round_with_negative_cash(name: str, seed: int) -> None:
    """Every payment of a round (wages, dues, penalties, repayments) is covered: a firm that cannot
    cover one borrows what its credit allows or is insolvent and closes in that round."""
    g = api.new_game(name, seed)
    for _ in range(4):
        g.bots()
        g.resolve()
        f = g.state.firms
        bad = np.flatnonzero(f.alive & (f.cash < -1e-6))
        assert len(bad) == 0, [(f.name[i], float(f.cash[i])) for i in bad]
        g.advance()


def test_training_is_paid_out_of_cash() -> None:
    """Cash constrains choices: two firms alike but for their cash decide the same training budget;
    the one without the cash enrols fewer trainees."""
    data = district(
        [firm("Alpha", workers=20, cash=5.0), firm("Beta", workers=20, cash=300.0)],
        params={"entry_rate": 0.0},
    )
    g = game(data)
    for s in (A, B):
        g.apply(s, {"type": "decide", "decisions": {"training": 60.0}})
    g.resolve()
    f = g.state.firms
    assert f.pipeline[0].sum() < 0.5 * f.pipeline[1].sum(), (f.pipeline[0], f.pipeline[1])
    assert f.training_spend[0] <= 5.0 + 1e-9


def _niche(demand: float) -> tuple[float, float]:
    data = district(
        [
            firm("Alpha", workers=15, skill=0.8, technology=0.8, focus="niche", reputation=0.7),
            firm("Beta", workers=15, skill=0.8, technology=0.8, focus="niche", reputation=0.7),
        ],
        markets={"niche_demand": demand, "export_demand": 0.0},
        params={"entry_rate": 0.0},
    )
    g = game(data)
    rep = g.resolve()
    return rep["details"]["niche_price_index"], rep["details"]["niche_units"]


def test_niche_prices_respond_to_supply() -> None:
    """A niche market offered more than it wants pays less (down to what the commodity market
    pays, where the rest goes), and one offered less pays more."""
    glut, glut_units = _niche(8.0)
    short, _ = _niche(80.0)
    assert glut < 0.97 < 1.03 < short, (glut, short)
    assert glut_units < 20.0


def _unsold(import_pressure: float) -> tuple[float, float]:
    data = district(
        [firm("Alpha", workers=20), firm("Beta", workers=20)],
        markets={"commodity_demand": 38.0, "import_pressure": import_pressure},
        params={"entry_rate": 0.0},
    )
    g = game(data)
    units = []
    price = []
    play(g, 2, lambda g: None)
    for r in g.reports():
        units.append(r["details"]["unsold_units"])
        price.append(r["details"]["commodity_price"])
    return float(np.mean(units)), float(np.mean(price))


def test_an_import_shock_leaves_capacity_idle_not_only_cheaper() -> None:
    """003 I-2.3 (workshops "often without orders") and 002 4 L451 (imports take the market):
    imports take part of the commodity demand as well as lowering its price, so a district hit by
    imports leaves capacity unsold; without imports it sells what it makes."""
    idle_shock, price_shock = _unsold(0.6)
    idle_calm, price_calm = _unsold(0.0)
    assert idle_calm < 1.0
    assert idle_shock > 2.0 + idle_calm, (idle_shock, idle_calm)
    assert price_shock < price_calm


def test_entrants_carry_local_names_and_employees_found_workshops() -> None:
    """003 I-2.3: apprentices and employees set up their own workshops when orders are good (the
    school -> employee -> owner path). Entrants take names from the scenario's [background] names
    (never "New workshop N"), and when margins are good some founders leave a job to do it:
    with the spin-off path switched off (spinoff_share 0) no entrant is founded by an employee."""
    names_seen: list[str] = []
    spinoffs = {True: 0, False: 0}
    for on in (True, False):
        d = district(
            [firm("Alpha", workers=30, skilled=12), firm("Beta", workers=30, skilled=12)],
            institutions={"labour_surplus": 0.02},
            markets={"commodity_demand": 90.0},
            params={
                "entry_margin": 0.0,
                "entry_rate": 0.3,
                **({} if on else {"spinoff_share": 0.0}),
            },
            background={
                "count": 2,
                "names": ["Bianchi Meccanica", "Rossi Maglieria", "Verdi Stampi"],
            },
        )
        g = game(d)
        play(g, 4, lambda g: None)
        for r in g.reports():
            spinoffs[on] += r["details"].get("spinoffs", 0)
            names_seen += [g.state.firms.name[i] for i in r["details"].get("entries", [])]
    assert names_seen and not any(n.startswith("New workshop") for n in names_seen), names_seen
    assert all(n.split(" ")[0] in ("Bianchi", "Rossi", "Verdi") for n in names_seen), names_seen
    assert spinoffs[True] >= 1 and spinoffs[False] == 0, spinoffs
