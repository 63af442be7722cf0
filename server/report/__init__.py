"""`district report`: a debrief (district.server.debrief) as a self-contained HTML page a teacher
projects and hands out, with the PNG charts it shows beside it.

    from district.server.report import write_report
    index = write_report(debrief, Path("report"), private=False)

The charts need matplotlib (the `report` extra); `matplotlib_missing()` says how to install it."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

MATPLOTLIB_MISSING = (
    "the report's charts need matplotlib, which is not installed: pip install 'district[report]' "
    "(from a clone: pip install -e '.[report]')"
)


def matplotlib_missing() -> str | None:
    """One line saying how to install matplotlib if it is missing; None if it is there."""
    try:
        found = importlib.util.find_spec("matplotlib") is not None
    except (ImportError, ValueError):
        found = False
    return None if found else MATPLOTLIB_MISSING


def draw_charts(
    debrief: dict[str, Any],
    out_dir: Path,
    baseline: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Every chart of the report as a PNG in `out_dir`; returns their file names for
    `page.render`: {"scoreboards", "wages", "flows": name or None, "network": [(round, name)]}."""
    from district.server.report import charts

    say = progress or (lambda _line: None)
    images: dict[str, Any] = {}
    say("drawing the scoreboards")
    images["scoreboards"] = charts.scoreboards(debrief, out_dir, baseline)
    say("drawing wages against productivity")
    images["wages"] = charts.wages(debrief, out_dir, baseline)
    say("drawing the money flows")
    images["flows"] = charts.flows(debrief, out_dir)
    nets = {n["round"]: n for n in debrief.get("network") or []}
    picks = [r for r in charts.chosen_rounds(debrief["rounds"]) if r in nets]
    images["network"] = []
    if picks:
        pos = charts.layout(list(nets.values()))
        for r in picks:
            say(f"drawing the network of round {r}")
            images["network"].append((r, charts.network(debrief, nets[r], pos, out_dir)))
    return images


def write_report(
    debrief: dict[str, Any],
    out_dir: Path,
    *,
    private: bool = False,
    baseline: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write `index.html` and its charts into `out_dir` (made if missing; files of the same names
    are replaced) and return the page's path. The timeline goes in only when `private`; the
    bots-only baseline is drawn unless `baseline` is False."""
    from district.server.report import page

    out_dir.mkdir(parents=True, exist_ok=True)
    images = draw_charts(debrief, out_dir, baseline, progress)
    html = page.render(debrief, images, private=private, baseline=baseline)
    index = out_dir / "index.html"
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, index)
    return index


__all__ = ["MATPLOTLIB_MISSING", "draw_charts", "matplotlib_missing", "write_report"]
