"""The composer in people's units: rates, shares and probabilities typed and shown as whole
percent, money in k, counts whole, converted back at the form's edge so the engine gets its own
units. Term help in a person's words; the engine's refusals quoting ranges said in the field's
units. Driven by clicks and typing on the real widgets of a real game's view."""

from __future__ import annotations

from typing import Any

import pytest
from district.server.api import new_game
from district.server.engine.errors import EngineError

from tests.client.conftest import click, type_into
from tests.client.test_composer_defaults import KINDS, app_for, open_kind, role_seats

SCENARIO = "emilia-romagna"


def hints(comp: Any) -> list[str]:
    return [
        str(e.text)
        for e in comp.scroll.get_container().elements
        if "@hint" in (getattr(e, "class_ids", None) or [])
    ]


def test_typing_2_in_the_levy_rate_sends_0_02() -> None:
    g = new_game(SCENARIO, 1)
    seat = role_seats(SCENARIO)["firm"]
    app = app_for(g.view(seat))
    tab = open_kind(app, "training_levy")
    comp = tab.composer
    entry = comp.widgets["levy_rate"]
    assert entry.get_text() == "2"  # the engine's default 0.02, as a person reads it
    assert "0 – 10%" in hints(comp)  # the engine's range 0 to 0.1
    assert "0 – 200%" in hints(comp)  # government match, 0 to 2
    type_into(app, entry, "2")  # click into the field, type
    click(app, comp.send_button)
    (out,) = app.model.take_outbox()
    assert out.command["type"] == "propose"
    assert out.command["terms"]["levy_rate"] == pytest.approx(0.02)
    assert out.command["terms"]["pass_through"] == pytest.approx(0.0)
    g.apply(seat, {**out.command, "round": g.view(seat)["round"]})  # the engine accepts it
    # another rate, to be sure the 2 is read as percent and not kept as the default
    tab = open_kind(app, "training_levy")
    type_into(app, tab.composer.widgets["levy_rate"], "7")
    click(app, tab.composer.send_button)
    (out,) = app.model.take_outbox()
    assert out.command["terms"]["levy_rate"] == pytest.approx(0.07)


def test_a_rate_above_its_range_is_caught_in_percent() -> None:
    seat = role_seats(SCENARIO)["firm"]
    app = app_for(new_game(SCENARIO, 1).view(seat))
    tab = open_kind(app, "training_levy")
    comp = tab.composer
    type_into(app, comp.widgets["levy_rate"], "12")
    click(app, comp.send_button)
    assert app.model.take_outbox() == []
    assert comp.error_labels["levy_rate"].text == "! at most 10%"


def test_joint_bid_shares_are_percent_summing_to_100() -> None:
    g = new_game(SCENARIO, 1)
    seat = role_seats(SCENARIO)["firm"]
    for _ in range(4):  # the first round a tender is open
        if any(t["status"] == "open" for t in g.view(seat)["tenders"]):
            break
        g.resolve()
        g.advance()
    app = app_for(g.view(seat))
    tab = open_kind(app, "joint_bid")
    comp = tab.composer
    entries = comp.share_entries
    assert len(entries) == 2
    assert sorted(e.get_text() for e in entries.values()) == ["50", "50"]
    assert "total 100%" in hints(comp)
    shown = " ".join(hints(comp))
    assert "->" not in shown and "0-1" not in shown and "seat" not in shown
    assert "each firm's share of the volume, in percent, adding up to 100%" in shown
    me, other = list(entries)
    type_into(app, entries[me], "70")
    type_into(app, entries[other], "30")
    click(app, comp.send_button)
    (out,) = app.model.take_outbox()
    assert out.command["terms"]["shares"] == {me: pytest.approx(0.7), other: pytest.approx(0.3)}


def test_a_counter_offer_starts_from_the_deal_in_percent() -> None:
    from district.client.panels.draft import raw_from_terms

    raw = raw_from_terms(
        KINDS,
        "conditional_credit",
        {"amount": 50.0, "rate": 0.03, "audit_rate": 0.5, "term": 4},
    )
    assert raw == {"amount": "50", "rate": "3", "audit_rate": "50", "term": "4"}


def engine_refusal(seat: str, cmd: dict[str, Any]) -> EngineError:
    g = new_game(SCENARIO, 1)
    with pytest.raises(EngineError) as e:
        g.apply(seat, {**cmd, "round": g.view(seat)["round"]})
    return e.value


def test_an_engine_range_refusal_is_said_in_the_fields_units() -> None:
    """The engine's own refusal of a levy of 0.5 ('0.5 is outside the allowed range 0 to 0.1
    (share of payroll ...)') is shown by the field as 50% against 0% to 10%."""
    g = new_game(SCENARIO, 1)
    seat = role_seats(SCENARIO)["firm"]
    app = app_for(g.view(seat))
    tab = open_kind(app, "training_levy")
    comp = tab.composer
    click(app, comp.send_button)
    (out,) = app.model.take_outbox()
    bad = {**out.command, "terms": {**out.command["terms"], "levy_rate": 0.5}}
    err = engine_refusal(seat, bad)
    assert err.where == "terms.levy_rate" and "0 to 0.1" in err.message  # the engine's wording
    app.model.feed({"type": "error", "re": out.cid, **err.to_dict()})
    app.frame([])
    comp = tab.composer
    field = comp.error_labels["levy_rate"].text
    said = comp.reason_lines[0].text + " " + comp.reason_lines[1].text
    assert "50%" in field and "0% to 10%" in field, field
    assert "0.1" not in field and "0.5" not in field and "0.1" not in said, (field, said)
