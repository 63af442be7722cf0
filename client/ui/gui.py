"""The pygame_gui manager with District's theme and font, scaled to the window."""

from __future__ import annotations

import warnings
from types import MethodType
from typing import Any

import pygame
import pygame_gui
from district.client.ui.theme import FONT_FILES, theme_dict, ui_scale
from pygame_gui.core.utility import get_default_manager, set_default_manager

# The event types pygame_gui posts to pygame's queue (each also as an old-style USEREVENT).
UI_EVENT_TYPES = sorted(
    {v for k, v in vars(pygame_gui).items() if k.startswith("UI_") and isinstance(v, int)}
    | {pygame.USEREVENT}
)


def make_manager(size: tuple[int, int], text_scale: float = 1.0) -> pygame_gui.UIManager:
    """`text_scale`: the player's text size (1 normal), on top of the window's scale.

    pygame_gui makes the first manager of the process its 'default manager', a module global
    that would keep that manager, every widget of its screen and their surfaces alive for good
    (about 190 MB at 1920x1080) after the screen is rebuilt: District always names the manager,
    so none is left there."""
    scale = ui_scale(size) * text_scale
    manager = pygame_gui.UIManager(size, theme_dict(scale), enable_live_theme_updates=False)
    if get_default_manager() is manager:
        set_default_manager(None)
    quick_theme_ids(manager.get_theme())
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


def quick_theme_ids(theme: Any) -> None:
    """Make the theme's lookup of an element's combined ids (done for every widget built) cheap.

    pygame_gui 0.6 caches that lookup under a key made by `str(a).join(str(b).join(...))`,
    which threads each list's text between the characters of the next: for a widget three
    containers deep the key is about 0.7 MB of text (3.5 MB for the deepest), built and hashed
    for every widget created, and every distinct key is kept (78 MB for the district scene).
    That was half of the 160-200 ms frame after a new round's view (200 firms). Here the key is
    the four id lists as tuples; the ids themselves are the library's own computation
    (`_get_next_id_node` and the same shortening of each id), so every widget is themed as
    before (tests/client/test_view_hitch.py compares both for every widget of the scenes).
    A pygame_gui without those parts keeps its own lookup."""
    if not hasattr(theme, "_get_next_id_node") or not hasattr(theme, "unique_theming_ids"):
        return
    cache: dict[tuple[Any, ...], list[str]] = {}

    def build_all_combined_ids(
        self: Any,
        element_base_ids: list[str | None] | None,
        element_ids: list[str] | None,
        class_ids: list[str | None] | None,
        object_ids: list[str | None] | None,
    ) -> list[str]:
        key = tuple(
            None if ids is None else tuple(ids)
            for ids in (element_base_ids, element_ids, class_ids, object_ids)
        )
        hit = cache.get(key)
        if hit is not None:
            return hit
        combined: list[str] = []
        if (
            element_base_ids is not None
            and element_ids is not None
            and class_ids is not None
            and object_ids is not None
        ):
            n = len(element_ids)
            if len(object_ids) != n or len(class_ids) != n or len(element_base_ids) != n:
                raise ValueError(
                    f"Object & class ID hierarchy is not equal in length to Element ID "
                    f"hierarchy: element ids {element_ids}, class ids {class_ids}, "
                    f"object ids {object_ids}"
                )
            if n:
                self._get_next_id_node(
                    None, element_base_ids, element_ids, class_ids, object_ids, 0, n, combined
                )
            # then each id without its outermost parts, step by step, as the library does
            current = combined[:]
            done = not current
            while not done:
                for k, c in enumerate(current):
                    dot = c.find(".")
                    if dot == -1:
                        done = True
                    else:
                        current[k] = c[dot + 1 :]
                        combined.append(current[k])
        cache[key] = combined
        return combined

    theme.build_all_combined_ids = MethodType(build_all_combined_ids, theme)


def quick_text_sizes() -> None:
    """Remember what pygame_gui measures. Its font measures a text by rendering it (for the
    exact kerning), and every label, button and menu measures its text several times as it is
    built: ~4000 renders of the same few hundred strings for the frame after a new round's view.
    The size of a text in a font never changes, so each font keeps the sizes it measured (the
    same rectangles as before, a copy each time)."""
    from pygame_gui.core.gui_font_pygame import GUIFontPygame

    if getattr(GUIFontPygame.get_rect, "_district_cached", False):
        return
    measure = GUIFontPygame.get_rect

    def get_rect(self: Any, text: str) -> pygame.Rect:
        sizes = self.__dict__.setdefault("_district_sizes", {})
        key = (text, self.antialiased, self.underline)
        got = sizes.get(key)
        if got is None:
            if len(sizes) > 4000:
                sizes.clear()
            got = sizes[key] = get_rect.measure(self, text)  # type: ignore[attr-defined]
        return pygame.Rect(got)

    get_rect._district_cached = True  # type: ignore[attr-defined]
    get_rect.measure = measure  # type: ignore[attr-defined]
    GUIFontPygame.get_rect = get_rect  # type: ignore[method-assign]


quick_text_sizes()


def release_manager(manager: pygame_gui.UIManager) -> None:
    """Let go of a manager whose screen is rebuilt or closed (text size, colours, window size,
    another session): every widget killed, and pygame_gui's events about them that still wait in
    pygame's queue dropped. An event holds its widget, the widget its manager, the manager the
    whole screen: until the queue was drained (a window drains it every frame, the tests and
    tools that pass events by hand never do) the old screen stayed alive with all its surfaces
    and fonts. The events are moot: nobody shows or handles a widget that is gone."""
    manager.clear_and_reset()  # kills every widget, windows and tooltips too (which posts more)
    if pygame.display.get_init():
        waiting = pygame.event.get(eventtype=UI_EVENT_TYPES, pump=False)
        for e in waiting:
            el = getattr(e, "ui_element", None)
            if getattr(el, "ui_manager", None) is not manager:
                pygame.event.post(e)


def rect(x: float, y: float, w: float, h: float) -> pygame.Rect:
    return pygame.Rect(round(x), round(y), round(w), round(h))


def text_width(manager: pygame_gui.UIManager, text: str, element: str = "button") -> int:
    """How wide `text` is drawn in the theme's font of `element` ('button', 'label'), at the
    manager's scale and the player's text size."""
    return int(manager.get_theme().get_font([element]).size(text)[0])


def label_font(manager: pygame_gui.UIManager, cls: str | None = None) -> pygame.font.Font:
    """The theme's font of a label of class `cls` ('@hint', '@muted'; None: a plain label), at
    the manager's scale and the player's text size: to measure a text before building its label
    (a label too small for its text is cut, and pygame_gui warns)."""
    return manager.get_theme().get_font([cls, "label"] if cls else ["label"])  # type: ignore[return-value]


def label_height(manager: pygame_gui.UIManager, want: int, cls: str | None = None) -> int:
    """A label's height: `want`, or its font's line if that is taller (see grow_to_text)."""
    return max(want, int(label_font(manager, cls).size("Ag")[1]))


def fits(manager: pygame_gui.UIManager, text: str, width: int, element: str = "button") -> bool:
    """Whether `text` fits a widget `width` wide (its border and some padding aside)."""
    pad = max(16, round(0.14 * width)) if element == "button" else 4
    return text_width(manager, text, element) + pad <= width


def grow_to_text(label: pygame_gui.elements.UILabel) -> int:
    """Make `label` as tall as its font's line (a larger text size draws taller letters than the
    row a layout gave it, and pygame_gui cuts what does not fit: 'Inject' read 'Iniect', its
    descender gone). Returns the label's height, for the layout's next row."""
    need = label.font.size(label.text or "Ag")[1] if label.font is not None else 0
    if need > label.rect.height:
        label.set_dimensions((label.rect.width, need))
    return int(label.rect.height)


def fit_text(
    manager: pygame_gui.UIManager, labels: tuple[str, ...], width: int, element: str = "button"
) -> tuple[str, str | None]:
    """The first of `labels` (longest first) that fits `width`, and the full label as a tooltip
    when a shorter one had to be used (None when the first fits)."""
    for k, lab in enumerate(labels):
        if fits(manager, lab, width, element):
            return lab, (labels[0] if k else None)
    return labels[-1], labels[0]


def grid_columns(
    manager: pygame_gui.UIManager, labels: list[str], total: int, gap: int, most: int
) -> int:
    """How many columns of buttons (at most `most`, at least one) a grid of `labels` in `total`
    wide (with `gap` between) can have with every label whole in its button: fewer columns
    when a label is long (at a larger text size 'Elettronica Bassi' was cut to 'Elettronica Bas')."""
    for n in range(max(1, most), 1, -1):
        bw = (total - gap * (n - 1)) // n
        if all(fits(manager, lab, bw) for lab in labels):
            return n
    return 1


def fit_apart(manager: pygame_gui.UIManager, forms: list[tuple[str, ...]], width: int) -> list[str]:
    """For each item's forms (longest first), the longest that fits `width`, no two items reading
    the same: an item whose short form another item shares keeps a longer form (its button then
    says more than fits rather than leave two alike)."""
    out = [fit_text(manager, f, width)[0] for f in forms]
    level = [f.index(t) for f, t in zip(forms, out, strict=True)]
    while True:
        seen: dict[str, list[int]] = {}
        for i, t in enumerate(out):
            seen.setdefault(t, []).append(i)
        alike = [i for ix in seen.values() if len(ix) > 1 for i in ix if level[i] > 0]
        if not alike:
            return out
        for i in alike:
            level[i] -= 1
            out[i] = forms[i][level[i]]


def grid_layout(
    manager: pygame_gui.UIManager, forms: list[tuple[str, ...]], total: int, gap: int, most: int
) -> tuple[int, list[str]]:
    """Columns and labels of a grid of buttons whose labels have `forms` (longest first): the
    most columns (up to `most`) that show every full label whole, if that is two or more; else
    the most that show every label whole in a shorter form, no two alike; else one column, each
    label in the longest form that fits it."""
    n = grid_columns(manager, [f[0] for f in forms], total, gap, most)
    if n >= 2 or most == 1:
        return n, [f[0] for f in forms]
    for n in range(most, 0, -1):
        texts = fit_apart(manager, forms, (total - gap * (n - 1)) // n)
        if n == 1 or all(fits(manager, t, (total - gap * (n - 1)) // n) for t in texts):
            return n, texts
    return 1, [f[0] for f in forms]


def name_forms(name: str) -> tuple[str, ...]:
    """A name, then shorter forms for a narrow button: its part before brackets, its first and
    last words, then the words before its last as initials ('Officina Bertolini', 'O. M.
    Bertolini' for 'Officina Meccanica Bertolini')."""
    out = [name]
    base = name.split(" (")[0]
    if base != name:
        out.append(base)
    words = base.split()
    if len(words) > 2:  # 'ERVET staff', 'Officina Bertolini'
        out.append(f"{words[0]} {words[-1]}")
    if len(words) > 1:
        out.append(" ".join(w[0] + "." for w in words[:-1]) + " " + words[-1])
    return tuple(out)


def row_widths(
    manager: pygame_gui.UIManager, labels: list[tuple[str, ...]], total: int, gap: int
) -> list[int]:
    """Widths of buttons side by side in `total` (with `gap` between), for each button's labels
    (longest first): even shares when every full label fits its share, else each as wide as
    the longest labels that fit all together need, the room left shared out."""
    n = len(labels)
    room = total - gap * (n - 1)
    even = room // n
    if all(fits(manager, lab[0], even) for lab in labels):
        return [even] * n
    pad = max(16, round(0.14 * even))
    need: list[int] = []
    for level in range(max(len(lab) for lab in labels)):
        need = [text_width(manager, lab[min(level, len(lab) - 1)]) + pad for lab in labels]
        if sum(need) <= room:
            break
    if sum(need) > room:  # nothing fits: shares in proportion, the labels shortened later
        out = [round(room * x / sum(need)) for x in need]
    else:
        out = [x + (room - sum(need)) // n for x in need]
    out[-1] = room - sum(out[:-1])
    return out
