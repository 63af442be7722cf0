"""The pygame_gui manager with District's theme and font, scaled to the window."""

from __future__ import annotations

import warnings

import pygame
import pygame_gui
from district.client.ui.theme import FONT_FILES, theme_dict, ui_scale


def make_manager(size: tuple[int, int], text_scale: float = 1.0) -> pygame_gui.UIManager:
    """`text_scale`: the player's text size (1 normal), on top of the window's scale."""
    scale = ui_scale(size) * text_scale
    manager = pygame_gui.UIManager(size, theme_dict(scale), enable_live_theme_updates=False)
    manager.add_font_paths(
        "notosans",
        str(FONT_FILES["regular"]),
        str(FONT_FILES["bold"]),
        str(FONT_FILES["italic"]),
        str(FONT_FILES["bold_italic"]),
    )
    sizes = sorted(
        {max(8, round(px * scale)) for px in (11, 12, 13, 14, 15, 16, 18, 20, 24, 28, 36)}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        manager.preload_fonts(
            [
                {"name": "notosans", "point_size": px, "style": style}
                for px in sizes
                for style in ("regular", "bold", "italic")
            ]
        )
    return manager


def rect(x: float, y: float, w: float, h: float) -> pygame.Rect:
    return pygame.Rect(round(x), round(y), round(w), round(h))
