"""The projector view: the map and the three scoreboards, large and legible from the back of a
room. Observers see it; the facilitator toggles it with F9."""

from __future__ import annotations

from typing import Any

import pygame
from district.client.mapview import MapView
from district.client.panels.boards import draw_board_cards
from district.client.panels.common import draw_top_bar
from district.client.scenes.base import Scene
from district.client.ui.draw import text
from district.client.ui.icons import blit_icon
from district.client.ui.theme import C


class ProjectorScene(Scene):
    name = "projector"

    def __init__(self, app: Any) -> None:
        self.map: MapView | None = None
        super().__init__(app)

    def build(self) -> None:
        W, H = self.size
        u = self.u
        self.top = pygame.Rect(0, 0, W, u(76))
        ticker_h = u(56)
        map_w = round(W * 0.62)
        self.map_r = pygame.Rect(
            u(12), self.top.bottom + u(10), map_w, H - self.top.bottom - ticker_h - u(24)
        )
        self.boards_r = pygame.Rect(
            self.map_r.right + u(12), self.map_r.y, W - self.map_r.right - u(24), self.map_r.height
        )
        self.ticker_r = pygame.Rect(u(12), self.map_r.bottom + u(8), W - u(24), ticker_h)
        if self.map is None:
            self.map = MapView(self.map_r, self.fonts, labels="players")
        else:
            self.map.fonts = self.fonts
            self.map.set_rect(self.map_r)
        self.map.legend = False

    def refresh(self, view_changed: bool) -> None:
        if self.model.view is not None and self.map is not None:
            self.map.set_view(self.model.view, None)

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.MOUSEMOTION and self.map is not None:
            self.map.on_mouse_move(event.pos)
        return False

    def draw_under(self, surface: pygame.Surface) -> None:
        surface.fill(C.BG)
        u = self.u
        draw_top_bar(self, surface, self.top, big=True)
        if self.map is not None:
            self.map.draw(surface)
        self.cards = draw_board_cards(self, surface, self.boards_r, vertical=True, k=1.25)
        v = self.model.view or {}
        r = self.ticker_r
        pygame.draw.rect(surface, C.PANEL, r, border_radius=u(10))
        news = [n.get("headline", "") for n in v.get("news", [])]
        if not news and v.get("last_report"):
            news = [n.get("headline", "") for n in v["last_report"].get("news", [])]
        blit_icon(surface, "bell", (r.x + u(24), r.centery), u(26), C.ACCENT)
        line = "   ·   ".join(news) if news else "No news this round."
        text(
            surface,
            line,
            self.fonts.get(22, "bold"),
            C.TEXT,
            (r.x + u(48), r.centery),
            "midleft",
            max_width=r.width - u(60),
        )
        hist = v.get("history", [])
        if hist:
            h = hist[-1]
            facts = (
                f"{h.get('firms_alive', 0):.0f} firms · {h.get('employment', 0):.0f} jobs · mean wage "
                f"{h.get('mean_wage', 0):.1f} (floor {h.get('wage_floor', 0):.1f}) · "
                f"{h.get('networks', 0):.0f} networks"
            )
            text(
                surface,
                facts,
                self.fonts.get(16, "bold"),
                C.MAP_INK,
                (self.map_r.centerx, self.map_r.bottom - u(12)),
                "midbottom",
            )
