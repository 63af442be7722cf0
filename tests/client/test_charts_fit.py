"""The report and the debrief at every text size, at 1024x768 and 1920x1080: every title, legend
item, caption, row and chart is inside its panel and clear of the others (larger text made the
headings run past their panels, the 'out of 100' captions fall on the rows below, the legends run
into the titles and off the panels' right edges); the charts' value labels are distinct and right
(an index from 99.6 to 100.8 read '101 / 100 / 100')."""

from __future__ import annotations

import math
from typing import Any

import pygame
import pytest
from district.client.app import App
from district.client.settings import FONT_SIZES
from district.client.ui.draw import line_chart
from district.client.ui.theme import C, DrawnText, Fonts
from district.server.debrief import SessionLog, build_debrief

from tests.client.conftest import HUMAN, drawn, key, rec_frames
from tests.client.test_debrief_replay import open_debrief
from tests.client.test_map import overlapping

SIZES = [(1024, 768), (1920, 1080)]
Parts = dict[str, tuple[pygame.Rect, list[tuple[str, pygame.Rect]]]]


def misplaced(parts: Parts) -> list[str]:
    """What is drawn past its panel's edge, or over another thing drawn in the same panel."""
    out = []
    for panel_name, (panel, items) in parts.items():
        assert items, panel_name
        for name, r in items:
            if not panel.contains(r):
                out.append(f"{panel_name}: {name} {r} outside {panel}")
        for i, (a, ra) in enumerate(items):
            for b, rb in items[i + 1 :]:
                if ra.colliderect(rb):
                    out.append(f"{panel_name}: {a} {ra} over {b} {rb}")
    return out


def legend_between(
    items: list[tuple[str, pygame.Rect]], names: list[str], shown: list[str]
) -> None:
    """The legend's items (`names`) are drawn whole (`shown`: the strings drawn), under the title
    and above the chart (and its labels)."""
    assert not [n for n in names if n not in shown], [n for n in names if n not in shown]
    got = dict(items)
    title, chart = got["title"], got["chart"]
    for n in names:
        assert title.bottom <= got[n].top and got[n].bottom <= chart.top, (n, got[n], chart)


def round_step(step: float) -> bool:
    """1, 2 or 5 times a power of ten."""
    k = math.floor(math.log10(step) + 1e-9)
    return any(math.isclose(step, m * 10.0**k, rel_tol=1e-9) for m in (1, 2, 5))


def label_value(s: str) -> float:
    """What a value label says, as a number ("1,200k" is 1200, "12.5M" is 12500)."""
    scale = {"k": 1.0, "M": 1000.0}.get(s[-1:], 1.0)
    return float(s.rstrip("kM").replace(",", "")) * scale


def sane_ticks(chart: Any, unit: str = "") -> None:
    """Gridlines on a round step (1, 2 or 5 times a power of ten), each label exactly its
    gridline's value; labels distinct and clear of each other and of the round labels; the data
    inside the axis."""
    axis = chart.axis
    assert round_step(axis.step), axis
    assert all(axis.lo - 1e-9 <= v <= axis.hi + 1e-9 for v in axis.values), axis
    assert chart.data[0] >= axis.lo and chart.data[1] <= axis.hi, (chart.data, axis)
    for a, b in zip(axis.values, axis.values[1:], strict=False):
        assert math.isclose(b - a, axis.step, rel_tol=1e-6), axis
    for v in axis.values:
        assert math.isclose(v / axis.step, round(v / axis.step), abs_tol=1e-6), (v, axis)
    values = [v for v, _s, _r in chart.ticks]
    labels = [s for _v, s, _r in chart.ticks]
    assert len(values) >= 2 and len(set(labels)) == len(labels), labels
    assert set(values) <= set(axis.values), (values, axis)
    for v, s, _r in chart.ticks:
        assert not unit or s.endswith(("k", "M")), s
        assert math.isclose(label_value(s), v, rel_tol=1e-9, abs_tol=1e-12), (s, v)
    rects = [r for _v, _s, r in chart.ticks] + chart.x_labels
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not a.colliderect(b), (a, b)
    for a, b in zip(chart.x_labels, chart.x_labels[1:], strict=False):
        assert a.right <= b.left, (a, b)


def at_text_size(app: App, fs: str) -> App:
    app.set_display(font_size=fs)
    app.frame([])
    app.frame([])
    return app


SPANS = [
    [99.6, 100.8],  # an index near 100 (read '101 / 100 / 100' once)
    [66.0, 71.0],  # scores (read '66 / 68 / 71')
    [0.0, 100.0],
    [1000.0, 1000.3],
    [-0.2, 0.1],  # crossing zero
    [-830.0, -790.0, -812.0],  # negative
    [-3.5, 12.25, 7.0],
    [0.000012, 0.000019],  # tiny
    [2.5e9, 2.7e9, 3.1e9],  # huge
    [42.0, 42.0, 42.0],  # constant
    [0.0, 0.0],
    [7.0],  # a single value
    [97.0, 104.0, 121.0],  # filling a far step's axis badly: gridlines inside instead
]


@pytest.mark.parametrize("values", SPANS, ids=lambda v: "/".join(f"{x:g}" for x in v))
@pytest.mark.parametrize("height", [200, 64])
@pytest.mark.parametrize(("rounds", "unit"), [(False, ""), (True, ""), (True, "k")])
def test_chart_value_labels_are_round_and_right(
    values: list[float], height: int, rounds: bool, unit: str
) -> None:
    """Every chart's value labels sit on gridlines a round step apart (1, 2 or 5 times a power of
    ten), each saying exactly its gridline's value, all distinct and apart, whole numbers where the
    step is whole, the data inside the axis: tall charts and low ones, with round labels under
    them or not, money in k."""
    pygame.font.init()
    surface = pygame.Surface((400, 300))
    font = Fonts(1.3).get(10)
    DrawnText.record = []
    try:
        drawn = line_chart(
            surface,
            pygame.Rect(80, 20, 300, height),
            {"a": (values, C.ACCENT, "solid")},
            font,
            [f"r{i + 1}" for i in range(len(values))] if rounds else None,
            unit=unit,
        )
        shown = list(DrawnText.record)
    finally:
        DrawnText.record = None
    ticks = [s for _v, s, _r in drawn.ticks]
    assert len(set(ticks)) == len(ticks), ticks  # what is on the screen, not only returned
    assert shown[: len(ticks)] == ticks, (shown, ticks)
    sane_ticks(drawn, unit)
    assert drawn.axis is not None and 2 <= len(drawn.axis.values) <= 5, drawn.axis
    if drawn.axis.step >= 1 and not unit:
        assert all("." not in s for s in ticks), ticks  # whole numbers where the step is whole
    # the data fills the chart: a round axis, but not one so wide the lines go flat
    lo, hi = drawn.data
    if hi > lo:
        assert (hi - lo) / (drawn.axis.hi - drawn.axis.lo) >= 0.5, (drawn.data, drawn.axis)


def test_round_labels_never_run_into_each_other() -> None:
    """A long game in a narrow chart: as many round labels as have room, the last round's always."""
    pygame.font.init()
    surface = pygame.Surface((300, 200))
    font = Fonts(1.3).get(10)
    labels = [f"r{i + 1}" for i in range(24)]
    DrawnText.record = []
    try:
        drawn = line_chart(
            surface,
            pygame.Rect(40, 20, 160, 120),
            {"a": ([float(i % 5) for i in range(24)], C.ACCENT, "solid")},
            font,
            labels,
        )
        shown = list(DrawnText.record)
    finally:
        DrawnText.record = None
    sane_ticks(drawn)
    assert "r24" in shown and "r1" in shown and len(drawn.x_labels) >= 3


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_the_report_fits_at_every_text_size(
    make_app: Any, recorded: dict[str, Any], size: tuple[int, int], fs: str
) -> None:
    frames = rec_frames(recorded, HUMAN)
    app = at_text_size(make_app(upto=len(frames), size=size), fs)
    scene = app.scene
    assert scene.name == "report"
    assert set(scene.parts) == {"me", "district", "events"}
    assert not misplaced(scene.parts), misplaced(scene.parts)
    # each heading whole, in one of its forms
    from district.client.scenes.report import HEADINGS

    shown = drawn(app)
    for key_ in ("me", "district", "events"):
        assert any(form in shown for form in HEADINGS[key_]), (key_, fs)
    # the board cards: every text and chart inside its own card ('out of 100' fell on the rows)
    district = scene.parts["district"][1]
    assert set(scene.board_cards) == {"competitiveness", "worker_welfare", "region"}
    for board, card in scene.board_cards.items():
        mine = [(n, r) for n, r in district if n.startswith(board)]
        assert {n.split(" ", 1)[1] for n, _r in mine} >= {"name", "value", "caption", "chart"}
        for n, r in mine:
            assert card.contains(r), (n, r, card)
    # every row of the district the panel has room for, the list under the cards
    rows = [r for n, r in district if n in ("Firms alive", "Employment", "Unemployment")]
    assert len(rows) == 3 and min(r.top for r in rows) >= max(scene.board_cards.values()).bottom
    # the score chart under its title, its value labels distinct and right
    me = dict(scene.parts["me"][1])
    assert me["chart title"].bottom <= me["chart"].top
    sane_ticks(scene.charts["score"])


@pytest.fixture(scope="module")
def debrief(recorded: dict[str, Any]) -> dict[str, Any]:
    return build_debrief(SessionLog.from_game(recorded["game"]), baseline=True, private=False)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_the_debrief_fits_at_every_text_size(
    recorded: dict[str, Any], debrief: dict[str, Any], size: tuple[int, int], fs: str
) -> None:
    app = open_debrief(recorded, debrief, size)
    try:
        at_text_size(app, fs)  # the scene as the player sees it after choosing the text size
        scene = app.scene
        assert scene.name == "debrief" and scene.text_scale == FONT_SIZES[fs]
        assert {"boards", "wages", "deals", "replay", "tab"} <= set(scene.parts)
        assert not misplaced(scene.parts), misplaced(scene.parts)
        for r in (scene.r_boards, scene.r_replay):  # the page's title above the panels
            assert scene.title_rect.bottom <= r.top, (scene.title_rect, r)
        shown = drawn(app)
        boards = scene.parts["boards"][1]
        legend_between(
            boards,
            [
                "Competitiveness (solid)",
                "Worker welfare (dashed)",
                "Region (dotted)",
                "thin dashed: bots alone (same scenario and seed)",
            ],
            shown,
        )
        wages = scene.parts["wages"][1]
        legend_between(wages, ["mean wage", "productivity", "wage floor", "bots alone"], shown)
        titles = {dict(boards)["title"].width, dict(wages)["title"].width}
        assert all(w > 0 for w in titles)
        from district.client.scenes.debrief import BOARDS_TITLES, WAGES_TITLES

        assert any(t in shown for t in BOARDS_TITLES) and any(t in shown for t in WAGES_TITLES)
        deals = [x for x in debrief["deals"] if x.get("signed_round") is not None]
        kept = sum(1 for x in deals if x.get("status") == "fulfilled")
        broken = sum(1 for x in deals if x.get("status") in ("breached", "failed"))
        rd = len(debrief["rounds"]) - 1
        for whole in (
            f"Deals signed: {len(deals)} · kept {kept} · broken {broken}",
            f"The district at the end of round {rd}",
        ):
            assert whole in shown, whole
        for chart in scene.charts.values():
            sane_ticks(chart)
        # the replay map's names: none over another, all on the map (they overlapped)
        names = scene.replay_map.label_rects
        assert len(names) >= 5 and not overlapping(names), overlapping(names)
        assert all(scene.replay_map.rect.contains(r) for _n, r in names), names
    finally:
        app.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_the_debrief_in_play_fits_at_every_text_size(
    make_app: Any, size: tuple[int, int], fs: str
) -> None:
    """F10 in the district scene, before the game's debrief: the boards and the wages from the
    view, the questions and the numbers."""
    app = at_text_size(make_app(size=size), fs)
    key(app, pygame.K_F10)
    scene = app.scene
    assert scene.name == "debrief" and app.model.debrief is None
    assert {"boards", "wages", "questions", "numbers"} <= set(scene.parts)
    assert not misplaced(scene.parts), misplaced(scene.parts)
    for panel, _items in scene.parts.values():
        assert scene.title_rect.bottom <= panel.top
    shown = drawn(app)
    legend_between(
        scene.parts["boards"][1],
        ["Competitiveness (solid)", "Worker welfare (dashed)", "Region (dotted)"],
        shown,
    )
    legend_between(scene.parts["wages"][1], ["mean wage", "productivity", "wage floor"], shown)
    sane_ticks(scene.charts["wages"])
