"""The deals panel: the inbox shows the deals the view holds; the composer is generated from the
deal kinds of the server's welcome (and nothing else); composing a joint bid with mouse and keyboard queues exactly the propose
command; answers, counters and previews; errors land next to the term that caused them; the
half-written proposal survives a new view and a reconnect."""

from __future__ import annotations

from typing import Any

import pygame
from district.client.panels.deals import sort_deals
from district.client.panels.draft import to_command
from district.server.engine.deals import DEAL_SPECS

from tests.client.conftest import HUMAN, click, key, select_option, type_into


def open_composer(app: Any, kind: str) -> Any:
    scene = app.scene
    key(app, pygame.K_F1)
    tab = scene.deals
    if tab.mode != "list":
        tab.back()
        app.frame([])
    select_option(app, tab.kind_menu, kind)
    click(app, tab.compose_button)
    assert tab.mode == "compose" and tab.composer is not None
    assert tab.draft is not None and tab.draft.kind == kind
    return tab


def set_partner(app: Any, tab: Any, partner: str) -> None:
    """Make the draft's parties me and `partner` by clicking the party buttons (the composer starts
    with a partner of its own choosing)."""
    for p in list(tab.draft.parties):
        if p not in (HUMAN, partner):
            click(app, tab.composer.party_buttons[p])
    if partner not in tab.draft.parties:
        click(app, tab.composer.party_buttons[partner])
    assert tab.draft.parties == [HUMAN, partner]


def test_composer_fields_come_from_the_welcome_deal_kinds(
    make_app: Any, recorded: dict[str, Any]
) -> None:
    kinds = recorded["deal_kinds"]  # what the server's welcome carries: the engine's schema
    assert list(kinds) == list(DEAL_SPECS)
    assert all(list(kinds[k]["terms"]) == list(DEAL_SPECS[k]["terms"]) for k in DEAL_SPECS)
    app = make_app()
    assert app.model.deal_kinds == kinds
    for kind in ("joint_bid", "subcontract", "network_charter", "training_levy"):
        tab = open_composer(app, kind)
        comp = tab.composer
        for name, t in kinds[kind]["terms"].items():
            if t["type"] in (
                "float",
                "int",
                "text",
                "bool",
                "choice",
                "tender",
                "seat",
                "operation",
            ):
                assert name in comp.widgets, (kind, name)
            assert name in comp.error_labels
        tab.close_composer()
        app.frame([])


def test_inbox_shows_incoming_mine_and_active(make_app: Any) -> None:
    app = make_app()
    view = app.model.view
    groups = sort_deals(view, HUMAN)
    assert groups["incoming"], "the recorded game should have proposals waiting for FSM"
    tab = app.scene.deals
    for d in groups["incoming"] + groups["active"]:
        assert d["id"] in tab.row_buttons, d["id"]
        assert tab.row_buttons[d["id"]].text.startswith(f"[{d['status']}]")
    # open one and answer it
    d = groups["incoming"][0]
    click(app, tab.row_buttons[d["id"]])
    assert tab.mode == "detail" and tab.selected == d["id"]
    assert tab.action_buttons["accept"].is_enabled
    click(app, tab.action_buttons["accept"])
    out = app.model.take_outbox()
    assert [o.command for o in out] == [
        {"type": "respond", "deal": d["id"], "answer": "accept", "round": view["round"]}
    ]


def test_compose_a_joint_bid_with_widgets(make_app: Any) -> None:
    app = make_app()
    view = app.model.view
    tender = next(t for t in view["tenders"] if t["status"] == "open")
    tab = open_composer(app, "joint_bid")
    comp = tab.composer
    partner = "firm:meccanica-ferri"
    set_partner(app, tab, partner)  # the form rebuilds with the new party
    comp = tab.composer
    assert tab.draft.parties == [HUMAN, partner]
    assert comp.party_buttons[partner].is_selected
    select_option(app, comp.widgets["tender"], tender["id"])
    type_into(app, comp.widgets["price"], "80.5")
    select_option(app, comp.widgets["lead"], HUMAN)
    type_into(app, comp.share_entries[HUMAN], "60")  # in percent
    type_into(app, comp.share_entries[partner], "40")
    click(app, comp.send_button)
    out = app.model.take_outbox()
    assert len(out) == 1
    cmd = out[0].command
    assert cmd["type"] == "propose" and cmd["kind"] == "joint_bid"
    assert cmd["parties"] == [HUMAN, partner]
    assert cmd["terms"]["tender"] == tender["id"]
    assert cmd["terms"]["price"] == 80.5
    assert cmd["terms"]["lead"] == HUMAN
    assert cmd["terms"]["shares"] == {HUMAN: 0.6, partner: 0.4}
    assert cmd["round"] == view["round"]
    assert out[0].origin == "composer"


def test_parties_can_be_picked_on_the_map(make_app: Any) -> None:
    app = make_app()
    tab = open_composer(app, "subcontract")
    set_partner(app, tab, "firm:meccanica-ferri")
    mv = app.scene.map
    f = next(f for f in app.model.view["firms"] if f["seat"] == "firm:elettronica-bassi")
    pos = (round(mv.marks[f["id"]].pos[0]), round(mv.marks[f["id"]].pos[1]))
    from tests.client.conftest import click_at

    click_at(app, pos)
    assert "firm:elettronica-bassi" in tab.draft.parties
    assert f["id"] in mv.picked
    click_at(app, pos)
    assert "firm:elettronica-bassi" not in tab.draft.parties


def test_bad_terms_are_caught_before_sending_and_shown_by_the_field(make_app: Any) -> None:
    app = make_app()
    tab = open_composer(app, "subcontract")
    for p in tab.draft.parties[1:]:  # only me left
        click(app, tab.composer.party_buttons[p])
    comp = tab.composer
    type_into(app, comp.widgets["rounds"], "99")
    click(app, comp.send_button)
    assert app.model.take_outbox() == []
    assert "at most 12" in tab.composer.error_labels["rounds"].text
    assert "needs 2" in tab.composer.error_labels["parties"].text  # only me so far
    # the first problem is also said next to the Send button
    assert "Not ready to send" in tab.composer.reason_lines[0].text


def test_server_error_appears_next_to_the_term(make_app: Any) -> None:
    app = make_app()
    tab = open_composer(app, "subcontract")
    set_partner(app, tab, "firm:meccanica-ferri")
    comp = tab.composer
    click(app, comp.send_button)
    (out,) = app.model.take_outbox()
    app.model.feed(
        {
            "type": "error",
            "re": out.cid,
            "code": "cannot_deliver",
            "message": "30 units a round is more than the supplier can make (about 20)",
            "where": "terms.volume",
        }
    )
    app.frame([])
    assert "more than the supplier can make" in tab.composer.error_labels["volume"].text
    assert (
        tab.composer.error_labels[
            "price" if "price" in tab.composer.error_labels else "rounds"
        ].text
        == ""
    )
    assert tab.mode == "compose"  # the proposal is still there to fix


def test_draft_survives_a_new_view_and_a_reconnect(make_app: Any) -> None:
    app = make_app()
    tab = open_composer(app, "subcontract")
    set_partner(app, tab, "firm:meccanica-ferri")
    type_into(app, tab.composer.widgets["volume"], "7.5")
    # the connection drops and comes back with a fresh view of the same round
    import copy

    app.model.set_status("reconnecting", "connection lost")
    app.frame([])
    app.model.set_status("connected")
    app.model.feed({"type": "view", "seq": 99, "view": copy.deepcopy(app.model.view)})
    app.frame([])
    assert tab.mode == "compose"
    assert tab.composer.widgets["volume"].get_text() == "7.5"
    assert tab.draft.parties == [HUMAN, "firm:meccanica-ferri"]
    # Esc leaves the form but keeps the draft; Compose brings it back
    key(app, pygame.K_ESCAPE)
    assert tab.mode == "list" and tab.draft is not None
    assert tab.compose_button.text == "Resume draft"


def test_ack_closes_the_composer_and_counter_prefills(make_app: Any) -> None:
    app = make_app()
    tab = open_composer(app, "subcontract")
    set_partner(app, tab, "firm:meccanica-ferri")
    click(app, tab.composer.send_button)
    (out,) = app.model.take_outbox()
    app.model.feed({"type": "ack", "re": out.cid, "seq": 100})
    app.frame([])
    assert tab.mode == "list" and tab.draft is None and "sent" in tab.notice
    # counter an incoming deal: the composer opens with its terms
    d = sort_deals(app.model.view, HUMAN)["incoming"][0]
    click(app, tab.row_buttons[d["id"]])
    click(app, tab.action_buttons["counter"])
    assert tab.mode == "compose" and tab.draft.counter_of == d["id"]
    cmd, problems = to_command(tab.draft, app.model.view, app.model.deal_kinds)
    assert cmd["type"] == "counter" and cmd["deal"] == d["id"]


def test_preview_shows_what_the_deal_does_to_me(make_app: Any) -> None:
    app = make_app()
    tab = open_composer(app, "subcontract")
    set_partner(app, tab, "firm:meccanica-ferri")
    click(app, tab.composer.preview_button)
    (out,) = app.model.take_outbox()
    assert out.command["type"] == "preview" and out.command["kind"] == "subcontract"
    app.model.feed(
        {
            "type": "event",
            "seq": app.model.last_event_seq + 1,
            "event": {
                "kind": "preview",
                "deal_kind": "subcontract",
                "deal": "",
                "delta": {"cash": -120.5, "profit": 33.25},
            },
        }
    )
    app.frame([])
    html = tab.composer.preview_html()
    # in the dashboard's units (k, one decimal under 100), and the direction in words
    assert "-120k, down" in html and "+33.2k, up" in html


APPRENTICESHIP = {
    "apprenticeship_pact": {
        "title": "Apprenticeship pact",
        "source": "a kind this client has never seen",
        "help": "Firms share a school for apprentices and pay them a stipend.",
        "parties": {"firm": [2, 3]},
        "gate": 0.3,
        "terms": {
            "apprentices": {
                "type": "int",
                "help": "apprentices each firm takes",
                "default": 2,
                "required": True,
                "min": 1,
                "max": 9,
            },
            "stipend": {
                "type": "float",
                "help": "stipend per apprentice per round (k)",
                "default": 1.5,
                "required": False,
                "min": 0.0,
                "max": 20.0,
            },
            "shared_school": {
                "type": "bool",
                "help": "one school for all",
                "default": False,
                "required": False,
            },
            "trades": {
                "type": "factors",
                "help": "trades taught",
                "default": ["training"],
                "required": True,
                "choices": ["training", "quality"],
            },
        },
    }
}


def welcome(kinds: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "welcome",
        "re": "hello",
        "version": 1,
        "session": "s-test",
        "code": "K7QM2P",
        "seat": HUMAN,
        "role": "firm",
        "name": "Ada",
        "status": "running",
        "last_event": 1,
        "deal_kinds": kinds,
    }


def test_a_kind_only_the_welcome_knows_gets_its_form(make_app: Any) -> None:
    """The composer knows no kind of its own: a welcome with one new kind gives exactly that kind,
    its terms, ranges and units, filled in by clicking and typing."""
    app = make_app()
    app.model.feed(welcome(APPRENTICESHIP))
    app.frame([])
    key(app, pygame.K_F1)
    tab = app.scene.deals
    assert [k for _t, k in tab.kind_menu.options_list] == ["apprenticeship_pact"]
    assert tab.kind_menu.selected_option[0] == "Apprenticeship pact"
    click(app, tab.compose_button)
    comp = tab.composer
    assert set(comp.widgets) == {"apprentices", "stipend", "shared_school"}
    assert {ch for (_n, ch) in comp.multi_buttons} == {"training", "quality"}
    hints = [e.text for e in app.scene.all_elements() if "@hint" in (e.class_ids or [])]
    assert "1 – 9" in hints and "0 – 20k" in hints and "Needs: 2–3 firm" in hints
    labels = {e.text for e in app.scene.all_elements() if hasattr(e, "text")}
    assert {"Apprentices", "Stipend", "Shared school", "New Apprenticeship pact"} <= labels
    partner = "firm:meccanica-ferri"
    set_partner(app, tab, partner)
    comp = tab.composer
    type_into(app, comp.widgets["apprentices"], "12")
    click(app, comp.widgets["shared_school"])
    click(app, comp.multi_buttons[("trades", "quality")])
    click(app, comp.send_button)
    # nothing is sent but the queries of what incoming proposals do to me (the no-deal line)
    assert [o.command for o in app.model.take_outbox() if o.origin != "batna"] == []
    assert "at most 9" in comp.error_labels["apprentices"].text
    type_into(app, comp.widgets["apprentices"], "3")
    click(app, comp.send_button)
    (out,) = app.model.take_outbox()
    assert out.command == {
        "type": "propose",
        "kind": "apprenticeship_pact",
        "parties": [HUMAN, partner],
        "terms": {
            "apprentices": 3,
            "stipend": 1.5,
            "shared_school": True,
            "trades": ["training", "quality"],
        },
        "round": app.model.view["round"],
    }


def test_without_deal_kinds_there_is_nothing_to_compose(make_app: Any) -> None:
    app = make_app()
    app.model.deal_kinds = {}  # a server whose welcome had none: no copy of them to fall back on
    app.model.view_version += 1
    app.frame([])
    key(app, pygame.K_F1)
    tab = app.scene.deals
    assert tab.kind_menu.options_list == [("(no deal kinds)", "")]
    click(app, tab.compose_button)
    assert tab.mode == "list" and tab.composer is None


def test_preview_answered_in_the_ack_shows_names_and_units(make_app: Any) -> None:
    """The server answers a preview query in the ack's `result`; the composer shows it."""
    app = make_app()
    tab = open_composer(app, "subcontract")
    set_partner(app, tab, "firm:meccanica-ferri")
    click(app, tab.composer.preview_button)
    (out,) = app.model.take_outbox()
    assert out.command["type"] == "preview" and out.command["kind"] == "subcontract"
    assert "Asking the server" in tab.composer.preview_box.html_text
    app.model.feed(
        {
            "type": "ack",
            "re": out.cid,
            "seq": app.model.last_event_seq,
            "result": {
                "kind": "preview",
                "deal_kind": "subcontract",
                "deal": "",
                "without": {"cash": 100.0, "workers": 10.0, "quality": 0.5},
                "with": {"cash": 79.5, "workers": 12.0, "quality": 0.5},
                "delta": {"cash": -20.5, "workers": 2.0, "quality": 0.0},
            },
        }
    )
    app.frame([])
    html = tab.composer.preview_box.html_text
    # no deal -> with the deal, in the dashboard's units, the change in the value's unit and in words
    assert (
        "Cash: no deal 100k · with it <b>79.5k</b> <font color=#ee5d5d>(-20.5k, down)</font>"
        in html
    )
    assert (
        "Workers: no deal 10 workers · with it <b>12 workers</b>"
        " <font color=#4cc38a>(+2 workers, up)</font>" in html
    )
    assert "Quality: no deal 50 · with it <b>50</b> <font color=#9aa6ba>(same)</font>" in html
    assert tab.mode == "compose"  # a preview is not a proposal: the form stays


def test_deal_detail_names_parties_terms_and_tenders(make_app: Any) -> None:
    app = make_app()
    view = app.model.view
    d = sort_deals(view, HUMAN)["incoming"][0]
    key(app, pygame.K_F1)
    tab = app.scene.deals
    click(app, tab.row_buttons[d["id"]])
    html = tab.detail_box.html_text
    for p in d["parties"]:
        assert p not in html  # seat ids are not shown: names are
    assert "FSM Robotica" in html
    for name in d.get("terms", {}):
        assert f"<b>{name.replace('_', ' ').capitalize()}</b>" in html, name
    title = next(e for e in app.scene.all_elements() if "#deal_title" in (e.object_ids or []))
    number = d["id"].removeprefix("deal-")
    assert title.text == f"{app.model.deal_kinds[d['kind']]['title']} · deal {number}"


def test_parties_change_resets_the_shares_and_seat_terms_start_apart(make_app: Any) -> None:
    app = make_app()
    tab = open_composer(app, "joint_bid")
    partner = "firm:meccanica-ferri"
    set_partner(app, tab, partner)
    click(app, tab.composer.send_button)
    (out,) = app.model.take_outbox()
    assert out.command["terms"]["shares"] == {HUMAN: 0.5, partner: 0.5}
    tab = open_composer(app, "subcontract")
    set_partner(app, tab, partner)
    comp = tab.composer
    assert comp.widgets["buyer"].selected_option[1] == HUMAN
    assert comp.widgets["supplier"].selected_option[1] == partner
