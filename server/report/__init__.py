"""`district report`: a debrief (district.server.debrief) as a self-contained HTML page a teacher
projects and hands out, with the PNG charts it shows beside it.

    from district.server.report import write_report
    index = write_report(debrief, Path("report"), private=False)

The charts need matplotlib (the `report` extra); `matplotlib_missing()` says how to install it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
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
    from district.server.report import charts, page

    say = progress or (lambda _line: None)
    out_dir.mkdir(parents=True, exist_ok=True)
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
    html = page.render(debrief, images, private=private, baseline=baseline)
    index = out_dir / "index.html"
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, index)
    return index


def write_report_dir(debrief: dict[str, Any], out_dir: Path, **kw: Any) -> Path:
    """As `write_report`, but into a fresh folder made beside `out_dir` and renamed onto it when
    complete: a reader of `out_dir` never sees half a report (the server's cache)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", dir=out_dir.parent))
    write_report(debrief, tmp, **kw)
    old = out_dir.with_name(out_dir.name + ".old")
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(tmp, out_dir)
    shutil.rmtree(old, ignore_errors=True)
    return out_dir / "index.html"


__all__ = ["MATPLOTLIB_MISSING", "matplotlib_missing", "write_report", "write_report_dir"]
