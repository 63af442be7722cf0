"""Scenario files are validated completely: every problem with its place, and nothing starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from district.server.engine import ScenarioError, find_scenario, load_scenario, new_state
from district.server.engine.scenario_parse import parse_scenario

from tests.helpers import district, firm, scenario


def test_shipped_scenarios_load_and_build() -> None:
    for name in ("emilia-romagna", "oregon-plastics"):
        sc = find_scenario(name)
        st = new_state(sc, 1)
        assert 10 <= st.firms.n <= 40, "the two development scenarios have 10-40 firms"
        assert st.firms.alive.all()


def test_every_problem_is_listed_with_its_place() -> None:
    data = district(
        [firm("Alpha", capabilities={"weldng": 0.5}, skill=1.7), firm("Alpha", workers="many")]
    )
    data["institutions"]["enforcement"] = 2
    data["events"] = [{"round": 3, "kind": "earthquake", "headline": "x"}]
    data["surprise"] = 1
    with pytest.raises(ScenarioError) as e:
        parse_scenario(data, "bad.toml")
    probs = "\n".join(e.value.problems)
    assert "firms[0].capabilities: unknown operation 'weldng'" in probs
    assert "known: design, machining" in probs
    assert "firms[0].skill: 1.7 is out of range" in probs
    assert "firms[1].name: 'Alpha' is used by another firm" in probs
    assert "firms[1].workers: expected a number, got 'many'" in probs
    assert "institutions.enforcement: 2 is out of range" in probs
    assert "events[0].kind: 'earthquake' is not one of" in probs
    assert "surprise: unknown key 'surprise'" in probs
    assert len(e.value.problems) >= 8


def test_unknown_param_and_bad_tender(tmp_path: Path) -> None:
    p = tmp_path / "x.toml"
    p.write_text(
        '[scenario]\nname = "x"\ntitle = "X"\n[[firms]]\nname = "A"\nworkers = 5\n'
        '[[tenders]]\nid = "t"\nround = 99\nvolume = 5\nprice = 10\noperations = {}\n'
        "[params]\nwobble = 1\n"
    )
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    probs = "\n".join(e.value.problems)
    assert "tenders[0].round: 99 is out of range" in probs
    assert "tenders[0].operations: a tender needs at least one operation" in probs
    assert "params.wobble: unknown parameter" in probs


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "broken.toml"
    p.write_text("[scenario\nname=")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(p)
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_scenario(tmp_path / "absent.toml")
    with pytest.raises(ScenarioError, match="no scenario named 'atlantis'"):
        find_scenario("atlantis")


def test_params_override_is_applied() -> None:
    sc = scenario(district(params={"training_cost": 9.5}))
    assert sc.params.training_cost == 9.5
    assert scenario(district()).params.training_cost != 9.5


def test_background_names_are_checked_with_their_place() -> None:
    data = district([firm("Alpha")])
    data["background"] = {"count": 3, "names": ["Bianchi", 7, "", "Bianchi", "Alpha", "x" * 81]}
    with pytest.raises(ScenarioError) as e:
        parse_scenario(data, "bad.toml")
    probs = "\n".join(e.value.problems)
    assert "background.names[1]: expected text, got 7" in probs
    assert "background.names[2]: '': a name is 1-80 characters" in probs
    assert "background.names[3]: 'Bianchi' repeats background.names[0]" in probs
    assert "background.names[4]: 'Alpha' is already the name of a [[firms]] firm" in probs
    assert "background.names[5]:" in probs
    data["background"] = {"count": 3, "names": "Bianchi"}
    with pytest.raises(ScenarioError) as e:
        parse_scenario(data, "bad.toml")
    assert "background.names: expected a list of firm names" in "\n".join(e.value.problems)


def test_background_firms_take_the_names_in_order_then_with_a_numeral() -> None:
    data = district([firm("Officina Rossi")])
    data["background"] = {"count": 5, "names": ["Officina Bianchi", "Maglificio Verdi"]}
    sc = parse_scenario(data, "ok.toml")
    a, b = new_state(sc, 1), new_state(sc, 2)
    assert a.firms.name == [
        "Officina Rossi",
        "Officina Bianchi",
        "Maglificio Verdi",
        "Officina Bianchi II",
        "Maglificio Verdi II",
        "Officina Bianchi III",
    ]
    assert b.firms.name == a.firms.name, "names come from the index, not the seed"
    data["background"] = {"count": 2}
    assert new_state(parse_scenario(data, "ok.toml"), 1).firms.name[1:] == [
        "Workshop 1",
        "Workshop 2",
    ]


def test_background_names_do_not_touch_the_random_stream() -> None:
    data = district([firm("Alpha")])
    data["background"] = {"count": 6}
    plain = new_state(parse_scenario(data, "ok.toml"), 3)
    data["background"] = {"count": 6, "names": ["Uno", "Due"]}
    named = new_state(parse_scenario(data, "ok.toml"), 3)
    assert named.firms.name[1:3] == ["Uno", "Due"]
    for col in ("workers", "skill", "technology", "wage", "cash", "caps", "x", "y", "sector"):
        assert (getattr(plain.firms, col) == getattr(named.firms, col)).all(), col
    assert plain.rng.random() == named.rng.random()
