"""The projector view: the map and the three scoreboards, large and legible from the back of a
room. Observers see it; the facilitator toggles it with F9.

Everything is sized to the window's height (a projector is judged from the back row, whatever its
width): the join code for latecomers in the top bar, the map with its legend beside it, the boards
(with their starting point in round 1), and a ticker that shows every headline in turn."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pygame
from district.client.mapview import MapView, legend_strip
from district.client.panels.boards import draw_board_cards
from district.client.panels.common import draw_top_bar, scenario_title
from district.client.scenes.base import Scene
from district.client.ui.draw import chip, fmt_num, text
from district.client.ui.icons import blit_icon
from district.client.ui.theme import C

# the ticker: each headline stays HOLD_MS at its start, scrolls (if longer than the strip) at
# SCROLL_PX design pixels a second, then stays HOLD_MS at its end; never less than MIN_MS or
# MS_PER_CHAR a character (time to read it from the back of the room)
HOLD_MS = 1500
SCROLL_PX = 90.0
MIN_MS = 6000
MS_PER_CHAR = 70


class ProjectorScene(Scene):
    name = "projector"

    def __init__(self, app: Any) -> None:
        self.map: MapView | None = None
        self.clock: Callable[[], int] = pygame.time.get_ticks  # ms; tests advance their own
        self.cards: dict[str, pygame.Rect] = {}
        self.card_parts: list[tuple[str, pygame.Rect]] = []  # each card's texts and chart
        self.bar: dict[str, pygame.Rect] = {}
        self.legend_items: list[pygame.Rect] = []
        self.code_shown = ""
        self.ticker_shown: tuple[int, str] = (-1, "")
        self._bar_k: tuple[Any, float] = (None, 1.6)
        self.two_lines = False  # the title on a line of its own above the bar's figures
        self.title_shown: tuple[str, pygame.font.Font | None] = ("", None)  # for tests
        self.facts_shown: list[tuple[str, pygame.font.Font]] = []  # each line, in its font
        super().__init__(app)

    def scale_for(self, size: tuple[int, int]) -> float:
        """The window's height decides (720 lines = 1): a projector is read from the back row."""
        return max(1.0, size[1] / 720.0)

    def build(self) -> None:
        W, H = self.size
        u = self.u
        self.two_lines = self.bar_plan()[0]
        self.top = pygame.Rect(0, 0, W, u(100 if self.two_lines else 64))
        self.ticker_r = pygame.Rect(u(12), H - u(60), W - u(24), u(52))
        body_y = self.top.bottom + u(10)
        body_h = self.ticker_r.y - u(10) - body_y
        map_w = round(W * 0.62)
        self.legend_font = self.fonts.get(13)
        probe = pygame.Rect(u(12), 0, map_w, H)
        rows = legend_strip(pygame.Surface((1, 1)), probe, self.legend_font, self.s, dry=True)
        legend_h = (rows[-1].bottom if rows else 0) + u(4)
        self.map_r = pygame.Rect(u(12), body_y, map_w, body_h - legend_h - u(8))
        self.legend_r = pygame.Rect(u(12), self.map_r.bottom + u(8), map_w, legend_h)
        right_x = self.map_r.right + u(12)
        right_w = W - right_x - u(12)
        facts_h = u(64)
        self.boards_r = pygame.Rect(right_x, body_y, right_w, body_h - facts_h - u(8))
        self.facts_r = pygame.Rect(right_x, self.boards_r.bottom + u(8), right_w, facts_h)
        if self.map is None:
            self.map = MapView(self.map_r, self.fonts, labels="players")
        else:
            self.map.fonts = self.fonts
            self.map.set_rect(self.map_r)
            self.map._layer = None
        self.map.legend = False  # drawn beside the map, larger, not over its corner
        self.map.label_size = 15
        self._bar_k = (None, 1.6)

    def layout(self) -> dict[str, pygame.Rect]:
        """The regions and top-bar items as last drawn (for tests: nothing may overlap)."""
        out = {
            "map": self.map_r,
            "legend": self.legend_r,
            "boards": self.boards_r,
            "facts": self.facts_r,
            "ticker": self.ticker_r,
        }
        out.update({f"bar:{k}": r for k, r in self.bar.items()})
        return out

    def refresh(self, view_changed: bool) -> None:
        if view_changed and self.bar_plan()[0] != self.two_lines:  # another title: lay out again
            self.build()
        if self.model.view is not None and self.map is not None:
            self.map.set_view(self.model.view, None)

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.MOUSEMOTION and self.map is not None:
            self.map.on_mouse_move(event.pos)
        return False

    # --- drawing --------------------------------------------------------------------------------
    def join_code(self) -> str:
        return str(self.model.code or self.model.session.get("code") or "")

    def draw_under(self, surface: pygame.Surface) -> None:
        surface.fill(C.BG)
        self.draw_bar(surface)
        if self.map is not None:
            self.map.draw(surface)
        self.legend_items = legend_strip(surface, self.legend_r, self.legend_font, self.s)
        self.card_parts = []
        self.cards = draw_board_cards(
            self, surface, self.boards_r, vertical=True, k=1.25, parts=self.card_parts
        )
        self.draw_facts(surface)
        self.draw_ticker(surface)

    # sizes of the bar tried, largest first; one line only down to ONE_LINE_LEAST, then two lines
    BAR_KS = (1.6, 1.4, 1.2, 1.0, 0.85)
    ONE_LINE_LEAST = 1.2

    def code_label(self) -> str:
        return f"Join code  {self.join_code()}" if self.join_code() else ""

    def code_width(self) -> int:
        label = self.code_label() or "Join code  XXXXXX"  # room kept for a code to come
        return int(self.fonts.get(22, "bold").size(label)[0]) + self.u(24)

    def bar_plan(self) -> tuple[bool, float]:
        """(two lines?, the bar's size factor k): the whole title and the bar's figures on one line
        beside the join code at the largest k that fits (down to ONE_LINE_LEAST); else the title
        on a line of its own above them, the figures at the largest k that fits the width."""
        u = self.u
        W, _H = self.size
        scratch = pygame.Surface(self.size)
        right = W - self.code_width() - u(12)
        line = pygame.Rect(0, 0, W, u(64))
        for k in self.BAR_KS:
            if k < self.ONE_LINE_LEAST:
                break
            items = self.draw_line(scratch, line, k, right)
            if _apart(list(items.values()), right):
                return False, k
        line = pygame.Rect(0, u(50), W, u(50))
        for k in self.BAR_KS:
            items = draw_top_bar(self, scratch, line, news=False, k=k, title=False)
            if _apart(list(items.values()), W - u(4)):
                return True, k
        return True, self.BAR_KS[-1]

    def draw_line(
        self, surface: pygame.Surface, rect: pygame.Rect, k: float, right: int
    ) -> dict[str, pygame.Rect]:
        """The one-line bar: the icon and the whole title, the figures after them."""
        u = self.u
        pygame.draw.rect(surface, C.PANEL, rect)
        title = scenario_title(self.model.view or {})
        blit_icon(surface, "district", (rect.x + u(12) + u(14 * k), rect.centery), u(28 * k))
        font = self.fonts.get(round(16 * k), "bold")
        t = text(
            surface, title, font, C.TEXT, (rect.x + u(12) + u(36 * k), rect.centery), "midleft"
        )
        self.title_shown = (title, font)
        rest = pygame.Rect(t.right + u(16), rect.y, max(1, right - t.right - u(16)), rect.height)
        items = draw_top_bar(self, surface, rest, news=False, k=k, title=False)
        return {"title": t, **items}

    def draw_bar(self, surface: pygame.Surface) -> None:
        """The top bar, as large as fits beside the join code: the whole title and the figures on
        one line, or (a narrow window, larger text) the title on a line of its own above them."""
        u = self.u
        W = self.size[0]
        code = self.join_code()
        key = (self.model.view_version, self.model.session.get("status"), code, self.size)
        if self._bar_k[0] != key:
            two, k = self.bar_plan()
            self._bar_k = (key, k)
            if two != self.two_lines:  # the title changed since the layout: lay out again
                self.build()
                self._bar_k = (key, k)
        k = self._bar_k[1]
        pygame.draw.rect(surface, C.PANEL, self.top)
        right = W - self.code_width() - u(12)
        if not self.two_lines:
            self.bar = self.draw_line(surface, pygame.Rect(0, 0, W, u(64)), k, right)
            code_y = self.top.centery
        else:
            head = pygame.Rect(0, 0, W, u(50))
            title = scenario_title(self.model.view or {})
            icon_k = 1.4
            blit_icon(surface, "district", (u(12) + u(14 * icon_k), head.centery), u(28 * icon_k))
            x = u(12) + u(36 * icon_k)
            room = right - x
            # whole in a smaller font if it must (a very narrow window: cut)
            font = self.fonts.fit(round(16 * icon_k), "bold", title, room, least=0.6)
            t = text(surface, title, font, C.TEXT, (x, head.centery), "midleft", max_width=room)
            self.title_shown = (title, font)
            line = pygame.Rect(0, head.bottom, W, self.top.bottom - head.bottom)
            items = draw_top_bar(self, surface, line, news=False, k=k, title=False)
            self.bar = {"title": t, **items}
            code_y = head.centery
        pygame.draw.line(surface, C.LINE, self.top.bottomleft, self.top.bottomright, 1)
        self.code_shown = code
        if code:
            self.bar["code"] = chip(
                surface,
                self.code_label(),
                self.fonts.get(22, "bold"),
                C.BG,
                C.ACCENT,
                (self.top.right - u(12), code_y),
                "midright",
                (u(12), u(5)),
            )

    def draw_facts(self, surface: pygame.Surface) -> None:
        u = self.u
        v = self.model.view or {}
        r = self.facts_r
        pygame.draw.rect(surface, C.PANEL, r, border_radius=u(10))
        hist = v.get("history", [])
        firms = v.get("firms", [])
        if hist:
            h = hist[-1]
            lines = [
                f"{h.get('firms_alive', 0):.0f} firms · {h.get('employment', 0):.0f} jobs · "
                f"{h.get('networks', 0):.0f} networks",
                f"mean wage {fmt_num(h.get('mean_wage', 0), 'k')} (floor {fmt_num(h.get('wage_floor', 0), 'k')})",
            ]
        else:
            alive = [f for f in firms if f.get("alive", True)]
            jobs = sum(float(f.get("workers", 0)) for f in alive)
            lines = [f"{len(alive)} firms · {jobs:.0f} jobs", "at the start of round 1"]
        y = r.y + u(8)
        self.facts_shown = []
        for i, line in enumerate(lines):
            # whole in a smaller font if it must (larger text in a narrow window), cut last
            font = self.fonts.fit(15, "bold", line, r.width - u(28), least=0.7)
            self.facts_shown.append((line, font))
            t = text(
                surface,
                line,
                font,
                C.TEXT if i == 0 else C.MUTED,
                (r.x + u(14), y),
                max_width=r.width - u(28),
            )
            y = t.bottom + u(2)

    def headlines(self) -> list[str]:
        v = self.model.view or {}
        news = [str(n.get("headline", "")) for n in v.get("news", [])]
        if not news and v.get("last_report"):
            news = [str(n.get("headline", "")) for n in v["last_report"].get("news", [])]
        return [h for h in news if h]

    def ticker_at(self, now_ms: int, heads: list[str], width: int) -> tuple[int, int]:
        """Which headline the ticker shows at `now_ms` and how far (px) it has scrolled left."""
        font = self.ticker_font()
        slots = []
        for h in heads:
            over = max(0, font.size(h)[0] - width)
            scroll = round(1000 * over / (SCROLL_PX * self.s))
            slots.append((max(MIN_MS, MS_PER_CHAR * len(h), 2 * HOLD_MS + scroll), over, scroll))
        total = sum(s[0] for s in slots)
        t = now_ms % max(1, total)
        for i, (dwell, over, scroll) in enumerate(slots):
            if t < dwell:
                if over == 0 or t < HOLD_MS:
                    return i, 0
                return i, min(over, round(over * (t - HOLD_MS) / max(1, scroll)))
            t -= dwell
        return 0, 0

    def ticker_font(self) -> pygame.font.Font:
        return self.fonts.get(22, "bold")

    def draw_ticker(self, surface: pygame.Surface) -> None:
        u = self.u
        r = self.ticker_r
        pygame.draw.rect(surface, C.PANEL, r, border_radius=u(10))
        blit_icon(surface, "bell", (r.x + u(24), r.centery), u(26), C.ACCENT)
        heads = self.headlines()
        font = self.ticker_font()
        if not heads:
            self.ticker_shown = (-1, "")
            text(surface, "No news this round.", font, C.MUTED, (r.x + u(48), r.centery), "midleft")
            return
        small = self.fonts.get(14)
        n = len(heads)
        count_w = small.size(f"{n} of {n}")[0] + u(16) if n > 1 else 0
        box = pygame.Rect(r.x + u(48), r.y, r.width - u(60) - count_w, r.height)
        i, off = self.ticker_at(self.clock(), heads, box.width)
        self.ticker_shown = (i, heads[i])
        if n > 1:
            text(
                surface, f"{i + 1} of {n}", small, C.MUTED, (r.right - u(14), r.centery), "midright"
            )
        clip = surface.get_clip()
        surface.set_clip(box)
        text(surface, heads[i], font, C.TEXT, (box.x - off, box.centery), "midleft")
        surface.set_clip(clip)


def _apart(rects: list[pygame.Rect], right: int) -> bool:
    """No two rects overlap and none reaches past `right`."""
    for i, a in enumerate(rects):
        if a.right > right:
            return False
        if any(a.colliderect(b) for b in rects[i + 1 :]):
            return False
    return True
