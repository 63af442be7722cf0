"""The district tab: the firm picked on the map (its public profile), open tenders, the round's
news, institutions and markets."""

from __future__ import annotations

import html
from typing import Any

import pygame
from district.client.mapview import profile_lines
from district.client.panels.common import Tab, oid
from district.client.ui.draw import INDEX, fmt_num
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
            ops = ", ".join(f"{k} {fmt_num(x, INDEX)}" for k, x in t.get("operations", {}).items())
            rounds = int(t.get("delivery_rounds", 1))
            tl.append(
                f"<b>{html.escape(str(t.get('buyer') or t['id']))}</b>: "
                f"{fmt_num(t.get('volume'))} units at up to {fmt_num(t.get('price'), 'k')}, "
                f"quality at least {fmt_num(t.get('min_quality'), INDEX)} of 100, "
                f"{rounds} round{'' if rounds == 1 else 's'}; needs {ops} (skill out of 100)"
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
            f"wage floor {fmt_num(inst.get('wage_floor'), 'k')} · "
            f"enforcement {fmt_num(inst.get('enforcement'), '%')} · "
            f"union power {fmt_num(inst.get('union_power'), INDEX)} of 100 · "
            f"payroll tax {fmt_num(inst.get('payroll_tax'), '%')} · "
            f"training match {fmt_num(inst.get('training_match'), '%')}"
        )
        parts.append(
            "<font color=#f2b134><b>Markets</b></font><br>"
            f"commodity price {fmt_num(mk.get('commodity_price'), 'k')} a unit "
            f"(reference {fmt_num(mk.get('reference_price'), 'k')}) · "
            f"commodity demand {fmt_num(mk.get('commodity_demand'))} units · "
            f"niche {fmt_num(mk.get('niche_demand'))} · export {fmt_num(mk.get('export_demand'))} · "
            f"import pressure {fmt_num(mk.get('import_pressure'), '%')}"
        )
        return "<br><br>".join(parts)

    def refresh(self, view_changed: bool) -> None:
        if not self.visible:  # laid out when shown or in a quiet frame (catch_up)
            self.behind = self.behind or self.html() != self.box.html_text
            return
        html = self.html()
        if html != self.box.html_text:  # laying the text out again costs ~7 ms
            self.box.set_text(html)
