"""The projector for the back of the room: the join code drawn, every headline shown in turn by the
ticker, the boards' starting point before round 1's report, names sized to the window's height, and
a layout with no overlaps at 1024x768."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pygame
import pytest
from district.client.mapview import LEGEND
from district.client.panels.boards import START_NOTE, UNIT_NOTE
from district.client.settings import FONT_SIZES
from district.client.ui.theme import C

from tests.client.conftest import text_drawn

HEADS = [
    "SVEX opens a trade office in Japan: export demand for the region's niches rises",
    "Cheap imports arrive: the commodity shops feel it first",
    "The teacher's own shock: a strike at the port of Ravenna holds up every export order of the district for a whole round",
]


def projector(make_app: Any, size: tuple[int, int], upto: int | None = None) -> Any:
    app = make_app("observer", upto=upto, size=size)
    assert app.scene.name == "projector"
    return app


def test_join_code_is_drawn_for_latecomers(make_app: Any) -> None:
    app = projector(make_app, (1920, 1080))
    app.model.code = "K7QM2P"
    app.frame([])
    scene = app.scene
    assert scene.code_shown == "K7QM2P"
    assert text_drawn(
        app.surface,
        "Join code  K7QM2P",
        scene.fonts.get(22, "bold"),
        C.BG,
        C.ACCENT,
        scene.bar["code"],
    )
    assert scene.fonts.get(22, "bold").get_height() >= 40  # readable from the back at 1080p


def test_ticker_shows_every_headline_in_turn(make_app: Any) -> None:
    app = projector(make_app, (1024, 768))
    app.model.view["news"] = [{"headline": h} for h in HEADS]
    scene = app.scene
    now = [0]
    scene.clock = lambda: now[0]
    seen: dict[int, list[str]] = {}
    offsets: dict[int, set[int]] = {}
    for t in range(0, 60_000, 250):
        now[0] = t
        app.frame([])
        i, head = scene.ticker_shown
        seen.setdefault(i, []).append(head)
        box_w = scene.ticker_r.width
        offsets.setdefault(i, set()).add(scene.ticker_at(t, HEADS, box_w - scene.u(120))[1])
    assert [seen[i][0] for i in sorted(seen)] == HEADS  # each in turn, whole
    assert all(len(v) * 250 >= 6000 for v in seen.values())  # each long enough to read
    # the longest does not fit at 1024 px: it scrolls to its end instead of being cut forever
    font = scene.ticker_font()
    assert font.size(HEADS[2])[0] > scene.ticker_r.width
    assert max(offsets[2]) > 0
    now[0] = 0
    app.frame([])
    assert text_drawn(
        app.surface, "SVEX opens", font, C.TEXT, C.PANEL, scene.ticker_r
    ) and not text_drawn(app.surface, "Cheap imports", font, C.TEXT, C.PANEL, scene.ticker_r)


def test_boards_show_their_starting_point_before_round_1s_report(make_app: Any) -> None:
    """Before round 1's report each card shows the district's level as built (the view's
    start_scoreboards), marked as the start, out of 100: not a made-up 100."""
    app = projector(make_app, (1280, 720), upto=1)
    v = app.model.view
    assert v["round"] == 1 and not v["history"]
    start = v["start_scoreboards"]
    assert set(start) == set(v["scoreboards"]) == set(scene_keys := app.scene.cards)
    assert v["scoreboards"] == start
    scene = app.scene
    big = scene.fonts.get(round(34 * 1.25), "bold")
    for key in scene_keys:
        card = scene.cards[key]
        level = f"{start[key]:.0f}"
        assert 0 < start[key] < 100 and level != "100", (key, start[key])
        assert text_drawn(app.surface, level, big, C.TEXT, C.PANEL, card), key
        assert not text_drawn(app.surface, "100", big, C.TEXT, C.PANEL, card), key
        assert text_drawn(
            app.surface,
            START_NOTE,
            scene.fonts.get(round(10 * 1.25), "bold"),
            C.MUTED,
            C.PANEL,
            card,
        ), key


def test_after_round_1_the_boards_are_levels_against_their_start(make_app: Any) -> None:
    """After a report the card shows the round's level, its change from the start, and the plain
    unit note (no start mark)."""
    app = projector(make_app, (1280, 720), upto=None)
    v = app.model.view
    assert v["history"]
    scene = app.scene
    for key, card in scene.cards.items():
        level = f"{v['history'][-1][key]:.0f}"
        assert text_drawn(
            app.surface, level, scene.fonts.get(round(34 * 1.25), "bold"), C.TEXT, C.PANEL, card
        ), key
        assert text_drawn(
            app.surface, UNIT_NOTE, scene.fonts.get(round(10 * 1.25)), C.MUTED, C.PANEL, card
        ), key
        assert not text_drawn(
            app.surface,
            START_NOTE,
            scene.fonts.get(round(10 * 1.25), "bold"),
            C.MUTED,
            C.PANEL,
            card,
        ), key


def test_sizes_follow_the_height_and_the_legend_is_shown(make_app: Any, tmp_path: Path) -> None:
    app = projector(make_app, (1920, 1080))
    scene = app.scene
    assert scene.s == 1.5
    assert scene.map.fonts.get(scene.map.label_size).get_height() >= 30  # firm names ~22 px
    assert len(scene.legend_items) == len(LEGEND)  # every entry of the key, beside the map
    assert all(scene.legend_r.contains(r) for r in scene.legend_items)
    assert not scene.legend_r.colliderect(scene.map_r)
    pygame.image.save(app.surface, str(tmp_path / "projector-1080.png"))


def test_nothing_overlaps_at_1024x768(make_app: Any, tmp_path: Path) -> None:
    for upto in (1, None):
        app = projector(make_app, (1024, 768), upto=upto)
        app.model.code = "K7QM2P"
        app.model.status = "connected"
        app.frame([])
        scene = app.scene
        pygame.image.save(app.surface, str(tmp_path / f"projector-1024-{upto}.png"))
        screen = app.surface.get_rect()
        lay = scene.layout()
        assert "bar:code" in lay and "bar:timer" in lay and "bar:status" in lay
        for name, r in lay.items():
            assert screen.contains(r), name
        names = list(lay)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                assert not lay[a].colliderect(lay[b]), (a, b)
        assert len(scene.legend_items) == len(LEGEND)
        for card in scene.cards.values():
            assert scene.boards_r.contains(card)


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_whole_title_and_district_line_at_every_text_size(
    make_app: Any, tmp_path: Path, size: Any
) -> None:
    """The scenario's whole title and the district's figures are drawn uncut at every text size
    (on a narrow window the title takes a line of its own above the round, phase and clock), and
    nothing in the bar or below it overlaps."""
    app = projector(make_app, size)
    app.model.code = "K7QM2P"
    app.model.status = "connected"
    scene = app.scene
    title = app.model.view["scenario"]["title"].split(":")[0]
    assert len(title) > 20  # "Emilia-Romagna (tutorial)": one a narrow bar would cut
    for fs in FONT_SIZES:
        app.set_display(font_size=fs)
        app.frame([])
        scene = app.scene
        pygame.image.save(app.surface, str(tmp_path / f"projector-{size[0]}-{fs}.png"))
        shown, font = scene.title_shown
        assert shown == title and font is not None
        assert text_drawn(app.surface, title, font, C.TEXT, C.PANEL, scene.bar["title"]), fs
        assert len(scene.facts_shown) == 2
        for line, f in scene.facts_shown:
            assert text_drawn(
                app.surface,
                line,
                f,
                C.TEXT if line == scene.facts_shown[0][0] else C.MUTED,
                C.PANEL,
                scene.facts_r,
            ), (fs, line)
        screen = app.surface.get_rect()
        lay = scene.layout()
        assert {"bar:title", "bar:round", "bar:timer", "bar:code"} <= set(lay)
        names = list(lay)
        for i, a in enumerate(names):
            assert screen.contains(lay[a]), (fs, a)
            for b in names[i + 1 :]:
                assert not lay[a].colliderect(lay[b]), (fs, a, b)


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_cards_number_change_and_chart_never_overlap(make_app: Any, size: Any) -> None:
    """Each board card's number, its change, its caption, its chart and the chart's value labels
    lie inside the card and apart, at every text size (at 1024x768 'larger' the change "+12"
    ran into the chart's label "55")."""
    app = projector(make_app, size)
    for fs in FONT_SIZES:
        app.set_display(font_size=fs)
        app.frame([])
        scene = app.scene
        parts = scene.card_parts
        for key, card in scene.cards.items():
            mine = [(n, r) for n, r in parts if n.startswith(f"{key} ") and r.width and r.height]
            assert any(n.endswith(" change") for n, _r in mine), (fs, key)
            assert any(" tick " in n for n, _r in mine), (fs, key)
            for i, (a, ra) in enumerate(mine):
                assert card.contains(ra), (fs, a, ra, card)
                for b, rb in mine[i + 1 :]:
                    if {a, b} & {f"{key} chart"} and (" tick " in a + b):
                        continue  # a chart's labels sit at its edge, beside its area
                    assert not ra.colliderect(rb), (fs, a, ra, b, rb)
