"""The district tab: the firm picked on the map (its public profile), open tenders, the round's
news, institutions and markets."""

from __future__ import annotations

import html
from typing import Any

import pygame
from district.client.mapview import profile_lines
from district.client.panels.common import Tab, fmt_value, oid
from pygame_gui.elements import UITextBox


def _hex(c: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*c)


class InfoTab(Tab):
    title = "District"
    icon = "region"

    def __init__(self, scene: Any, rect: pygame.Rect) -> None:
        self.firm: int | None = None
        super().__init__(scene, rect)

    def build(self) -> None:
        u = self.u
        self.box = UITextBox(
            self.html(),
            pygame.Rect(u(8), u(8), self.rect.width - u(16), self.rect.height - u(16)),
            self.manager,
            container=self.panel,
            object_id=oid(None, "info_box"),
        )

    def select_firm(self, fid: int | None) -> None:
        self.firm = fid
        self.box.set_text(self.html())

    def html(self) -> str:
        v = self.model.view or {}
        parts: list[str] = []
        firms = v.get("firms", [])
        if self.firm is not None and 0 <= self.firm < len(firms):
            f = firms[self.firm]
            rows = "<br>".join(
                f"{html.escape(k)}: <font color={_hex(c)}>{html.escape(str(val))}</font>"
                for k, val, c in profile_lines(f, v)
            )
            parts.append(f"<font color=#f2b134><b>{html.escape(f['name'])}</b></font><br>{rows}")
        else:
            parts.append(
                "<font color=#9aa6ba><i>Click a firm on the map (or press ] and [ ) to see its public "
                "profile here.</i></font>"
            )
        tenders = [t for t in v.get("tenders", []) if t.get("status") == "open"]
        tl = []
        for t in tenders:
            ops = ", ".join(f"{k} {fmt_value(x)}" for k, x in t.get("operations", {}).items())
            tl.append(
                f"<b>{t['id']}</b> · {html.escape(str(t.get('buyer', '')))}: {fmt_value(t.get('volume'))} units at "
                f"up to {fmt_value(t.get('price'))}k, quality >= {fmt_value(t.get('min_quality'))}, "
                f"{t.get('delivery_rounds', 1)} round(s); needs {ops}"
            )
        parts.append(
            "<font color=#f2b134><b>Open tenders</b></font><br>"
            + ("<br>".join(tl) or "none this round")
        )
        news = v.get("news", [])
        parts.append(
            "<font color=#f2b134><b>News this round</b></font><br>"
            + ("<br>".join(html.escape(n.get("headline", "")) for n in news) or "nothing new")
        )
        inst = v.get("institutions", {})
        mk = v.get("markets", {})
        parts.append(
            "<font color=#f2b134><b>Institutions</b></font><br>"
            f"wage floor {fmt_value(inst.get('wage_floor'))}k · enforcement {fmt_value(inst.get('enforcement'))} · "
            f"union power {fmt_value(inst.get('union_power'))} · payroll tax {fmt_value(inst.get('payroll_tax'))} · "
            f"training match {fmt_value(inst.get('training_match'))}"
        )
        parts.append(
            "<font color=#f2b134><b>Markets</b></font><br>"
            f"commodity price {fmt_value(mk.get('commodity_price'))} (ref {fmt_value(mk.get('reference_price'))}) · "
            f"commodity demand {fmt_value(mk.get('commodity_demand'))} · niche {fmt_value(mk.get('niche_demand'))} · "
            f"export {fmt_value(mk.get('export_demand'))} · import pressure {fmt_value(mk.get('import_pressure'))}"
        )
        return "<br><br>".join(parts)

    def refresh(self, view_changed: bool) -> None:
        self.box.set_text(self.html())
