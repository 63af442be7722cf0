"""Every scene renders headless from recorded views, to PNG, and shows what the view holds: the
dashboard's numbers, the decisions form with its errors, chat, the report, the console, the
projector; keyboard shortcuts work; the layout scales to 1920x1080."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pygame
from district.client.panels.dashboard import metrics
from district.client.panels.decisions import DecisionsTab
from district.client.ui.draw import fmt_num
from district.client.ui.theme import C

from tests.client.conftest import HUMAN, click, key, pump, rec_frames, text_drawn, type_into


def save(app: Any, tmp_path: Path, name: str) -> Path:
    p = tmp_path / f"{name}.png"
    pygame.image.save(app.surface, str(p))
    assert p.stat().st_size > 10_000
    return p


def test_district_scene_dashboard_shows_my_numbers(make_app: Any, tmp_path: Path) -> None:
    app = make_app()
    assert app.scene.name == "district"
    save(app, tmp_path, "district")
    me = app.model.view["me"]
    cards = dict((mt.label, (mt, r)) for mt, r in app.scene.dashboard_cards)
    assert cards["Cash"][0].value == me["cash"] and cards["Workers"][0].value == me["workers"]
    mt, r = cards["Cash"]
    # the number itself is drawn in the card (pixel comparison of the rendered glyphs)
    assert text_drawn(
        app.surface, fmt_num(me["cash"], "k"), app.scene.fonts.get(18, "bold"), C.TEXT, C.PANEL_2, r
    )
    assert not text_drawn(
        app.surface,
        fmt_num(me["cash"] + 1000, "k"),
        app.scene.fonts.get(18, "bold"),
        C.TEXT,
        C.PANEL_2,
        r,
    )
    # trends come from the views seen in earlier rounds
    assert len(mt.series) >= 2


def test_dashboards_of_every_role(make_app: Any, tmp_path: Path) -> None:
    for seat in ("union", "government", "broker:impannatore"):
        app = make_app(seat)
        assert app.scene.name == "district"
        labels = [m.label for m in metrics(app.model)]
        assert "Score" in labels
        save(app, tmp_path, seat.replace(":", "_"))
        fields = [n for n, _f in app.scene.decisions.fields()]
        assert fields, seat
    assert "organise" in [n for n, _f in make_app("union").scene.decisions.fields()]


def test_decisions_form_sends_and_shows_errors_by_the_field(make_app: Any) -> None:
    app = make_app(limits={"skill_pay": {"type": "float", "min": 0.0, "max": 1.0}})
    key(app, pygame.K_F2)
    tab: DecisionsTab = app.scene.decisions
    assert app.scene.active == 1 and tab.visible
    type_into(app, tab.widgets["wage"], "36.5")
    key(app, pygame.K_TAB)  # keyboard: Tab moves to the next field (the skill premium)
    assert tab.widgets["skill_pay"].is_focused and not tab.widgets["wage"].is_focused
    type_into(app, tab.widgets["poach"], "3")
    click(app, tab.save_button)
    (out,) = app.model.take_outbox()
    d = out.command["decisions"]
    assert out.command["type"] == "decide" and d["wage"] == 36.5 and d["poach"] == 3
    assert d["focus"] in ("commodity", "niche") and isinstance(d["bids"], list)
    app.model.feed(
        {
            "type": "error",
            "re": out.cid,
            "code": "out_of_range",
            "message": "36.5 is out of range (9 to 30)",
            "where": "decisions.wage",
        }
    )
    pump(app)
    assert "out of range" in tab.errors["wage"].text
    assert tab.errors["poach"].text == ""
    # a value outside the range is caught before it is sent
    type_into(app, tab.widgets["skill_pay"], "400")  # a share, typed in percent
    click(app, tab.save_button)
    assert app.model.take_outbox() == []
    assert "at most 100" in tab.errors["skill_pay"].text
    type_into(app, tab.widgets["skill_pay"], "20")
    click(app, tab.save_button)
    (out,) = app.model.take_outbox()
    assert out.command["decisions"]["skill_pay"] == 0.2


def test_ready_by_button_and_by_key(make_app: Any) -> None:
    app = make_app()
    click(app, app.scene.ready_button)
    (out,) = app.model.take_outbox()
    assert out.command == {"type": "ready", "ready": True, "round": app.model.view["round"]}
    app.model.feed(
        {
            "type": "event",
            "seq": app.model.last_event_seq + 1,
            "event": {"kind": "ready", "seat": HUMAN, "ready": True},
        }
    )
    pump(app)
    assert app.model.is_ready() and app.scene.ready_button.text.startswith("Ready: yes")
    key(app, pygame.K_F5)
    (out,) = app.model.take_outbox()
    assert out.command["ready"] is False


def test_chat_public_and_per_deal(make_app: Any) -> None:
    app = make_app()
    key(app, pygame.K_F3)
    tab = app.scene.chat
    type_into(app, tab.entry, "Anyone for the Milan tender?")
    key(app, pygame.K_RETURN)
    (out,) = app.model.take_outbox()
    assert out.command == {"type": "chat", "text": "Anyone for the Milan tender?", "to": "public"}
    app.model.feed(
        {
            "type": "event",
            "seq": app.model.last_event_seq + 1,
            "event": {
                "kind": "chat",
                "id": "msg-x",
                "round": 3,
                "from": "firm:meccanica-ferri",
                "to": "public",
                "channel": "public",
                "text": "Count me in",
            },
        }
    )
    pump(app)
    assert "Count me in" in tab.log_html()
    deal = next(
        d for d in app.model.view["deals"] if HUMAN in d["parties"] and d["status"] == "proposed"
    )
    app.scene.open_chat(deal["id"])
    pump(app)
    assert tab.channel == deal["id"] and app.scene.active == 2
    type_into(app, tab.entry, "what share for us?")
    click(app, tab.send_button)
    (out,) = app.model.take_outbox()
    assert out.command["to"] == deal["id"]


def test_report_scene_after_resolution(
    make_app: Any, recorded: dict[str, Any], tmp_path: Path
) -> None:
    frames = rec_frames(recorded, HUMAN)
    app = make_app(upto=len(frames))
    assert app.model.view["phase"] == "report"
    assert app.scene.name == "report"
    save(app, tmp_path, "report")
    drawn = app.scene.drawn
    assert "Profit" in drawn["me"] and "Score" in drawn["me"]
    assert "Employment" in drawn["district"]
    news = [n["headline"] for n in app.model.view["last_report"]["news"]]
    assert all(h in drawn["events"] for h in news)
    key(app, pygame.K_RETURN)
    assert app.scene.name == "district"


def test_facilitator_console_controls(make_app: Any, tmp_path: Path) -> None:
    app = make_app("facilitator")
    scene = app.scene
    assert scene.name == "facilitator"
    save(app, tmp_path, "facilitator")
    assert set(scene.seat_buttons) == {s["id"] for s in app.model.view["seats"]}
    click(app, scene.buttons["advance"])
    click(app, scene.buttons["plus"])
    click(app, scene.seat_buttons["union"])
    out = [o.command for o in app.model.take_outbox()]
    assert {"action": "advance"} in out and {"action": "extend", "seconds": 60.0} in out
    assert {"action": "unbot", "seat": "union"} in out  # recorded seats are bots: give back
    type_into(app, scene.event_value, "40")  # percent
    type_into(app, scene.event_headline, "Cheap imports arrive")
    click(app, scene.buttons["inject"])
    type_into(app, scene.broadcast_entry, "Five minutes left")
    key(app, pygame.K_RETURN)
    out = [o.command for o in app.model.take_outbox()]
    assert {
        "type": "inject_event",
        "event": {"kind": "import_pressure", "value": 0.4, "headline": "Cheap imports arrive"},
    } in out
    assert {"type": "chat", "text": "Five minutes left", "to": "public"} in out
    click(app, scene.buttons["end"])
    assert app.model.take_outbox() == []  # asks to confirm first
    click(app, scene.buttons["end"])
    assert [o.command for o in app.model.take_outbox()] == [{"action": "end"}]
    key(app, pygame.K_F9)
    assert app.scene.name == "projector"


def test_projector_is_large_and_shows_the_boards(make_app: Any, tmp_path: Path) -> None:
    app = make_app("observer", size=(1920, 1080))
    scene = app.scene
    assert scene.name == "projector"
    save(app, tmp_path, "projector")
    assert set(scene.cards) == {"competitiveness", "worker_welfare", "region"}
    assert scene.map.rect.width > 1100
    val = app.model.view["history"][-1]["competitiveness"]
    assert text_drawn(
        app.surface,
        f"{val:.0f}",
        scene.fonts.get(round(34 * 1.25), "bold"),
        C.TEXT,
        C.PANEL,
        scene.cards["competitiveness"],
    )


def test_debrief_scene(make_app: Any, tmp_path: Path) -> None:
    app = make_app()
    key(app, pygame.K_F10)
    assert app.scene.name == "debrief"
    save(app, tmp_path, "debrief")
    key(app, pygame.K_F10)
    assert app.scene.name == "district"


def test_layout_scales_to_1920x1080(make_app: Any, tmp_path: Path) -> None:
    small = make_app()
    big = make_app(size=(1920, 1080))
    save(big, tmp_path, "district-1080")
    assert big.scene.s == 1.5 and small.scene.s == 1.0
    assert big.scene.map.rect.width > small.scene.map.rect.width * 1.4
    assert big.scene.fonts.get(14).get_height() > small.scene.fonts.get(14).get_height() * 1.3
    # the drafts survive a window resize
    tab = small.scene.deals
    tab.open_composer("subcontract")
    small.resize((1600, 900))
    small.frame([])
    assert small.scene.deals.mode == "compose" and small.scene.deals.draft.kind == "subcontract"


def test_connect_scene_checks_and_remembers(tmp_path: Path) -> None:
    from district.client.app import App
    from district.client.settings import Settings

    app = App(size=(1280, 720), settings=Settings.load())
    assert app.scene.name == "connect"
    sc = app.scene
    app.frame([])
    save(app, tmp_path, "connect")
    type_into(app, sc.server_entry, "ws://127.0.0.1:1")
    type_into(app, sc.code_entry, "abc")
    type_into(app, sc.name_entry, "Ada")
    click(app, sc.join_button)
    assert "join code" in sc.message and app.connection is None
    type_into(app, sc.code_entry, "k7qm2p")
    key(app, pygame.K_RETURN)
    assert app.connection is not None
    assert Settings.load().code == "K7QM2P" and Settings.load().name == "Ada"
    app.connection.close()


def test_the_map_key_hides_and_shows_by_its_button(make_app: Any) -> None:
    """The key takes a good part of a small map at a larger text size: the button in the map's
    corner hides it (the map is drawn without it) and shows it again; the click picks no firm."""
    app = make_app(size=(1024, 768))
    app.set_display(font_size="larger")
    app.frame([])
    scene = app.scene
    button = scene.key_button
    assert scene.map.legend and button.text == "Hide key"
    assert scene.map.rect.contains(button.rect)
    with_key = pygame.surfarray.array3d(app.surface).copy()
    click(app, button)
    app.frame([])
    assert not scene.map.legend and scene.key_button.text == "Key"
    assert scene.map.selected is None
    without = pygame.surfarray.array3d(app.surface)
    changed = (with_key != without).any(axis=2)
    m = scene.map.rect
    assert changed[m.x : m.right, m.y : m.bottom].mean() > 0.05  # the key's box is gone
    click(app, scene.key_button)
    app.frame([])
    assert scene.map.legend and scene.key_button.text == "Hide key"
    again = (pygame.surfarray.array3d(app.surface) != with_key).any(axis=2)
    again[button.rect.x : button.rect.right, button.rect.y : button.rect.bottom] = False  # hovered
    assert not again[m.x : m.right, m.y : m.bottom].any()  # the map as it was, key and all
