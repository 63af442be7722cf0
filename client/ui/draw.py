"""Drawing helpers shared by every scene: text, dashed lines, chips, bars and small charts."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pygame
from district.client.ui.theme import C, Color


def text(
    surface: pygame.Surface,
    s: str,
    font: pygame.font.Font,
    color: Color,
    pos: tuple[float, float],
    anchor: str = "topleft",
    max_width: int | None = None,
) -> pygame.Rect:
    """Blit one line of text; `anchor` is a pygame.Rect attribute name. Cut with an ellipsis to fit."""
    if max_width is not None and font.size(s)[0] > max_width:
        while s and font.size(s + "…")[0] > max_width:
            s = s[:-1]
        s += "…"
    img = font.render(s, True, color)
    r = img.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
    surface.blit(img, r)
    return r


def wrap(s: str, font: pygame.font.Font, width: int) -> list[str]:
    lines: list[str] = []
    for para in s.split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}".strip()
            if font.size(trial)[0] <= width or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def styled_line(
    surface: pygame.Surface,
    color: Color,
    a: tuple[float, float],
    b: tuple[float, float],
    width: int = 1,
    style: str = "solid",
    dash: float = 8.0,
) -> None:
    """A line that is solid, dashed or dotted (trust is shown by style as well as colour)."""
    if style == "solid":
        pygame.draw.line(surface, color, a, b, width)
        return
    ax, ay = a
    bx, by = b
    length = math.hypot(bx - ax, by - ay)
    if length < 1:
        return
    ux, uy = (bx - ax) / length, (by - ay) / length
    if style == "dotted":
        step = max(3.0, width * 3.0)
        t = 0.0
        while t <= length:
            pygame.draw.circle(
                surface, color, (ax + ux * t, ay + uy * t), max(1, width * 0.75 + 0.5)
            )
            t += step
        return
    on, off = dash, dash * 0.6
    t = 0.0
    while t < length:
        e = min(t + on, length)
        pygame.draw.line(
            surface, color, (ax + ux * t, ay + uy * t), (ax + ux * e, ay + uy * e), width
        )
        t = e + off


def chip(
    surface: pygame.Surface,
    s: str,
    font: pygame.font.Font,
    fg: Color,
    bg: Color,
    pos: tuple[float, float],
    anchor: str = "topleft",
    pad: tuple[int, int] = (8, 3),
) -> pygame.Rect:
    img = font.render(s, True, fg)
    r = img.get_rect().inflate(pad[0] * 2, pad[1] * 2)
    setattr(r, anchor, (round(pos[0]), round(pos[1])))
    pygame.draw.rect(surface, bg, r, border_radius=r.height // 2)
    surface.blit(img, img.get_rect(center=r.center))
    return r


def panel(
    surface: pygame.Surface,
    r: pygame.Rect,
    color: Color = C.PANEL,
    border: Color | None = C.LINE,
    radius: int = 8,
) -> None:
    pygame.draw.rect(surface, color, r, border_radius=radius)
    if border is not None:
        pygame.draw.rect(surface, border, r, 1, border_radius=radius)


def bar(
    surface: pygame.Surface, r: pygame.Rect, frac: float, color: Color, bg: Color = C.PANEL_2
) -> None:
    pygame.draw.rect(surface, bg, r, border_radius=r.height // 2)
    f = max(0.0, min(1.0, frac))
    if f > 0:
        fr = pygame.Rect(r.x, r.y, max(r.height, round(r.width * f)), r.height)
        pygame.draw.rect(surface, color, fr, border_radius=r.height // 2)


def _scale_points(
    r: pygame.Rect, values: Sequence[float], lo: float, hi: float, n: int | None = None
) -> list[tuple[float, float]]:
    n = n or len(values)
    span = (hi - lo) or 1.0
    dx = r.width / max(1, n - 1)
    return [(r.x + i * dx, r.bottom - (v - lo) / span * r.height) for i, v in enumerate(values)]


def sparkline(
    surface: pygame.Surface,
    r: pygame.Rect,
    values: Sequence[float],
    color: Color,
    width: int = 2,
    dot: bool = True,
) -> None:
    """A trend line with the last value dotted; flat or single values draw a short level line."""
    vals = [float(v) for v in values if v is not None]
    if not vals:
        return
    lo, hi = min(vals), max(vals)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    if len(vals) == 1:
        y = r.centery
        pygame.draw.line(surface, color, (r.x, y), (r.right, y), 1)
        pygame.draw.circle(surface, color, (r.right, y), width + 1)
        return
    pts = _scale_points(r, vals, lo, hi)
    pygame.draw.lines(surface, color, False, pts, width)
    if dot:
        pygame.draw.circle(surface, color, pts[-1], width + 2)


def line_chart(
    surface: pygame.Surface,
    r: pygame.Rect,
    series: dict[str, tuple[Sequence[float], Color, str]],
    font: pygame.font.Font,
    x_labels: Sequence[str] | None = None,
    baseline: float | None = None,
    lo: float | None = None,
    hi: float | None = None,
    width: int = 2,
) -> None:
    """Several series on shared axes. Each series is (values, colour, dash style) so the lines
    differ by style and marker as well as colour."""
    allv = [float(v) for vals, _c, _s in series.values() for v in vals]
    if baseline is not None:
        allv.append(baseline)
    if not allv:
        text(surface, "no rounds yet", font, C.MUTED, r.center, "center")
        return
    lo = min(allv) if lo is None else lo
    hi = max(allv) if hi is None else hi
    pad = (hi - lo) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    n = max(len(vals) for vals, _c, _s in series.values())
    axis = C.LINE
    pygame.draw.line(surface, axis, (r.x, r.bottom), (r.right, r.bottom), 1)
    for frac in (0.0, 0.5, 1.0):
        v = lo + (hi - lo) * frac
        y = r.bottom - frac * r.height
        pygame.draw.line(surface, (*axis,), (r.x, y), (r.right, y), 1) if frac else None
        text(surface, f"{v:.0f}", font, C.MUTED, (r.x - 4, y), "midright")
    if baseline is not None:
        y = r.bottom - (baseline - lo) / (hi - lo) * r.height
        styled_line(surface, C.MUTED, (r.x, y), (r.right, y), 1, "dashed", 5)
    markers = ["circle", "square", "triangle", "diamond"]
    for k, (name, (vals, color, style)) in enumerate(series.items()):
        vv = [float(v) for v in vals]
        if not vv:
            continue
        pts = _scale_points(r, vv, lo, hi, n)
        if len(pts) > 1:
            for a, b in zip(pts, pts[1:], strict=False):
                styled_line(surface, color, a, b, width, style, 7)
        for p in pts:
            marker(surface, markers[k % len(markers)], p, width + 2, color)
        del name
    if x_labels:
        dx = r.width / max(1, n - 1)
        step = max(1, math.ceil(len(x_labels) / 10))
        for i, lab in enumerate(x_labels):
            if i % step == 0 or i == len(x_labels) - 1:
                text(surface, lab, font, C.MUTED, (r.x + i * dx, r.bottom + 3), "midtop")


def marker(
    surface: pygame.Surface, shape: str, p: tuple[float, float], s: float, color: Color
) -> None:
    x, y = p
    if shape == "square":
        pygame.draw.rect(surface, color, pygame.Rect(x - s, y - s, 2 * s, 2 * s))
    elif shape == "triangle":
        pygame.draw.polygon(
            surface,
            color,
            [(x, y - s * 1.2), (x - s * 1.1, y + s * 0.8), (x + s * 1.1, y + s * 0.8)],
        )
    elif shape == "diamond":
        pygame.draw.polygon(
            surface, color, [(x, y - s * 1.3), (x + s * 1.3, y), (x, y + s * 1.3), (x - s * 1.3, y)]
        )
    else:
        pygame.draw.circle(surface, color, (x, y), s)


def delta_text(v: float, fmt: str = "{:+.1f}") -> tuple[str, Color, str]:
    """A change as text, colour and arrow word: never colour alone."""
    if abs(v) < 1e-9 or fmt.format(v).lstrip("+-").strip("0.,% ptsk") == "":
        return "±0", C.MUTED, "flat"
    return fmt.format(v), (C.GOOD if v > 0 else C.BAD), ("up" if v > 0 else "down")


def arrow(
    surface: pygame.Surface, direction: str, center: tuple[float, float], s: float, color: Color
) -> None:
    """A small up / down triangle or a flat bar: the shape says what the colour says."""
    x, y = center
    if direction == "up":
        pygame.draw.polygon(
            surface, color, [(x, y - s), (x - s, y + s * 0.7), (x + s, y + s * 0.7)]
        )
    elif direction == "down":
        pygame.draw.polygon(
            surface, color, [(x, y + s), (x - s, y - s * 0.7), (x + s, y - s * 0.7)]
        )
    else:
        pygame.draw.rect(surface, color, pygame.Rect(x - s, y - s * 0.25, 2 * s, max(2, s * 0.5)))


# The units a person reads a number in: "k" (thousands of the scenario's currency, one decimal
# under 100), "%" (a share 0-1 as a whole percent), "idx" (an index 0-1, such as skill, quality,
# technology, reputation or trust, as a whole number out of 100), "" (a count: a whole number),
# or a word ("workers"), also whole.
INDEX = "idx"


def fmt_num(v: float | int | None, unit: str = "", digits: int | None = None) -> str:
    if v is None:
        return "–"
    x = float(v)
    if unit == "%":
        return f"{x * 100:.0f}%"
    if unit == INDEX:
        return f"{x * 100:.0f}"
    if unit != "k":  # counts and worded units are whole
        s = f"{x:,.{digits or 0}f}"
        return f"{s} {unit}" if unit else s
    if digits is None:
        digits = 0 if abs(x) >= 100 or abs(x) < 1e-9 else 1
    if abs(x) >= 10000:
        return f"{x / 1000:.1f}M"
    return f"{x:,.{digits}f}k"


def fmt_delta(d: float, unit: str = "") -> tuple[str, Color, str]:
    """A change in the same unit as its value (percentage points for a share, points out of 100
    for an index), as text, colour and arrow word: never colour alone."""
    if unit == "%":
        return delta_text(d * 100, "{:+.0f} pts")
    if unit == INDEX:
        return delta_text(d * 100, "{:+.0f}")
    if unit == "k":  # as fmt_num shows the value: M from ten million, whole k from 100k
        if abs(d) >= 10000:
            return delta_text(d / 1000, "{:+,.1f}M")
        return delta_text(d, "{:+,.0f}k" if abs(d) >= 100 else "{:+,.1f}k")
    return delta_text(d, "{:+,.0f}" + (f" {unit}" if unit else ""))
