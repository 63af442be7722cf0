"""Drawing helpers shared by every scene: text, dashed lines, chips, bars and small charts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

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


def tick_labels(values: Sequence[float]) -> list[str]:
    """Labels for gridlines at `values` (evenly spaced): whole numbers when the step between them
    allows, else as few decimals as keep every label within half a step of its value (so no two
    say the same and none is wrong: 99.6 / 100.2 / 100.8, not 100 / 100 / 101)."""
    vals = [float(v) for v in values]
    steps = [abs(b - a) for a, b in zip(vals, vals[1:], strict=False) if abs(b - a) > 1e-12]
    step = min(steps, default=1.0)
    labels: list[str] = []
    for digits in range(0, 7):
        labels = [f"{v:.{digits}f}" for v in vals]
        labels = ["0" if s.lstrip("-").strip("0.") == "" else s for s in labels]
        if 10.0**-digits < step and len(set(labels)) == len(labels):
            break
    return labels


@dataclass
class ChartDrawn:
    """Where a chart was drawn: its plotting area, each gridline's value, label and the label's
    rect, the x labels' rects, and `bounds`, everything together (tests check the layout)."""

    area: pygame.Rect
    ticks: list[tuple[float, str, pygame.Rect]] = field(default_factory=list)
    x_labels: list[pygame.Rect] = field(default_factory=list)

    @property
    def bounds(self) -> pygame.Rect:
        return self.area.unionall([r for _v, _s, r in self.ticks] + self.x_labels)


def tick_room(font: pygame.font.Font, widest: str = "100.0") -> int:
    """The room a chart's value labels need at the left of its area, in `font`."""
    return font.size(widest)[0] + 6


def value_ticks(
    surface: pygame.Surface,
    r: pygame.Rect,
    lo: float,
    hi: float,
    font: pygame.font.Font,
    color: Color | None = None,
    x_labels: bool = False,
) -> list[tuple[float, str, pygame.Rect]]:
    """The value axis of a chart from lo to hi: the bottom axis, gridlines at the middle and the
    top, and a label for each at the left (distinct and right: `tick_labels`). With `x_labels`
    under the chart the lowest label sits on the axis, clear of the first of them."""
    color = color or C.LINE  # the palette's, as it is now
    pygame.draw.line(surface, color, (r.x, r.bottom), (r.right, r.bottom), 1)
    fracs = (0.0, 0.5, 1.0)
    vals = [lo + (hi - lo) * f for f in fracs]
    out = []
    for frac, v, s in zip(fracs, vals, tick_labels(vals), strict=True):
        y = r.bottom - frac * r.height
        if frac:
            pygame.draw.line(surface, color, (r.x, y), (r.right, y), 1)
        anchor = "bottomright" if x_labels and not frac else "midright"
        out.append((v, s, text(surface, s, font, C.MUTED, (r.x - 4, y), anchor)))
    return out


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
) -> ChartDrawn:
    """Several series on shared axes. Each series is (values, colour, dash style) so the lines
    differ by style and marker as well as colour."""
    drawn = ChartDrawn(pygame.Rect(r))
    allv = [float(v) for vals, _c, _s in series.values() for v in vals]
    if baseline is not None:
        allv.append(baseline)
    if not allv:
        text(surface, "no rounds yet", font, C.MUTED, r.center, "center")
        return drawn
    lo = min(allv) if lo is None else lo
    hi = max(allv) if hi is None else hi
    pad = (hi - lo) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    n = max(len(vals) for vals, _c, _s in series.values())
    drawn.ticks = value_ticks(surface, r, lo, hi, font, x_labels=bool(x_labels))
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
        drawn.x_labels = x_axis(surface, r, x_labels, n, font)
    return drawn


def x_axis(
    surface: pygame.Surface,
    r: pygame.Rect,
    labels: Sequence[str],
    n: int,
    font: pygame.font.Font,
    most: int = 10,
) -> list[pygame.Rect]:
    """The x labels of a chart of `n` points under its area: at most `most` of them, the last
    always, none running into the one before it."""
    dx = r.width / max(1, n - 1)
    step = max(1, math.ceil(len(labels) / most))
    shown: list[tuple[str, pygame.Rect]] = []
    for i, lab in enumerate(labels):
        if i % step == 0 or i == len(labels) - 1:
            w, h = font.size(lab)
            rr = pygame.Rect(0, r.bottom + 3, w, h)
            rr.centerx = round(r.x + i * dx)
            if shown and rr.x < shown[-1][1].right + 2:
                if i != len(labels) - 1:
                    continue
                shown.pop()  # the last round's label rather than the one before it
            shown.append((lab, rr))
    return [text(surface, lab, font, C.MUTED, rr.midtop, "midtop") for lab, rr in shown]


def legend(
    surface: pygame.Surface,
    items: Sequence[tuple[str, Color, str, int]],
    font: pygame.font.Font,
    pos: tuple[int, int],
    right: int,
    sample: int,
    gap: int,
) -> list[tuple[str, pygame.Rect]]:
    """A legend: for each (name, colour, dash style, width) a line sample then its name, from
    `pos` (the first line's top left), going on to a new line when an item would pass `right`
    (an item wider than a whole line is cut with an ellipsis). Each line is the font's line high.
    Returns each item's name and rect (sample and name)."""
    x0, y = pos
    x = x0
    pad = max(3, gap // 3)  # between a sample and its name
    line_h = font.get_linesize()
    out: list[tuple[str, pygame.Rect]] = []
    for label, color, style, width in items:
        w = sample + pad + font.size(label)[0]
        if x > x0 and x + w > right:
            x, y = x0, y + line_h
        mid = y + line_h // 2
        styled_line(surface, color, (x, mid), (x + sample, mid), width, style, max(3, sample // 4))
        tr = text(
            surface,
            label,
            font,
            C.TEXT,
            (x + sample + pad, mid),
            "midleft",
            max_width=right - x - sample - pad,
        )
        rr = pygame.Rect(x, y, tr.right - x, line_h)
        out.append((label, rr))
        x = rr.right + gap
    return out


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
