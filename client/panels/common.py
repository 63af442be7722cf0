"""Pieces shared by the panels: the tab base, seat names, number parsing and the hints of a
field's bounds, the top bar."""

from __future__ import annotations

import math
import re
import time
from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui
from district.client.ui.draw import chip, text, wrap
from district.client.ui.gui import label_font, label_height
from district.client.ui.icons import blit_icon
from district.client.ui.theme import C
from pygame_gui.core import ObjectID

if TYPE_CHECKING:
    from district.client.scenes.base import Scene


def bind(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A no-argument callback for a button (pygame_gui calls commands with no or one argument)."""

    def call() -> Any:
        return fn(*args, **kwargs)

    return call


def oid(cls: str | None = None, ident: str | None = None) -> ObjectID:
    return ObjectID(object_id=f"#{ident}" if ident else None, class_id=cls)


def seat_name(view: dict[str, Any], seat: str | None) -> str:
    if not seat:
        return ""
    if seat == "facilitator":
        return "Facilitator"
    for s in view.get("seats", []):
        if s.get("id") == seat:
            name = s.get("name") or seat
            if s.get("role") == "firm" and s.get("firm", -1) >= 0:
                firms = view.get("firms", [])
                fi = s["firm"]
                if 0 <= fi < len(firms) and firms[fi].get("name") and firms[fi]["name"] != name:
                    return f"{firms[fi]['name']} ({name})"
            return str(name)
    return seat.split(":", 1)[-1].replace("-", " ").title()


def tender_name(view: dict[str, Any], tid: Any) -> str:
    """A tender as a person reads it: its buyer ('Milan fashion house (knitwear collection)')."""
    for t in view.get("tenders", []):
        if t.get("id") == tid:
            return str(t.get("buyer") or t.get("name") or tid)
    return str(tid).replace("-", " ").replace("_", " ")


_DEAL_ID = re.compile(r"\bdeal-(\d+)\b")
_SEAT_ID = re.compile(r"\b(?:firm|broker):[a-z0-9][a-z0-9-]*")


def named(view: dict[str, Any], s: str) -> str:
    """A sentence written with ids (the engine's outcome texts) with names in their place:
    tenders by buyer, seats by name, deals as 'deal 40'."""
    for t in view.get("tenders", []):
        tid = str(t.get("id", ""))
        if tid and tid in s:
            s = re.sub(rf"\b{re.escape(tid)}\b", tender_name(view, tid), s)
    s = _SEAT_ID.sub(lambda m: seat_name(view, m.group(0)), s)
    return _DEAL_ID.sub(lambda m: f"deal {m.group(1)}", s)


def role_word(seat: str) -> str:
    r = seat.split(":", 1)[0]
    return {"firm": "firm", "union": "union", "government": "government", "broker": "broker"}.get(
        r, r
    )


def parse_number(raw: str, spec: dict[str, Any]) -> tuple[float | int | None, str]:
    """Text from an entry -> (value, '') or (None, a message saying what is wrong)."""
    s = raw.strip().replace(",", ".").rstrip("k").strip()
    if not s:
        return None, "enter a number"
    try:
        v = float(s)
    except ValueError:
        return None, f"'{raw}' is not a number"
    if spec.get("type") == "int":
        if v != int(v):
            return None, "a whole number"
        v = int(v)
    lo, hi = spec.get("min"), spec.get("max")
    whole = spec.get("type") == "int"
    if lo is not None and v < lo:
        return None, f"at least {fmt_limit(lo, 'min', whole)}"
    if hi is not None and v > hi:
        return None, f"at most {fmt_limit(hi, 'max', whole)}"
    return v, ""


def fmt_bound(x: float) -> str:
    x = float(x)
    if abs(x) >= 1e6:
        return f"{x / 1e6:g}M"
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    return f"{x:g}"


def fmt_limit(x: float, side: str, whole: bool = False) -> str:
    """A range's end as a person reads it: whole numbers for counts, at most a few digits
    otherwise, rounded inwards ('min' up, 'max' down) so that the number shown is allowed."""
    x = float(x)
    if abs(x) >= 1e5:
        return fmt_bound(x)
    digits = 0 if whole or abs(x) >= 100 else 1 if abs(x) >= 1 else 2
    step = 10.0**-digits
    n = math.ceil(x / step - 1e-9) if side == "min" else math.floor(x / step + 1e-9)
    return f"{n * step:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{n:d}"


def fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}" if abs(v) < 1e5 else f"{v:,.0f}"
    if isinstance(v, list):
        return ", ".join(fmt_value(x) for x in v) or "none"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {fmt_value(x)}" for k, x in v.items())
    return str(v)


def range_hint(t: dict[str, Any]) -> str:
    """The bounds a field carries, for the hint beside it ('' when it carries none)."""
    lo, hi = t.get("min"), t.get("max")
    whole = t.get("type") == "int"
    if lo is not None and (hi is None or float(hi) >= 1e5):
        return f"from {fmt_limit(lo, 'min', whole)}"
    if hi is not None and lo is None:
        return f"up to {fmt_limit(hi, 'max', whole)}"
    if lo is None or hi is None:
        return ""
    return f"{fmt_limit(lo, 'min', whole)} – {fmt_limit(hi, 'max', whole)}"


class Tab:
    """A tab of the district scene's right-hand column: a panel of widgets and some drawing."""

    title = "Tab"
    icon = "deal"

    def __init__(self, scene: Scene, rect: pygame.Rect) -> None:
        self.scene = scene
        self.model = scene.model
        self.rect = pygame.Rect(rect)
        self.visible = True
        self.behind = False  # a view changed the tab's widgets while it was hidden
        self.panel: pygame_gui.elements.UIPanel | None = None
        self.rebuild()

    @property
    def manager(self) -> pygame_gui.UIManager:
        return self.scene.manager

    def u(self, v: float) -> int:
        return self.scene.u(v)

    def rebuild(self) -> None:
        self.behind = False
        if self.panel is not None:
            self.panel.kill()
        self.panel = pygame_gui.elements.UIPanel(
            self.rect,
            starting_height=1,
            manager=self.manager,
            object_id=oid(None, f"tab_{self.title.lower()}"),
        )
        self.build()
        if not self.visible:
            self.panel.hide()

    def build(self) -> None:
        """Create widgets inside self.panel (coordinates relative to the panel)."""

    def rebuild_for_view(self) -> None:
        """A new view changed what the tab's widgets show: built again now when the tab is in
        view, else when it is shown or in a frame with nothing else to do (see catch_up). The
        frame after a new round's view rebuilt every tab, ~50 ms of it for the hidden ones."""
        if self.visible or self.panel is None:
            self.rebuild()
        else:
            self.behind = True

    def catch_up(self) -> bool:
        """Rebuild the tab if a view left it behind while hidden; whether it did."""
        if not self.behind:
            return False
        self.rebuild()
        return True

    def show(self) -> None:
        self.visible = True
        self.catch_up()
        if self.panel is not None:
            self.panel.show()

    def hide(self) -> None:
        self.visible = False
        if self.panel is not None:
            self.panel.hide()

    def handle(self, event: pygame.event.Event) -> bool:
        return False

    def refresh(self, view_changed: bool) -> None:
        """The model changed."""

    def draw_over(self, surface: pygame.Surface) -> None:
        """Drawn above the widgets, in screen coordinates."""

    def inner_width(self) -> int:
        return self.rect.width - self.u(20)


# the status line's shorter words, tried in turn where the bar has no room for the whole phrase
# the connection status's words, longest first: a narrow bar shows a shorter one whole, beside
# its plug icon, never one cut mid-word ("offlin…"); the connect screen says the rest
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "connected": ("online",),
    "offline": ("offline (recorded)", "offline"),
    "reconnecting": ("reconnecting…", "back soon…", "back soon", "retrying"),
    "moving": ("moving to another server…", "moving…", "moving"),  # the session moved (net.py)
    "silent": (
        "server not answering; trying again…",
        "not answering…",
        "no answer…",
        "no reply",
    ),  # no pong
    "connecting": ("connecting…", "connecting", "joining"),
    "failed": ("disconnected", "offline"),
    "closed": ("disconnected", "offline"),
}
LONG_STATUS = ("moving", "silent")  # words that take room from the headline where the bar has it


def scenario_title(view: dict[str, Any]) -> str:
    """The scenario's title as the top bar shows it (its part before a colon)."""
    return str(view.get("scenario", {}).get("title", "District")).split(":")[0]


def draw_top_bar(
    scene: Scene,
    surface: pygame.Surface,
    rect: pygame.Rect,
    *,
    big: bool = False,
    reserve: int = 0,
    news: bool = True,
    k: float | None = None,
    title: bool = True,
) -> dict[str, pygame.Rect]:
    """Round, phase, timer, events and connection: the same bar for players, console and projector.
    `news=False` leaves the latest headline out (the projector has a ticker); `k` overrides the
    size factor that `big` sets; `title=False` leaves the icon and the scenario's title out (the
    projector draws them itself, on a line of their own when the bar is narrow)."""
    m = scene.model
    v = m.view or {}
    u = scene.u
    if k is None:
        k = 1.6 if big else 1.0
    pygame.draw.rect(surface, C.PANEL, rect)
    pygame.draw.line(surface, C.LINE, rect.bottomleft, rect.bottomright, 1)
    out: dict[str, pygame.Rect] = {}
    cy = rect.centery
    x = rect.x + u(12)
    rnd = f"Round {v.get('round', 0)} of {v.get('rounds', '?')}"
    phase = str(v.get("phase", "")).replace("_", " ")
    status = m.session.get("status")
    if status == "paused":
        phase = "paused"
    left = m.seconds_left()
    if left is None:
        tstr = "no clock"
        tcol = C.MUTED
    else:
        mins, secs = divmod(int(left + 0.999), 60)
        tstr = f"{mins}:{secs:02d}" + (" paused" if m.timer.get("paused") else "")
        tcol = C.BAD if left < 30 and not m.timer.get("paused") else C.TEXT
    chip_font = scene.fonts.get(round(14 * k), "bold")
    timer_font = scene.fonts.get(round(16 * k), "bold")
    # what follows the title, and the least of the connection status (its plug and its shortest
    # word whole, in the font a little smaller): the title gets the rest
    st = m.status
    forms = STATUS_WORDS.get(st, (st,))
    shortest = round(0.86 * min(scene.fonts.get(12).size(f)[0] for f in forms))
    after = (
        u(16)
        + chip_font.size(rnd)[0]
        + u(28)
        + chip_font.size("      " + phase.capitalize())[0]
        + u(34)
        + u(22 * k)
        + timer_font.size(tstr)[0]
        + u(18)
        + max(u(56), u(30) + shortest)
    )
    if title:
        blit_icon(surface, "district", (x + u(14 * k), cy), u(28 * k))
        x += u(36 * k)
        name = scenario_title(v)
        widest = u(230 * k * scene.text_scale)
        title_room = max(u(60), min(widest, rect.right - reserve - after - x))
        out["title"] = text(  # whole in a slightly smaller font if it must, else cut
            surface,
            name,
            scene.fonts.fit(round(16 * k), "bold", name, title_room, least=0.8),
            C.TEXT,
            (x, cy),
            "midleft",
            max_width=title_room,
        )
        x = out["title"].right + u(16)
    out["round"] = chip(
        surface,
        rnd,
        chip_font,
        C.BG,
        C.ACCENT,
        (x, cy),
        "midleft",
        (u(10), u(4)),
    )
    x = out["round"].right + u(8)
    pcol = {"negotiation": C.INFO, "report": C.REGION, "ended": C.MUTED, "paused": C.WARN}.get(
        phase, C.MUTED
    )
    picon = {"negotiation": "chat", "report": "trend", "ended": "flag", "paused": "pause"}.get(
        phase, "clock"
    )
    pr = chip(
        surface,
        "      " + phase.capitalize(),
        chip_font,
        C.BG,
        pcol,
        (x, cy),
        "midleft",
        (u(10), u(4)),
    )
    blit_icon(surface, picon, (pr.x + u(16 * k), cy), u(14 * k), C.BG)
    out["phase"] = pr
    x = pr.right + u(14)
    blit_icon(surface, "clock", (x + u(9 * k), cy), u(18 * k), C.MUTED)
    out["timer"] = text(surface, tstr, timer_font, tcol, (x + u(22 * k), cy), "midleft")
    x = out["timer"].right + u(18)
    # connection status (word + icon, not colour alone); a long word takes room from the news
    scol = {
        "connected": C.GOOD,
        "connecting": C.WARN,
        "reconnecting": C.WARN,
        "moving": C.WARN,
        "silent": C.WARN,
        "failed": C.BAD,
    }.get(st, C.MUTED)
    word = forms[0]
    status_font = scene.fonts.get(12)
    slot = u(130 if not big else 150)
    if st in LONG_STATUS:  # the long word takes room from the headline where the bar has it
        slot = max(slot, status_font.size(word)[0] + u(28))
    end = rect.right - slot - reserve
    # after the clock when larger text pushes the clock to the right
    sx = max(end, out["timer"].right + u(14)) if "timer" in out else end
    headlines = v.get("news", []) if news else []
    right_reserve = max(u(150 if not big else 240), slot + u(20)) + reserve
    room = rect.right - right_reserve - x - u(20 * k)
    if headlines and room >= u(
        60
    ):  # a narrow window leaves no room for the headline: the bar skips it
        blit_icon(surface, "bell", (x + u(8 * k), cy), u(16 * k), C.ACCENT)
        head = headlines[-1].get("headline", "")
        more = f"  (+{len(headlines) - 1} more)" if len(headlines) > 1 else ""
        out["news"] = text(
            surface,
            head + more,
            scene.fonts.get(round(13 * k)),
            C.TEXT,
            (x + u(20 * k), cy),
            "midleft",
            max_width=room,
        )
    blit_icon(surface, "plug", (sx, cy), u(16), scol)
    status_room = max(u(40), end + slot - sx - u(14))
    # the longest word that fits whole (the font a little smaller if need be)
    word, status_font = scene.fonts.fitted(12, "regular", forms, status_room)
    scene.status_shown = (word, status_font, status_room)
    out["status"] = text(
        surface, word, status_font, scol, (sx + u(12), cy), "midleft", max_width=status_room
    )
    return out


def toast(scene: Scene, surface: pygame.Surface, anchor: tuple[int, int], width: int) -> None:
    """The latest notice or an error that has no widget to sit next to, for a few seconds."""
    m = scene.model
    now = time.monotonic()
    items: list[tuple[str, tuple[int, int, int], str]] = []
    for e in m.errors[-3:]:
        if now - e.at < 8 and e.origin in ("", "ready", "topbar", "console", "connect"):
            items.append((e.readable(), C.BAD, "warning"))
    for t, msg in m.notices[-2:]:
        if now - t < 8:
            items.append((msg, C.ACCENT, "megaphone"))
    y = anchor[1]
    font = scene.fonts.get(13, "bold")
    for msg, col, ic in items[-3:]:
        img = font.render(msg, True, C.TEXT)
        w = min(width, img.get_width() + scene.u(44))
        r = pygame.Rect(0, 0, w, img.get_height() + scene.u(12))
        r.midbottom = (anchor[0], y)
        pygame.draw.rect(surface, (16, 20, 28), r, border_radius=scene.u(8))
        pygame.draw.rect(surface, col, r, 2, border_radius=scene.u(8))
        blit_icon(surface, ic, (r.x + scene.u(18), r.centery), scene.u(16), col)
        text(
            surface,
            msg,
            font,
            C.TEXT,
            (r.x + scene.u(32), r.centery),
            "midleft",
            max_width=r.width - scene.u(40),
        )
        y = r.y - scene.u(6)


def banner_rect(scene: Scene, area: pygame.Rect, message: str) -> pygame.Rect:
    """Where the banner for `message` goes: across the top of `area`, tall enough for its lines
    (at most three) and the Dismiss button at its right."""
    u = scene.u
    lines = wrap(message, scene.fonts.get(15, "bold"), area.width - u(170))[:3]
    return pygame.Rect(area.x, area.y, area.width, max(u(44), len(lines) * u(20) + u(16)))


def draw_banner(scene: Scene, surface: pygame.Surface, r: pygame.Rect, kind: str, msg: str) -> None:
    """A bar that cannot be missed: the teacher's broadcast (megaphone) or the teacher handing the
    seat to a bot (bot icon). The scene puts a Dismiss button at its right end."""
    u = scene.u
    col = C.WARN if kind == "bot" else C.INFO
    pygame.draw.rect(surface, (16, 20, 28), r, border_radius=u(8))
    pygame.draw.rect(surface, col, r, 3, border_radius=u(8))
    strip = pygame.Rect(r.x, r.y, u(44), r.height)
    pygame.draw.rect(
        surface, col, strip, border_top_left_radius=u(8), border_bottom_left_radius=u(8)
    )
    blit_icon(surface, "bot" if kind == "bot" else "megaphone", strip.center, u(22), C.BG)
    font = scene.fonts.get(15, "bold")
    width = r.width - u(170)
    lines = wrap(msg, font, width)
    if len(lines) > 3:
        lines = [*lines[:2], " ".join(lines[2:])]
    y = r.centery - len(lines) * u(20) // 2
    for line in lines:
        text(surface, line, font, C.TEXT, (r.x + u(56), y), max_width=width)
        y += u(20)


def side_hint(manager: Any, container: Any, rect: pygame.Rect, hint: str) -> str:
    """A field's short hint beside its input (its range and unit). Returns "" when it is shown
    there, or the hint itself when it is too wide for the room left at this text size: the
    caller puts it on the help lines under the field instead (see help_and_error's `first`).
    Measured with the theme's font first: no label is built that would cut its text."""
    font = label_font(manager, "@hint")
    if font.size(hint)[0] > rect.width:
        return hint
    r = pygame.Rect(rect.x, rect.y, rect.width, label_height(manager, rect.height, "@hint"))
    pygame_gui.elements.UILabel(r, hint, manager, container=container, object_id=oid("@hint"))
    return ""


def help_and_error(
    manager: Any,
    container: Any,
    x: int,
    y: int,
    width: int,
    help_text: Any,
    error_id: str,
    line: int,
    help_line: int,
    first: str = "",
) -> tuple[Any, int]:
    """Under a form field: its help text (if any), on as many lines as it needs in the font it is
    drawn with (larger text sizes wrap it, never cut it), then an empty error label that server
    or local errors fill later. Returns the error label and the y below it. The text is measured
    with the theme's font before any label is built, each label as tall as the font's line."""
    if first:  # a side hint with no room beside its input
        help_text = f"{first}; {help_text}" if help_text else first
    if help_text:
        said = str(help_text)
        font = label_font(manager, "@hint")
        line_h = max(help_line, font.size(said)[1] + 4)
        for part in wrap(said, font, width - x - 4):
            pygame_gui.elements.UILabel(
                pygame.Rect(x, y, width - x, line_h),
                part,
                manager,
                container=container,
                object_id=oid("@hint"),
            )
            y += line_h
    error = pygame_gui.elements.UILabel(
        pygame.Rect(x, y, width - x, line),
        "",
        manager,
        container=container,
        object_id=oid("@error", error_id),
    )
    return error, y
