"""Accessibility: a text size that grows every font (drawn and in the widgets) while the layout
holds at 1024x768; a colour-blind-safe palette (Okabe-Ito) whose colours differ from the standard
ones and stay apart for a red-green colour-blind reader; both chosen on the connect screen and in
the settings dialog (F8), and remembered in the settings file; a player's whole action (set the
decisions and save them) by keyboard only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygame
import pytest
from district.client.app import App
from district.client.recorded import model_for
from district.client.settings import FONT_SIZES, Settings
from district.client.ui.theme import STANDARD, DrawnText, apply_palette
from district.client.ui.theme import C as Colours
from pygame_gui.elements import UIButton, UIDropDownMenu, UILabel, UITextEntryLine

from tests.client.conftest import HUMAN, key, rec_frames, select_option, text_drawn

SMALL = (1024, 768)


@pytest.fixture(autouse=True)
def _standard_palette_after() -> Iterator[None]:
    yield
    apply_palette("standard")  # the palette is process-wide: leave it as the other tests expect


def district_app(
    recorded: dict[str, Any], settings: Settings, size: tuple[int, int] = SMALL
) -> App:
    frames = rec_frames(recorded, HUMAN)
    app = App(
        model_for(frames, len(frames) - 1, recorded["deal_kinds"]), size=size, settings=settings
    )
    app.frame([])
    return app


def test_each_text_size_grows_the_fonts_and_the_layout_holds(recorded: dict[str, Any]) -> None:
    drawn_h, widget_h = [], []
    for size in FONT_SIZES:
        app = district_app(recorded, Settings(font_size=size))
        scene = app.scene
        drawn_h.append(scene.fonts.get(14).get_height())
        tab = scene.tab_buttons[0]
        widget_h.append(tab.font.size("Deals")[1])
        # the layout holds: every widget inside the window, the dashboard's numbers whole
        win = app.surface.get_rect()
        scrolled = scene.scrollers()
        controls = (UIButton, UILabel, UITextEntryLine, UIDropDownMenu)
        for e in scene.all_elements():
            if isinstance(e, controls) and e.visible and id(e.ui_container) not in scrolled:
                assert win.contains(e.rect), (size, e, e.rect)
        DrawnText.record = []
        try:
            app.frame([])
            drawn = set(DrawnText.record)
        finally:
            DrawnText.record = None
        from district.client.ui.draw import fmt_num

        for mt, _r in scene.dashboard_cards:
            assert fmt_num(mt.value, mt.unit) in drawn, (size, mt.label)
    assert drawn_h == sorted(drawn_h) and len(set(drawn_h)) == 3, drawn_h
    assert widget_h == sorted(widget_h) and len(set(widget_h)) == 3, widget_h


def _deuteranopia(c: tuple[int, int, int]) -> tuple[float, float, float]:
    """A red-green colour-blind reader's view of an sRGB colour (Vienot, Brettel and Mollon 1999,
    in linear RGB)."""

    def lin(v: int) -> float:
        x = v / 255
        return x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(v) for v in c)
    return (0.29275 * r + 0.70725 * g, 0.29275 * r + 0.70725 * g, -0.02234 * r + 0.02234 * g + b)


def _apart(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    pa, pb = _deuteranopia(a), _deuteranopia(b)
    return sum((x - y) ** 2 for x, y in zip(pa, pb, strict=True)) ** 0.5


def test_the_colour_blind_palette_differs_and_keeps_good_and_bad_apart(
    recorded: dict[str, Any],
) -> None:
    app = district_app(recorded, Settings(palette="colour-blind"), (1280, 720))
    good, bad, warn = Colours.GOOD, Colours.BAD, Colours.WARN
    assert good != STANDARD["GOOD"] and bad != STANDARD["BAD"]
    # for a deuteranope the standard green and red nearly merge; Okabe-Ito's stay apart
    assert _apart(good, bad) > 2 * _apart(STANDARD["GOOD"], STANDARD["BAD"])
    assert _apart(good, bad) > 0.3 and _apart(good, warn) > 0.3
    # the real screen uses them: the dashboard's rise is drawn in the new colour, not the old
    scene = app.scene
    mt, r = next((mt, r) for mt, r in scene.dashboard_cards if mt.label == "Cash")
    from district.client.ui.draw import fmt_delta

    d = mt.series[-1] - mt.series[-2]
    s, col, _dir = fmt_delta(d, mt.unit)
    assert col == (good if d > 0 else bad)
    font = scene.fonts.get(11, "bold")
    assert text_drawn(app.surface, s, font, col, Colours.PANEL_2, r)
    standard = STANDARD["GOOD"] if d > 0 else STANDARD["BAD"]
    assert not text_drawn(app.surface, s, font, standard, Colours.PANEL_2, r)


def test_both_are_chosen_on_the_connect_screen_and_remembered(tmp_path: Path) -> None:
    app = App(size=SMALL, settings=Settings.load())
    sc = app.scene
    select_option(app, sc.text_menu, "larger")
    sc = app.scene  # rebuilt with the new size
    select_option(app, sc.colour_menu, "colour-blind")
    again = Settings.load()
    assert again.font_size == "larger" and again.palette == "colour-blind"
    assert STANDARD["GOOD"] != Colours.GOOD
    fresh = App(size=SMALL, settings=again)
    assert fresh.scene.fonts.get(14).get_height() > App(size=SMALL).scene.fonts.get(14).get_height()


def test_the_settings_dialog_by_keyboard_and_esc_closes_it(recorded: dict[str, Any]) -> None:
    app = district_app(recorded, Settings.load())
    before = app.scene.fonts.get(14).get_height()
    key(app, pygame.K_F8)
    assert app.scene.settings_window is not None
    select_option(app, app.scene.size_menu, "large")
    assert app.scene.settings_window is not None  # stays open after the change
    assert app.scene.fonts.get(14).get_height() > before
    assert Settings.load().font_size == "large"
    key(app, pygame.K_ESCAPE)
    assert app.scene.settings_window is None


def test_setting_decisions_and_saving_them_by_keyboard_only(recorded: dict[str, Any]) -> None:
    app = district_app(recorded, Settings())
    scene = app.scene
    key(app, pygame.K_F2)
    tab = scene.decisions
    wage = tab.widgets["wage"]
    for _ in range(30):  # Tab until the wage field has the focus
        if wage.is_focused:
            break
        key(app, pygame.K_TAB)
    assert wage.is_focused
    wage.set_text("")  # (select-all is not a pygame_gui key)
    app.frame([pygame.event.Event(pygame.TEXTINPUT, text=ch) for ch in "37.5"])
    for _ in range(40):  # Tab on to the Save button
        if scene.kb_focus is tab.save_button:
            break
        key(app, pygame.K_TAB)
    assert scene.kb_focus is tab.save_button
    app.frame([])
    # the focused button is ringed in the accent colour
    ring = tab.save_button.rect.inflate(scene.u(6), scene.u(6))
    assert app.surface.get_at((ring.x + 1, ring.centery))[:3] == Colours.ACCENT
    assert app.model.take_outbox() == []
    key(app, pygame.K_RETURN)
    (out,) = app.model.take_outbox()
    assert out.command["type"] == "decide" and out.command["decisions"]["wage"] == 37.5
    # Shift+Tab goes back; Enter on the ready button says ready
    for _ in range(60):
        if scene.kb_focus is scene.ready_button:
            break
        key(app, pygame.K_TAB, pygame.KMOD_SHIFT)
    assert scene.kb_focus is scene.ready_button
    key(app, pygame.K_RETURN)
    (out,) = app.model.take_outbox()
    assert out.command["type"] == "ready" and out.command["ready"] is True
