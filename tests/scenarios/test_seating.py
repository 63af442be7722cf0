"""The [players] table: validation with places, seat defaults for 6/12/24/40, seats_for()."""

from __future__ import annotations

from collections import Counter

import pytest
from district.server.engine import ScenarioError
from district.server.engine.scenario_parse import parse_scenario
from district.server.engine.seating import bot_seats, parse_players, seats_for

from tests.scenarios.helpers import SHIPPED, data, scenario

SEATS = ["firm:a", "firm:b", "firm:c", "firm:d", "union", "government", "broker:x"]


def test_defaults_without_a_table_fill_seats_in_order_then_teams() -> None:
    probs: list[str] = []
    pl = parse_players({}, SEATS, probs)
    assert probs == []
    assert pl["classes"][6] == SEATS[:6]
    assert pl["classes"][12] == SEATS + SEATS[:5]
    assert pl["bots_first"] == list(reversed(SEATS))
    assert pl["max"] == 21 and 40 not in pl["classes"]  # 7 seats x 3 per team


def test_humans_first_and_bots_first_shape_the_order() -> None:
    probs: list[str] = []
    pl = parse_players(
        {"humans_first": ["government", "firm:c"], "bots_first": ["broker:x", "firm:a"]},
        SEATS,
        probs,
    )
    assert probs == []
    assert pl["order"] == [
        "government",
        "firm:c",
        "firm:b",
        "firm:d",
        "union",
        "firm:a",
        "broker:x",
    ]
    assert pl["bots_first"][:2] == ["broker:x", "firm:a"]
    assert pl["classes"][6] == pl["order"][:6]


def test_explicit_classes_are_kept_and_grow_by_the_order() -> None:
    probs: list[str] = []
    six = ["government", "union", "firm:a", "firm:b", "firm:c", "broker:x"]
    pl = parse_players({"max": 14, "max_team": 2, "classes": {"6": six}}, SEATS, probs)
    assert probs == []
    assert pl["classes"][6] == six
    assert pl["classes"][12][:6] == six, "a bigger class keeps the smaller class's seats"
    assert set(pl["classes"][12]) == set(SEATS), "every seat is taken before anyone shares one"
    assert max(Counter(pl["classes"][12]).values()) == 2


def test_every_problem_with_its_place() -> None:
    probs: list[str] = []
    parse_players(
        {
            "min": 30,
            "max": 50,
            "max_team": 2,
            "sizes": 3,
            "humans_first": ["firm:zz", "union", "union"],
            "bots_first": ["union"],
            "advice": 7,
            "classes": {"6": ["union", "union", "union", "firm:a"], "x": [], "60": ["firm:a"]},
        },
        SEATS,
        probs,
    )
    text = "\n".join(probs)
    assert "players.sizes: unknown key 'sizes'" in text
    assert "players.min: 30 is more than players.max 50" not in text  # 30 <= 50
    assert "players.max: 50 people do not fit in 7 seats with at most 2 at a seat (14)" in text
    assert "players.humans_first[0]: no seat 'firm:zz'" in text
    assert "players.humans_first[2]: seat 'union' is listed twice" in text
    assert "players.bots_first: seat 'union' is also in players.humans_first" in text
    assert "players.advice: expected text" in text
    assert "players.classes.6: a class of 6 needs 6 seats, got 4" in text
    assert "players.classes.6: 3 people at seat 'union' (players.max_team is 2)" in text
    assert "players.classes.x: a class size is a whole number of people" in text
    assert "players.classes.60: a class of 60 is outside players.min to players.max" in text
    assert (
        "players.classes.6: a class of 6 is outside players.min to players.max (30 to 50)" in text
    )


def test_min_above_max_and_bad_numbers() -> None:
    probs: list[str] = []
    parse_players({"min": 8, "max": 6, "max_team": "two"}, SEATS, probs)
    assert "players.min: 8 is more than players.max 6" in probs
    assert any(p.startswith("players.max_team: expected a whole number") for p in probs)


def test_a_scenario_file_with_a_bad_players_table_does_not_load() -> None:
    d = data("oregon-plastics")
    d["players"]["humans_first"] = ["firm:nobody"]
    with pytest.raises(ScenarioError) as e:
        parse_scenario(d, "x.toml")
    assert any(
        p.startswith("players.humans_first[0]: no seat 'firm:nobody'") for p in e.value.problems
    )


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_seat_every_class_from_6_to_40(name: str) -> None:
    sc = scenario(name)
    ids = {s.id for s in sc.seats}
    pl = sc.extra["players"]
    assert pl["min"] <= 6 and pl["max"] >= 40
    assert pl["explicit"] == [] or all(k in pl["classes"] for k in pl["explicit"])
    for n in (1, 4, 6, 7, 12, 18, 24, 31, 40):
        seats = seats_for(sc, n)
        assert len(seats) == n and set(seats) <= ids
        teams = Counter(seats)
        assert max(teams.values()) <= pl["max_team"]
        if n <= len(ids):
            assert len(teams) == n, "nobody shares a seat while seats are free"
        assert set(bot_seats(sc, n)) == ids - set(seats)
    for small, big in ((6, 12), (12, 24), (24, 40)):
        assert set(seats_for(sc, small)) <= set(seats_for(sc, big)), (
            "a bigger class keeps the smaller one's seats"
        )
    with pytest.raises(ValueError):
        seats_for(sc, pl["max"] + 1)
    with pytest.raises(ValueError):
        seats_for(sc, 0)


@pytest.mark.parametrize("name", SHIPPED)
def test_small_classes_play_the_roles_the_case_is_about(name: str) -> None:
    """A class of 6 takes at least three firms and at least one institution (union, government or
    broker): the case's dilemma needs firms, and someone must speak for the rules."""
    six = seats_for(scenario(name), 6)
    assert sum(s.startswith("firm:") for s in six) >= 3
    assert any(not s.startswith("firm:") for s in six)


def test_larger_scenarios_have_about_40_seats() -> None:
    for name in (
        "denmark-1989",
        "baden-wuerttemberg",
        "la-apparel",
        "ny-garment",
        "kumasi",
        "alberta-1993",
    ):
        sc = scenario(name)
        firms = [s for s in sc.seats if s.role == "firm"]
        assert len(sc.seats) >= 38 and len(firms) >= 30, (name, len(sc.seats), len(firms))
