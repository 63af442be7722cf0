"""The shipped scenario set: the eight cases of GAME.md section 8, every file valid, every figure
with a source or marked as an assumption, every source a real seed section."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from district.server.engine.scenario_files import SCENARIO_DIR, list_scenarios
from district.server.engine.state_build import new_state
from district.server.scenarios_cli import source_problems, validate_file
from district.server.toml_index import index_toml

from tests.scenarios.helpers import SHIPPED, scenario

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def test_the_eight_cases_of_game_md_are_shipped() -> None:
    assert sorted(p.stem for p in list_scenarios()) == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_file_validates_with_sources(name: str) -> None:
    assert validate_file(SCENARIO_DIR / f"{name}.toml") == []


@pytest.mark.parametrize("name", SHIPPED)
def test_the_teacher_has_what_a_case_study_needs(name: str) -> None:
    sc = scenario(name)
    assert 300 <= len(sc.summary) <= 1400, "a summary a teacher reads in a minute"
    assert len(sc.teaches) >= 3 and len(sc.questions) >= 3
    assert all(re.search(r"\b00[0234]\b", t) for t in sc.teaches), "each lesson cites its source"
    # the debrief puts the questions before the class: no source codes ("(003 I-2.4 L388)") there
    coded = [q for q in sc.questions if re.search(r"\b00[0-4]\b|\bL\d{2,}\b", q)]
    assert not coded, coded
    assert len(sc.sources) >= 3
    assert sc.extra["players"]["advice"], "advice on seating for the show page"
    assert sc.events and (sc.tenders or name == "oregon-plastics")
    assert all(e.source for e in sc.events), "every event cites its source"


@pytest.mark.parametrize("name", SHIPPED)
def test_cited_sections_and_lines_exist_in_the_seed_files(name: str) -> None:
    """A citation 'L123' or 'L123-130' points inside the cited seed file."""
    sc = scenario(name)
    sizes = {
        p.name[:3]: len(p.read_text(encoding="utf-8").splitlines()) for p in SEEDS.glob("*.txt")
    }
    if not sizes:
        pytest.skip("seed files not available")
    text = Path(sc.path).read_text(encoding="utf-8")
    for seed, lines in re.findall(r"\b(00[0234])\b[^#\n\"]*?L(\d{2,4})", text):
        assert int(lines) <= sizes[seed], f"{seed} has {sizes[seed]} lines, cited L{lines}"
    for s in sc.sources:
        assert s["seed"] in sizes and s["section"] and s["what"]


def test_source_check_flags_uncited_figures() -> None:
    text = (
        "[institutions]\nwage_floor = 30.0   # assumption\nenforcement = 0.4\n"
        'union_density = 0.1  # 000 III.1 L163\n[[firms]]\nname = "A"\nworkers = 3\n'
        '[[firms]]   # 003 I-2.2\nname = "B"\nworkers = 4\n'
    )
    probs = source_problems(text)
    assert any(p.startswith("institutions.enforcement: no source") for p in probs)
    assert any(p.startswith("firms[0]: no source") for p in probs)
    assert not any("wage_floor" in p or "union_density" in p or "firms[1]" in p for p in probs)


def test_toml_index_finds_keys_blocks_and_comments() -> None:
    text = (
        '[scenario]\nsummary = """\nline # not a comment\n"""\nteaches = [\n  "a # b",\n]\n'
        '[[firms]]\nname = "A # B"   # 004 S.II\nworkers = 3\n[[firms]]\nname = "C"\n[players.classes]\n6 = []\n'
    )
    idx = index_toml(text)
    assert idx.places["scenario.summary"].line == 2
    assert idx.places["scenario.teaches"].line == 5
    assert idx.places["firms[0].name"].comment == "004 S.II"
    assert idx.places["firms[1].name"].line == 12
    assert idx.line_of("firms[1].capabilities") == 11
    assert idx.places["players.classes.6"].line == 14
    assert "scenario.line" not in idx.places


@pytest.mark.parametrize("name", SHIPPED)
def test_background_firms_have_local_names(name: str) -> None:
    sc = scenario(name)
    names = sc.background.names
    assert 24 <= len(names) <= 200 and len(names) >= sc.background.count
    st = new_state(sc, 1)
    assert len(set(st.firms.name)) == st.firms.n, "firm names are distinct within the district"
    assert not any(nm.startswith("Workshop ") for nm in st.firms.name)
    assert st.firms.name[len(sc.firms) :] == list(names[: sc.background.count])
