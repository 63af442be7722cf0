"""The three public scoreboards (competitiveness, worker welfare, region): value, change, trend.
Each board has its own colour, icon, name and line style, so they differ without colour.

Boards are levels out of 100 against fixed references (docs/model.md, "Scoreboards"). The district
as built has a level too (the view's `start_scoreboards`): before round 1's report the cards show
it, marked as the start, and every chart begins with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pygame
from district.client.ui.draw import arrow, delta_text, line_chart, panel, styled_line, text
from district.client.ui.icons import blit_icon
from district.client.ui.theme import BOARDS, C

if TYPE_CHECKING:
    from district.client.scenes.base import Scene

UNIT_NOTE = "out of 100"
START_NOTE = "out of 100 · start"  # before round 1's report: the district as built
STYLES = {"competitiveness": "solid", "worker_welfare": "dashed", "region": "dotted"}


def board_series(view: dict[str, Any], key: str) -> list[float]:
    return [float(h[key]) for h in view.get("history", []) if isinstance(h.get(key), int | float)]


def board_start(view: dict[str, Any], key: str) -> float | None:
    """The board's level for the district as built, before any round (None if the view lacks it)."""
    v = (view.get("start_scoreboards") or {}).get(key)
    return float(v) if isinstance(v, int | float) else None


def board_line(view: dict[str, Any], key: str) -> list[float]:
    """The start, then every resolved round: the points a board's chart draws."""
    start = board_start(view, key)
    return ([start] if start is not None else []) + board_series(view, key)


def draw_board_cards(
    scene: Scene, surface: pygame.Surface, rect: pygame.Rect, vertical: bool = True, k: float = 1.0
) -> dict[str, pygame.Rect]:
    """One card per scoreboard with its number, its change and a sparkline of its rounds."""
    u = scene.u
    v = scene.model.view or {}
    out = {}
    keys = list(BOARDS)
    gap = u(8)
    n = len(keys)
    for i, key in enumerate(keys):
        label, color, icon = BOARDS[key]
        if vertical:
            h = (rect.height - gap * (n - 1)) // n
            r = pygame.Rect(rect.x, rect.y + i * (h + gap), rect.width, h)
        else:
            w = (rect.width - gap * (n - 1)) // n
            r = pygame.Rect(rect.x + i * (w + gap), rect.y, w, rect.height)
        panel(surface, r, C.PANEL, color, u(10))
        pygame.draw.rect(
            surface,
            color,
            pygame.Rect(r.x, r.y, u(6 * k), r.height),
            border_top_left_radius=u(10),
            border_bottom_left_radius=u(10),
        )
        series = board_series(v, key)
        start = board_start(v, key)
        line = board_line(v, key)
        val = series[-1] if series else (v.get("scoreboards") or {}).get(key, start)
        starting = not series  # round 1 before its report: the district as built
        blit_icon(surface, icon, (r.x + u(26 * k), r.y + u(22 * k)), u(22 * k), color)
        text(
            surface,
            label,
            scene.fonts.get(round(15 * k), "bold"),
            C.TEXT,
            (r.x + u(44 * k), r.y + u(22 * k)),
            "midleft",
            max_width=r.width - u(60 * k),
        )
        vs = f"{val:.0f}" if isinstance(val, int | float) else "–"
        vr = text(
            surface,
            vs,
            scene.fonts.get(round(34 * k), "bold"),
            C.TEXT,
            (r.x + u(18 * k), r.y + u(40 * k)),
        )
        if len(line) >= 2:
            d = line[-1] - line[-2]
            s, col, direction = delta_text(d, "{:+.0f}")  # whole points, as the value
            arrow(surface, direction, (vr.right + u(14 * k), vr.centery), u(7 * k), col)
            text(
                surface,
                s,
                scene.fonts.get(round(15 * k), "bold"),
                col,
                (vr.right + u(26 * k), vr.centery),
                "midleft",
            )
        text(
            surface,
            START_NOTE if starting else UNIT_NOTE,
            scene.fonts.get(round(10 * k), "bold" if starting else "regular"),
            C.MUTED,
            (r.x + u(18 * k), vr.bottom + u(2)),
            max_width=r.width // 2 - u(18 * k),  # the left half: the chart has the right
        )
        chart = pygame.Rect(
            r.x + r.width // 2 + u(10), r.y + u(40 * k), r.width // 2 - u(24), r.height - u(56 * k)
        )
        if chart.height > u(20) and len(line) >= 2:
            line_chart(
                surface,
                chart,
                {key: (line, color, "solid")},
                scene.fonts.get(round(9 * k)),
                baseline=start,  # the dashed line: where the district started
                # a span of at least 10 points, so that a change of one point looks like one
                lo=max(0.0, min(line) - max(0.0, 10.0 - (max(line) - min(line))) / 2),
                hi=min(100.0, max(line) + max(0.0, 10.0 - (max(line) - min(line))) / 2),
            )
        elif chart.height > u(20) and line:  # only the start: one point on its own level
            y = chart.centery
            styled_line(surface, C.MUTED, (chart.x, y), (chart.right, y), max(1, u(1)), "dashed", 5)
            pygame.draw.circle(surface, color, (chart.x + u(6), y), max(3, u(4 * k)))
            text(
                surface,
                "start; rounds follow",
                scene.fonts.get(round(9 * k)),
                C.MUTED,
                (chart.centerx, y + u(6)),
                "midtop",
                max_width=chart.width,
            )
        out[key] = r
    return out


def draw_boards_chart(
    scene: Scene, surface: pygame.Surface, rect: pygame.Rect, k: float = 1.0
) -> None:
    """The three boards on one chart over rounds, with a legend naming each line style."""
    u = scene.u
    v = scene.model.view or {}
    panel(surface, rect, C.PANEL, C.LINE, u(10))
    text(
        surface,
        "The three scoreboards over rounds (out of 100)",
        scene.fonts.get(round(15 * k), "bold"),
        C.ACCENT,
        (rect.x + u(14), rect.y + u(10)),
    )
    series = {key: (board_line(v, key), BOARDS[key][1], STYLES[key]) for key in BOARDS}
    n = max((len(s[0]) for s in series.values()), default=0)
    has_start = any(board_start(v, key) is not None for key in BOARDS)
    chart = pygame.Rect(
        rect.x + u(48), rect.y + u(64 * k), rect.width - u(70), rect.height - u(100 * k)
    )
    line_chart(
        surface,
        chart,
        series,
        scene.fonts.get(round(11 * k)),
        (["start"] if has_start else []) + [f"r{i + 1}" for i in range(n - int(has_start))],
        width=max(2, u(2 * k)),
    )
    x = rect.x + u(14)
    y = rect.y + u(38 * k)
    for key, (label, color, _icon) in BOARDS.items():
        styled_line(surface, color, (x, y), (x + u(28), y), max(2, u(3)), STYLES[key], u(6))
        r = text(
            surface,
            f"{label} ({STYLES[key]})",
            scene.fonts.get(round(12 * k)),
            C.TEXT,
            (x + u(34), y),
            "midleft",
        )
        x = r.right + u(18)
