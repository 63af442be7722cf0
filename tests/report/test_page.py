"""The report as written by `write_report`: a page that references only the files written beside
it, shows the recorded figures in whole numbers and names (never a seat id), draws every chart
(pixels beyond the background), and puts the timeline in the facilitator's copy only."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
from district.server.report import charts, page, style
from matplotlib.image import imread


class Page(HTMLParser):
    """The page's references (src, href) and its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [v for k, v in attrs if k in ("src", "href", "srcset", "data") and v]
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(data.strip())


def images_of(index: Path) -> dict[str, Any]:
    """The chart files beside a written page, as `page.render` takes them."""
    out = index.parent
    nets = sorted(out.glob("network-round-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return {
        "scoreboards": "scoreboards.png",
        "wages": "wages.png" if (out / "wages.png").is_file() else None,
        "flows": "flows.png" if (out / "flows.png").is_file() else None,
        "network": [(int(p.stem.rsplit("-", 1)[1]), p.name) for p in nets],
    }


def parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def drawn(png: Path) -> float:
    """The share of a chart's pixels in colour: the data are drawn in the palette's colours, the
    background, axes, titles and labels in white, greys and ink."""
    img = imread(png)[..., :3]
    return float(((img.max(axis=2) - img.min(axis=2)) > 0.15).mean())


def test_the_page_references_only_the_files_it_wrote(written: Path) -> None:
    out = written.parent
    page = parse(written)
    assert page.refs, "the page shows no chart"
    for ref in page.refs:
        assert "://" not in ref and not ref.startswith(("/", "..")), ref
        assert (out / ref).is_file(), f"{ref} is referenced but was not written"
    written_files = {p.name for p in out.iterdir()} - {"index.html"}
    assert written_files == set(page.refs), "a file was written that the page does not show"
    assert "@import" not in written.read_text() and "url(" not in written.read_text()


def test_every_chart_has_something_drawn(written: Path) -> None:
    for png in sorted(written.parent.glob("*.png")):
        assert drawn(png) > 0.002, (png.name, drawn(png))
        h, w = imread(png).shape[:2]
        assert h >= 450 and w >= 1000, (png.name, w, h)  # big enough for a projector


def test_the_scoreboards_are_the_recorded_figures_in_whole_numbers(
    debrief: dict[str, Any], written: Path
) -> None:
    text = " ".join(parse(written).text)
    for title, key in (
        ("Competitiveness", "competitiveness"),
        ("Worker welfare", "worker_welfare"),
        ("Region", "region"),
    ):
        v = debrief["boards"][key]
        b = debrief["baseline"][key]
        row = f"{title} {round(v[0])} {round(v[-1])} {round(v[-1]) - round(v[0]):+d} {round(b[-1])}"
        assert row in text, (row, text[:2000])


def test_a_reader_sees_names_never_seat_ids(debrief: dict[str, Any], written: Path) -> None:
    text = " ".join(parse(written).text)
    seats = [s["seat"] for s in debrief["session"]["seats"]]
    assert any(":" in s for s in seats)
    for s in seats:
        if ":" in s:
            assert s not in text, s
    for s in debrief["session"]["seats"]:
        if debrief["reputation"].get(s["seat"], {}).get("signed"):
            assert s["name"] in text, s["name"]
    # tables show whole numbers: no decimal point in a number
    tables = re.findall(r"<table>.*?</table>", written.read_text(), re.S)
    assert tables
    for t in tables:
        cells = re.findall(r'<td class="num">([^<]*)</td>', t)
        assert all(not re.search(r"\d\.\d", c) for c in cells), cells


def test_the_timeline_is_in_the_facilitators_copy_only(
    debrief: dict[str, Any], written: Path
) -> None:
    assert debrief["timeline"], "a played session has a timeline"
    summary = next(x["summary"] for x in debrief["timeline"] if x.get("summary"))
    images = images_of(written)
    private = page.render(debrief, images, private=True)
    public = page.render(debrief, images)
    assert public == written.read_text()
    assert "Timeline (facilitator only)" in private and summary in private
    assert "Timeline" not in public and summary not in public


def test_the_baseline_is_drawn_unless_left_out(
    debrief: dict[str, Any], written: Path, tmp_path: Path
) -> None:
    images = images_of(written)
    assert "bots alone" in written.read_text()
    assert "bots alone" not in page.render(debrief, images, baseline=False)
    charts.scoreboards(debrief, tmp_path, baseline=False)
    a = imread(written.parent / "scoreboards.png")
    b = imread(tmp_path / "scoreboards.png")
    assert a.shape != b.shape or not np.array_equal(a, b), "the dashed baseline drew nothing"


def test_money_paid_outside_the_district_says_to_whom(
    debrief: dict[str, Any], written: Path
) -> None:
    """The engine's `world` account is everyone outside the district's seats; the money table
    says who by what the payment is for ("banks", "the union's members", "the training fund"),
    for every kind the game paid to or from it."""
    worldly = {
        (kind, pair.partition("->")[0] == "world")
        for kind, pairs in debrief["flow_totals"].items()
        for pair in pairs
        if "world" in pair.partition("->")[::2]
    }
    assert worldly, "the game paid nothing outside the district"
    for kind, payer in worldly:
        assert style.WORLD_BY_KIND.get(kind, ("", ""))[0 if payer else 1], (kind, payer)
    text = " ".join(parse(written).text)
    assert "outside the district" not in text
    assert "banks" in text or not {k for k, _p in worldly} & {"credit", "interest"}


def test_the_money_charts_scale_reads_as_its_bars_do(debrief: dict[str, Any]) -> None:
    """The bars are labelled "55,327 k"; the scale under them said "10000 20000 ... thousands"."""
    fig = charts.flows_figure(debrief)
    assert fig is not None
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert len(ticks) >= 3, ticks
    for t in ticks:
        assert re.fullmatch(r"-?\d{1,3}(,\d{3})* k", t), ticks
    assert any(len(t) > len("999 k") for t in ticks), ticks  # thousands, with their separator
