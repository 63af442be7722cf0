"""The frame after a new view: what building the panels again costs (benchmarks/client_bench.py
times it). Counted here, not timed: the theme's id keys the widgets leave behind, the text
boxes laid out again, the texts rendered only to be measured."""

from __future__ import annotations

import copy
from typing import Any

import pygame
from district.client.app import App
from pygame_gui.core.gui_font_pygame import GUIFontPygame
from pygame_gui.core.ui_appearance_theme import UIAppearanceTheme

from tests.client.conftest import HUMAN, rec_frames


def new_round(app: App, recorded: dict[str, Any]) -> None:
    """The negotiation views of an earlier and then the last round arrive, a frame after each."""
    frames = [v for v in rec_frames(recorded, HUMAN) if v.get("phase") == "negotiation"]
    for v in (frames[-2], frames[-1]):
        app.model.set_view(copy.deepcopy(v))
        app.frame([])
        assert app.scene.name == "district" and app.model.view["round"] == v["round"]


def test_a_new_rounds_view_leaves_no_huge_theme_keys(
    make_app: Any, recorded: dict[str, Any]
) -> None:
    """pygame_gui keyed its lookup of a widget's theme ids by ~0.7 MB of text per widget (the
    id lists' texts threaded between each other's characters), built and hashed for each widget
    of every rebuilt panel and kept for good: 78 MB and half of the frame at 200 firms."""
    app = make_app()
    new_round(app, recorded)
    theme = app.scene.manager.get_theme()
    kept = sum(len(k) for k in theme.unique_theming_ids)
    assert kept < 10_000, f"{kept} characters of theme-id keys kept"


def test_every_widget_is_themed_with_the_librarys_ids(
    make_app: Any, recorded: dict[str, Any]
) -> None:
    """The quicker lookup gives each widget (and each drop-down's list) the same ids, in the
    same order, as pygame_gui's own, on a player's screen at two text sizes and the console."""
    apps = [make_app(), make_app(size=(1920, 1080)), make_app(seat="observer")]
    new_round(apps[0], recorded)
    compared = 0
    for app in apps:
        theme = app.scene.manager.get_theme()
        for e in app.scene.all_elements():
            ids = (e.element_base_ids, e.element_ids, e.class_ids, e.object_ids)
            mine = theme.build_all_combined_ids(*[list(x) for x in ids])
            lib = UIAppearanceTheme.build_all_combined_ids(theme, *[list(x) for x in ids])
            assert mine == lib, (e, mine, lib)
            assert e.combined_element_ids == lib
            compared += 1
    assert compared > 100


def test_a_fresh_view_of_the_same_round_lays_no_text_box_out_again(make_app: Any) -> None:
    """A view arrives whenever anyone acts: the district tab's text and the chat's log are laid
    out again (~7 ms each at 200 firms) only when their text changed."""
    app = make_app()
    scene = app.scene
    boxes = {"district": scene.info.box, "chat": scene.chat.log}
    images = {k: b.image for k, b in boxes.items()}
    app.model.set_view(copy.deepcopy(app.model.view))
    app.frame([])
    assert scene.info.box is boxes["district"] and scene.chat.log is boxes["chat"]
    redone = [k for k, b in boxes.items() if b.image is not images[k]]
    assert not redone, f"laid out again: {redone}"
    # and a changed text is still shown (the hidden tab's within a few frames)
    view = copy.deepcopy(app.model.view)
    view["news"] = [{"headline": "Port strike in Ravenna"}]
    app.model.set_view(view)
    for _ in range(len(scene.tabs) + 1):
        app.frame([])
    assert "Port strike in Ravenna" in scene.info.box.html_text


def test_a_text_is_rendered_once_to_be_measured(
    make_app: Any, recorded: dict[str, Any], monkeypatch: Any
) -> None:
    """pygame_gui measures a text by rendering it, several times for each widget it builds:
    each font keeps the sizes it measured, the same sizes as the library's."""
    app = make_app()
    measured: list[str] = []
    real = GUIFontPygame.get_rect.measure  # type: ignore[attr-defined]

    def counting(font: Any, text: str) -> pygame.Rect:
        measured.append(text)
        return real(font, text)

    monkeypatch.setattr(GUIFontPygame.get_rect, "measure", counting)
    asked: list[str] = []
    cached = GUIFontPygame.get_rect

    def asking(font: Any, text: str) -> pygame.Rect:
        asked.append(text)
        r = cached(font, text)
        assert r == real(font, text)  # the library's own size
        return r

    monkeypatch.setattr(GUIFontPygame, "get_rect", asking)
    new_round(app, recorded)
    new_round(app, recorded)
    assert len(asked) > 500
    assert len(measured) < len(asked) / 4, (len(measured), len(asked))


def test_hidden_tabs_are_rebuilt_after_the_first_frame(
    make_app: Any, recorded: dict[str, Any]
) -> None:
    """A new round's view: its first frame rebuilds the tab in view only; the hidden tabs follow
    in the next frames, one a frame, or at once when the player shows one."""
    frames = [v for v in rec_frames(recorded, HUMAN) if v.get("phase") == "negotiation"]
    for show_decide in (False, True):
        app = make_app(upto=len(rec_frames(recorded, HUMAN)) - 3)  # round 2's negotiation
        scene = app.scene
        assert scene.model.view["round"] == frames[-2]["round"] and scene.active == 0
        panels = {t.title: t.panel for t in scene.tabs}
        app.model.set_view(copy.deepcopy(frames[-1]))
        app.frame([])
        rebuilt = [t.title for t in scene.tabs if t.panel is not panels[t.title]]
        assert rebuilt == ["Deals"], rebuilt
        assert scene.decisions.behind and scene.decisions.round_of_raw == frames[-2]["round"]
        if show_decide:
            scene.switch(1)
            assert scene.decisions.panel is not panels["Decide"]
            assert scene.chat.behind  # still hidden: in a later frame
        else:
            app.frame([])
            assert scene.decisions.panel is not panels["Decide"]  # the next frame
            assert scene.chat.behind  # one tab a frame
            for _ in range(len(scene.tabs)):
                app.frame([])
            assert not any(t.behind for t in scene.tabs)
            assert scene.chat.panel is not panels["Chat"]
        assert not scene.decisions.behind
        assert scene.decisions.round_of_raw == frames[-1]["round"]
        assert scene.decisions.signature() == scene.decisions._sig
