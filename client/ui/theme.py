"""One visual language: the palette, the shipped font, the pygame_gui theme scaled to the window.

Sizes are designed for 1280x720 and multiplied by `scale` (window height / 720, at least 1), so the
same layout reads well on a laptop and on a 1920x1080 projector.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import pygame

ASSETS = Path(str(files("district.assets")))  # package data, wherever District is installed
FONT_DIR = ASSETS / "fonts"
THEME_FILE = ASSETS / "theme.json"
FONT_FILES = {
    "regular": FONT_DIR / "NotoSans-Regular.ttf",
    "bold": FONT_DIR / "NotoSans-Bold.ttf",
    "italic": FONT_DIR / "NotoSans-Italic.ttf",
    "bold_italic": FONT_DIR / "NotoSans-BoldItalic.ttf",
}

Color = tuple[int, int, int]


def hexc(s: str) -> Color:
    s = s.lstrip("#")
    return (int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16))


class C:
    """The palette. Every colour that carries meaning has a second signal (a shape, an icon, a word)."""

    BG = hexc("#151b26")
    PANEL = hexc("#1f2735")
    PANEL_2 = hexc("#283244")
    LINE = hexc("#3a4659")
    TEXT = hexc("#eef1f6")
    MUTED = hexc("#9aa6ba")
    ACCENT = hexc("#f2b134")  # amber: me, focus, primary actions
    ACCENT_DARK = hexc("#8a6416")
    GOOD = hexc("#4cc38a")
    WARN = hexc("#f0a03c")
    BAD = hexc("#ee5d5d")
    INFO = hexc("#5aa9f5")
    NEW = hexc("#57d0e0")
    CLOSED = hexc("#6b7485")
    # map
    LAND = hexc("#e8e2cf")
    LAND_2 = hexc("#ddd5bd")
    ROAD = hexc("#f6f2e6")
    WATER = hexc("#b7d3df")
    MAP_INK = hexc("#3b3a36")
    # the three scoreboards
    COMPETITIVENESS = hexc("#5aa9f5")
    WORKER_WELFARE = hexc("#ee6b8b")
    REGION = hexc("#4cc38a")
    # sectors (building walls); more are generated
    SECTORS = [
        hexc("#7f95b8"),
        hexc("#b99067"),
        hexc("#8fae7c"),
        hexc("#a98bbf"),
        hexc("#c4a95b"),
        hexc("#7fb3b0"),
    ]


def hexs(c: Color) -> str:
    """A colour as '#rrggbb' (for html text boxes, which take the palette's colour this way)."""
    return "#{:02x}{:02x}{:02x}".format(*c)


# The palettes a player can choose. "colour-blind" is Okabe and Ito's palette (distinguishable
# with every common colour-vision deficiency): good/bad are sky blue and vermillion instead of
# green and red, and the three scoreboards, health states and sectors are Okabe-Ito colours.
# Meaning never rests on colour alone either way: icons, words, dash styles and marker shapes.
STANDARD: dict[str, Any] = {
    k: v for k, v in vars(C).items() if k.isupper() and isinstance(v, tuple | list)
}
OKABE_ITO = {
    "orange": hexc("#e69f00"),
    "sky": hexc("#56b4e9"),
    "green": hexc("#009e73"),
    "yellow": hexc("#f0e442"),
    "blue": hexc("#0072b2"),
    "vermillion": hexc("#d55e00"),
    "purple": hexc("#cc79a7"),
}
COLOUR_BLIND: dict[str, Any] = {
    **STANDARD,
    "ACCENT": OKABE_ITO["orange"],
    "GOOD": OKABE_ITO["sky"],
    "WARN": OKABE_ITO["yellow"],
    "BAD": OKABE_ITO["vermillion"],
    "INFO": hexc("#8fd0f5"),
    "NEW": OKABE_ITO["purple"],
    "COMPETITIVENESS": OKABE_ITO["sky"],
    "WORKER_WELFARE": OKABE_ITO["purple"],
    "REGION": OKABE_ITO["yellow"],
    "SECTORS": [
        OKABE_ITO["blue"],
        OKABE_ITO["orange"],
        OKABE_ITO["green"],
        OKABE_ITO["purple"],
        OKABE_ITO["yellow"],
        OKABE_ITO["sky"],
    ],
}
PALETTE_COLOURS = {"standard": STANDARD, "colour-blind": COLOUR_BLIND}
palette_now = "standard"


def apply_palette(name: str) -> None:
    """Switch every meaningful colour (C, the scoreboards, health) to the palette `name`."""
    global palette_now
    pal = PALETTE_COLOURS.get(name, STANDARD)
    palette_now = name if name in PALETTE_COLOURS else "standard"
    for k, v in pal.items():
        setattr(C, k, list(v) if isinstance(v, list) else v)
    BOARDS.update(
        {
            "competitiveness": ("Competitiveness", C.COMPETITIVENESS, "trend"),
            "worker_welfare": ("Worker welfare", C.WORKER_WELFARE, "people"),
            "region": ("Region", C.REGION, "region"),
        }
    )
    HEALTH.update(
        {
            "healthy": (C.GOOD, "healthy"),
            "struggling": (C.WARN, "struggling"),
            "new": (C.NEW, "new"),
            "closed": (C.CLOSED, "closed"),
        }
    )


BOARDS = {
    "competitiveness": ("Competitiveness", C.COMPETITIVENESS, "trend"),
    "worker_welfare": ("Worker welfare", C.WORKER_WELFARE, "people"),
    "region": ("Region", C.REGION, "region"),
}

HEALTH = {  # colour and the word that goes with it (never colour alone)
    "healthy": (C.GOOD, "healthy"),
    "struggling": (C.WARN, "struggling"),
    "new": (C.NEW, "new"),
    "closed": (C.CLOSED, "closed"),
}


def trust_style(t: float) -> tuple[Color, str]:
    """Link colour and dash style for a trust level 0-1: solid high, dashed middling, dotted low."""
    if t >= 0.6:
        return C.GOOD, "solid"
    if t >= 0.4:
        return C.WARN, "dashed"
    return C.BAD, "dotted"


class DrawnText:
    """Every string the client draws with its own fonts, while `record` is a list (the tests that
    read each screen as a person does: labels, numbers, names on the map)."""

    record: list[str] | None = None


class Font(pygame.font.Font):
    """The shipped font, telling DrawnText what it renders."""

    def render(self, text: Any, *args: Any, **kw: Any) -> pygame.Surface:
        if DrawnText.record is not None and text:
            DrawnText.record.append(str(text))
        return super().render(text, *args, **kw)


@dataclass
class Fonts:
    """pygame fonts of the shipped family, cached by (style, size in design pixels)."""

    scale: float = 1.0

    def __post_init__(self) -> None:
        self._cache: dict[tuple[str, int], Font] = {}

    def get(self, size: int, style: str = "regular") -> Font:
        px = max(8, round(size * self.scale))
        key = (style, px)
        f = self._cache.get(key)
        if f is None:
            f = Font(str(FONT_FILES[style]), px)
            self._cache[key] = f
        return f

    def fit(self, size: int, style: str, s: str, width: int, least: float = 0.6) -> Font:
        """The font of `size`, or a smaller one (down to `least` of it) that fits `s` in `width`:
        a number is better whole in a smaller size than cut (large text in a narrow card)."""
        k = 1.0
        f = self.get(size, style)
        while f.size(s)[0] > width and k > least:
            k -= 0.05
            f = self.get(max(6, round(size * k)), style)
        return f

    def fitted(self, size: int, style: str, forms: tuple[str, ...], width: int) -> tuple[str, Font]:
        """The first of `forms` (longest first) that fits `width` in the font of `size` or a
        little smaller (down to 0.85 of it), with that font; else the last form in the font of
        `size`, to be cut with an ellipsis. A whole word reads better than a cut one."""
        for s in forms:
            f = self.fit(size, style, s, width, least=0.85)
            if f.size(s)[0] <= width:
                return s, f
        return forms[-1], self.get(size, style)


def ui_scale(size: tuple[int, int]) -> float:
    w, h = size
    return max(1.0, min(w / 1280.0, h / 720.0))


def theme_dict(scale: float, palette: str | None = None) -> dict[str, Any]:
    """The pygame_gui theme from assets/theme.json with every font size multiplied by `scale`,
    its colours in the palette `palette` (default: the one applied)."""
    text_ = THEME_FILE.read_text()
    pal = PALETTE_COLOURS.get(palette or palette_now, STANDARD)
    if pal is not STANDARD:
        for k in ("ACCENT", "GOOD", "WARN", "BAD", "INFO"):
            text_ = text_.replace(hexs(STANDARD[k]), hexs(pal[k]))
    raw = json.loads(text_)
    theme = copy.deepcopy(raw)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "font" and isinstance(v, dict) and "size" in v:
                    v["size"] = str(max(8, round(int(v["size"]) * scale)))
                    for style, p in (
                        ("regular_path", "regular"),
                        ("bold_path", "bold"),
                        ("italic_path", "italic"),
                        ("bold_italic_path", "bold_italic"),
                    ):
                        v.setdefault(style, str(FONT_FILES[p]))
                elif k in ("border_width", "shadow_width") and isinstance(v, str) and scale >= 1.4:
                    v_int = int(v)
                    node[k] = str(max(v_int, round(v_int * scale)))
                else:
                    walk(v)

    walk(theme)
    return theme
