"""docs/scenarios.md explains every key and its example is a valid scenario."""

from __future__ import annotations

import re
from pathlib import Path

from district.server.engine.scenario import EVENT_KINDS, INSTITUTION_KEYS, MARKET_KEYS, TRUST_KEYS
from district.server.engine.scenario_files import load_scenario
from district.server.engine.scenario_parse import BACKGROUND_KEYS, FIRM_KEYS
from district.server.engine.seating import KEYS as PLAYER_KEYS
from district.server.scenarios_cli import validate_file
from district.server.simulate import run_game

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def test_every_key_is_explained() -> None:
    text = DOC.read_text(encoding="utf-8")
    for key in [
        *INSTITUTION_KEYS,
        *MARKET_KEYS,
        *EVENT_KINDS,
        *PLAYER_KEYS,
        *FIRM_KEYS,
        *BACKGROUND_KEYS,
    ]:
        assert f"`{key}`" in text, key
    for key in TRUST_KEYS:
        assert f"`{key}`" in text, key


def test_the_example_validates_and_plays(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = re.findall(r"```toml\n(.*?)```", text, re.S)[-1]
    p = tmp_path / "two-workshops.toml"
    p.write_text(example, encoding="utf-8")
    assert validate_file(p) == []
    game, _ = run_game(load_scenario(p), 1)
    assert len(game.state.history) == 3
    frames = next(t for t in game.state.tenders if t.id == "frames")
    assert frames.status in ("awarded", "done") and sorted(frames.winner) == [0, 1], (
        "won by a joint bid"
    )
