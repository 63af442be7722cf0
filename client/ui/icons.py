"""District's icons, drawn as vectors so they stay crisp at any scale.

`icon(name, size, color)` returns a cached transparent surface. `python -m district.client.ui.icons` writes
them all to assets/icons/ as PNGs (the window icon, docs and anyone who wants the set).
"""

from __future__ import annotations

import math
import sys
from collections import OrderedDict
from pathlib import Path

import pygame
from district.client.ui.theme import ASSETS, C, Color

NAMES = (
    "firm",
    "union",
    "government",
    "broker",
    "hub",
    "clock",
    "check",
    "warning",
    "chat",
    "deal",
    "trend",
    "people",
    "region",
    "pause",
    "play",
    "plug",
    "star",
    "flag",
    "bot",
    "user",
    "bell",
    "skip",
    "stop",
    "megaphone",
    "inbox",
    "send",
    "district",
)

# The icons drawn lately, the oldest first. A screen uses a few dozen (name, size, colour); every
# window size and text size has sizes of its own, so a window resized by dragging its corner would
# otherwise keep every size it passed through.
CACHE_SIZE = 512
_cache: OrderedDict[tuple[str, int, Color], pygame.Surface] = OrderedDict()


def icon(name: str, size: int, color: Color = C.TEXT) -> pygame.Surface:
    key = (name, size, color)
    s = _cache.get(key)
    if s is None:
        big = pygame.Surface((size * 4, size * 4), pygame.SRCALPHA)
        _draw(big, name, size * 4, color)
        s = pygame.transform.smoothscale(big, (size, size))
        _cache[key] = s
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return s


def blit_icon(
    surface: pygame.Surface,
    name: str,
    center: tuple[float, float],
    size: int,
    color: Color = C.TEXT,
) -> pygame.Rect:
    img = icon(name, size, color)
    r = img.get_rect(center=(round(center[0]), round(center[1])))
    surface.blit(img, r)
    return r


def _draw(s: pygame.Surface, name: str, n: int, c: Color) -> None:  # noqa: C901 - a table of drawings
    u = n / 16.0  # a 16-unit grid
    w = max(1, round(1.6 * u))

    def P(x: float, y: float) -> tuple[float, float]:
        return (x * u, y * u)

    def R(x: float, y: float, ww: float, hh: float) -> pygame.Rect:
        return pygame.Rect(round(x * u), round(y * u), round(ww * u), round(hh * u))

    if name == "firm":  # a sawtooth-roof workshop with a chimney
        pygame.draw.polygon(
            s, c, [P(1, 14), P(1, 7), P(5, 4), P(5, 7), P(9, 4), P(9, 7), P(13, 4), P(13, 14)]
        )
        pygame.draw.rect(s, c, R(11.5, 1.5, 2, 4))
        pygame.draw.rect(s, (0, 0, 0, 0), R(3, 9.5, 2, 2))
        pygame.draw.rect(s, (0, 0, 0, 0), R(7, 9.5, 2, 2))
        pygame.draw.rect(s, (0, 0, 0, 0), R(10, 10, 2, 4))
    elif name == "union":  # a raised fist, simplified: hand block and forearm
        pygame.draw.rect(s, c, R(4.5, 2, 7, 6.5), border_radius=round(1.5 * u))
        for k in range(3):
            pygame.draw.line(
                s, (0, 0, 0, 0), P(6.8 + k * 2, 2), P(6.8 + k * 2, 5.2), max(1, round(0.8 * u))
            )
        pygame.draw.rect(s, c, R(5.5, 8, 5, 7))
    elif name == "government":  # a columned building
        pygame.draw.polygon(s, c, [P(1, 5.5), P(8, 1.5), P(15, 5.5)])
        pygame.draw.rect(s, c, R(1.5, 13, 13, 2))
        for k in range(4):
            pygame.draw.rect(s, c, R(2.5 + k * 3.2, 6.5, 1.8, 6))
    elif name == "broker":  # two linked rings (a handshake between firms)
        pygame.draw.circle(s, c, P(5.5, 8), 4 * u, w + 1)
        pygame.draw.circle(s, c, P(10.5, 8), 4 * u, w + 1)
    elif name == "hub":  # a hexagon with a centre dot
        pts = [
            P(
                8 + 6.5 * math.cos(math.pi / 3 * k + math.pi / 6),
                8 + 6.5 * math.sin(math.pi / 3 * k + math.pi / 6),
            )
            for k in range(6)
        ]
        pygame.draw.polygon(s, c, pts, w + 1)
        pygame.draw.circle(s, c, P(8, 8), 2.2 * u)
    elif name == "clock":
        pygame.draw.circle(s, c, P(8, 8), 6.5 * u, w + 1)
        pygame.draw.line(s, c, P(8, 8), P(8, 4), w + 1)
        pygame.draw.line(s, c, P(8, 8), P(11, 9.5), w + 1)
    elif name == "check":
        pygame.draw.lines(s, c, False, [P(2.5, 8.5), P(6.5, 12.5), P(13.5, 3.5)], round(2.4 * u))
    elif name == "warning":
        pygame.draw.polygon(s, c, [P(8, 1.5), P(15, 14.5), P(1, 14.5)])
        pygame.draw.rect(s, (0, 0, 0, 0), R(7.2, 5.5, 1.6, 5))
        pygame.draw.rect(s, (0, 0, 0, 0), R(7.2, 11.5, 1.6, 1.6))
    elif name == "chat":
        pygame.draw.rect(s, c, R(1.5, 2, 13, 9), border_radius=round(2 * u))
        pygame.draw.polygon(s, c, [P(4, 10), P(4, 14.5), P(8, 10)])
    elif name == "deal":  # a document with a seal
        pygame.draw.rect(s, c, R(2.5, 1, 9, 13), w, border_radius=round(u))
        for k in range(3):
            pygame.draw.line(s, c, P(4.5, 4 + k * 2.5), P(9.5, 4 + k * 2.5), w)
        pygame.draw.circle(s, c, P(11.5, 12), 3 * u)
    elif name == "trend":
        pygame.draw.lines(
            s, c, False, [P(1.5, 13), P(6, 8), P(9, 10.5), P(14.5, 3.5)], round(2 * u)
        )
        pygame.draw.polygon(s, c, [P(14.8, 2.5), P(14.8, 7), P(10.5, 3)])
    elif name == "people":
        pygame.draw.circle(s, c, P(5.5, 5), 2.5 * u)
        pygame.draw.circle(s, c, P(11, 5.5), 2.2 * u)
        pygame.draw.ellipse(s, c, R(1, 8.5, 9, 7))
        pygame.draw.ellipse(s, c, R(7.5, 9, 8, 6.5))
    elif name == "region":  # a map pin over a horizon
        pygame.draw.circle(s, c, P(8, 6), 4.5 * u)
        pygame.draw.polygon(s, c, [P(4.2, 8), P(8, 14.5), P(11.8, 8)])
        pygame.draw.circle(s, (0, 0, 0, 0), P(8, 6), 1.8 * u)
    elif name == "pause":
        pygame.draw.rect(s, c, R(3.5, 2.5, 3, 11))
        pygame.draw.rect(s, c, R(9.5, 2.5, 3, 11))
    elif name == "play":
        pygame.draw.polygon(s, c, [P(4, 2), P(14, 8), P(4, 14)])
    elif name == "skip":
        pygame.draw.polygon(s, c, [P(2, 2.5), P(10, 8), P(2, 13.5)])
        pygame.draw.rect(s, c, R(11, 2.5, 2.5, 11))
    elif name == "stop":
        pygame.draw.rect(s, c, R(3, 3, 10, 10), border_radius=round(u))
    elif name == "plug":  # connection
        pygame.draw.arc(s, c, R(1, 3, 14, 14), math.radians(40), math.radians(140), w + 1)
        pygame.draw.arc(s, c, R(4, 6.5, 8, 8), math.radians(40), math.radians(140), w + 1)
        pygame.draw.circle(s, c, P(8, 12.5), 1.6 * u)
    elif name == "star":
        pts = []
        for k in range(10):
            r = 7 if k % 2 == 0 else 3
            a = -math.pi / 2 + k * math.pi / 5
            pts.append(P(8 + r * math.cos(a), 8.5 + r * math.sin(a)))
        pygame.draw.polygon(s, c, pts)
    elif name == "flag":
        pygame.draw.line(s, c, P(3, 1.5), P(3, 15), w + 1)
        pygame.draw.polygon(s, c, [P(3.5, 2), P(14, 4.5), P(3.5, 8)])
    elif name == "bot":
        pygame.draw.rect(s, c, R(2.5, 5, 11, 9), border_radius=round(2 * u))
        pygame.draw.line(s, c, P(8, 5), P(8, 2), w)
        pygame.draw.circle(s, c, P(8, 1.8), 1.2 * u)
        pygame.draw.circle(s, (0, 0, 0, 0), P(5.7, 9), 1.4 * u)
        pygame.draw.circle(s, (0, 0, 0, 0), P(10.3, 9), 1.4 * u)
    elif name == "user":
        pygame.draw.circle(s, c, P(8, 5), 3.3 * u)
        pygame.draw.ellipse(s, c, R(2, 9.5, 12, 8))
    elif name == "bell":
        pygame.draw.polygon(
            s, c, [P(8, 1.5), P(12, 4), P(12.5, 10), P(14.5, 12), P(1.5, 12), P(3.5, 10), P(4, 4)]
        )
        pygame.draw.circle(s, c, P(8, 13.6), 1.6 * u)
    elif name == "megaphone":
        pygame.draw.polygon(s, c, [P(2, 6), P(6, 6), P(13.5, 2), P(13.5, 14), P(6, 10), P(2, 10)])
        pygame.draw.rect(s, c, R(4.5, 10, 2.2, 4.5))
    elif name == "inbox":
        pygame.draw.rect(s, c, R(1.5, 3, 13, 11), w, border_radius=round(u))
        pygame.draw.lines(
            s, c, False, [P(1.5, 9), P(5.5, 9), P(6.5, 11), P(9.5, 11), P(10.5, 9), P(14.5, 9)], w
        )
    elif name == "send":
        pygame.draw.polygon(s, c, [P(1.5, 2), P(15, 8), P(1.5, 14), P(3.5, 8)])
    elif name == "district":  # the app icon: three buildings under a sawtooth skyline
        pygame.draw.rect(s, C.ACCENT, R(0, 0, 16, 16), border_radius=round(3 * u))
        ink = (27, 31, 39)
        pygame.draw.polygon(
            s,
            ink,
            [P(2, 13.5), P(2, 8), P(5, 5.5), P(5, 8), P(8, 5.5), P(8, 8), P(11, 5.5), P(11, 13.5)],
        )
        pygame.draw.rect(s, ink, R(11.5, 3, 2.5, 10.5))
        pygame.draw.rect(s, ink, R(1.5, 13.5, 13, 1.2))
    else:
        pygame.draw.circle(s, c, P(8, 8), 6 * u, w)


def export(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in NAMES:
        for size in (24, 48):
            p = out / f"{name}-{size}.png"
            pygame.image.save(icon(name, size, C.TEXT if name != "district" else C.ACCENT), str(p))
            written.append(p)
    return written


if __name__ == "__main__":
    pygame.display.init()
    files = export(Path(sys.argv[1]) if len(sys.argv) > 1 else ASSETS / "icons")
    print(f"wrote {len(files)} icons")
