"""Every screen, read as a person reads it: every text the widgets show (labels, buttons, html
boxes, entries, menus, tooltips) and every string the client draws with its own fonts (the map,
cards, charts), rendered from a real game. None may hold a seat, firm or deal id, a snake_case
code, or an unformatted fraction."""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Callable, Iterator
from typing import Any

import pygame
import pytest
from district.client.app import App
from district.client.forms import allowed_kinds
from district.client.recorded import model_for
from district.client.scenes.debrief import TABS
from district.client.settings import Settings
from district.client.ui.theme import DrawnText
from district.server.debrief import SessionLog, build_debrief
from pygame_gui.elements import (
    UIButton,
    UIDropDownMenu,
    UILabel,
    UISelectionList,
    UITextBox,
    UITextEntryLine,
)

from tests.client.conftest import HUMAN, rec_frames

SIZE = (1280, 720)
ID = re.compile(r"\b(?:firm|seat|broker|tender|msg):[a-z0-9]|\bdeal-\d+|\b[a-z]+_[a-z_]+\b")
# 0.2759, 0.54 (a share shown as a fraction), 16.0 workers / 40.0 (a count with a decimal)
FRACTION = re.compile(
    r"(?<![\d.])(?:\d+\.\d{3,}|0\.\d\d?)(?![\d.%kM])|(?<![\d.])\d+\.0(?![\d.%kM])"
)


def widget_texts(app: App) -> list[str]:
    out: list[str] = []
    for e in app.scene.all_elements():
        if not getattr(e, "visible", True):
            continue
        tip = getattr(e, "tool_tip_text", None)
        if tip:
            out.append(str(tip))
        if isinstance(e, UILabel | UIButton):
            out.append(str(e.text))
        elif isinstance(e, UITextBox):
            out.append(html.unescape(re.sub(r"<[^>]+>", " ", str(e.html_text))))
        elif isinstance(e, UITextEntryLine):
            out.append(e.get_text())
            out.append(str(getattr(e, "placeholder_text", "") or ""))
        elif isinstance(e, UIDropDownMenu):
            out += [o[0] if isinstance(o, tuple) else str(o) for o in e.options_list]
        elif isinstance(e, UISelectionList):
            out += [str(i.get("text", "")) for i in e.item_list]
    return [t for t in out if t]


def seen(app: App, setup: Callable[[App], None] | None = None) -> list[str]:
    """Everything on screen after `setup`: widget texts and the strings drawn in one frame."""
    if setup is not None:
        setup(app)
        app.frame(pygame.event.get())
    DrawnText.record = []
    try:
        app.frame([])
        drawn = list(DrawnText.record)
    finally:
        DrawnText.record = None
    return drawn + widget_texts(app)


def violations(texts: list[str], ids: tuple[str, ...] = ()) -> list[str]:
    """What a person should not read: ids (the patterns above and `ids`, such as the tenders'
    kebab-case ids) and unformatted fractions."""
    bad = []
    extra = re.compile("|".join(rf"\b{re.escape(i)}\b" for i in ids)) if ids else None
    for t in texts:
        for rx in (ID, FRACTION, extra):
            for m in rx.finditer(t) if rx is not None else ():
                bad.append(f"{m.group(0)!r} in {t[max(0, m.start() - 50) : m.end() + 30]!r}")
    return sorted(set(bad))


def tender_ids(rec: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted({str(t["id"]) for v in rec["frames"][HUMAN] for t in v.get("tenders", [])}))


def app_for(rec: dict[str, Any], seat: str, upto: int | None = None) -> App:
    frames = rec_frames(rec, seat)
    n = len(frames) - 1 if upto is None else upto
    app = App(model_for(frames, n, rec["deal_kinds"]), size=SIZE, settings=Settings())
    app.model.status = "connected"
    app.model.code = "K7QM2P"
    app.frame([])
    return app


def with_chat(app: App) -> None:
    """Messages of every kind in the view: public, private, on a deal, a help request."""
    v = copy.deepcopy(app.model.view)
    me = app.model.seat
    others = [s["id"] for s in v["seats"] if s["id"] != me]
    deal = next((d["id"] for d in v.get("deals", []) if me in d.get("parties", [])), None)
    r = v["round"]
    v["chat"] += [
        {"id": "msg-901", "round": r, "from": others[0], "to": "public", "text": "Anyone?"},
        {"id": "msg-902", "round": r, "from": others[1], "to": me, "text": "Let us talk"},
        {"id": "msg-903", "round": r, "from": me, "to": "facilitator", "help": True, "text": "?"},
        {"id": "msg-904", "round": r, "from": "facilitator", "to": me, "text": "Try a bid"},
    ]
    if deal:
        v["chat"].append({"id": "msg-905", "round": r, "from": others[0], "to": deal, "text": "ok"})
    app.model.set_view(v)


def screens(rec: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    n_human = len(rec["frames"][HUMAN])
    # connect, and the lobby while waiting
    app = App(size=SIZE, settings=Settings())
    app.frame([])
    yield "connect", seen(app)
    lobby = app_for(rec, HUMAN, 1)
    lobby.model.session = {**lobby.model.session, "status": "lobby"}
    lobby.model.view_version += 1
    yield "lobby", seen(lobby)
    # every role's district scene, every tab, with a firm hovered on the map
    for seat in (HUMAN, "firm:elettronica-bassi", "broker:impannatore", "union", "government"):
        app = app_for(rec, seat)
        assert app.scene.name == "district", (seat, app.scene.name)
        for k in range(len(app.scene.tabs)):
            yield f"{seat} tab {k}", seen(app, lambda a, k=k: a.scene.switch(k))
        yield f"{seat} chat", seen(app, lambda a: (with_chat(a), a.scene.switch(2)))
        # each channel of the chat, so each conversation's log is read
        chat = app.scene.chat
        for _label, ch in chat.menu.options_list[: 4 if seat == HUMAN else 0]:
            yield f"{seat} chat {ch}", seen(app, lambda a, ch=ch: a.scene.chat.set_channel(ch))

        def hover(a: App) -> None:
            a.scene.switch(0)
            mv = a.scene.map
            f = next(f for f in a.model.view["firms"] if f.get("alive"))
            x, y = mv.marks[f["id"]].pos
            a.frame(
                [
                    pygame.event.Event(
                        pygame.MOUSEMOTION,
                        pos=(round(x), round(y)),
                        rel=(0, 0),
                        buttons=(0, 0, 0),
                        touch=False,
                    )
                ]
            )

        yield f"{seat} map hover", seen(app, hover)
        # the inbox: each deal this seat may see, opened
        for d in app.model.view.get("deals", [])[: 4 if seat in (HUMAN, "government") else 1]:
            yield (
                f"{seat} deal {d['id']}",
                seen(app, lambda a, d=d: a.scene.deals.open_deal(d["id"])),
            )
        # the composer, for every kind this seat may propose
        # (the broker may draft every kind: each composer once, and the firm's own ones)
        composing = seat in (HUMAN, "broker:impannatore")
        for kind in (
            allowed_kinds(app.model.deal_kinds, app.model.view["role"]) if composing else []
        ):

            def compose(a: App, kind: str = kind) -> None:
                a.scene.switch(0)
                a.scene.deals.open_composer(kind)

            yield f"{seat} compose {kind}", seen(app, compose)
    # report and debrief
    app = app_for(rec, HUMAN, n_human)
    yield "report", seen(app)
    yield "debrief", seen(app, lambda a: a.show("debrief"))
    # projector and console
    yield "projector", seen(app_for(rec, "observer"))
    fac = app_for(rec, "facilitator")
    yield "console", seen(fac, with_help)
    yield "facilitator debrief", seen(fac, lambda a: a.show("debrief"))
    # the server's debrief: every tab, the slider at the start and at the end; the facilitator's
    # with a session branched from it
    d = build_debrief(SessionLog.from_game(rec["game"]), baseline=True, private=True)
    for seat in (HUMAN, "facilitator"):
        app = app_for(rec, seat)
        app.model.debrief = d
        app.model.debrief_at = (int(app.model.view["round"]), str(app.model.view["phase"]))
        if seat == "facilitator":
            app.model.ack(0, {"session": "s-1", "code": "K7QM2Q", "token": "t" * 32,
                              "round": 2, "hash": "0" * 16})  # fmt: skip
        app.show("debrief")
        app.frame([])
        for tab, _label in TABS:
            for r in (0, len(d["rounds"]) - 1):

                def look(a: App, tab: str = tab, r: int = r) -> None:
                    a.scene.set_tab(tab)
                    a.scene.slider.set(r)

                yield f"{seat} server debrief {tab} at {r}", seen(app, look)


def with_help(app: App) -> None:
    v = copy.deepcopy(app.model.view)
    v["chat"].append(
        {
            "id": "msg-906",
            "round": v["round"],
            "from": HUMAN,
            "to": "facilitator",
            "help": True,
            "text": "Help",
        }
    )
    app.model.set_view(v)


@pytest.fixture(scope="module")
def all_screens(recorded: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return list(screens(recorded))


def test_every_screen_shows_names_and_whole_numbers(
    all_screens: Any, recorded: dict[str, Any]
) -> None:
    assert len(all_screens) > 40
    ids = tender_ids(recorded)
    assert ids
    found = {name: violations(texts, ids) for name, texts in all_screens}
    found = {k: v for k, v in found.items() if v}
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def test_the_scan_reads_what_is_drawn_and_what_the_widgets_say(all_screens: Any) -> None:
    """The scan would see an id: names drawn on the map, labels and html boxes are in it."""
    texts = dict(all_screens)
    district = " | ".join(texts[f"{HUMAN} map hover"])
    assert "FSM Robotica" in district and "Cash" in district
    assert any("Ask the teacher" in t for t in texts[f"{HUMAN} tab 2"])
    assert violations(["lead: firm:fsm-robotica", "deal-18: x", "cross_functional"]) != []
    assert len(violations(["shares 0.2759", "16.0 workers", "Tenders won 0.00"])) == 3
    assert violations(["16 workers", "Tenders won 0", "27.6%", "32.5k", "wage 31.5"]) == []
