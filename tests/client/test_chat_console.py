"""The chat's recipient list switches the conversation when a player chooses from it by clicking,
also when a new view arrives while the list is open (as it does whenever anyone acts); the
console's seat list shows whole seat names at 1024x768."""

from __future__ import annotations

import copy
from typing import Any

import pygame
from district.client.scenes.facilitator import roster_rows
from district.client.ui.theme import C

from tests.client.conftest import click, key, select_option, text_drawn, type_into


def test_choosing_a_recipient_switches_the_conversation(make_app: Any) -> None:
    app = make_app()
    key(app, pygame.K_F3)
    chat = app.scene.chat
    assert chat.channel == "public"
    select_option(app, chat.menu, "firm:meccanica-ferri")
    assert chat.channel == "firm:meccanica-ferri"
    type_into(app, chat.entry, "Shall we bid together?")
    click(app, chat.send_button)
    (out,) = app.model.take_outbox()
    assert out.command == {"type": "chat", "text": "Shall we bid together?", "to": chat.channel}


def test_a_view_arriving_while_the_list_is_open_does_not_swallow_the_choice(
    make_app: Any,
) -> None:
    app = make_app()
    key(app, pygame.K_F3)
    chat = app.scene.chat
    click(app, chat.menu)  # the player opens the list...
    state = chat.menu.menu_states["expanded"]
    (item,) = [i for i in state.options_selection_list.item_list if i["object_id"] == "facilitator"]
    # ...someone else speaks: a new view, with the same recipients
    v = copy.deepcopy(app.model.view)
    v["chat"].append(
        {
            "id": "msg-999",
            "round": v["round"],
            "from": "union",
            "to": "public",
            "channel": "public",
            "text": "Hello all",
        }
    )
    app.model.set_view(v)
    app.frame([])
    click(app, item["button_element"])  # ...and the choice lands
    assert chat.channel == "facilitator"
    assert "Hello all" not in chat.log_html()  # that was public; this is the help thread
    # a change of recipients while the list is open waits for it to close
    select_option(app, chat.menu, "public")
    assert chat.channel == "public" and "Hello all" in chat.log_html()


def test_the_console_shows_whole_seat_names_at_1024x768(make_app: Any) -> None:
    app = make_app("facilitator", size=(1024, 768))
    scene = app.scene
    app.frame([])
    fb = scene.fonts.get(12, "bold")
    shown = 0
    for s in roster_rows(app.model):
        row = scene.seat_rows[s["id"]]
        name = str(s["name"])
        if row.bottom > scene.seat_scroll.rect.bottom or len(name) > 24:
            continue  # scrolled out of view, or a long name (cut, with the whole in the roster)
        k = list(scene.seat_rows).index(s["id"])
        bg = C.PANEL_2 if k % 2 else C.PANEL
        assert text_drawn(app.surface, name, fb, C.TEXT, bg, row), f"{name} is cut short"
        shown += 1
    assert shown >= 10
