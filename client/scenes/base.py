"""A scene: a pygame_gui manager of its own, custom drawing under and over it, and a layout
rebuilt for the window size. Scenes read the model and queue commands on it; they never do I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui
from district.client.ui.gui import make_manager
from district.client.ui.theme import C, Fonts, ui_scale

if TYPE_CHECKING:
    from district.client.app import App


class Scene:
    name = "scene"

    def __init__(self, app: App) -> None:
        self.app = app
        self.model = app.model
        self.size = app.size
        self.s = self.scale_for(self.size)
        self.fonts = Fonts(self.s)
        self.manager = make_manager(self.size)
        self._seen = (-1, -1)
        self.build()

    # --- to override ----------------------------------------------------------------------------
    def build(self) -> None:
        """Create the widgets for self.size."""

    def refresh(self, view_changed: bool) -> None:
        """The model changed (a new view, or events folded into it)."""

    def handle(self, event: pygame.event.Event) -> bool:
        """A pygame or pygame_gui event. Return True if it was used."""
        return False

    def draw_under(self, surface: pygame.Surface) -> None:
        surface.fill(C.BG)

    def draw_over(self, surface: pygame.Surface) -> None:
        """Drawn after the widgets (hover cards, toasts)."""

    def scale_for(self, size: tuple[int, int]) -> float:
        """Design pixels per window pixel for a window of `size`."""
        return ui_scale(size)

    # --- machinery ------------------------------------------------------------------------------
    def u(self, v: float) -> int:
        """Design pixels (at 1280x720) to window pixels."""
        return round(v * self.s)

    def R(self, x: float, y: float, w: float, h: float) -> pygame.Rect:
        return pygame.Rect(round(x), round(y), round(w), round(h))

    def resize(self, size: tuple[int, int]) -> None:
        self.size = size
        self.s = self.scale_for(size)
        self.fonts = Fonts(self.s)
        self.manager = make_manager(size)
        self.build()
        self._seen = (-1, -1)

    def process(self, event: pygame.event.Event) -> None:
        used = self.manager.process_events(event)
        if not used or event.type >= pygame.USEREVENT:
            self.handle(event)

    def update(self, dt: float) -> None:
        seen = (self.model.view_version, self.model.events_version)
        if seen != self._seen:
            view_changed = seen[0] != self._seen[0]
            self._seen = seen
            self.refresh(view_changed)
        self.manager.update(dt)

    def draw(self, surface: pygame.Surface) -> None:
        self.draw_under(surface)
        self.manager.draw_ui(surface)
        self.draw_over(surface)

    def focused_text_entry(self) -> bool:
        f = self.manager.get_focus_set()
        return any(
            isinstance(e, pygame_gui.elements.UITextEntryLine | pygame_gui.elements.UITextEntryBox)
            for e in (f or set())
        )

    def cycle_focus(self, reverse: bool = False) -> bool:
        """Tab / Shift+Tab: the next visible text field on screen (top to bottom, left to right)."""
        fields = [
            e
            for e in self.all_elements()
            if isinstance(e, pygame_gui.elements.UITextEntryLine)
            and e.visible
            and e.is_enabled
            and self.manager.get_root_container().get_rect().colliderect(e.rect)
        ]
        if not fields:
            return False
        fields.sort(key=lambda e: (e.rect.y, e.rect.x))
        focus = self.manager.get_focus_set() or set()
        cur = next((i for i, f in enumerate(fields) if f in focus), -1)
        nxt = fields[(cur + (-1 if reverse else 1)) % len(fields)]
        for f in fields:
            f.unfocus()
        self.manager.set_focus_set(nxt)
        nxt.focus()
        return True

    def element_by_id(self, object_id: str) -> Any:
        """The first live element whose object id ends with `object_id` (tests and shortcuts)."""
        for e in self.all_elements():
            ids = getattr(e, "object_ids", None) or []
            if ids and ids[-1] == object_id:
                return e
        return None

    def all_elements(self) -> list[Any]:
        out: list[Any] = []
        for spr in self.manager.get_sprite_group().sprites():
            if getattr(spr, "alive", lambda: True)():
                out.append(spr)
        return out
