"""The debrief: the three scoreboards over rounds, wages against productivity, the district's
size, the deals made, kept and broken, and the scenario's questions for discussion."""

from __future__ import annotations

from typing import Any

import pygame
from district.client.panels.boards import draw_boards_chart
from district.client.panels.common import draw_top_bar, oid, seat_name
from district.client.scenes.base import Scene
from district.client.ui.draw import INDEX, fmt_num, line_chart, panel, styled_line, text, wrap
from district.client.ui.theme import C
from pygame_gui.elements import UIButton


def index(series: list[float]) -> list[float]:
    base = series[0] if series and abs(series[0]) > 1e-9 else 1.0
    return [100.0 * x / base for x in series]


def deal_tally(view: dict[str, Any]) -> dict[str, int]:
    out = {"signed": 0, "active": 0, "fulfilled": 0, "breached": 0, "failed": 0}
    for d in view.get("deals", []):
        st = d.get("status")
        if st in ("active", "fulfilled", "breached", "expired") and d.get("signed_round"):
            out["signed"] += 1
        if st in out and st != "signed":
            out[st] += 1
    return out


# Role scores are on different scales (docs/model.md): each role's group says what its number means,
# and only firms are ranked, among themselves.
SCORE_GROUPS = (
    ("union", "Union", "worker welfare (out of 100)"),
    ("government", "Government", "half the region, 30% of welfare, plus approval (up to 20)"),
    ("broker", "Brokers", "fees + 100 reputation + 50 a live network"),
    ("firm", "Firms, ranked", "net worth growth (-100 if closed)"),
)


def seat_role(view: dict[str, Any], seat: str) -> str:
    for s in view.get("seats", []):
        if s.get("id") == seat:
            return str(s.get("role", ""))
    return seat.split(":", 1)[0]


def score_groups(view: dict[str, Any], roster: list[dict[str, Any]] | None = None) -> list[Any]:
    """[(role, title, meaning, [(seat, score or None, controller)])]: every role that has a seat or a
    score, the union and government always (with no score yet shown as such), firms ranked by
    score among firms only; the others in seat order."""
    scores = view.get("scores") or {}
    ctl = {s.get("id"): s.get("controller", "") for s in roster or []}
    seats = [s.get("id") for s in view.get("seats", [])] + [k for k in scores]
    seats = list(dict.fromkeys(x for x in seats if x))
    for must in ("union", "government"):
        if must not in seats:
            seats.append(must)
    out = []
    for role, title, meaning in SCORE_GROUPS:
        rows = [(x, scores.get(x), ctl.get(x, "")) for x in seats if seat_role(view, x) == role]
        if role == "firm":
            rows.sort(key=lambda r: -float(r[1]) if r[1] is not None else float("inf"))
        if rows:
            out.append((role, title, meaning, rows))
    return out


class DebriefScene(Scene):
    name = "debrief"

    def build(self) -> None:
        W, H = self.size
        u = self.u
        self.back_button = UIButton(
            pygame.Rect(W - u(230), H - u(52), u(220), u(40)),
            "Back (F10)",
            self.manager,
            object_id=oid(None, "debrief_back"),
            command=lambda: self.app.show(None),
        )
        self.scroll = {"questions": 0, "numbers": 0}
        self.scroll_areas: dict[str, tuple[pygame.Rect, int]] = {}
        self.question_lines = []
        self.score_rows = []
        self.score_groups = []
        if (self.model.view or {}).get("phase") == "ended" and (self.model.view or {}).get(
            "role"
        ) != "facilitator":
            self.back_button.hide()

    def draw_under(self, surface: pygame.Surface) -> None:
        surface.fill(C.BG)
        u = self.u
        W, H = self.size
        v = self.model.view or {}
        draw_top_bar(self, surface, pygame.Rect(0, 0, W, u(52)))
        text(
            surface,
            "Debrief" + (": the game is over" if v.get("phase") == "ended" else ""),
            self.fonts.get(24, "bold"),
            C.TEXT,
            (u(16), u(60)),
        )
        top = u(100)
        left_w = round(W * 0.58)
        draw_boards_chart(self, surface, pygame.Rect(u(16), top, left_w, round((H - top) * 0.56)))
        y2 = top + round((H - top) * 0.56) + u(8)
        r2 = pygame.Rect(u(16), y2, left_w, H - y2 - u(12))
        panel(surface, r2, C.PANEL, C.LINE, u(10))
        text(
            surface,
            "Did wages follow productivity? (index, round 1 = 100)",
            self.fonts.get(14, "bold"),
            C.ACCENT,
            (r2.x + u(14), r2.y + u(8)),
        )
        hist = v.get("history", [])
        wage = index([float(h.get("mean_wage", 0)) for h in hist])
        prod = index([float(h.get("productivity", 0)) for h in hist])
        floor = index([float(h.get("wage_floor", 0)) for h in hist])
        chart = pygame.Rect(r2.x + u(48), r2.y + u(56), r2.width - u(70), r2.height - u(86))
        series = {
            "mean wage": (wage, C.WORKER_WELFARE, "solid"),
            "productivity": (prod, C.COMPETITIVENESS, "dashed"),
            "wage floor": (floor, C.MUTED, "dotted"),
        }
        line_chart(
            surface,
            chart,
            series,
            self.fonts.get(10),
            [f"r{i + 1}" for i in range(len(hist))],
            baseline=100.0,
        )
        x = r2.x + u(14)
        for name, (_s, col, style) in series.items():
            styled_line(
                surface,
                col,
                (x, r2.y + u(38)),
                (x + u(26), r2.y + u(38)),
                max(2, u(3)),
                style,
                u(6),
            )
            rr = text(
                surface, name, self.fonts.get(12), C.TEXT, (x + u(32), r2.y + u(38)), "midleft"
            )
            x = rr.right + u(16)
        self.draw_right(surface, pygame.Rect(u(16) + left_w + u(10), top, 0, H - top - u(70)))

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.MOUSEWHEEL:
            pos = pygame.mouse.get_pos()
            for name, (r, content_h) in self.scroll_areas.items():
                if r.collidepoint(pos):
                    top = max(0, content_h - r.height)
                    self.scroll[name] = max(0, min(top, self.scroll[name] - event.y * self.u(40)))
                    return True
        return False

    def draw_right(self, surface: pygame.Surface, col: pygame.Rect) -> None:
        """The questions for the class on top, wrapped whole; under them the numbers (role scores
        grouped by role, the district from round 1 to now, the deals), scrolling with the mouse
        wheel when they do not fit."""
        u = self.u
        W, _H = self.size
        col.width = W - col.x - u(16)
        v = self.model.view or {}
        f = self.fonts.get(13)
        line_h = f.get_linesize()
        qs = [str(q) for q in v.get("scenario", {}).get("questions", [])]
        text_w = col.width - u(44)
        self.question_lines: list[tuple[int, str, pygame.Rect]] = []
        below = col.y
        if qs:
            wrapped = [wrap(q, f, text_w) for q in qs]
            need = u(40) + sum(len(w) * line_h + u(6) for w in wrapped) + u(4)
            rq = pygame.Rect(col.x, col.y, col.width, min(need, round(col.height * 0.6)))
            panel(surface, rq, C.PANEL, C.ACCENT, u(10))
            text(
                surface,
                "Questions for the class",
                self.fonts.get(15, "bold"),
                C.ACCENT,
                (rq.x + u(14), rq.y + u(10)),
            )
            inner = pygame.Rect(rq.x + u(6), rq.y + u(36), rq.width - u(12), rq.height - u(40))
            self.questions_rect = inner
            self.scroll_areas["questions"] = (inner, need - u(40))
            clip = surface.get_clip()
            surface.set_clip(inner)
            y = inner.y - self.scroll["questions"]
            for qi, lines in enumerate(wrapped):
                text(surface, "•", f, C.ACCENT, (rq.x + u(14), y))
                for ln in lines:
                    r = text(surface, ln, f, C.TEXT, (rq.x + u(28), y))
                    self.question_lines.append((qi, ln, r))
                    y += line_h
                y += u(6)
            surface.set_clip(clip)
            self.scroll_hint(surface, inner, need - u(40), "questions")
            below = rq.bottom + u(8)
        r3 = pygame.Rect(col.x, below, col.width, col.bottom - below)
        if r3.height < u(60):
            return
        panel(surface, r3, C.PANEL, C.LINE, u(10))
        inner = pygame.Rect(r3.x + u(4), r3.y + u(6), r3.width - u(8), r3.height - u(12))
        clip = surface.get_clip()
        surface.set_clip(inner)
        y0 = inner.y + u(4) - self.scroll["numbers"]
        y = self.draw_numbers(surface, r3, y0)
        surface.set_clip(clip)
        self.scroll_areas["numbers"] = (inner, y - y0 + u(4))
        self.numbers_rect = inner
        self.scroll_hint(surface, inner, y - y0 + u(4), "numbers")

    def scroll_hint(
        self, surface: pygame.Surface, r: pygame.Rect, content_h: int, name: str
    ) -> None:
        """A thin scroll bar at the right edge when the content is taller than its area."""
        if content_h <= r.height:
            self.scroll[name] = 0
            return
        u = self.u
        self.scroll[name] = min(self.scroll[name], content_h - r.height)
        bar_h = max(u(20), r.height * r.height // content_h)
        y = r.y + (r.height - bar_h) * self.scroll[name] // max(1, content_h - r.height)
        pygame.draw.rect(
            surface, C.MUTED, pygame.Rect(r.right - u(5), y, u(3), bar_h), border_radius=u(2)
        )

    def draw_numbers(self, surface: pygame.Surface, r3: pygame.Rect, y: int) -> int:
        u = self.u
        v = self.model.view or {}
        hist = v.get("history", [])
        f = self.fonts.get(13)
        fb = self.fonts.get(13, "bold")
        fs = self.fonts.get(11)
        self.score_rows: list[tuple[str, str, str, pygame.Rect]] = []
        if v.get("scores"):
            text(surface, "Role scores", self.fonts.get(15, "bold"), C.ACCENT, (r3.x + u(14), y))
            y += u(24)
            groups = score_groups(v, self.model.session.get("roster"))
            self.score_groups = [g[0] for g in groups]
            for role, title, meaning, rows in groups:
                tr = text(surface, title, fb, C.ACCENT, (r3.x + u(14), y))
                text(
                    surface,
                    meaning,
                    fs,
                    C.MUTED,
                    (tr.right + u(8), tr.bottom - u(2)),
                    "bottomleft",
                    max_width=r3.right - u(14) - tr.right - u(8),
                )
                y += u(20)
                for k, (seat, sc, who) in enumerate(rows):
                    label = seat_name(v, seat)
                    if role == "firm":
                        label = f"{k + 1}. {label}"
                    if who in ("bot", "human"):
                        label += " (bot)" if who == "bot" else " (player)"
                    shown = fmt_num(sc) if sc is not None else "no score yet"
                    sr = text(surface, shown, fb, C.TEXT, (r3.right - u(18), y), "topright")
                    lr = text(
                        surface,
                        label,
                        f,
                        C.TEXT,
                        (r3.x + u(22), y),
                        max_width=sr.x - r3.x - u(30),
                    )
                    self.score_rows.append((role, seat, shown, lr.union(sr)))
                    y += u(20)
                y += u(6)
            y += u(6)
        text(
            surface, "From round 1 to now", self.fonts.get(15, "bold"), C.ACCENT, (r3.x + u(14), y)
        )
        y += u(28)
        if hist:
            a, b = hist[0], hist[-1]
            for label, key, unit in (
                ("Firms alive", "firms_alive", ""),
                ("Employment", "employment", ""),
                ("Mean wage", "mean_wage", "k"),
                ("Wage floor", "wage_floor", "k"),
                ("Mean skill", "mean_skill", INDEX),
                ("Exports", "exports", "k"),
                ("Networked firms", "networked_share", "%"),
                ("Compliance", "compliance", "%"),
            ):
                if key in a:
                    text(surface, label, f, C.MUTED, (r3.x + u(14), y))
                    text(
                        surface,
                        f"{fmt_num(a[key], unit)}  ->  {fmt_num(b.get(key, 0), unit)}",
                        fb,
                        C.TEXT,
                        (r3.right - u(18), y),
                        "topright",
                    )
                    y += u(21)
        t = deal_tally(v)
        y += u(8)
        text(surface, "Deals", self.fonts.get(15, "bold"), C.ACCENT, (r3.x + u(14), y))
        y += u(26)
        text(
            surface,
            f"signed {t['signed']} · running {t['active']} · fulfilled {t['fulfilled']} · "
            f"breached {t['breached']} · failed {t['failed']}",
            f,
            C.TEXT,
            (r3.x + u(14), y),
            max_width=r3.width - u(32),
        )
        return y + u(22)
