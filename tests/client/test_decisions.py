"""The decisions form takes its bounds from the view's `limits` (the engine computes them with the
function that checks a `decide`) and from nothing else: driven by clicking and typing as a person
would, it refuses what the limits refuse, sends what they allow, and checks no range the view does
not carry."""

from __future__ import annotations

from typing import Any

import pygame
from district.client.panels.decisions import DecisionsTab

from tests.client.conftest import click, key, select_option, type_into

FIRM_LIMITS = {
    "wage": {"type": "float", "min": 9.0, "max": 30.0, "help": "base wage per worker, 9 to 30"},
    "skill_pay": {"type": "float", "min": 0.0, "max": 1.0},
    "hire": {"type": "int", "min": -15, "max": 20},
    "focus": {"type": "choice", "choices": ["commodity", "niche"]},
    "bids": {"type": "list", "most": 0, "min": 0.01},
}


def open_form(app: Any) -> DecisionsTab:
    key(app, pygame.K_F2)
    tab: DecisionsTab = app.scene.decisions
    assert tab.visible
    return tab


def hints(app: Any) -> list[str]:
    return [e.text for e in app.scene.all_elements() if "@hint" in (e.class_ids or [])]


def test_firm_bounds_come_from_the_view_limits(make_app: Any) -> None:
    app = make_app(limits=FIRM_LIMITS)
    tab = open_form(app)
    fields = dict(tab.fields())
    assert (fields["wage"]["min"], fields["wage"]["max"]) == (9.0, 30.0)
    assert "9 – 30 k" in hints(app) and "-15 – 20 workers" in hints(app)
    assert "base wage per worker, 9 to 30" in hints(app)  # the limits' help
    type_into(app, tab.widgets["wage"], "31")
    type_into(app, tab.widgets["hire"], "-16")
    click(app, tab.save_button)
    assert app.model.take_outbox() == []
    assert "at most 30" in tab.errors["wage"].text
    assert "at least -15" in tab.errors["hire"].text
    assert "Fix the fields" in tab.status_label.text
    type_into(app, tab.widgets["wage"], "29.5")
    type_into(app, tab.widgets["hire"], "-15")
    select_option(app, tab.widgets["focus"], "niche")
    click(app, tab.save_button)
    (out,) = app.model.take_outbox()
    d = out.command["decisions"]
    assert (d["wage"], d["hire"], d["focus"]) == (29.5, -15, "niche")
    assert tab.errors["wage"].text == "" and tab.errors["hire"].text == ""


def test_a_list_limit_bounds_how_many_and_how_much(make_app: Any) -> None:
    app = make_app(limits=FIRM_LIMITS)
    tab = open_form(app)
    tender = next(t for t in app.model.view["tenders"] if t["status"] == "open")
    button = tab.multi[("bids", tender["id"])]
    # the tender by its buyer, not its id: the whole name, or as much of it as fits (the whole
    # is in the tooltip)
    buyer = tender["buyer"].split(" (")[0]
    assert button.text == buyer or (
        button.text.endswith("…") and buyer.startswith(button.text[:-1])
    ), button.text
    assert buyer in str(button.tool_tip_text)
    click(app, button)
    click(app, tab.save_button)
    assert app.model.take_outbox() == []
    assert "at most 0 tenders" in tab.errors["bids"].text


def test_union_picks_firms_by_clicking(make_app: Any) -> None:
    app = make_app(
        "union", limits={"organise": {"type": "list", "most": 2, "min": 0.0, "max": 50.0}}
    )
    tab = open_form(app)
    firms = [f["id"] for f in app.model.view["firms"] if f.get("alive")][:3]
    chosen = set(tab.raw.get("organise:firms", []))
    for fid in firms:
        if fid not in chosen:
            click(app, tab.multi[("organise", fid)])
    assert set(firms) <= set(tab.raw["organise:firms"])
    type_into(app, tab.widgets["organise:amount"], "60")
    click(app, tab.save_button)
    assert app.model.take_outbox() == []
    assert "at most 50" in tab.errors["organise"].text
    type_into(app, tab.widgets["organise:amount"], "12")
    click(app, tab.save_button)
    assert app.model.take_outbox() == []
    assert "at most 2 firms" in tab.errors["organise"].text
    for fid in list(tab.raw["organise:firms"])[2:]:
        click(app, tab.multi[("organise", fid)])  # a second click drops a firm
    was = bool(tab.raw.get("referral"))
    click(app, tab.widgets["referral"])
    assert tab.widgets["referral"].text == ("No" if was else "Yes")
    click(app, tab.save_button)
    (out,) = app.model.take_outbox()
    d = out.command["decisions"]
    assert d["organise"] == [{"firm": f, "spend": 12.0} for f in tab.raw["organise:firms"]]
    assert len(d["organise"]) == 2 and d["referral"] is (not was)


def test_without_limits_no_range_is_checked_here(make_app: Any) -> None:
    """A view with no limits: the form checks only that numbers are numbers, and the server's
    error, when it comes, is shown by the field (no copy of the engine's ranges to go stale)."""
    app = make_app(limits={})
    tab = open_form(app)
    assert all("min" not in f and "max" not in f for _n, f in tab.fields())
    type_into(app, tab.widgets["skill_pay"], "400")  # percent: 4 in the engine's units
    type_into(app, tab.widgets["poach"], "1.5")
    click(app, tab.save_button)
    assert app.model.take_outbox() == []
    assert "a whole number" in tab.errors["poach"].text
    type_into(app, tab.widgets["poach"], "2")
    click(app, tab.save_button)
    (out,) = app.model.take_outbox()
    assert out.command["decisions"]["skill_pay"] == 4.0
    app.model.feed(
        {
            "type": "error",
            "re": out.cid,
            "code": "out_of_range",
            "message": "4 is out of range (0 to 1)",
            "where": "decisions.skill_pay",
        }
    )
    app.frame([])
    assert "out of range (0 to 1)" in tab.errors["skill_pay"].text


def test_a_decision_only_the_limits_know_is_shown_by_its_type(make_app: Any) -> None:
    app = make_app(limits={"apprentices": {"type": "int", "min": 0, "max": 5, "help": "how many"}})
    tab = open_form(app)
    f = dict(tab.fields())["apprentices"]
    assert (f["type"], f["label"], f["min"], f["max"]) == ("int", "Apprentices", 0, 5)
    type_into(app, tab.widgets["apprentices"], "6")
    click(app, tab.save_button)
    assert app.model.take_outbox() == [] and "at most 5" in tab.errors["apprentices"].text
    type_into(app, tab.widgets["apprentices"], "3")
    click(app, tab.save_button)
    (out,) = app.model.take_outbox()
    assert out.command["decisions"]["apprentices"] == 3


def test_a_range_reads_in_whole_numbers_and_short_decimals_rounded_inwards() -> None:
    from district.client.panels.common import fmt_limit, parse_number

    assert fmt_limit(9.03967, "min") == "9.1" and fmt_limit(165.38, "max") == "165"
    assert (
        fmt_limit(-15.8418, "min", whole=True) == "-15"
        and fmt_limit(20.0, "max", whole=True) == "20"
    )
    assert fmt_limit(0.3, "max") == "0.3" and fmt_limit(0.0, "min") == "0"
    # the message of a refused entry says the same readable bound
    assert parse_number("3", {"type": "float", "min": 9.03967, "max": 165.4}) == (
        None,
        "at least 9.1",
    )
    assert parse_number("-16", {"type": "int", "min": -15.84, "max": 20}) == (None, "at least -15")


def test_the_price_stance_is_chosen_in_words(make_app: Any) -> None:
    """The price stance is a scale from -1 (undercut) to +1 (premium) on the wire; a player picks
    a word for it (the view's limits name its points) and the form sends that word's number. A
    value saved before that is no word's shows as the nearest word and is kept as it is until
    another word is picked."""
    app = make_app()
    tab = open_form(app)
    lim = app.model.view["limits"]["price"]
    number = {p["label"]: p["value"] for p in lim["labels"]}
    assert set(number) == {"undercut hard", "undercut", "market price", "premium", "full premium"}
    menu = tab.widgets["price"]
    assert [o[0] for o in menu.options_list] == [
        "undercut hard",
        "undercut",
        "market price",
        "premium",
        "full premium",
    ]
    select_option(app, menu, "undercut")
    assert "5% below market" in hints(app)  # what the word means, beside it or under it
    click(app, tab.save_button)
    (out,) = app.model.take_outbox()
    assert out.command["decisions"]["price"] == number["undercut"] == -0.5
    # a stance saved as 0.3 shows as "premium" (the nearest word) and is sent as 0.3
    app.model.view["me"].setdefault("decisions", {})["price"] = 0.3
    tab.raw = {}
    tab.rebuild()
    app.frame([])
    menu = tab.widgets["price"]
    assert menu.selected_option[0] == "premium"
    click(app, tab.save_button)
    (out,) = app.model.take_outbox()
    assert out.command["decisions"]["price"] == 0.3
    select_option(app, menu, "full_premium")
    click(app, tab.save_button)
    (out,) = app.model.take_outbox()
    assert out.command["decisions"]["price"] == number["full premium"] == 1.0
