"""The deal composer and the decisions form, rendered at 1024x768 and 1920x1080 (to PNG): every
text they show names things as people do (firms, tenders, deals by name or number, terms and
decisions by label, with units) and no internal id."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pygame
import pytest
from pygame_gui.elements import UIDropDownMenu, UITextBox, UITextEntryLine

from tests.client.conftest import click, key

SIZES = [(1024, 768), (1920, 1080)]
LIMITS = {
    "wage": {"type": "float", "min": 9.0, "max": 165.0},
    "skill_pay": {"type": "float", "min": 0.0, "max": 1.0},
    "hire": {"type": "int", "min": -15, "max": 20},
    "bids": {"type": "list", "most": 4, "min": 0.01},
}


def shown_texts(app: Any) -> list[str]:
    out = []
    for e in app.scene.all_elements():
        if not e.visible:
            continue
        if isinstance(e, UITextBox):
            out.append(e.html_text)
        elif isinstance(e, UITextEntryLine):
            out.append(e.get_text())
        elif isinstance(e, UIDropDownMenu):
            out += [str(o[0] if isinstance(o, tuple) else o) for o in e.options_list]
        elif isinstance(e.__dict__.get("text"), str):
            out.append(e.text)
    return out


def internal_ids(app: Any) -> list[str]:
    v = app.model.view
    ids = [s["id"] for s in v["seats"] if ":" in s["id"]] + [t["id"] for t in v["tenders"]]
    found = []
    for text in shown_texts(app):
        found += [i for i in ids if i in text]
        found += re.findall(r"\bdeal-\d+\b", text)
    return found


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_forms_render_with_names_and_units(make_app: Any, tmp_path: Path, size: Any) -> None:
    app = make_app(size=size, limits=LIMITS)
    key(app, pygame.K_F2)
    assert app.scene.decisions.visible
    texts = shown_texts(app)
    assert {"Wage", "Skill premium", "Hire / fire", "Tender bids"} <= set(texts)
    assert "9 – 165 k" in texts and "-15 – 20 workers" in texts
    assert not internal_ids(app), internal_ids(app)
    pygame.image.save(app.surface, str(tmp_path / f"decisions-{size[0]}.png"))
    key(app, pygame.K_F1)
    deals = app.scene.deals
    for kind in app.model.deal_kinds:
        if kind not in [k for _t, k in deals.kind_menu.options_list]:
            continue
        deals.open_composer(kind)
        app.frame([])
        comp = deals.composer
        partner = next(
            s for s in comp.party_buttons if s.startswith("firm:") and s != app.model.seat
        )
        click(app, comp.party_buttons[partner])
        comp = deals.composer
        texts = shown_texts(app)
        assert f"New {app.model.deal_kinds[kind]['title']}" in texts
        for name, t in app.model.deal_kinds[kind]["terms"].items():
            assert name.replace("_", " ").capitalize() in texts, (kind, name)
            if "(k)" in t.get("help", "") and t["type"] in ("float", "int"):
                assert any(x.endswith("k") and x[-2].isdigit() for x in texts), (kind, name)
        assert not internal_ids(app), (kind, internal_ids(app))
        pygame.image.save(app.surface, str(tmp_path / f"composer-{kind}-{size[0]}.png"))
        assert (tmp_path / f"composer-{kind}-{size[0]}.png").stat().st_size > 10_000
        deals.close_composer()
        app.frame([])
    click(app, deals.row_buttons[next(iter(deals.row_buttons))])
    assert deals.mode == "detail" and not internal_ids(app), internal_ids(app)
