"""The report in a real browser (Debian's chromium, headless): every image of the page loads, the
page served by the server renders to a 1280x2000 screenshot with its charts in it, and the
server's content policy refuses none of the page's own files. Without chromium these tests fail
saying how to install it (`.ci/run` installs it)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from district.server.report import write_report
from matplotlib.image import imread

from tests.report.conftest import Played, run_chromium

MARKER = "district-images"
CHECK = f"""<script>
window.addEventListener("load", () => {{
  const seen = [...document.images].map(i => ({{
    src: i.getAttribute("src"), loaded: i.complete && i.naturalWidth > 0, width: i.naturalWidth
  }}));
  const p = document.createElement("pre");
  p.id = "{MARKER}";
  p.textContent = JSON.stringify(seen);
  document.body.appendChild(p);
}});
</script>"""


def images_seen(page: Path) -> list[dict[str, Any]]:
    """What chromium made of each <img> of `page` (a copy beside it, with a script added that
    writes every image's state into the page once everything has loaded)."""
    check = page.with_name("browser-check.html")
    check.write_text(page.read_text().replace("</body>", CHECK + "</body>"))
    try:
        r = run_chromium("--virtual-time-budget=15000", "--dump-dom", check.as_uri())
    finally:
        check.unlink()
    found = re.search(rf'<pre id="{MARKER}">(.*?)</pre>', r.stdout, re.S)
    assert found, f"chromium did not finish loading the page:\n{r.stderr[-2000:]}"
    return list(json.loads(found.group(1).replace("&quot;", '"')))


def test_every_image_of_the_report_loads_in_a_browser(
    debrief: dict[str, Any], tmp_path: Path
) -> None:
    page = write_report(debrief, tmp_path / "report", private=True, baseline=False)
    seen = images_seen(page)
    assert len(seen) >= 3, seen
    assert all(i["loaded"] and i["width"] >= 1000 for i in seen), seen
    # and the check sees a broken one: a chart gone missing
    (page.parent / "wages.png").unlink()
    broken = {i["src"]: i["loaded"] for i in images_seen(page)}
    assert broken["wages.png"] is False and broken["scoreboards.png"] is True


def test_the_served_report_renders_with_its_charts(played: Played, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    r = run_chromium(
        "--window-size=1280,2000",
        "--virtual-time-budget=15000",
        "--enable-logging=stderr",
        "--v=0",
        f"--screenshot={shot}",
        f"{played.reports}/report/{played.code}/",
    )
    assert shot.is_file(), r.stderr[-2000:]
    # the server's content policy blocked none of the page's own files
    assert "Content Security Policy" not in r.stderr, r.stderr[-2000:]
    img = imread(shot)[..., :3]
    assert img.shape[:2] == (2000, 1280)
    # below the header: charts, whose white background the page (off-white) has nowhere else
    # (a broken or blocked image leaves a thin white box: about 3% of the screen)
    white = (img >= 0.999).all(axis=2)[300:].mean()
    assert white > 0.15, white
