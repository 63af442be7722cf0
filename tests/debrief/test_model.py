"""The debrief model of a scripting-API game: one network graph per round with the deals in force,
a reputation ledger that counts each party's breaches, flow totals that sum the flows, role
scores per round, highlights written from the numbers, and no id or raw fraction in them."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import pytest
from district.server import api
from district.server.debrief import SessionLog, build_debrief

ROUNDS = 4


@pytest.fixture(scope="module")
def played() -> tuple[api.Game, dict[str, Any]]:
    g = api.new_game("kumasi", seed=3)
    g.run(rounds=ROUNDS)
    return g, build_debrief(SessionLog.from_game(g), baseline=False)


def test_one_network_per_round_with_the_deals_in_force(
    played: tuple[api.Game, dict[str, Any]],
) -> None:
    g, d = played
    assert [n["round"] for n in d["network"]] == d["rounds"] == list(range(ROUNDS + 1))
    assert all(len(n["nodes"]) == len(g.state.seats) for n in d["network"])
    signed = [x for x in d["deals"] if x["signed_round"] is not None]
    assert signed
    for x in signed:
        r = x["signed_round"]
        edges = {(e["a"], e["b"]) for e in d["network"][r]["edges"] if e["kind"] == "deal"}
        a, b = sorted(x["parties"][:2])
        assert (a, b) in edges, x
    assert all(0.0 <= e["trust"] <= 1.0 for n in d["network"] for e in n["edges"])
    alive = {n["id"]: n["alive"] for n in d["network"][-1]["nodes"]}
    for seat, s in g.state.seats.items():
        if s.firm >= 0:
            assert alive[seat] == bool(g.state.firms.alive[s.firm])


def test_reputation_counts_each_partys_breaches_and_totals_sum_the_flows(
    played: tuple[api.Game, dict[str, Any]],
) -> None:
    g, d = played
    broken: Counter[str] = Counter()
    for deal in g.state.deals.values():
        for b in {g.state.seat_of_firm()[int(x["firm"])] for x in deal.breaches}:
            broken[b] += 1
    assert sum(broken.values()) > 0
    assert {s: r["broken"] for s, r in d["reputation"].items() if r["broken"]} == dict(broken)
    assert all(r["kept"] + r["broken"] <= r["signed"] for r in d["reputation"].values())
    totals: dict[str, float] = defaultdict(float)
    for f in d["flows"]:
        totals[f["kind"]] += f["amount"]
    assert set(totals) == set(d["flow_totals"])
    for k, v in d["flow_totals"].items():
        assert sum(v.values()) == pytest.approx(totals[k], rel=1e-6)


def test_role_scores_and_highlights(played: tuple[api.Game, dict[str, Any]]) -> None:
    g, d = played
    for r in d["role_scores"].values():
        assert r["meaning"] and r["unit"]
        for seat, vals in r["seats"].items():
            assert len(vals) == ROUNDS + 1
            assert vals[1:] == [rep["scores"][seat] for rep in g.reports()]
    closed = sum(int(ind["exits"]) for ind in g.indicators())
    text = " ".join(d["highlights"])
    assert closed > 0 and f"while {closed} firm{'s' if closed != 1 else ''} closed." in text
    assert d["questions"] == list(g.scenario.questions) and d["questions"]
    # what a person reads: names and whole numbers, no seat ids, no raw fractions
    for h in d["highlights"]:
        assert not re.search(r"\b(firm|broker):", h), h
        assert not re.search(r"\d\.\d", h), h
    for x in d["deals"]:
        assert not re.search(r"\b(firm|broker):", x["summary"]), x["summary"]


def test_points_are_said_in_the_right_number() -> None:
    from district.server.debrief.model import points

    assert [points(x) for x in (0.6, 1.4, 2.0, 12.3)] == [
        "1 point",
        "1 point",
        "2 points",
        "12 points",
    ]


def test_a_scoreboard_that_did_not_move_is_said_to_stay(
    played: tuple[api.Game, dict[str, Any]],
) -> None:
    """'went from 42 to 42 of 100 (+0 points)' is no sentence to read to a class; the sentence
    is written from the same whole numbers the boards show."""
    from district.server.debrief.model import highlights

    _g, d = played
    still = {**d, "boards": {**d["boards"], "worker_welfare": [42.2, 45.0, 41.8]}}
    text = " ".join(highlights(still))
    assert "Worker welfare stayed at 42 of 100;" in text, text
    moved = {**d, "boards": {**d["boards"], "worker_welfare": [42.4, 47.0, 48.6]}}
    text = " ".join(highlights(moved))
    assert "Worker welfare went from 42 to 49 of 100 (+7 points);" in text, text
    assert "+0 point" not in " ".join(d["highlights"])


def test_the_money_sentence_names_what_the_games_choices_moved(
    played: tuple[api.Game, dict[str, Any]],
) -> None:
    """Tax is the largest flow in every game; the sentence then also names the largest of the
    others (what the players' choices moved), and says only the largest when that is not tax."""
    from district.server.debrief.model import highlights

    _g, d = played
    flows = {
        "tax": {"firms>government": 5000.0},
        "spending": {"government>world": 3000.0},
        "back_pay": {"firms>workers": 700.0},
        "credit": {"bank>firms": 400.0},
    }
    text = " ".join(highlights({**d, "flow_totals": flows}))
    assert (
        "The largest money flow was tax: 5,000k in all; after taxes and public spending, "
        "back pay: 700k." in text
    ), text
    flows["credit"] = {"bank>firms": 9000.0}
    text = " ".join(highlights({**d, "flow_totals": flows}))
    assert "The largest money flow was credit: 9,000k in all." in text, text
    assert "after taxes" not in text
