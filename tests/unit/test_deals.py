"""Every deal kind: its signed effect happens in resolution, its breach has the stated consequence.
The life of a deal, illegal proposals, and the private preview."""

from __future__ import annotations

import json

import pytest
from district.server.engine import EngineError
from district.server.engine.state import money_total
from district.server.engine.views import view

from tests.helpers import district, firm, game, play, seat

A, B, C = seat("Alpha"), seat("Beta"), seat("Gamma")
SEATS = [{"role": "union"}, {"role": "government"}, {"role": "broker", "id": "broker:b"}]


def world(**kw):
    trust = {"firms": 0.8, "union": 0.8, "government": 0.8, "broker": 0.8, **kw.pop("trust", {})}
    data = district(
        [
            firm("Alpha", capabilities={"machining": 0.7}),
            firm("Beta", capabilities={"welding": 0.7}),
            firm("Gamma", capabilities={"machining": 0.6, "welding": 0.3}),
        ],
        seats=SEATS,
        trust=trust,
        **kw,
    )
    return game(data)


def tender_world():
    """The three firms in a service hub, with a tender for machining and welding open in round 1."""
    return world(
        tenders=[
            {
                "id": "t",
                "round": 1,
                "operations": {"machining": 0.5, "welding": 0.5},
                "volume": 16,
                "price": 90,
                "min_quality": 0.3,
            }
        ],
        networks=[
            {
                "name": "hub",
                "members": ["Alpha", "Beta", "Gamma"],
                "stock": {"quality": 0.5, "training": 0.5},
            }
        ],
    )


def sign(g, proposer: str, kind: str, parties: list[str], terms: dict) -> str:
    ev = g.apply(proposer, {"type": "propose", "kind": kind, "parties": parties, "terms": terms})
    did = ev[0]["deal"]
    for p in parties:
        if p != proposer and g.state.deals[did].status == "proposed":
            g.apply(p, {"type": "respond", "deal": did, "answer": "accept"})
    assert g.state.deals[did].status == "active", g.state.deals[did].history
    return did


def test_lifecycle_counter_reject_withdraw_expire() -> None:
    g = world()
    ev = g.apply(
        A,
        {
            "type": "propose",
            "kind": "network_charter",
            "parties": [A, B, C],
            "terms": {"dues": 9.0},
        },
    )
    d1 = ev[0]["deal"]
    assert ev[0]["audience"] == [A, B, C], "a proposal is seen only by its parties"
    ev = g.apply(B, {"type": "counter", "deal": d1, "terms": {"dues": 4.0}})
    d2 = ev[1]["deal"]
    assert g.state.deals[d1].status == "countered" and g.state.deals[d2].counter_of == d1
    assert g.state.deals[d2].terms["dues"] == 4.0
    g.apply(A, {"type": "respond", "deal": d2, "answer": "accept"})
    g.apply(C, {"type": "respond", "deal": d2, "answer": "reject"})
    assert g.state.deals[d2].status == "rejected"
    d3 = g.apply(
        A, {"type": "propose", "kind": "network_charter", "parties": [A, B, C], "terms": {}}
    )[0]["deal"]
    with pytest.raises(EngineError) as e:
        g.apply(B, {"type": "withdraw", "deal": d3})
    assert e.value.code == "forbidden"
    g.apply(A, {"type": "withdraw", "deal": d3})
    assert g.state.deals[d3].status == "withdrawn"
    d4 = g.apply(
        A, {"type": "propose", "kind": "network_charter", "parties": [A, B, C], "terms": {}}
    )[0]["deal"]
    g.resolve()
    assert g.state.deals[d4].status == "expired", "an unsigned proposal expires with its round"


@pytest.mark.parametrize(
    "cmd,code,where",
    [
        (
            {
                "kind": "joint_bid",
                "parties": [A, B],
                "terms": {"tender": "nope", "lead": A, "shares": {A: 0.5, B: 0.5}, "price": 9},
            },
            "tender_not_open",
            "terms.tender",
        ),
        (
            {"kind": "training_levy", "parties": [A, "union"], "terms": {"levy_rate": 0.5}},
            "illegal_term",
            "terms.levy_rate",
        ),
        ({"kind": "network_charter", "parties": [A, B], "terms": {}}, "bad_parties", "parties"),
        ({"kind": "conditional_credit", "parties": [A, B], "terms": {}}, "bad_parties", "parties"),
        (
            {"kind": "standards_agreement", "parties": [A, "government"], "terms": {}},
            "bad_parties",
            "parties",
        ),
        (
            {
                "kind": "subcontract",
                "parties": [A, B],
                "terms": {"buyer": A, "supplier": B, "operation": "design"},
            },
            "cannot_deliver",
            "terms.operation",
        ),
        (
            {
                "kind": "subcontract",
                "parties": [A, B],
                "terms": {"buyer": A, "supplier": B, "operation": "weldng"},
            },
            "illegal_term",
            "terms.operation",
        ),
        (
            {
                "kind": "network_charter",
                "parties": [A, B, C],
                "terms": {"dues": 3, "colour": "red"},
            },
            "unknown_term",
            "terms.colour",
        ),
        ({"kind": "marriage", "parties": [A, B], "terms": {}}, "unknown_kind", "kind"),
        (
            {"kind": "network_charter", "parties": [B, C, "broker:b"], "terms": {}},
            "bad_parties",
            "parties",
        ),
    ],
)
def test_illegal_proposals_get_a_clear_error_and_change_nothing(cmd, code, where) -> None:
    g = world()
    before = g.hash()
    with pytest.raises(EngineError) as e:
        g.apply(A, {"type": "propose", **cmd})
    assert e.value.code == code and e.value.where == where, e.value
    assert g.hash() == before


def test_joint_bid_delivers_share_by_share_and_a_short_member_pays() -> None:
    g = tender_world()
    did = sign(
        g,
        A,
        "joint_bid",
        [A, B],
        {"tender": "t", "lead": A, "shares": {A: 0.1, B: 0.9}, "price": 88, "penalty": 20.0},
    )
    cash_a = g.state.firms.cash[0]
    g.resolve()
    d = g.state.deals[did]
    assert g.state.tenders[0].winner_deal == did
    assert d.status == "breached", "Beta cannot make 14.4 units: it breaches"
    assert d.breaches[0]["firm"] == 1
    assert g.state.trust[0, 1] < 0.8 and g.state.firms.reputation[1] < 0.5
    assert g.state.firms.cash[0] > cash_a, "Alpha is paid for its share and receives the penalty"


def test_subcontract_moves_work_and_assistance_upgrades_the_supplier() -> None:
    g = world()
    sign(
        g,
        A,
        "subcontract",
        [A, B],
        {
            "buyer": A,
            "supplier": B,
            "operation": "welding",
            "volume": 3,
            "unit_price": 40,
            "assistance": 20.0,
            "rounds": 2,
        },
    )
    tech_b = g.state.firms.technology[1]
    g.resolve()
    f = g.state.firms
    assert f.sales[0] > f.sales[2], "the buyer sells the supplier's units as its own"
    assert f.technology[1] > tech_b * (1 - g.state.params.tech_depreciation), (
        "assistance raises technology"
    )


def test_charter_builds_factor_stock_and_a_dues_dodger_breaches() -> None:
    g = world()
    did = sign(
        g,
        A,
        "network_charter",
        [A, B, C],
        {"dues": 10.0, "services": ["training", "quality"], "rounds": 2},
    )
    net = g.state.networks[-1]
    play(g, 2)
    assert net.stock[0] > 0.1 and net.stock[2] > 0.1 and net.stock[1] == 0.0, (
        "only the chosen services"
    )
    assert g.state.deals[did].status == "fulfilled"
    forced = world(trust={"firms": 0.05})
    did = sign(forced, A, "network_charter", [A, B, C], {"dues": 2.0, "rounds": 6})
    assert forced.state.deals[did].forced
    play(forced, 6)
    assert forced.state.deals[did].status == "breached", (
        "a charter forced across the trust gate breaks"
    )


def test_levy_trains_binds_against_poaching_and_passes_gains_with_a_union_seat() -> None:
    g = world()
    sign(
        g,
        "union",
        "training_levy",
        ["union", A, B],
        {"levy_rate": 0.05, "union_seat": True, "anti_poaching": True, "rounds": 3},
    )
    assert g.state.firms.anti_poach[0] == g.state.firms.anti_poach[1] > 0
    g.resolve()
    assert g.state.firms.pipeline[:2].sum() > 0 and g.state.firms.pipeline[2].sum() == 0
    assert g.state.institutions.pass_through_clause >= 0.2


def test_standards_agreement_floor_held_by_enforcement() -> None:
    g = world(institutions={"enforcement": 1.0})
    did = sign(g, "union", "standards_agreement", ["union", A], {"wage_floor": 34.0})
    g.apply(A, {"type": "decide", "decisions": {"wage": 32.0}})
    g.resolve()
    assert g.state.deals[did].status == "breached", (
        "paying under the agreed floor is found and owed"
    )


def test_challenge_grant_funds_a_qualifying_network_until_phase_out() -> None:
    g = world()
    did = sign(
        g,
        "government",
        "challenge_grant",
        ["government", A, B, C],
        {
            "amount": 20.0,
            "phase_out": 2,
            "min_activities": 2,
            "services": ["training", "intelligence"],
        },
    )
    play(g, 3)
    assert g.state.deals[did].ledger["paid"] == 40.0, "paid two rounds, then phased out"
    assert g.state.deals[did].status == "fulfilled"
    assert g.state.networks[-1].stock[1] > 0


def test_broker_engagement_pays_the_broker_and_lowers_the_gate_once_it_has_worked() -> None:
    """004 S.III: the engagement lowers the gate between the firms only once the broker has
    worked with them (its first round's event and introductions), not at the signature. The
    broker is new to these firms (trusted 0.3: no clients of its own at the start)."""
    g = world(trust={"firms": 0.5, "broker": 0.3})
    from district.server.engine.deals import trust_gate

    gate_before, _ = trust_gate(g.state, "joint_bid", [A, B])
    sign(g, "broker:b", "broker_engagement", ["broker:b", A, B], {"fee": 3.0, "rounds": 2})
    gate_signed, _ = trust_gate(g.state, "joint_bid", [A, B])
    assert gate_signed == gate_before, "a signature alone does not skip the trust ladder"
    funds = g.state.accounts.brokers["broker:b"]
    g.resolve()
    assert g.state.accounts.brokers["broker:b"] == pytest.approx(funds + 6.0)
    g.advance()
    gate_after, _ = trust_gate(g.state, "joint_bid", [A, B])
    assert gate_after < gate_before


def test_negotiation_moves_no_money_that_no_signed_deal_moves() -> None:
    g = world()
    before = (g.state.firms.cash.copy(), g.state.accounts.government, g.state.accounts.union)
    d = g.apply(
        A,
        {
            "type": "propose",
            "kind": "network_charter",
            "parties": [A, B, C],
            "terms": {"dues": 50.0},
        },
    )[0]["deal"]
    g.apply(B, {"type": "counter", "deal": d, "terms": {"dues": 10.0}})
    g.apply(
        "government",
        {
            "type": "propose",
            "kind": "conditional_credit",
            "parties": ["government", A],
            "terms": {},
        },
    )
    assert (g.state.firms.cash == before[0]).all() and g.state.accounts.government == before[1]


def test_preview_shows_my_numbers_only_and_changes_nothing() -> None:
    g = tender_world()
    before, total, log = g.hash(), money_total(g.state), list(g.log)
    request = {
        "kind": "joint_bid",
        "parties": [A, B],
        "terms": {"tender": "t", "lead": A, "shares": {A: 0.5, B: 0.5}, "price": 88},
    }
    out = g.preview(A, request)
    assert g.hash() == before and money_total(g.state) == total
    assert g.log == log, "a preview is a query: it is not logged (nor replayed)"
    assert set(out) == {
        "kind",
        "deal_kind",
        "without",
        "with",
        "delta",
        "deal",
        "no_deal",
        "reason",
    }
    assert out["no_deal"] == out["without"] and out["reason"] == "", "it changes something"
    assert out["kind"] == "preview" and out["deal_kind"] == "joint_bid" and out["deal"] == ""
    assert out["delta"]["revenue"] > 0, "winning the tender would raise my revenue"
    text = json.dumps(out)
    assert str(round(float(g.state.firms.cash[1]), 2)) not in text, "nothing of Beta's numbers"
    # an existing proposal the seat is party to can be previewed by its id
    did = g.apply(A, {"type": "propose", **request})[0]["deal"]
    assert g.preview(B, {"deal": did})["deal"] == did
    for who, req, code in (
        ("union", {"deal": did}, "forbidden"),
        ("facilitator", request, "forbidden"),
        (A, {"kind": "merger", "parties": [A, B]}, "unknown_kind"),
        (A, {**request, "round": 5}, "stale"),
    ):
        with pytest.raises(EngineError) as e:
            g.preview(who, req)
        assert e.value.code == code, (who, e.value)
    with pytest.raises(EngineError) as e:
        g.apply(A, {"type": "preview", **request})
    assert e.value.code == "unknown_command", "preview is no longer a command"
    g.resolve()
    with pytest.raises(EngineError) as e:
        g.preview(A, request)
    assert e.value.code == "wrong_phase"


def test_signed_deals_are_public_proposals_are_not() -> None:
    g = world()
    sign(g, A, "network_charter", [A, B, C], {"dues": 3.0})
    g.apply(
        A,
        {
            "type": "propose",
            "kind": "subcontract",
            "parties": [A, B],
            "terms": {"buyer": A, "supplier": B, "operation": "welding", "volume": 2},
        },
    )
    v = view(g.state, "union")
    kinds = {(d["kind"], d["status"]) for d in v["deals"]}
    assert ("network_charter", "active") in kinds and ("subcontract", "proposed") not in kinds


def test_terms_are_checked_again_at_signing() -> None:
    g = world()
    one = g.apply(
        "government",
        {
            "type": "propose",
            "kind": "conditional_credit",
            "parties": ["government", A],
            "terms": {"amount": 700.0, "purpose": "working_capital"},
        },
    )[0]["deal"]
    two = g.apply(
        "government",
        {
            "type": "propose",
            "kind": "conditional_credit",
            "parties": ["government", B],
            "terms": {"amount": 700.0, "purpose": "working_capital"},
        },
    )[0]["deal"]
    g.apply(A, {"type": "respond", "deal": one, "answer": "accept"})
    ev = g.apply(B, {"type": "respond", "deal": two, "answer": "accept"})
    assert g.state.deals[one].status == "active"
    assert g.state.deals[two].status == "failed", "the budget no longer covers the second loan"
    assert "less than" in ev[-1]["why"]
    assert g.state.firms.public_debt[1] == 0.0


def test_chat_public_per_deal_private_and_muted() -> None:
    g = world()
    did = g.apply(
        A, {"type": "propose", "kind": "network_charter", "parties": [A, B, C], "terms": {}}
    )[0]["deal"]
    assert g.apply(A, {"type": "chat", "text": "hello all"})[0]["audience"] == "public"
    assert g.apply(B, {"type": "chat", "text": "on the hub", "to": did})[0]["audience"] == [A, B, C]
    assert g.apply(A, {"type": "chat", "text": "psst", "to": "union"})[0]["audience"] == [
        A,
        "union",
    ]
    with pytest.raises(EngineError) as e:
        g.apply("union", {"type": "chat", "text": "let me in", "to": did})
    assert e.value.code == "forbidden"
    assert [m["text"] for m in view(g.state, C)["chat"]] == ["hello all", "on the hub"]
    g.apply("facilitator", {"type": "mute_chat", "muted": True})
    with pytest.raises(EngineError) as e:
        g.apply(A, {"type": "chat", "text": "anyone?"})
    assert e.value.code == "muted"
    g.apply("facilitator", {"type": "chat", "text": "Five minutes left"})


def test_an_anti_poaching_binding_ends_with_its_levy_and_only_its_own() -> None:
    D = seat("Delta")
    g = game(
        district(
            [
                firm("Alpha", skilled=6),
                firm("Beta", skilled=6),
                firm("Gamma", skilled=0),
                firm("Delta", skilled=0),
            ],
            seats=[{"role": "union"}],
            trust={"firms": 0.8, "union": 0.8},
            markets={"commodity_demand": 80.0},
        )
    )
    clause = {"levy_rate": 0.0, "anti_poaching": True}
    first = sign(g, "union", "training_levy", ["union", A, C], {**clause, "rounds": 1})
    second = sign(g, "union", "training_levy", ["union", B, D], {**clause, "rounds": 3})
    assert first == "deal-1", "the levy whose id once cleared everyone's binding"
    f = g.state.firms
    i = {s: g.state.firm_of(s) for s in (A, B, C, D)}
    assert f.anti_poach[i[A]] == f.anti_poach[i[C]] > 0
    assert f.anti_poach[i[B]] == f.anti_poach[i[D]] > 0
    assert f.anti_poach[i[A]] != f.anti_poach[i[B]], "each levy binds its own group"
    assert view(g.state, A)["me"]["anti_poach"] == 1

    def poach(*who: str) -> None:
        for s in (A, B, C, D):
            d = {"wage": 32.0, "skill_pay": 0.0, "poach": 0}
            if s in who:
                d.update(skill_pay=0.6, poach=5)
            g.apply(s, {"type": "decide", "decisions": d})

    # round 1: both levies run; Gamma poaches: not from Alpha (same levy), from Beta (another)
    poach(C)
    g.resolve()
    assert f.lost_skilled[i[A]] == 0.0, "members of a levy do not poach each other"
    assert f.lost_skilled[i[B]] > 0.0, "a clause binds only the members of its own levy"
    assert g.state.deals[first].status == "fulfilled"
    assert f.anti_poach[i[A]] == f.anti_poach[i[C]] == 0, "the binding ends with its levy"
    assert f.anti_poach[i[B]] == f.anti_poach[i[D]] > 0, "deal-1's end leaves other levies bound"
    assert view(g.state, A)["me"]["anti_poach"] == 0
    # round 2: the first levy is over, so Gamma now poaches from Alpha; Delta is still bound to Beta
    g.advance()
    poach(C)
    g.resolve()
    assert f.lost_skilled[i[A]] > 0.0, "after its levy ended, Alpha's workers can be poached"
    g.advance()
    poach(D)
    g.resolve()
    assert g.state.deals[second].status == "fulfilled"
    assert f.lost_skilled[i[B]] == 0.0, "the second levy still bound Beta and Delta"
    assert not f.anti_poach.any(), "every binding has ended with its levy"


def test_a_breached_levy_releases_its_members() -> None:
    g = world()
    did = sign(
        g,
        "union",
        "training_levy",
        ["union", A, B],
        {"levy_rate": 0.1, "anti_poaching": True, "rounds": 4},
    )
    other = sign(
        g, "union", "training_levy", ["union", C], {"levy_rate": 0.0, "anti_poaching": True}
    )
    f = g.state.firms
    f.cash[g.state.firm_of(B)] = 0.0  # it cannot pay its levy: a breach in resolution
    g.resolve()
    assert g.state.deals[did].status == "breached"
    assert f.anti_poach[0] == f.anti_poach[1] == 0, "a breached levy no longer binds"
    assert g.state.deals[other].status == "active" and f.anti_poach[2] > 0


def test_a_levy_with_a_clause_can_be_previewed() -> None:
    g = world()
    out = g.preview(
        A,
        {
            "kind": "training_levy",
            "parties": ["union", A, B],
            "terms": {"levy_rate": 0.02, "anti_poaching": True},
        },
    )
    assert out["deal_kind"] == "training_levy" and "cash" in out["delta"]


def test_a_counter_with_terms_that_are_not_a_map_is_refused() -> None:
    g = world()
    d = g.apply(
        A, {"type": "propose", "kind": "network_charter", "parties": [A, B, C], "terms": {}}
    )[0]["deal"]
    before = g.hash()
    for bad in ([1], "dues", 5):
        with pytest.raises(EngineError) as e:
            g.apply(B, {"type": "counter", "deal": d, "terms": bad})
        assert e.value.code == "bad_value" and e.value.where == "terms"
    assert g.hash() == before


def test_a_levy_a_member_cannot_pay_takes_nobodys_money() -> None:
    g = world()
    sign(g, "union", "training_levy", ["union", A, B], {"levy_rate": 0.1, "rounds": 4})
    f = g.state.firms
    f.cash[g.state.firm_of(B)] = 0.0  # Beta cannot pay: the levy breaks before anyone pays
    total = money_total(g.state)
    report = g.resolve()
    assert any("could not pay its levy" in o["text"] for o in report["details"]["deal_outcomes"])
    assert money_total(g.state) == pytest.approx(total), "no money may vanish with a broken levy"
