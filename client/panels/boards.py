"""The three public scoreboards (competitiveness, worker welfare, region): value, change, trend.
Each board has its own colour, icon, name and line style, so they differ without colour.

Boards are levels out of 100 against fixed references (docs/model.md, "Scoreboards"). The district
as built has a level too (the view's `start_scoreboards`): before round 1's report the cards show
it, marked as the start, and every chart begins with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pygame
from district.client.ui.draw import (
    arrow,
    delta_text,
    legend,
    line_chart,
    panel,
    styled_line,
    text,
    tick_room,
)
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


def card_layout(scene: Scene, k: float = 1.0, number: int | None = None) -> tuple[int, ...]:
    """A board card's rows from its top, from its fonts' lines: (the name row's height, the
    number's top, the caption's top, the whole card's least height). `number`: the number's
    font size (design pixels; default 34 k)."""
    u = scene.u
    name_h = max(u(22 * k), scene.fonts.get(round(15 * k), "bold").get_linesize())
    value_top = u(6 * k) + name_h
    value_h = scene.fonts.get(number or round(34 * k), "bold").get_height()
    caption_top = value_top + value_h
    caption_h = scene.fonts.get(round(10 * k)).get_height()
    return name_h, value_top, caption_top, caption_top + caption_h + u(4 * k)


def board_cards_height(scene: Scene, k: float = 1.0, number: int | None = None) -> int:
    """The height three board cards one above the other need, at the scene's text size."""
    return 3 * card_layout(scene, k, number)[3] + 2 * scene.u(8)


def draw_board_cards(
    scene: Scene,
    surface: pygame.Surface,
    rect: pygame.Rect,
    vertical: bool = True,
    k: float = 1.0,
    parts: list[tuple[str, pygame.Rect]] | None = None,
    number: int | None = None,
) -> dict[str, pygame.Rect]:
    """One card per scoreboard with its number, its change and a sparkline of its rounds. The
    rows follow the fonts' lines (larger text: taller rows). `parts`, if given, gets each card's
    texts and chart with their rects (tests check that nothing overlaps). `number`: the number's
    font size, when a card must be lower than 34 k allows (default 34 k)."""
    u = scene.u
    v = scene.model.view or {}
    out = {}
    keys = list(BOARDS)
    gap = u(8)
    n = len(keys)
    name_h, value_top, caption_top, least = card_layout(scene, k, number)
    tick_font = scene.fonts.get(round(9 * k))
    got: list[tuple[str, pygame.Rect]] = []
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
        mid = r.y + u(6 * k) + name_h // 2
        blit_icon(surface, icon, (r.x + u(26 * k), mid), u(22 * k), color)
        got.append(
            (
                f"{key} name",
                text(
                    surface,
                    label,
                    scene.fonts.get(round(15 * k), "bold"),
                    C.TEXT,
                    (r.x + u(44 * k), mid),
                    "midleft",
                    max_width=r.width - u(60 * k),
                ),
            )
        )
        vs = f"{val:.0f}" if isinstance(val, int | float) else "–"
        vfont = scene.fonts.get(number or round(34 * k), "bold")
        # a card taller than its text needs: the number and its caption lower, in the middle
        slack = max(0, r.height - least) // 2
        vr = text(surface, vs, vfont, C.TEXT, (r.x + u(18 * k), r.y + value_top + slack))
        got.append((f"{key} value", vr))
        if len(line) >= 2:
            d = line[-1] - line[-2]
            s, col, direction = delta_text(d, "{:+.0f}")  # whole points, as the value
            arrow(surface, direction, (vr.right + u(14 * k), vr.centery), u(7 * k), col)
            got.append(
                (
                    f"{key} change",
                    text(
                        surface,
                        s,
                        scene.fonts.get(round(15 * k), "bold"),
                        col,
                        (vr.right + u(26 * k), vr.centery),
                        "midleft",
                    ),
                )
            )
        got.append(
            (
                f"{key} caption",
                text(
                    surface,
                    START_NOTE if starting else UNIT_NOTE,
                    scene.fonts.get(round(10 * k), "bold" if starting else "regular"),
                    C.MUTED,
                    (r.x + u(18 * k), r.y + caption_top + slack),
                    max_width=r.width // 2 - u(18 * k),  # the left half: the chart has the right
                ),
            )
        )
        # the sparkline's area, its tick labels (half a line above and below) inside the card,
        # right of the number and its change with room for the labels (a larger text size
        # widens both: its "+12" ran into the label "55")
        half = tick_font.get_height() // 2 + u(2)
        left = max(rr.right for name, rr in got if name in (f"{key} value", f"{key} change"))
        x = max(r.x + r.width // 2 + u(10), left + tick_room(tick_font, "100") + u(6))
        chart = pygame.Rect(x, r.y + u(6 * k) + name_h + half, r.right - u(14) - x, 0)
        chart.height = r.bottom - half - u(4) - chart.y
        room = chart.height > u(20) and chart.width > u(30)
        if room and len(line) >= 2:
            drawn = line_chart(
                surface,
                chart,
                {key: (line, color, "solid")},
                tick_font,
                baseline=start,  # the dashed line: where the district started
                # a span of at least 10 points, so that a change of one point looks like one
                lo=max(0.0, min(line) - max(0.0, 10.0 - (max(line) - min(line))) / 2),
                hi=min(100.0, max(line) + max(0.0, 10.0 - (max(line) - min(line))) / 2),
            )
            got.append((f"{key} chart", drawn.area))
            got += [(f"{key} tick {t}", tr) for _v, t, tr in drawn.ticks]
        elif room and line:  # only the start: one point on its own level
            y = chart.centery
            styled_line(surface, C.MUTED, (chart.x, y), (chart.right, y), max(1, u(1)), "dashed", 5)
            pygame.draw.circle(surface, color, (chart.x + u(6), y), max(3, u(4 * k)))
            got.append(
                (
                    f"{key} chart",
                    text(
                        surface,
                        "start; rounds follow",
                        tick_font,
                        C.MUTED,
                        (chart.centerx, y + u(6)),
                        "midtop",
                        max_width=chart.width,
                    ),
                )
            )
        out[key] = r
    if parts is not None:
        parts.extend(got)
    return out


BOARDS_TITLES = (
    "The three scoreboards over rounds (out of 100)",
    "The three scoreboards (out of 100)",
    "The scoreboards (out of 100)",
)


def draw_boards_chart(
    scene: Scene, surface: pygame.Surface, rect: pygame.Rect, k: float = 1.0
) -> list[tuple[str, pygame.Rect]]:
    """The three boards on one chart over rounds, with a legend naming each line style (on a
    second line when the first has no room). The title, the legend and the chart are placed by
    their fonts' lines. Returns what was drawn where: the title, each legend item, the chart."""
    u = scene.u
    v = scene.model.view or {}
    panel(surface, rect, C.PANEL, C.LINE, u(10))
    title, font = scene.fonts.fitted(round(15 * k), "bold", BOARDS_TITLES, rect.width - u(28))
    tr = text(
        surface,
        title,
        font,
        C.ACCENT,
        (rect.x + u(14), rect.y + u(10)),
        max_width=rect.width - u(28),
    )
    parts: list[tuple[str, pygame.Rect]] = [("title", tr)]
    items = [
        (f"{label} ({STYLES[key]})", color, STYLES[key], max(2, u(3)))
        for key, (label, color, _icon) in BOARDS.items()
    ]
    parts += legend(
        surface,
        items,
        scene.fonts.get(round(12 * k)),
        (rect.x + u(14), tr.bottom + u(2)),
        rect.right - u(8),
        u(28),
        u(18),
    )
    series = {key: (board_line(v, key), BOARDS[key][1], STYLES[key]) for key in BOARDS}
    n = max((len(s[0]) for s in series.values()), default=0)
    has_start = any(board_start(v, key) is not None for key in BOARDS)
    tick_font = scene.fonts.get(round(11 * k))
    top = max(r.bottom for _n, r in parts) + tick_font.get_height() // 2 + u(6)
    bottom = rect.bottom - tick_font.get_height() - u(10)
    chart = pygame.Rect(rect.x + u(14), top, rect.width - u(28), bottom - top)
    chart.x += tick_room(tick_font)
    chart.width -= tick_room(tick_font)
    drawn = line_chart(
        surface,
        chart,
        series,
        tick_font,
        (["start"] if has_start else []) + [f"r{i + 1}" for i in range(n - int(has_start))],
        width=max(2, u(2 * k)),
    )
    parts.append(("chart", drawn.bounds))
    return parts
