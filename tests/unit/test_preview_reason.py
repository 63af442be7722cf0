"""A preview that says why a deal would do nothing, and the standing "no deal" line beside it.

When a deal leaves the asking seat's numbers unchanged next round the preview says why, in plain
words with names (a bid the buyer would not consider, the seat's own share left at zero, a party
that is not the seat): never a seat or tender id, never a raw fraction. A deal that changes
something carries no reason. The "no deal" line is what the seat gets next round with no deal at
all, from the live state: it moves when the seat's own decisions move."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers import district, firm, game, seat

A, B, C = seat("Alpha"), seat("Beta"), seat("Gamma")
ID_OR_FRACTION = re.compile(r"firm:|broker:|government:|\bt1\b|(?<![\d.])0\.\d")


def _district(trust: float = 0.8) -> dict[str, Any]:
    """Alpha machines, Beta welds, Gamma machines; a tender needing both, and a government."""
    firms = [
        firm("Alpha", capabilities={"machining": 0.7}),
        firm("Beta", capabilities={"welding": 0.7}),
        firm("Gamma", capabilities={"machining": 0.7}),
    ]
    return district(
        firms,
        trust={"firms": trust, "network": trust, "government": trust},
        tenders=[
            {
                "id": "t1",
                "round": 1,
                "buyer": "Tram works (bogie frames)",
                "operations": {"machining": 0.5, "welding": 0.5},
                "volume": 18.0,
                "price": 95.0,
                "min_quality": 0.3,
            }
        ],
        seats=[{"role": "government"}, {"role": "union"}],
    )


def _bid(members: list[str]) -> dict[str, Any]:
    shares = {m: round(1.0 / len(members), 6) for m in members}
    shares[members[0]] = round(1.0 - sum(v for k, v in shares.items() if k != members[0]), 6)
    terms = {"tender": "t1", "lead": members[0], "shares": shares, "price": 90.0}
    return {"kind": "joint_bid", "parties": members, "terms": terms}


def _plain(reason: str) -> None:
    assert reason and not ID_OR_FRACTION.search(reason), reason


def test_an_ineligible_joint_bid_says_why_by_the_buyers_name() -> None:
    g = game(_district())
    nothing = g.preview(A, _bid([A, C]))  # two machinists: nobody welds
    assert all(v == 0 for v in nothing["delta"].values())
    _plain(nothing["reason"])
    assert "Tram works" in nothing["reason"] and "welding" in nothing["reason"]
    assert "not eligible" in nothing["reason"]
    # the same seat and tender with a welder: the bid wins, the numbers move, no reason
    some = g.preview(A, _bid([A, B]))
    assert any(v != 0 for v in some["delta"].values()), some["delta"]
    assert some["reason"] == ""


def test_a_levy_the_government_adds_nothing_to_says_its_share_is_zero() -> None:
    g = game(_district())
    levy = {
        "kind": "training_levy",
        "parties": ["government", A, B],
        "terms": {"levy_rate": 0.03, "government_match": 0.0, "rounds": 2},
    }
    zero = g.preview("government", levy)
    assert all(v == 0 for v in zero["delta"].values())
    _plain(zero["reason"])
    assert "Government match" in zero["reason"]
    levy["terms"]["government_match"] = 1.0
    paid = g.preview("government", levy)
    assert paid["delta"]["budget"] < 0 and paid["reason"] == ""


def test_a_levy_nobody_pays_says_its_rate_is_zero() -> None:
    g = game(_district())
    levy = {"kind": "training_levy", "parties": [A, B], "terms": {"levy_rate": 0.0, "rounds": 2}}
    none = g.preview(A, levy)
    assert all(v == 0 for v in none["delta"].values())
    _plain(none["reason"])
    assert "Levy rate is zero" in none["reason"]
    levy["terms"]["levy_rate"] = 0.04
    paid = g.preview(A, levy)
    assert paid["delta"]["cash"] < 0 and paid["reason"] == ""


def test_a_deal_whose_money_is_between_others_names_them_and_tells_none_of_their_numbers() -> None:
    g = game(_district())
    levy = {
        "kind": "training_levy",
        "parties": ["union", A, B],
        "terms": {"levy_rate": 0.05, "rounds": 2},
    }
    firm_side = g.preview(A, levy)
    assert firm_side["delta"]["cash"] < 0 and firm_side["reason"] == ""
    union_side = g.preview("union", levy)
    assert all(v == 0 for v in union_side["delta"].values())
    _plain(union_side["reason"])
    assert "Alpha" in union_side["reason"] and "Beta" in union_side["reason"]
    assert not re.search(r"\d", union_side["reason"]), "no number of another party"


def test_the_no_deal_line_is_the_live_state_resolved_without_the_deal() -> None:
    g = game(_district())
    before = g.preview(A, _bid([A, B]))
    assert before["no_deal"] == before["without"]
    assert set(before["no_deal"]) >= {"cash", "profit", "workers"}
    # what I decide now moves what I get with no deal at all
    g.apply(A, {"type": "decide", "decisions": {"wage": 40.0}})
    after = g.preview(A, _bid([A, B]))
    assert after["no_deal"]["cash"] < before["no_deal"]["cash"], (before, after)
    # a query: the game itself is untouched
    h = g.hash()
    g.preview(A, _bid([A, B]))
    assert g.hash() == h
