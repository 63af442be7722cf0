"""Issue 10, sanctions that bite (000 III.4 L219: quid pro quo agreements recover abused
subsidies; L231-239: a covenant to "meet and sustain" compliance, audited, with penalties): a
caught cheater ends worse off than an honest borrower and with a worse credit standing, and every
loan ends."""

from __future__ import annotations

import pytest
from district.server import api
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import district, firm, game, seat

A = seat("Alpha")


def _loan(g, **terms) -> str:
    base = {
        "amount": 100.0,
        "term": 4,
        "purpose": "working_capital",
        "conditions": ["compliance"],
        "audit_rate": 1.0,
        "remedy": "clawback",
    }
    base.update(terms)
    ev = g.apply(
        "government",
        {
            "type": "propose",
            "kind": "conditional_credit",
            "parties": ["government", A],
            "terms": base,
        },
    )
    g.apply(A, {"type": "respond", "deal": ev[0]["deal"], "answer": "accept"})
    return ev[0]["deal"]


def _borrower(cheat_rounds: int, rounds: int = 5, **terms):
    """Alpha borrows 100k on a compliance covenant and pays 24 (under the floor of 30) for its
    first `cheat_rounds` rounds, 31 after; the labour inspectorate is off (enforcement 0), so
    only the loan's own audit can catch it."""
    data = district(
        [firm("Alpha"), firm("Beta", seat=False)],
        institutions={"enforcement": 0.0},
        seats=[{"role": "government"}],
    )
    data["scenario"]["rounds"] = rounds
    g = game(data, 3)
    did = _loan(g, **terms)
    for r in range(rounds):
        wage = 24.0 if r < cheat_rounds else 31.0
        g.apply(A, {"type": "decide", "decisions": {"wage": wage}})
        g.resolve()
        if r < rounds - 1:
            g.advance()
    f = g.state.firms
    worth = float(f.cash[0] - f.debt[0] - f.public_debt[0])
    return worth, float(f.credit[0]), g.state.deals[did]


def test_a_caught_cheater_ends_worse_off_than_an_honest_borrower() -> None:
    honest_worth, honest_credit, d_honest = _borrower(cheat_rounds=0)
    cheat_worth, cheat_credit, d_cheat = _borrower(cheat_rounds=1)
    assert d_honest.status == "fulfilled" and not d_honest.breaches
    assert d_cheat.status == "breached" and d_cheat.ledger["clawed_back"] > 100.0
    assert cheat_worth < honest_worth, (cheat_worth, honest_worth)
    assert cheat_credit < honest_credit, (cheat_credit, honest_credit)


def test_a_clawed_back_firm_gets_no_more_public_credit_for_a_while() -> None:
    g = game(district([firm("Alpha"), firm("Beta", seat=False)], seats=[{"role": "government"}]))
    _loan(g)
    g.apply(A, {"type": "decide", "decisions": {"wage": 24.0}})
    g.resolve()
    g.advance()
    assert any(x.status == "breached" for x in g.state.deals.values())
    with pytest.raises(api.Refused) as e:
        _loan(g)
    assert e.value.code == "credit_record"


@settings(max_examples=25, deadline=None)
@given(
    term=st.integers(1, 5),
    audit_rate=st.sampled_from([0.0, 0.5, 1.0]),
    remedy=st.sampled_from(["clawback", "penalty_rate"]),
    cheat=st.integers(0, 9),
)
def test_every_loan_ends(term: int, audit_rate: float, remedy: str, cheat: int) -> None:
    """A penalty-rate loan whose condition stays broken used to run for ever, its rate past 80%."""
    rounds = term + 2
    _, _, d = _borrower(cheat, rounds=rounds, term=term, audit_rate=audit_rate, remedy=remedy)
    assert d.status in ("fulfilled", "breached"), (d.status, d.ledger)
    assert d.ledger["outstanding"] < 1e-6
    assert d.ledger["rate"] <= d.terms["rate"] + 0.1 + 1e-9
