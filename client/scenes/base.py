"""A scene: a pygame_gui manager of its own, custom drawing under and over it, and a layout
rebuilt for the window size. Scenes read the model and queue commands on it; they never do I/O."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui
from district.client.panels.common import oid
from district.client.ui.gui import label_height, make_manager, release_manager, text_width
from district.client.ui.theme import C, Fonts, ui_scale

if TYPE_CHECKING:
    from district.client.app import App


PALETTE_LABELS = {"standard": "Standard", "colour-blind": "Colour-blind safe (Okabe-Ito)"}


def _part_of_menu(e: Any) -> bool:
    """A part of a composite widget (a drop-down's face, arrow or list; a scroll bar's buttons):
    Tab reaches the menu itself, and lists scroll by themselves."""
    ids = [str(i) for i in (getattr(e, "object_ids", None) or []) if i]
    parts = ("#selected_option", "#expand_button", "#top_button", "#bottom_button")
    return any(
        i in parts or i == "#sliding_button" or "drop_down_options_list" in i or "scroll_bar" in i
        for i in ids
    )


class Scene:
    name = "scene"

    def __init__(self, app: App) -> None:
        self.app = app
        self.model = app.model
        self.size = app.size
        self.s = self.scale_for(self.size)
        self.fonts = Fonts(self.s * self.text_scale)
        self.manager = make_manager(self.size, self.text_scale)
        self._seen = (-1, -1)
        self.kb_focus: Any = None  # a button or menu Tab moved to (Enter presses it)
        self.settings_window: Any = None
        # the connection status the top bar last showed: its word, font and room (see draw_top_bar)
        self.status_shown: tuple[str, Any, int] = ("", None, 0)
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

    @property
    def text_scale(self) -> float:
        """The player's text size (Settings.font_size): fonts grow, the layout stays."""
        st = getattr(self.app, "settings", None)
        return float(getattr(st, "font_scale", 1.0))

    def resize(self, size: tuple[int, int]) -> None:
        """Rebuild for a window of `size` (and the player's text size and palette now): the old
        widgets and their manager are let go first, so no old screen stays in memory."""
        self.release()
        self.size = size
        self.s = self.scale_for(size)
        self.fonts = Fonts(self.s * self.text_scale)
        self.manager = make_manager(size, self.text_scale)
        self.kb_focus = None
        self.settings_window = None
        self.build()
        self._seen = (-1, -1)

    def release(self) -> None:
        """Let go of every widget (the scene is rebuilt or closed)."""
        release_manager(self.manager)
        self.kb_focus = None
        self.settings_window = None

    def process(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN and self.keyboard(event):
            return
        if event.type == pygame.MOUSEBUTTONDOWN:
            self.kb_focus = None  # the mouse took over
        if self.settings_event(event):
            return
        used = self.manager.process_events(event)
        if not used or event.type >= pygame.USEREVENT:
            self.handle(event)

    # --- the keyboard: Tab / Shift+Tab through every control, Enter presses, Esc closes ---------
    def keyboard(self, event: pygame.event.Event) -> bool:
        if event.key == pygame.K_ESCAPE and self.settings_window is not None:
            self.close_settings()
            return True
        if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER) and not self.focused_text_entry():
            return self.press(self.kb_focus)
        return False

    def press(self, el: Any) -> bool:
        """Press a button or open a menu as a click at its centre would (so it does exactly what
        a click does)."""
        if el is None or not el.alive() or not el.visible or not el.is_enabled:
            return False
        pos = el.rect.center
        for t, kw in (
            (pygame.MOUSEMOTION, {"rel": (0, 0), "buttons": (0, 0, 0)}),
            (pygame.MOUSEBUTTONDOWN, {"button": 1}),
            (pygame.MOUSEBUTTONUP, {"button": 1}),
        ):
            e = pygame.event.Event(t, pos=pos, touch=False, **kw)
            if not self.manager.process_events(e) or e.type >= pygame.USEREVENT:
                self.handle(e)
        self.kb_focus = el if el.alive() else None
        return True

    def scrollers(self) -> dict[int, Any]:
        """The scrolling containers, by the id of the container their widgets live in."""
        return {
            id(sc.get_container()): sc
            for sc in self.all_elements()
            if isinstance(sc, pygame_gui.elements.UIScrollingContainer) and sc.visible
        }

    def focusable(self) -> list[Any]:
        """Every control a player can reach with Tab: text fields, buttons and menus that are
        visible and enabled, top to bottom and left to right; a scrolled list's controls come
        together at the list's place, also those scrolled out of view (Tab scrolls to them)."""
        root = self.manager.get_root_container().get_rect()
        scrollers = self.scrollers()
        out = []
        for e in self.all_elements():
            if not isinstance(
                e,
                pygame_gui.elements.UITextEntryLine
                | pygame_gui.elements.UIButton
                | pygame_gui.elements.UIDropDownMenu,
            ):
                continue
            if not e.visible or not e.is_enabled or _part_of_menu(e):
                continue
            sc = scrollers.get(id(getattr(e, "ui_container", None)))
            if sc is None and not root.colliderect(e.rect):
                continue
            row = max(1, self.u(8))
            if sc is not None:
                rel = e.relative_rect
                key = (sc.rect.y // row, sc.rect.x, 1, rel.y // row, rel.x)
            else:
                key = (e.rect.y // row, e.rect.x, 0, 0, 0)
            out.append((key, e))
        out.sort(key=lambda ke: ke[0])
        return [e for _k, e in out]

    def focus_order(self) -> list[Any]:
        """The order Tab visits the controls in (a scene with columns puts a column first)."""
        return self.focusable()

    def reveal(self, el: Any) -> None:
        """Scroll the list `el` is in so that it is in view."""
        sc = self.scrollers().get(id(getattr(el, "ui_container", None)))
        if sc is None or sc.vert_scroll_bar is None:
            return
        if sc.rect.contains(el.rect):
            return
        total = max(1, sc.scrolling_height)
        y = el.relative_rect.y
        sc.vert_scroll_bar.set_scroll_from_start_percentage(
            max(0.0, min(1.0, (y - sc.rect.height / 3) / total))
        )
        sc.update(0.0)

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
        self.draw_focus(surface)

    def focused_text_entry(self) -> bool:
        f = self.manager.get_focus_set()
        return any(
            isinstance(e, pygame_gui.elements.UITextEntryLine | pygame_gui.elements.UITextEntryBox)
            for e in (f or set())
        )

    def cycle_focus(self, reverse: bool = False) -> bool:
        """Tab / Shift+Tab: the next control on screen (text fields, buttons, menus; top to
        bottom, left to right). A text field takes the typing focus; a button or menu is ringed
        and Enter presses it."""
        fields = self.focus_order()
        if not fields:
            return False
        focus = self.manager.get_focus_set() or set()
        cur = next(
            (i for i, f in enumerate(fields) if f in focus or f is self.kb_focus),
            -1 if not reverse else 0,
        )
        nxt = fields[(cur + (-1 if reverse else 1)) % len(fields)]
        self.reveal(nxt)
        for f in fields:
            if isinstance(f, pygame_gui.elements.UITextEntryLine):
                f.unfocus()
        if isinstance(nxt, pygame_gui.elements.UITextEntryLine):
            self.kb_focus = None
            self.manager.set_focus_set(nxt)
            nxt.focus()
        else:
            self.manager.set_focus_set(None)
            self.kb_focus = nxt
        return True

    def draw_focus(self, surface: pygame.Surface) -> None:
        el = self.kb_focus
        if el is None or not el.alive() or not el.visible:
            return
        r = el.rect.inflate(self.u(6), self.u(6))
        pygame.draw.rect(surface, C.ACCENT, r, max(2, self.u(2)), border_radius=self.u(6))

    # --- the settings dialog (F8): text size and colours -----------------------------------------
    def settings_button(self, right: int, y: int, h: int) -> pygame_gui.elements.UIButton:
        """An on-screen button for the settings dialog (F8 does the same), its right edge at
        `right`, as wide as its label in the player's text size."""
        width = text_width(self.manager, "Settings") + self.u(28)
        return pygame_gui.elements.UIButton(
            pygame.Rect(right - width, y, width, h),
            "Settings",
            self.manager,
            object_id=oid(None, "settings_button"),
            command=self.toggle_settings,
            tool_tip_text="text size and colours (F8)",
        )

    def toggle_settings(self) -> None:
        if self.settings_window is not None:
            self.close_settings()
        else:
            self.open_settings()

    def open_settings(self) -> None:
        from district.client.settings import FONT_SIZES, PALETTES

        u = self.u
        W, H = self.size
        w, h = u(420), u(230)
        win = pygame_gui.elements.UIWindow(
            pygame.Rect((W - w) // 2, (H - h) // 2, w, h),
            self.manager,
            "Settings (F8, Esc closes)",
            object_id=oid(None, "settings"),
        )
        st = self.app.settings
        cw = win.get_container().get_rect().width
        x, fw = u(12), cw - u(24)
        lh = label_height(
            self.manager, u(22)
        )  # each label just above its menu, as tall as its font
        pygame_gui.elements.UILabel(
            pygame.Rect(x, u(28) - lh, fw, lh), "Text size", self.manager, container=win
        )
        self.size_menu = pygame_gui.elements.UIDropDownMenu(
            [(k.capitalize(), k) for k in FONT_SIZES],
            (st.font_size.capitalize(), st.font_size),
            pygame.Rect(x, u(28), fw, u(32)),
            self.manager,
            container=win,
            object_id=oid(None, "set_font_size"),
        )
        pygame_gui.elements.UILabel(
            pygame.Rect(x, u(88) - lh, fw, lh), "Colours", self.manager, container=win
        )
        self.palette_menu = pygame_gui.elements.UIDropDownMenu(
            [(PALETTE_LABELS[k], k) for k in PALETTES],
            (PALETTE_LABELS[st.palette], st.palette),
            pygame.Rect(x, u(88), fw, u(32)),
            self.manager,
            container=win,
            object_id=oid(None, "set_palette"),
        )
        self.settings_close = pygame_gui.elements.UIButton(
            pygame.Rect(x, u(132), fw, u(34)),
            "Close (Esc)",
            self.manager,
            container=win,
            object_id=oid(None, "settings_close"),
            command=self.close_settings,
        )
        self.settings_window = win
        self.kb_focus = self.size_menu

    def close_settings(self) -> None:
        if self.settings_window is not None:
            self.settings_window.kill()
        self.settings_window = None
        self.kb_focus = None

    def settings_event(self, event: pygame.event.Event) -> bool:
        if self.settings_window is None or event.type != pygame_gui.UI_DROP_DOWN_MENU_CHANGED:
            return False
        if event.ui_element not in (self.size_menu, self.palette_menu):
            return False
        key = self._menu_key(event.ui_element)
        app = self.app
        if event.ui_element is self.size_menu:
            app.set_display(font_size=key)
        else:
            app.set_display(palette=key)
        app.scene.open_settings()  # the scenes were rebuilt: the dialog stays open
        return True

    @staticmethod
    def _menu_key(menu: Any) -> str:
        sel = menu.selected_option
        return str(sel[1] if isinstance(sel, tuple) else sel)

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
