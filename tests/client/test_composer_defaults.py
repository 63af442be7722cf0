"""A composer a student gets right the first time: in every shipped scenario's first round, for
every role present and every kind the composer offers it, the composer's default proposal is
accepted by the real engine, or the composer says in plain words why that kind is not possible
now (and does not start on it). Errors come back in names, next to the Send button."""

from __future__ import annotations

from typing import Any

import pygame
import pytest
from district.client.app import App
from district.client.forms import allowed_kinds
from district.client.panels.draft import Draft, default_parties, default_raw, to_command, why_not
from district.client.recorded import model_for
from district.client.settings import Settings
from district.server.api import new_game
from district.server.engine.deals import deal_kinds
from district.server.engine.scenario_files import list_scenarios

from tests.client.conftest import click, key, select_option

SCENARIOS = [p.stem for p in list_scenarios()]
KINDS = deal_kinds()


def role_seats(scenario: str) -> dict[str, str]:
    """The first seat of each role the scenario has."""
    out: dict[str, str] = {}
    for s in new_game(scenario, 1).view("facilitator")["seats"]:
        out.setdefault(s["role"], s["id"])
    return out


def default_command(view: dict[str, Any], seat: str, kind: str) -> dict[str, Any]:
    parties = default_parties(KINDS, kind, view, seat)
    draft = Draft(kind, parties, default_raw(KINDS, kind, view, parties))
    cmd, problems = to_command(draft, view, KINDS)
    assert problems == {}, (kind, seat, problems)
    return {**cmd, "round": view["round"]}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_defaults_are_sendable_in_the_first_round(scenario: str) -> None:
    offered = 0
    for role, seat in role_seats(scenario).items():
        for kind in allowed_kinds(KINDS, role):
            g = new_game(scenario, 1)
            view = g.view(seat)
            reason = why_not(KINDS, kind, view, seat)
            if reason:  # said in plain words, with no ids in it
                assert not any(x in reason for x in ("firm:", "broker:", "_")), reason
                continue
            cmd = default_command(view, seat, kind)
            assert seat not in cmd["parties"][1:], cmd  # a counterpart who is not me
            assert len(set(cmd["parties"])) == len(cmd["parties"])
            g.apply(seat, cmd)  # refused raises: the default must pass the engine's checks
            offered += 1
    assert offered > 0


def test_a_joint_bid_is_sendable_once_a_tender_is_open() -> None:
    for scenario in SCENARIOS:
        g = new_game(scenario, 1)
        seat = role_seats(scenario)["firm"]
        for _ in range(4):
            if why_not(KINDS, "joint_bid", g.view(seat), seat) == "":
                break
            g.resolve()
            g.advance()
        view = g.view(seat)
        if why_not(KINDS, "joint_bid", view, seat):
            continue
        cmd = default_command(view, seat, "joint_bid")
        tender = next(t for t in view["tenders"] if t["id"] == cmd["terms"]["tender"])
        assert cmd["terms"]["price"] <= tender["price"]
        g.apply(seat, cmd)
        return
    pytest.skip("no scenario opens a tender in its first rounds")


def app_for(view: dict[str, Any], size: tuple[int, int] = (1280, 720)) -> App:
    app = App(model_for([view], 1, KINDS), size=size, settings=Settings())
    app.frame([])
    return app


def open_kind(app: App, kind: str) -> Any:
    key(app, pygame.K_F1)
    tab = app.scene.deals
    if tab.mode != "list":
        tab.back()
        app.frame([])
    select_option(app, tab.kind_menu, kind)
    click(app, tab.compose_button)
    assert tab.mode == "compose" and tab.composer is not None
    return tab


@pytest.mark.parametrize("scenario", ["emilia-romagna", "oregon-plastics"])
def test_clicking_send_on_the_defaults_is_accepted(scenario: str) -> None:
    """Driven by clicks: open each kind, press Send, and the command queued is accepted."""
    for role, seat in role_seats(scenario).items():
        g = new_game(scenario, 1)
        view = g.view(seat)
        app = app_for(view)
        tab = app.scene.deals
        key(app, pygame.K_F1)
        # the kind menu starts on a kind that is possible now
        start = tab.kind_menu.selected_option
        assert why_not(KINDS, start[1], view, seat) == ""
        for kind in allowed_kinds(KINDS, role):
            tab = open_kind(app, kind)
            comp = tab.composer
            reason = why_not(KINDS, kind, view, seat)
            if reason:
                assert not comp.send_button.is_enabled
                said = comp.reason_lines[0].text + " " + comp.reason_lines[1].text
                assert said.strip() == reason
                assert app.model.take_outbox() == []
            else:
                click(app, comp.send_button)
                (out,) = app.model.take_outbox()
                g2 = new_game(scenario, 1)
                g2.apply(seat, out.command)
            tab.close_composer()
            app.frame([])


def test_a_server_refusal_is_said_by_the_button_in_names() -> None:
    g = new_game("emilia-romagna", 1)
    seat = role_seats("emilia-romagna")["firm"]
    app = app_for(g.view(seat))
    tab = open_kind(app, "subcontract")
    click(app, tab.composer.send_button)
    (out,) = app.model.take_outbox()
    other = out.command["terms"]["supplier"]
    app.model.feed(
        {
            "type": "error",
            "re": out.cid,
            "code": "cannot_deliver",
            "message": f"{other} does not do design (capability 0.05, needs 0.2)",
            "where": "terms.operation",
        }
    )
    app.frame([])
    comp = tab.composer
    field = comp.error_labels["operation"].text
    said = comp.reason_lines[0].text + " " + comp.reason_lines[1].text
    assert other not in field and other not in said
    name = next(f["name"] for f in g.view(seat)["firms"] if f["seat"] == other)
    assert name in field and name in said and "Operation" in said
