"""The debrief: the three scoreboards over rounds, wages against productivity, the district's
size, the deals made, kept and broken, and the scenario's questions for discussion."""

from __future__ import annotations

from typing import Any

import pygame
from district.client.panels.boards import draw_boards_chart
from district.client.panels.common import draw_top_bar, oid, seat_name
from district.client.scenes.base import Scene
from district.client.ui.draw import line_chart, panel, styled_line, text, wrap
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
        # right column
        rx = u(16) + left_w + u(10)
        rw = W - rx - u(16)
        r3 = pygame.Rect(rx, top, rw, H - top - u(70))
        panel(surface, r3, C.PANEL, C.LINE, u(10))
        y = r3.y + u(10)
        f = self.fonts.get(13)
        fb = self.fonts.get(13, "bold")
        text(
            surface, "From round 1 to now", self.fonts.get(15, "bold"), C.ACCENT, (r3.x + u(14), y)
        )
        y += u(28)
        if hist:
            a, b = hist[0], hist[-1]
            for label, key, fmt in (
                ("Firms alive", "firms_alive", "{:.0f}"),
                ("Employment", "employment", "{:.0f}"),
                ("Mean wage", "mean_wage", "{:.1f}"),
                ("Wage floor", "wage_floor", "{:.1f}"),
                ("Mean skill", "mean_skill", "{:.2f}"),
                ("Exports", "exports", "{:.0f}"),
                ("Networked firms", "networked_share", "{:.0%}"),
                ("Compliance", "compliance", "{:.0%}"),
            ):
                if key in a:
                    text(surface, label, f, C.MUTED, (r3.x + u(14), y))
                    text(
                        surface,
                        f"{fmt.format(a[key])}  ->  {fmt.format(b.get(key, 0))}",
                        fb,
                        C.TEXT,
                        (r3.right - u(14), y),
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
            max_width=r3.width - u(28),
        )
        y += u(30)
        scores = v.get("scores") or {}
        if scores:
            text(surface, "Role scores", self.fonts.get(15, "bold"), C.ACCENT, (r3.x + u(14), y))
            y += u(26)
            for seat, sc in sorted(scores.items(), key=lambda kv: -float(kv[1] or 0))[:8]:
                text(
                    surface,
                    seat_name(v, seat),
                    f,
                    C.TEXT,
                    (r3.x + u(14), y),
                    max_width=r3.width // 2,
                )
                text(surface, f"{float(sc):,.1f}", fb, C.TEXT, (r3.right - u(14), y), "topright")
                y += u(20)
            y += u(8)
        qs = v.get("scenario", {}).get("questions", [])
        if qs and y < r3.bottom - u(60):
            text(
                surface,
                "Questions for the class",
                self.fonts.get(15, "bold"),
                C.ACCENT,
                (r3.x + u(14), y),
            )
            y += u(26)
            for q in qs:
                for k, ln in enumerate(wrap(q, f, r3.width - u(40))):
                    if y > r3.bottom - u(22):
                        break
                    text(surface, ("• " if k == 0 else "  ") + ln, f, C.TEXT, (r3.x + u(14), y))
                    y += f.get_linesize()
                y += u(4)
