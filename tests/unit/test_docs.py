"""docs/model.md documents every parameter with its current default."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from district.server.engine.params import Params, parameter_table

DOC = (Path(__file__).resolve().parents[2] / "docs" / "model.md").read_text()


def test_every_parameter_is_documented_with_its_default() -> None:
    for f in fields(Params):
        row = next((line for line in DOC.splitlines() if line.startswith(f"| `{f.name}` |")), None)
        assert row is not None, f"{f.name} is missing from docs/model.md"
        assert row.split("|")[2].strip() == f"{f.default:g}", (
            f"{f.name}: documented default differs from the code"
        )


def test_the_parameter_table_is_the_generated_one() -> None:
    """The table in docs/model.md is `parameter_table()` verbatim (units, meanings and sources
    come from the parameters' metadata). Regenerate it with
    `python -c 'from district.server.engine.params import parameter_table; print(parameter_table())'`."""
    assert parameter_table() in DOC, "docs/model.md's parameter table is out of step with params.py"
