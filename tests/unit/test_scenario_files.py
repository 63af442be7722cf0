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
