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


def tick_text(v: float, step: float, unit: str = "", top: float | None = None) -> str:
    """A gridline's value as its label, exactly: as many decimals as the step has (none for a
    whole step), thousands separated; with unit "k" (thousands of the currency) a "k" after it,
    or "M" when the axis' largest value (`top`, by size; `v` if not given) is ten million or
    more, as fmt_num shows money."""
    if unit == "k" and abs(v if top is None else top) >= 10000:
        v, step, suffix = v / 1000, step / 1000, "M"
    else:
        suffix = "k" if unit == "k" else ""
    digits = max(0, -math.floor(math.log10(step) + 1e-9))
    s = f"{v:,.{digits}f}"
    if s.lstrip("-").strip("0.,") == "":
        s = "0"
    return s + suffix


@dataclass(frozen=True)
class Axis:
    """A chart's value axis from `lo` (its bottom) to `hi` (its top), with gridlines at `values`,
    every `step` apart (1, 2 or 5 times a power of ten): at lo and hi when the axis was rounded
    out to them, else inside."""

    lo: float
    hi: float
    step: float
    values: tuple[float, ...]


NICE = (1, 2, 5)


def _multiples(lo: float, hi: float, step: float, k: int, out: bool) -> tuple[float, ...]:
    """The multiples of `step` (m x 10^k) from the last at or under lo to the first at or over hi
    (`out`), or those between lo and hi; rounded to the step's decimals."""
    eps = 1e-9
    if out:
        i0 = math.floor(lo / step + eps)
        i1 = max(i0 + 1, math.ceil(hi / step - eps))
    else:
        i0, i1 = math.ceil(lo / step - eps), math.floor(hi / step + eps)
    return tuple(round(i * step, max(0, -k)) for i in range(i0, i1 + 1))


def nice_axis(
    lo: float, hi: float, most: int = 5, fill: float = 0.6, room: float | None = None
) -> Axis:
    """The value axis for data from lo to hi: gridlines on the finest step of 1, 2 or 5 times a
    power of ten that needs at most `most` of them (at least 3 are always allowed: some step then
    spans the data) from the last multiple at or under lo to the first at or over hi, and the axis
    rounded out to those. If the data would fill less than `fill` of that axis (few gridlines, far
    apart), the axis stays lo..hi with the gridlines inside it of the finest step that puts them
    as far apart as `most` over the whole axis would be (or 1/`room` of it), when that leaves 2
    or more. A single value gets room around it."""
    lo, hi = float(min(lo, hi)), float(max(lo, hi))
    if hi - lo <= 1e-9 * max(1.0, abs(lo)):
        d = abs(lo) * 0.05 or 1.0
        lo, hi = lo - d, hi + d
    most = max(3, most)
    k0 = math.floor(math.log10((hi - lo) / most)) - 1
    steps = [(m * 10.0**k, k) for k in range(k0, k0 + 4) for m in NICE]
    for step, k in steps:  # a step of (hi - lo) / (most - 2) or more needs at most `most`
        out = _multiples(lo, hi, step, k, True)
        if len(out) <= most:
            break
    span = Axis(out[0], out[-1], step, out)
    if (hi - lo) / (out[-1] - out[0]) >= fill:
        return span
    for step, k in steps:  # as far apart as `most` gridlines over the whole axis would be
        inside = _multiples(lo, hi, step, k, False)
        if len(inside) <= most and (hi - lo) / step <= (most - 1 if room is None else room):
            return Axis(lo, hi, step, inside) if len(inside) >= 2 else span
    return span


def tick_spacing(font: pygame.font.Font, x_labels: bool = False) -> int:
    """The least height between two labelled gridlines for their labels to stay apart (with round
    labels under the chart the lowest sits on the axis, above them: half a line more)."""
    h = font.size("0")[1]
    return math.ceil(h * (1.5 if x_labels else 1.0)) + 2


def chart_axis(
    r: pygame.Rect,
    lo: float,
    hi: float,
    font: pygame.font.Font,
    x_labels: bool = False,
    most: int = 5,
) -> Axis:
    """The axis for data from lo to hi in chart area `r`: as many gridlines as its height has
    room for the labels of (up to `most`)."""
    room = r.height / max(1, tick_spacing(font, x_labels))  # gaps between labels
    return nice_axis(lo, hi, min(most, 1 + math.floor(room)), room=room)


@dataclass
class ChartDrawn:
    """Where a chart was drawn: its plotting area, each labelled gridline's value, label and the
    label's rect, the x labels' rects, and `bounds`, everything together; its value axis and the
    lowest and highest value it drew (tests check the layout and the scale)."""

    area: pygame.Rect
    ticks: list[tuple[float, str, pygame.Rect]] = field(default_factory=list)
    x_labels: list[pygame.Rect] = field(default_factory=list)
    axis: Axis | None = None
    data: tuple[float, float] | None = None

    @property
    def bounds(self) -> pygame.Rect:
        return self.area.unionall([r for _v, _s, r in self.ticks] + self.x_labels)


def tick_room(font: pygame.font.Font, widest: str = "100.0") -> int:
    """The room a chart's value labels need at the left of its area, in `font`."""
    return font.size(widest)[0] + 6


def value_ticks(
    surface: pygame.Surface,
    r: pygame.Rect,
    axis: Axis,
    font: pygame.font.Font,
    color: Color | None = None,
    x_labels: bool = False,
    unit: str = "",
) -> list[tuple[float, str, pygame.Rect]]:
    """The value axis of a chart whose area `r` runs from axis.lo (its bottom) to axis.hi: the
    bottom axis, a gridline at each of the axis' values above it, and at the left of each a label
    saying its value exactly (`tick_text`); only every other one when the area is too low for
    all, none that would run into another. With `x_labels` under the chart a label that would
    reach under the axis (where the first of them is) sits on its gridline instead."""
    color = color or C.LINE  # the palette's, as it is now
    pygame.draw.line(surface, color, (r.x, r.bottom), (r.right, r.bottom), 1)
    span = (axis.hi - axis.lo) or 1.0
    px = r.height * axis.step / span  # between two gridlines
    every = max(1, math.ceil(tick_spacing(font, x_labels) / max(px, 1e-9)))
    out: list[tuple[float, str, pygame.Rect]] = []
    for i, v in enumerate(axis.values):
        y = r.bottom - (v - axis.lo) / span * r.height
        if abs(y - r.bottom) >= 0.5:  # the axis itself is drawn
            pygame.draw.line(surface, color, (r.x, y), (r.right, y), 1)
        if i % every:
            continue
        s = tick_text(v, axis.step, unit, max(abs(x) for x in axis.values))
        w, h = font.size(s)
        lr = pygame.Rect(0, 0, w, h)
        lr.midright = (r.x - 4, round(y))
        if x_labels and lr.bottom > r.bottom:  # on its gridline, not under the axis
            lr.bottomright = (r.x - 4, round(y))
        if out and lr.bottom > out[-1][2].top - 1:
            continue
        out.append((v, s, text(surface, s, font, C.MUTED, lr.topleft)))
    return out


def data_span(
    values: Sequence[float],
    lo: float | None = None,
    hi: float | None = None,
    min_span: float = 0.0,
    pad: float = 0.05,
) -> tuple[float, float]:
    """The span a chart of `values` shows before its axis is rounded out (`chart_axis`): lo..hi
    where given, else the data's, widened about its middle to `min_span`, and `pad` of it more
    at each end (1 when it is a single value), so no point sits on the chart's edge."""
    lo = min(values) if lo is None else lo
    hi = max(values) if hi is None else hi
    if hi - lo < min_span:
        mid = (hi + lo) / 2
        lo, hi = mid - min_span / 2, mid + min_span / 2
    d = (hi - lo) * pad or 1.0
    return lo - d, hi + d


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
    unit: str = "",
    min_span: float = 0.0,
) -> ChartDrawn:
    """Several series on shared axes. Each series is (values, colour, dash style) so the lines
    differ by style and marker as well as colour. The value axis spans the data (or lo..hi, at
    least `min_span` wide) and a little more, out to round gridlines (`chart_axis`); its labels
    in `unit` ("" or "k")."""
    drawn = ChartDrawn(pygame.Rect(r))
    allv = [float(v) for vals, _c, _s in series.values() for v in vals]
    if baseline is not None:
        allv.append(baseline)
    if not allv:
        text(surface, "no rounds yet", font, C.MUTED, r.center, "center")
        return drawn
    lo, hi = data_span(allv, lo, hi, min_span)
    axis = chart_axis(r, lo, hi, font, bool(x_labels))
    lo, hi = axis.lo, axis.hi
    drawn.axis, drawn.data = axis, (min(allv), max(allv))
    n = max(len(vals) for vals, _c, _s in series.values())
    drawn.ticks = value_ticks(surface, r, axis, font, x_labels=bool(x_labels), unit=unit)
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
