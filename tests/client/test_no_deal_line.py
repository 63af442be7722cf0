"""The standing "no deal" line: each proposal I can answer shows, without a click, what it does to
my own numbers beside what I get with no deal at all (the server's private preview, asked by the
deals tab itself, one at a time, and again when the live state it came from changes), and why a
deal would change nothing, in the server's plain words."""

from __future__ import annotations

import copy
from typing import Any

import pygame
from district.client.panels.deals import sort_deals

from tests.client.conftest import HUMAN, click, key


def answer(app: Any, out: Any, reason: str = "") -> None:
    app.model.feed(
        {
            "type": "ack",
            "re": out.cid,
            "seq": app.model.last_event_seq,
            "result": {
                "kind": "preview",
                "deal_kind": "subcontract",
                "deal": out.command["deal"],
                "without": {"cash": 550.0, "profit": 250.0, "workers": 48.0, "skill": 0.52},
                "with": {"cash": 530.0, "profit": 262.0, "workers": 48.0, "skill": 0.52},
                "delta": {"cash": -20.0, "profit": 12.0, "workers": 0.0, "skill": 0.0},
                "no_deal": {"cash": 550.0, "profit": 250.0, "workers": 48.0, "skill": 0.52},
                "reason": reason,
            },
        }
    )
    app.frame([])


def test_each_proposal_i_can_answer_shows_its_effect_beside_no_deal(make_app: Any) -> None:
    app = make_app()
    app.model.status = "connected"
    app.model.events_version += 1  # (a real connection comes with a view)
    key(app, pygame.K_F1)
    tab = app.scene.deals
    incoming = sort_deals(app.model.view, HUMAN)["incoming"]
    assert incoming, "the recorded round has proposals for the human seat"
    sent = app.model.take_outbox()
    assert [(o.command["type"], o.command["deal"]) for o in sent] == [
        ("preview", incoming[0]["id"])
    ], "one query at a time, for a proposal I can answer"
    answer(app, sent[0])
    # the row shows the effect, the group the standing no-deal line, in whole numbers and units
    assert "cash -20.0k" in tab.row_buttons[incoming[0]["id"]].text
    line = next(e for e in app.scene.all_elements() if "#no_deal_line" in (e.object_ids or []))
    assert line.text.startswith("If you sign nothing, next round: cash 550k, profit 250k")
    # the next proposal is asked about once the first is answered
    nxt = app.model.take_outbox()
    if len(incoming) > 1:
        assert nxt[0].command["deal"] == incoming[1]["id"]
    # the card: no deal -> with the deal for each of my numbers, and why nothing changes
    click(app, tab.row_buttons[incoming[0]["id"]])
    html = tab.detail_box.html_text
    assert "Your numbers next round, if signed" in html
    assert "Cash: no deal 550k · with it <b>530k</b>" in html
    assert "Skill: no deal 52 · with it <b>52</b>" in html
    app.model.take_outbox()
    answer(
        app,
        type("O", (), {"cid": 9999, "command": {"deal": incoming[0]["id"]}})(),
        reason="It would change none of your numbers next round. Beta broke it.",
    )
    assert "Beta broke it." in tab.detail_box.html_text


def test_my_new_decisions_ask_again(make_app: Any) -> None:
    app = make_app()
    app.model.status = "connected"
    app.model.events_version += 1  # (a real connection comes with a view)
    key(app, pygame.K_F1)
    first = app.model.take_outbox()
    assert first and first[0].command["type"] == "preview"
    answer(app, first[0])
    # the other proposals' queries, answered one by one; then nothing changes: nothing is asked
    while app.model.outbox:
        for o in app.model.take_outbox():
            answer(app, o)
    app.frame([])
    assert app.model.take_outbox() == []
    # my decisions change in a new view: the proposals are asked about again
    v = copy.deepcopy(app.model.view)
    v["me"]["decisions"] = {**(v["me"].get("decisions") or {}), "wage": 99.0}
    app.model.set_view(v)
    app.frame([])
    again = app.model.take_outbox()
    assert again and again[0].command == {**first[0].command}


def test_an_answer_arriving_leaves_an_open_menu_open(make_app: Any) -> None:
    """The answer changes the rows' text in place: a rebuild would close the kind menu the
    player is opening (and the click on its option would land on nothing)."""
    app = make_app()
    app.model.status = "connected"
    app.model.events_version += 1
    key(app, pygame.K_F1)
    tab = app.scene.deals
    (out,) = app.model.take_outbox()
    menu = tab.kind_menu
    click(app, menu)
    assert menu.current_state is menu.menu_states["expanded"]
    answer(app, out)
    app.frame([])
    assert tab.kind_menu is menu and menu.alive(), "the list was rebuilt under the player"
    assert menu.current_state is menu.menu_states["expanded"]
    assert "cash -20.0k" in tab.row_buttons[out.command["deal"]].text
