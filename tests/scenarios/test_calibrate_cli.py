"""`district calibrate`: every scenario beside its counterfactual, and docs/calibration.md holding
the command's table (its rows, not its timing-dependent numbers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from district.server import calibrate
from district.server.cli import main
from district.server.engine.scenario_parse import parse_scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "calibration.md"


def _rows(text: str) -> list[list[str]]:
    """The table rows of a calibrate table: cells, without the header and separator."""
    out = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| scenario |"):
            out.append([c.strip() for c in line.strip().strip("|").split("|")])
    return out


def test_every_scenario_has_one_counterfactual_that_changes_it() -> None:
    assert set(calibrate.COUNTERFACTUALS) == set(calibrate.SCENARIOS)
    assert {f.scenario for f in calibrate.FIGURES} == set(calibrate.SCENARIOS)
    for name in calibrate.SCENARIOS:
        shipped = calibrate.scenario_data(name, False)
        changed = calibrate.scenario_data(name, True)
        assert changed != shipped, name
        parse_scenario(changed, name)  # a valid scenario


@pytest.fixture(scope="module")
def quick() -> str:
    return calibrate.main(quick=True)


def test_quick_calibration_prints_every_figure_beside_its_counterfactual(quick: str) -> None:
    rows = _rows(quick)
    assert len(rows) == len(calibrate.FIGURES)
    for row, fig in zip(rows, calibrate.FIGURES, strict=True):
        assert len(row) == 7
        assert row[:4] == [fig.scenario, fig.source, fig.claim, fig.measure]
        assert row[5] == calibrate.COUNTERFACTUALS[fig.scenario].name
        float(row[4].replace(",", ""))  # one seed: one number each
        float(row[6].replace(",", ""))


def test_the_document_holds_the_commands_table() -> None:
    doc = DOC.read_text()
    table = doc[doc.index("<!-- calibrate:start -->") : doc.index("<!-- calibrate:end -->")]
    assert calibrate.HEADER in table
    rows = _rows(table)
    assert [r[:4] + [r[5]] for r in rows] == [
        [f.scenario, f.source, f.claim, f.measure, calibrate.COUNTERFACTUALS[f.scenario].name]
        for f in calibrate.FIGURES
    ], "docs/calibration.md is out of step: run district calibrate --write docs/calibration.md"
    assert all(len(r) == 7 and "(" in r[4] and "(" in r[6] for r in rows), "mean (range) cells"


def test_bad_seeds_get_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--seeds", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --seeds 0") and "Traceback" not in err
    assert main(["calibrate", "--write", "/no/such/calibration.md"]) == 2
    assert "no such file" in capsys.readouterr().err
