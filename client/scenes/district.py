"""The district scene: the map, the top bar, my dashboard, and a column of tabs (deals, decisions,
chat, district information) with a ready button.

Keys: F1-F4 switch tabs; F5 (or R outside a text field) says ready / not ready; ] and [ step
through the firms on the map, Space adds the highlighted firm as a party while composing;
N composes a deal; Esc leaves a form; Ctrl+S sends the form in view; Ctrl+P previews a deal.
"""

from __future__ import annotations

from typing import Any

import pygame
from district.client.mapview import MapView
from district.client.panels.chat import ChatTab
from district.client.panels.common import (
    Tab,
    banner_rect,
    bind,
    draw_banner,
    draw_top_bar,
    oid,
    toast,
)
from district.client.panels.dashboard import draw_dashboard
from district.client.panels.deals import DealsTab, sort_deals
from district.client.panels.decisions import DecisionsTab
from district.client.panels.info import InfoTab
from district.client.scenes.base import Scene
from district.client.ui.draw import text
from district.client.ui.gui import fit_text, text_width
from district.client.ui.icons import blit_icon
from district.client.ui.theme import C
from pygame_gui.elements import UIButton

TAB_KEYS = {pygame.K_F1: 0, pygame.K_F2: 1, pygame.K_F3: 2, pygame.K_F4: 3}


# the ready button's labels, longest first: the first that fits is shown (larger text)
READY_NO = ("I'm ready (F5)", "I'm ready", "Ready?")
READY_YES = ("Ready: yes (F5 to undo)", "Ready: yes (F5)", "Ready: yes")


class DistrictScene(Scene):
    name = "district"

    def __init__(self, app: Any) -> None:
        self.tabs: list[Tab] = []
        self.active = 0
        self.map: MapView | None = None
        self.dashboard_cards: list[Any] = []
        self.keyboard_firm: int | None = None
        self.saved: dict[str, Any] = {}
        super().__init__(app)

    # --- layout ---------------------------------------------------------------------------------
    def layout(self) -> dict[str, pygame.Rect]:
        W, H = self.size
        u = self.u
        top = u(52)
        col_w = max(u(440), round(W * 0.37))
        dash_h = u(140)
        mx = u(8)
        map_r = pygame.Rect(mx, top + u(8), W - col_w - 3 * mx, H - top - u(16) - dash_h - u(8))
        dash_r = pygame.Rect(mx, map_r.bottom + u(8), map_r.width, dash_h)
        col = pygame.Rect(map_r.right + mx, top + u(8), col_w, H - top - u(16))
        tabs_r = pygame.Rect(col.x, col.y, col.width, u(36))
        body = pygame.Rect(
            col.x, tabs_r.bottom + u(4), col.width, col.bottom - tabs_r.bottom - u(4)
        )
        return {
            "top": pygame.Rect(0, 0, W, top),
            "map": map_r,
            "dash": dash_r,
            "col": col,
            "tabs": tabs_r,
            "body": body,
        }

    def build(self) -> None:
        L = self.layout()
        self.L = L
        u = self.u
        m = self.manager
        if self.map is None:
            self.map = MapView(L["map"], self.fonts)
        else:
            self.map.fonts = self.fonts
            self.map.set_rect(L["map"])
        if self.tabs:  # a resize: the same tabs (drafts, typed values) in the new manager
            for t in self.tabs:
                t.rect = pygame.Rect(L["body"])
                t.panel = None
                t.rebuild()
        else:
            self.tabs = [
                DealsTab(self, L["body"]),
                DecisionsTab(self, L["body"]),
                ChatTab(self, L["body"]),
                InfoTab(self, L["body"]),
            ]
        self.tab_buttons: list[UIButton] = []
        n = len(self.tabs)
        bw = (L["tabs"].width - u(4) * (n - 1)) // n
        for k, t in enumerate(self.tabs):
            b = UIButton(
                pygame.Rect(L["tabs"].x + k * (bw + u(4)), L["tabs"].y, bw, L["tabs"].height),
                f"{t.title} (F{k + 1})",
                m,
                object_id=oid("@tab", f"tab_{t.title.lower()}"),
                command=bind(self.switch, k),
                tool_tip_text=f"{t.title}: F{k + 1}",
            )
            self.tab_buttons.append(b)
            self.tab_label(k)
        W = self.size[0]
        self.ready_button = UIButton(
            pygame.Rect(W - u(200), u(8), u(190), u(36)),
            fit_text(m, READY_NO, u(190))[0],
            m,
            object_id=oid("@primary", "ready"),
            command=self.toggle_ready,
            tool_tip_text="say you are done for this round; the round resolves when "
            "every player is ready or the clock runs out",
        )
        self.settings_btn = self.settings_button(W - u(206), u(8), u(36))
        # the banner's own button (the banner is drawn over the top of the map)
        self.banner_button = UIButton(
            pygame.Rect(0, 0, u(100), u(32)),
            "Dismiss",
            m,
            object_id=oid(None, "banner_dismiss"),
            command=self.model.dismiss_banner,
        )
        self.banner_button.hide()
        self.banner_shown: tuple[str, str] | None = None
        # the map's key can take a third of a small map at a larger text size: a button in the
        # map's corner hides and shows it (so does L)
        key_w = text_width(m, "Hide key") + u(22)
        mr = L["map"]
        self.key_button = UIButton(
            pygame.Rect(mr.right - key_w - u(8), mr.bottom - u(30), key_w, u(24)),
            "Hide key" if self.map.legend else "Key",
            m,
            object_id=oid(None, "map_key"),
            command=self.toggle_key,
            tool_tip_text="show or hide the map's key (L)",
        )
        self.map.legend_clear = u(30)
        self.switch(self.active)
        self.update_ready()

    # --- tabs and actions -------------------------------------------------------------------------
    @property
    def deals(self) -> DealsTab:
        return self.tabs[0]  # type: ignore[return-value]

    @property
    def decisions(self) -> DecisionsTab:
        return self.tabs[1]  # type: ignore[return-value]

    @property
    def chat(self) -> ChatTab:
        return self.tabs[2]  # type: ignore[return-value]

    @property
    def info(self) -> InfoTab:
        return self.tabs[3]  # type: ignore[return-value]

    def switch(self, k: int) -> None:
        self.active = k
        for i, t in enumerate(self.tabs):
            t.show() if i == k else t.hide()
        for i, b in enumerate(self.tab_buttons):
            b.select() if i == k else b.unselect()
        if self.tabs[k] is self.chat:
            self.chat.seen = len((self.model.view or {}).get("chat", []))

    def tab_label(self, k: int, count: int = 0) -> None:
        """'Deals (3) (F1)', or without its key when larger text would not fit it (the key is in
        the button's tooltip)."""
        b = self.tab_buttons[k]
        name = self.tabs[k].title + (f" ({count})" if count else "")
        full = f"{name} (F{k + 1})"
        fits = b.font is None or b.font.size(full)[0] <= b.rect.width - self.u(12)
        if b.text != (full if fits else name):
            b.set_text(full if fits else name)

    def toggle_ready(self) -> None:
        self.model.send({"type": "ready", "ready": not self.model.is_ready()}, origin="ready")

    def update_ready(self) -> None:
        v = self.model.view or {}
        ready = self.model.is_ready()
        can = v.get("phase") == "negotiation" and v.get("role") in (
            "firm",
            "union",
            "government",
            "broker",
        )
        labels = READY_YES if ready else READY_NO
        self.ready_button.set_text(fit_text(self.manager, labels, self.ready_button.rect.width)[0])
        self.ready_button.select() if ready else self.ready_button.unselect()
        self.ready_button.enable() if can else self.ready_button.disable()

    def on_composer(self, open_: bool) -> None:
        if self.map is not None:
            self.map.picked = self.picked_firms() if open_ else set()

    def picked_firms(self) -> set[int]:
        d = self.deals.draft
        if d is None or self.deals.mode != "compose":
            return set()
        out = set()
        for s in (self.model.view or {}).get("seats", []):
            if s.get("id") in d.parties and s.get("role") == "firm" and s.get("firm", -1) >= 0:
                out.add(int(s["firm"]))
        return out

    def open_chat(self, channel: str) -> None:
        self.chat.set_channel(channel)
        self.switch(2)

    def seat_of_firm(self, fid: int) -> str | None:
        firms = (self.model.view or {}).get("firms", [])
        if 0 <= fid < len(firms):
            return firms[fid].get("seat")
        return None

    def click_firm(self, fid: int) -> None:
        """A firm clicked on the map: a party while composing, else its profile in the district tab."""
        if self.deals.mode == "compose":
            seat = self.seat_of_firm(fid)
            if seat and self.deals.toggle_party_seat(seat):
                self.on_composer(True)
                return
            if not seat:
                self.model.notice(
                    f"{(self.model.view or {})['firms'][fid]['name']} is a background firm: "
                    "it has no seat to make deals with."
                )
                return
        self.info.select_firm(fid)
        if self.map is not None:
            self.map.selected = fid
        if self.deals.mode != "compose":
            self.switch(3)

    # --- model changes ----------------------------------------------------------------------------
    def refresh(self, view_changed: bool) -> None:
        v = self.model.view
        if v is None or self.map is None:
            return
        sig = repr([(d.get("id"), d.get("status")) for d in v.get("deals", [])])
        if view_changed or sig != self.saved.get("deal_sig"):  # deals change the links on the map
            self.map.set_view(v, self.model.my_firm())
        self.saved["deal_sig"] = sig
        for t in self.tabs:
            t.refresh(view_changed)
        self.on_composer(self.deals.mode == "compose")
        self.update_ready()
        incoming = len(sort_deals(v, self.model.seat)["incoming"])
        unread = self.chat.unread() if self.active != 2 else 0
        self.tab_label(0, incoming)
        self.tab_label(2, unread)

    def update(self, dt: float) -> None:
        self.place_banner()
        quiet = (self.model.view_version, self.model.events_version) == self._seen
        super().update(dt)
        if quiet:  # a frame with no new view: a hidden tab a view left behind, built again
            for t in self.tabs:
                if t.catch_up():
                    break

    def place_banner(self) -> None:
        """Show the Dismiss button while a banner is up, at the banner's right end."""
        now = self.model.banner_now()
        if now == self.banner_shown:
            return
        self.banner_shown = now
        if now is None:
            self.banner_button.hide()
            return
        r = banner_rect(self, self.L["map"], now[1])
        self.banner_button.set_relative_position((r.right - self.u(112), r.centery - self.u(16)))
        self.banner_button.show()

    # --- input ------------------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> bool:
        if self.tabs[self.active].handle(event):
            return True
        if event.type == pygame.MOUSEMOTION and self.map is not None:
            self.map.on_mouse_move(event.pos)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.map is not None:
            fid = self.map.firm_at(event.pos)
            if fid is not None:
                self.click_firm(fid)
                return True
        elif event.type == pygame.KEYDOWN:
            return self.key(event)
        return False

    def toggle_key(self) -> None:
        """Show or hide the map's key (the button in the map's corner, or L)."""
        if self.map is None:
            return
        self.map.legend = not self.map.legend
        self.key_button.set_text("Hide key" if self.map.legend else "Key")
        self.map.set_view(self.model.view or {}, self.model.my_firm())

    def key(self, event: pygame.event.Event) -> bool:
        if event.key == pygame.K_TAB:
            return self.cycle_focus(bool(event.mod & pygame.KMOD_SHIFT))
        if event.key == pygame.K_l and not self.focused_text_entry() and self.map is not None:
            self.toggle_key()  # L: show / hide the map's legend
            return True
        if event.key in TAB_KEYS:
            self.switch(TAB_KEYS[event.key])
            return True
        if event.key == pygame.K_F5 or (
            event.key == pygame.K_r
            and not self.focused_text_entry()
            and not event.mod & pygame.KMOD_CTRL
        ):
            if self.ready_button.is_enabled:
                self.toggle_ready()
            return True
        if self.focused_text_entry() or self.map is None:
            return False
        firms = [f["id"] for f in (self.model.view or {}).get("firms", []) if f.get("alive")]
        if event.key in (pygame.K_RIGHTBRACKET, pygame.K_LEFTBRACKET) and firms:
            cur = self.keyboard_firm if self.keyboard_firm in firms else None
            step = 1 if event.key == pygame.K_RIGHTBRACKET else -1
            idx = (firms.index(cur) + step) % len(firms) if cur is not None else 0
            self.keyboard_firm = firms[idx]
            self.map.hover = self.keyboard_firm
            if self.deals.mode != "compose":
                self.click_firm(self.keyboard_firm)
            return True
        if event.key == pygame.K_SPACE and self.keyboard_firm is not None:
            self.click_firm(self.keyboard_firm)
            return True
        return False

    # --- drawing ----------------------------------------------------------------------------------
    def draw_under(self, surface: pygame.Surface) -> None:
        surface.fill(C.BG)
        L = self.L
        reserve = L["top"].right - self.settings_btn.rect.x + self.u(5)
        self.top_rects = draw_top_bar(self, surface, L["top"], reserve=reserve)
        pygame.draw.rect(surface, C.PANEL, L["body"], border_radius=self.u(8))
        pygame.draw.rect(surface, C.LINE, L["body"], 1, border_radius=self.u(8))
        if self.map is not None:
            self.map.draw_base(surface)
        self.dashboard_cards = draw_dashboard(self, surface, L["dash"])

    def draw_over(self, surface: pygame.Surface) -> None:
        if self.map is not None:
            self.map.draw_marks(surface)
        L = self.L
        banner = self.model.banner_now()
        below = L["map"].y
        if banner is not None:
            br = banner_rect(self, L["map"], banner[1])
            draw_banner(self, surface, br, *banner)
            if self.banner_button.visible:  # drawn over the map's marks, so again over the bar
                surface.blit(self.banner_button.image, self.banner_button.rect)
            below = br.bottom
        if self.deals.mode == "compose" and self.map is not None:
            r = pygame.Rect(
                L["map"].x + self.u(60),
                below + self.u(6),
                L["map"].width - self.u(120),
                self.u(24),
            )
            pygame.draw.rect(surface, C.ACCENT, r, border_radius=self.u(12))
            blit_icon(surface, "deal", (r.x + self.u(14), r.centery), self.u(14), C.BG)
            text(
                surface,
                "Composing a deal: click firms with a player seat to add or remove them as parties",
                self.fonts.get(12, "bold"),
                C.BG,
                (r.x + self.u(26), r.centery),
                "midleft",
                max_width=r.width - self.u(30),
            )
        toast(
            self,
            surface,
            (L["map"].centerx, L["map"].bottom - self.u(10)),
            L["map"].width - self.u(40),
        )
