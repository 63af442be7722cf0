"""Headless client tests: real pygame rendering on SDL's dummy video driver, real widgets driven by
synthetic input events, views recorded from a real bots game (no server needed except where a
test says so)."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import copy  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402
from district.client.app import App, give_back_memory  # noqa: E402
from district.client.recorded import model_for  # noqa: E402
from district.client.settings import Settings  # noqa: E402
from district.client.ui.theme import DrawnText  # noqa: E402
from district.server.record import record  # noqa: E402

HUMAN = "firm:fsm-robotica"


@pytest.fixture(scope="session")
def recorded() -> dict[str, Any]:
    """Three rounds of Emilia-Romagna with bots everywhere but FSM Robotica; every seat's views."""
    return record(
        "emilia-romagna",
        seed=1,
        rounds=3,
        human=HUMAN,
        seats=("union", "government", "broker:impannatore", "firm:elettronica-bassi"),
    )


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTRICT_CLIENT_CONFIG", str(tmp_path / "client.json"))


@pytest.fixture(autouse=True)
def _windows_let_go() -> Iterator[None]:
    """After each test its windows are gone at once: the events pygame_gui left in pygame's queue
    about their widgets dropped (a window drains the queue every frame, a test passing events by
    hand never does, and each event keeps its whole screen alive), the screens collected and the
    memory handed back (not at the collector's rare full pass: the workers grew to 2-2.6 GB)."""
    yield
    drain()
    give_back_memory()


def drain() -> None:
    """Empty pygame's queue. Not with pygame.event.clear(): pygame-ce 2.5 never lets go of what
    a cleared event carried (a pygame_gui event: its widget, and with it the whole screen), only
    of what get() hands out."""
    if pygame.display.get_init():
        pygame.event.get()


@pytest.fixture
def make_app(recorded: dict[str, Any]) -> Callable[..., App]:
    """App(seat, upto=index into that seat's frames (default: the last negotiation), size=...,
    limits=the decisions' bounds every view carries, instead of the recorded ones)."""
    apps: list[App] = []

    def make(
        seat: str = HUMAN,
        upto: int | None = None,
        size: tuple[int, int] = (1280, 720),
        limits: dict[str, Any] | None = None,
    ) -> App:
        frames = rec_frames(recorded, seat)
        if limits is not None:  # the decisions' bounds the views carry, instead of the recorded
            for v in frames:
                v["limits"] = copy.deepcopy(limits)
        n = len(frames) - 1 if upto is None else upto
        app = App(model_for(frames, n, recorded["deal_kinds"]), size=size, settings=Settings())
        app.frame([])
        apps.append(app)
        return app

    yield make
    for a in apps:
        a.close()


def rec_frames(recorded: dict[str, Any], seat: str) -> list[dict[str, Any]]:
    return [copy.deepcopy(v) for v in recorded["frames"][seat]]


# --- synthetic input ------------------------------------------------------------------------------


def run_all(apps: list[App], cond: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Frames of every open window (each drains its connection) until `cond` holds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for a in apps:
            a.frame([])
        if cond():
            return True
        time.sleep(0.01)
    return False


def drawn(app: App) -> list[str]:
    """Every string drawn with the client's fonts in one frame of `app`."""
    DrawnText.record = []
    try:
        app.frame([])
        return list(DrawnText.record)
    finally:
        DrawnText.record = None


def pump(app: App, n: int = 2) -> None:
    """Run frames with what pygame_gui posted (button presses, entry changes) until it settles
    (a drop-down's choice is posted one frame after the list's, so settling takes a few)."""
    for _ in range(n):
        app.frame(pygame.event.get())
    for _ in range(10):
        if not pygame.event.peek():
            break
        app.frame(pygame.event.get())


def reveal(app: App, element: Any) -> None:
    """Scroll the element's scrolling container (as a player would) until the element is in view."""
    from pygame_gui.elements import UIScrollingContainer

    for sc in app.scene.all_elements():
        if isinstance(sc, UIScrollingContainer) and element.ui_container is sc.get_container():
            view_h = sc.rect.height
            if sc.vert_scroll_bar is None or (
                sc.rect.contains(element.rect) and element.rect.bottom < sc.rect.y + view_h * 0.6
            ):
                return
            total = max(1, sc.scrolling_height)
            y = element.relative_rect.y
            sc.vert_scroll_bar.set_scroll_from_start_percentage(
                max(0.0, min(1.0, (y - view_h / 3) / total))
            )
            for _ in range(3):
                app.frame([])
            return


def click(app: App, element: Any, button: int = 1) -> None:
    """A real mouse click at the element's centre, through the app's event handling."""
    assert element.visible, f"{element} is hidden"
    reveal(app, element)
    pos = element.rect.center
    app.frame(
        [
            pygame.event.Event(
                pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0), touch=False
            )
        ]
    )
    app.frame([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button, touch=False)])
    app.frame([pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button, touch=False)])
    pump(app)


def click_at(app: App, pos: tuple[int, int]) -> None:
    app.frame(
        [
            pygame.event.Event(
                pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0), touch=False
            )
        ]
    )
    app.frame([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False)])
    app.frame([pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False)])
    pump(app)


def key(app: App, k: int, mod: int = 0, unicode: str = "") -> None:
    app.frame([pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=unicode, scancode=0)])
    app.frame([pygame.event.Event(pygame.KEYUP, key=k, mod=mod, unicode=unicode, scancode=0)])
    pump(app)


def type_into(app: App, entry: Any, text: str, clear: bool = True) -> None:
    """Focus an entry by clicking it, clear it, and type `text` as text-input events."""
    click(app, entry)
    if clear:
        entry.set_text("")
    app.frame([pygame.event.Event(pygame.TEXTINPUT, text=ch) for ch in text])
    pump(app)


def select_option(app: App, menu: Any, key_: str) -> None:
    """Open a drop-down and click the option whose key is `key_` (a person who sees it chosen
    already leaves the menu closed: pygame_gui keeps the list open when the chosen option is
    clicked again, and the list then covers the fields below it)."""
    sel = menu.selected_option
    if (sel[1] if isinstance(sel, tuple) else sel) == key_:
        return
    click(app, menu)
    state = menu.menu_states["expanded"]
    sl = state.options_selection_list
    for k, item in enumerate(sl.item_list):
        if item.get("object_id") == key_ or item.get("text") == key_:
            btn = item["button_element"]
            if (btn is None or not sl.rect.contains(btn.rect)) and sl.scroll_bar is not None:
                # scrolled out of the list's view: scroll to it with the list's bar, as a person
                sl.scroll_bar.set_scroll_from_start_percentage(k / len(sl.item_list))
                for _ in range(3):
                    app.frame([])
                btn = item["button_element"]
            assert btn is not None and sl.rect.contains(btn.rect), f"{key_} is out of view"
            click(app, btn)
            return
    raise AssertionError(f"no option {key_!r} in {[i.get('object_id') for i in sl.item_list]}")


def same_pixels(a: pygame.Surface, b: pygame.Surface) -> bool:
    return a.get_size() == b.get_size() and pygame.image.tobytes(a, "RGB") == pygame.image.tobytes(
        b, "RGB"
    )


def text_drawn(
    surface: pygame.Surface,
    s: str,
    font: pygame.font.Font,
    color: tuple[int, int, int],
    bg: tuple[int, int, int],
    search: pygame.Rect | None = None,
) -> bool:
    """Is `s` (in that font and colour, on that background) drawn somewhere in `search`? A real
    pixel comparison of the rendered glyphs, so a wrong number or a missing label fails."""
    import numpy as np

    img = pygame.Surface(font.size(s))
    img.fill(bg)
    img.blit(font.render(s, True, color), (0, 0))
    want = pygame.surfarray.array3d(img).astype(np.int16)
    search = (search or surface.get_rect()).clip(surface.get_rect())
    hay = pygame.surfarray.array3d(surface.subsurface(search)).astype(np.int16)
    w, h = img.get_size()
    if hay.shape[0] < w or hay.shape[1] < h:
        return False
    ink = np.argwhere(np.abs(want - np.array(color)).sum(axis=2) == 0)
    if len(ink) == 0:
        return False
    ax, ay = ink[0]
    cand = np.argwhere(
        np.abs(
            hay[ax : hay.shape[0] - w + ax + 1, ay : hay.shape[1] - h + ay + 1] - np.array(color)
        ).sum(axis=2)
        == 0
    )
    return any(np.array_equal(hay[cx : cx + w, cy : cy + h], want) for cx, cy in cand)
