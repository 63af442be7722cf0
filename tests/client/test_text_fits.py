"""Larger text fits: at 1024x768 and 1920x1080 and every text size, every button of the console,
the deals list's header and the composer's actions shows its whole label (measured in the font
it is drawn with), and the 'New deal' label sits beside its menu, not under it. The settings
dialog opens from an on-screen button, by a click, in the player's screen and the console."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pygame
import pytest
from district.client.app import App
from district.client.panels.common import STATUS_WORDS, seat_name
from district.client.panels.dashboard import card_words
from district.client.recorded import model_for
from district.client.settings import FONT_SIZES, Settings
from pygame_gui.elements import UIButton, UILabel

from tests.client.conftest import click, drain, rec_frames, select_option
from tests.client.conftest import key as press

SIZES = [(1024, 768), (1920, 1080)]


def cut_buttons(app: Any) -> list[str]:
    """Buttons whose label is wider than the button (what pygame_gui then cuts: 'Mute cha')."""
    out = []
    for e in app.scene.all_elements():
        if not (isinstance(e, UIButton) and e.visible and e.text and e.font is not None):
            continue
        if e.font.size(e.text)[0] > e.rect.width - 4:
            out.append(f"{e.text!r} {e.font.size(e.text)[0]} > {e.rect.width - 4}")
    return out


def with_text_size(make_app: Any, seat: str, size: tuple[int, int], fs: str) -> Any:
    app = make_app(seat, size=size)
    app.set_display(font_size=fs)
    app.frame([])
    return app


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_console_buttons_show_their_whole_labels(make_app: Any, size: Any, fs: str) -> None:
    app = with_text_size(make_app, "facilitator", size, fs)
    assert app.scene.name == "facilitator"
    assert not cut_buttons(app), cut_buttons(app)
    # a label that changes keeps fitting (Mute chat -> Unmute chat, Pause -> Resume)
    scene = app.scene
    scene.say("mute", "Unmute chat", "Unmute")
    scene.say("end", "Sure? Click again", "Sure?")
    assert not cut_buttons(app), cut_buttons(app)
    for key in ("mute", "projector", "debrief", "help_read", "start", "advance"):
        b = scene.buttons[key]
        full = scene.labels[key][0]
        if b.text != full:  # shortened: the whole label is in its tooltip
            assert full in str(b.tool_tip_text), (key, b.text, b.tool_tip_text)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_deals_header_and_composer_fit(make_app: Any, size: Any, fs: str) -> None:
    app = with_text_size(make_app, "firm:fsm-robotica", size, fs)
    app.scene.switch(0)
    app.frame([])
    tab = app.scene.deals
    label = next(
        e for e in app.scene.all_elements() if getattr(e, "text", None) == "New deal" and e.visible
    )
    assert label.font.size("New deal")[0] <= label.rect.width
    assert label.rect.right <= tab.kind_menu.rect.left, (label.rect, tab.kind_menu.rect)
    assert tab.kind_menu.rect.right <= tab.compose_button.rect.left
    assert not cut_buttons(app), cut_buttons(app)
    for kind in ("training_levy", "joint_bid", "subcontract"):
        tab.open_composer(kind)
        app.frame([])
        comp = tab.composer
        for b in (comp.preview_button, comp.send_button, comp.cancel_button):
            assert b.font.size(b.text)[0] <= b.rect.width - 4, (kind, b.text, b.rect)
        tab.close_composer()
        app.frame([])


@pytest.mark.parametrize("seat", ["firm:fsm-robotica", "facilitator"])
def test_settings_open_from_an_on_screen_button(make_app: Any, seat: str) -> None:
    app = make_app(seat, size=(1024, 768))
    scene = app.scene
    assert scene.settings_window is None
    click(app, scene.settings_btn)
    assert scene.settings_window is not None
    select_option(app, scene.size_menu, "larger")  # by clicks, as a person changes it
    assert app.settings.font_size == "larger"
    scene = app.scene  # rebuilt in the new text size, the dialog still open
    assert scene.settings_window is not None and scene.text_scale == FONT_SIZES["larger"]
    click(app, scene.settings_close)
    assert scene.settings_window is None
    # the button is there at the new size too, and opens it again
    click(app, scene.settings_btn)
    assert scene.settings_window is not None
    drain()


def cut_hints(app: Any) -> list[str]:
    """Help lines under form fields whose text does not fit their label, in the font they are
    drawn with (pygame_gui then cuts them: 'workers to hire (nega')."""
    out = []
    for e in app.scene.all_elements():
        if "@hint" not in (e.class_ids or []) or not e.visible or not e.text or e.font is None:
            continue
        w, h = e.font.size(e.text)
        if w > e.rect.width or h > e.rect.height:
            out.append(f"{e.text!r} {w}x{h} > {e.rect.width}x{e.rect.height}")
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_help_under_every_field_shows_whole(make_app: Any, size: Any, fs: str) -> None:
    """The help line under each decision and deal term wraps at larger text sizes: every word of
    it is on screen, none cut off at the label's edge; a range that has no room beside its input
    goes on the help line; the decisions' Save button says as much as fits."""
    app = with_text_size(make_app, "firm:fsm-robotica", size, fs)
    tab = app.scene.decisions
    app.scene.switch(app.scene.tabs.index(tab))
    app.frame([])
    assert tab.visible
    assert not cut_hints(app), cut_hints(app)
    assert not cut_buttons(app), cut_buttons(app)  # Save decisions (Ctrl+S)
    shown = " ".join(
        e.text for e in app.scene.all_elements() if "@hint" in (e.class_ids or []) and e.text
    )
    for _name, spec in tab.fields():
        if spec.get("help"):
            assert str(spec["help"]) in shown, spec["help"]
    deals = app.scene.deals
    app.scene.switch(app.scene.tabs.index(deals))
    app.frame([])
    for kind in ("training_levy", "joint_bid", "subcontract"):
        deals.open_composer(kind)
        app.frame([])
        assert not cut_hints(app), (kind, cut_hints(app))
        deals.close_composer()
        app.frame([])


def short_labels(app: Any) -> list[str]:
    """Labels lower than a line of their text: pygame_gui cuts the letters' tops and tails
    ('Inject an event' read 'Iniect an event', 'everyone' 'evervone')."""
    out = []
    for e in app.scene.all_elements():
        if not (isinstance(e, UILabel) and e.visible and e.text and e.font is not None):
            continue
        h = e.font.size(e.text)[1]
        if h > e.rect.height:
            out.append(f"{e.text!r} {h} > {e.rect.height}")
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_labels_are_as_tall_as_their_text(make_app: Any, size: Any, fs: str) -> None:
    for seat in ("facilitator", "firm:fsm-robotica", "union"):
        app = with_text_size(make_app, seat, size, fs)
        assert not short_labels(app), (seat, short_labels(app))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_dashboard_cards_show_whole_words(make_app: Any, size: Any, fs: str) -> None:
    """Every card of every role's dashboard shows its label and its note whole, in a form that
    fits the card (a shorter word, or the font a little smaller), never cut ('Net wo…')."""
    for seat in ("firm:fsm-robotica", "union", "government", "broker:impannatore"):
        app = with_text_size(make_app, seat, size, fs)
        scene = app.scene
        assert scene.dashboard_cards, seat
        for mt, r in scene.dashboard_cards:
            room = r.width - scene.u(12)
            label, font = card_words(scene, mt, room)[0]
            assert label in (mt.label, *mt.short), (seat, label)
            assert font.size(label)[0] <= room, (seat, fs, size, mt.label, room)
            note = card_words(scene, mt, room)[1]
            if mt.note:
                assert note is not None
                assert note[0] in (mt.note, *mt.short_note)
                assert note[1].size(note[0])[0] <= room, (seat, fs, size, mt.note, room)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_the_top_bar_keeps_clear_of_its_buttons(make_app: Any, size: Any, fs: str) -> None:
    """The title, round, phase, clock and connection status stop short of the Settings and
    ready buttons at every text size, and the ready button's label fits, ready or not (clicked)."""
    app = with_text_size(make_app, "firm:fsm-robotica", size, fs)
    scene = app.scene
    buttons = [scene.settings_btn.rect, scene.ready_button.rect]
    for name, r in scene.top_rects.items():
        for b in buttons:
            assert not r.colliderect(b), (name, r, b)
    assert not cut_buttons(app), cut_buttons(app)
    click(app, scene.ready_button)
    (out,) = app.model.take_outbox()
    app.model.feed(
        {
            "type": "event",
            "seq": app.model.last_event_seq + 1,
            "event": {"kind": "ready", "seat": app.model.seat, "ready": True},
        }
    )
    drain()
    app.frame([])
    assert scene.ready_button.text.startswith("Ready: yes")
    assert not cut_buttons(app), cut_buttons(app)


@pytest.mark.parametrize("seat", ["firm:fsm-robotica", "union", "government", "broker:impannatore"])
def test_the_help_under_decisions_is_words(make_app: Any, seat: str) -> None:
    """What a player reads under a decision: words, not a data structure ("{tender, price}",
    "{firm, demand}, or null") or a key."""
    app = make_app(seat)
    fields = app.scene.decisions.fields()
    assert fields
    for name, spec in fields:
        helped = str(spec.get("help", ""))
        assert not re.search(r"[{}\[\]]|\w_\w|\bnull\b", helped), (name, helped)
    # nor a raw scale ("-1 undercut ... +1 premium", "-1 – 1"): a scale is chosen in words, and
    # no help line or hint beside a field shows one
    tab = app.scene.decisions
    tab.show()
    app.frame([])
    read = [str(spec.get("help", "")) for _n, spec in fields] + [
        e.text
        for e in app.scene.all_elements()
        if "@hint" in (e.class_ids or []) and e.visible and isinstance(e.__dict__.get("text"), str)
    ]
    assert len(read) > len(fields)
    scales = [t for t in read if re.search(r"(?<![\w.])[-+−]1(?![\d.,%])", t)]
    assert not scales, (seat, scales)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_no_label_is_built_too_small_for_its_text(
    recorded: dict[str, Any], size: Any, fs: str
) -> None:
    """The decisions form of every role, the deal composer of every kind, the facilitator's
    console and the settings window, at every text size: pygame_gui builds no label whose rect is short of its text (it
    warns "Label Rect is too small for text", and cuts the text). Each window is opened at its
    text size at once (not rebuilt from the normal size: half the time)."""

    def window(seat: str) -> App:
        frames = rec_frames(recorded, seat)
        model = model_for(frames, len(frames) - 1, recorded["deal_kinds"])
        app = App(model, size=size, settings=Settings(font_size=fs))
        app.frame([])
        return app

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for seat in ("firm:fsm-robotica", "union", "government", "broker:impannatore"):
            app = window(seat)  # its Decide tab is built with the scene
            if seat == "firm:fsm-robotica":
                app.scene.switch(0)  # Deals
                deals = app.scene.deals
                for _title, kind in deals.kind_menu.options_list:
                    deals.open_composer(kind)  # each kind's form in place of the last
                app.frame([])
            app.close()
        console = window("facilitator")
        console.scene.open_settings()  # the settings window, over the console
        console.frame([])
        console.close()
    small = sorted({str(w.message) for w in seen if "too small" in str(w.message)})
    assert not small, small


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_every_word_of_a_scale_shows_whole_in_its_menu(make_app: Any, size: Any, fs: str) -> None:
    """The price stance is picked in words; at a larger text size the menu showed "undercut
    harc". Every word, picked in turn by a click, shows whole in the menu's button."""
    app = with_text_size(make_app, "firm:fsm-robotica", size, fs)
    press(app, pygame.K_F2)
    dec = app.scene.decisions
    words = [w for w, _k in dec.widgets["price"].options_list]
    assert len(words) >= 3 and "undercut hard" in words, words
    for word in words:
        menu = dec.widgets["price"]  # picked afresh: a pick may rebuild the form
        bar = dec.scroll.vert_scroll_bar
        if bar is not None and not dec.scroll.get_container().get_rect().contains(menu.rect):
            # scrolled to it with the form's bar, as a person would
            top = menu.relative_rect.y / max(1, dec.scroll.scrolling_height)
            bar.set_scroll_from_start_percentage(max(0.0, top - 0.1))
            for _ in range(3):
                app.frame([])
        select_option(app, menu, next(k for w, k in menu.options_list if w == word))
        app.frame([])
        menu = dec.widgets["price"]
        assert menu.selected_option[0] == word
        shown = [
            e
            for e in app.scene.all_elements()
            if isinstance(e, UIButton) and e.visible and e.text == word and e.font is not None
        ]
        assert shown, word
        for e in shown:
            assert e.font.size(e.text)[0] <= e.rect.width - 4, (word, e.rect.width)


def firm_pickers(tab: Any) -> dict[str, list[Any]]:
    """The Decide tab's firm buttons, by the decision they pick for."""
    out: dict[str, list[Any]] = {}
    for (name, _fid), b in tab.multi.items():
        out.setdefault(name, []).append(b)
    return out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_firm_pickers_show_every_name_whole(make_app: Any, size: Any, fs: str) -> None:
    """The union's and the broker's Decide tabs pick firms with a grid of firm-name buttons: at
    every text size each shows its firm's name whole ('Elettronica Bas' at 1024x768 'larger'),
    and no two firms read the same. So does the composer's grid of parties, for every kind."""
    for seat in ("union", "broker:impannatore"):
        app = with_text_size(make_app, seat, size, fs)
        tab = app.scene.decisions
        app.scene.switch(app.scene.tabs.index(tab))
        app.frame([])
        pickers = firm_pickers(tab)
        assert pickers, seat  # the seat has a firm picker
        names = {f["id"]: f["name"] for f in (app.model.view or {}).get("firms", [])}
        for field, buttons in pickers.items():
            texts = [b.text for b in buttons]
            assert len(set(texts)) == len(texts), (seat, field, texts)
            for (name, fid), b in tab.multi.items():
                if name == field and b.text != names[fid]:  # a shorter form: the name in its tip
                    assert names[fid] in str(b.tool_tip_text), (b.text, b.tool_tip_text)
        assert not cut_buttons(app), (seat, cut_buttons(app))
        app.close()
    for seat in ("firm:fsm-robotica", "broker:impannatore"):
        app = with_text_size(make_app, seat, size, fs)
        deals = app.scene.deals
        app.scene.switch(app.scene.tabs.index(deals))
        app.frame([])
        kinds = [kind for _title, kind in deals.kind_menu.options_list]
        assert len(kinds) >= 3, kinds
        for kind in kinds:
            deals.open_composer(kind)
            app.frame([])
            comp = deals.composer
            assert comp.party_buttons, kind
            texts = [b.text for b in comp.party_buttons.values()]
            assert len(set(texts)) == len(texts), (seat, kind, texts)
            for sid, b in comp.party_buttons.items():  # a shorter form: the name in its tip
                assert seat_name(app.model.view or {}, sid) in str(b.tool_tip_text), b.text
            assert not cut_buttons(app), (seat, kind, cut_buttons(app))
            deals.close_composer()
        app.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("fs", list(FONT_SIZES))
def test_the_connection_status_shows_whole_words(make_app: Any, size: Any, fs: str) -> None:
    """The top bar's connection status, in every state, at every text size: one of its words
    whole in the room the bar gives it ('offline (recorded)' read 'offlin…' at 1024x768
    'larger'), for the players' screen and the console."""
    for seat in ("firm:fsm-robotica", "facilitator"):
        app = with_text_size(make_app, seat, size, fs)
        for st, forms in STATUS_WORDS.items():
            app.model.status = st
            app.frame([])
            word, font, room = app.scene.status_shown
            assert word in forms, (seat, st, word)
            assert font.size(word)[0] <= room, (seat, st, word, font.size(word)[0], room)
        app.close()
