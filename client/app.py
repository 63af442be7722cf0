"""The client application: window, render loop, scene selection, and the `district play` entry
point (`district demo` is composed by the command line: a local server, then this window).

The render loop never blocks: each frame it folds what the network thread received into the
model, lets the scene handle input, and draws. `App.frame()` is one such frame and is what the
headless tests drive.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import gc
import os
import sys
import time
from typing import Any

import pygame
from district.client.connection import Connection
from district.client.model import ClientModel
from district.client.net import NetClient
from district.client.scenes.base import Scene
from district.client.settings import Settings
from district.client.ui.theme import apply_palette, ui_scale

DEFAULT_SIZE = (1280, 720)


def give_back_memory() -> None:
    """After a screen was rebuilt or closed: collect the old one now (its widgets, surfaces and
    fonts are cycles, left to the collector's rare full passes otherwise), and hand the freed heap
    back to the system. glibc keeps freed memory in the process (the surfaces of a rebuilt
    1920x1080 screen, some 190 MB, stayed resident: 290 MB grew to 700 MB over a few text size
    changes, and a trim brings it back to 290); on other systems only the collection is done."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc's; musl has none
    except (OSError, AttributeError):
        return None


class App:
    def __init__(
        self,
        model: ClientModel | None = None,
        size: tuple[int, int] = DEFAULT_SIZE,
        settings: Settings | None = None,
        surface: pygame.Surface | None = None,
        window: bool = False,
    ) -> None:
        pygame.display.init()
        pygame.font.init()
        self.window = window
        if surface is None:
            flags = pygame.RESIZABLE if window else 0
            surface = (
                pygame.display.set_mode(size, flags)
                if window or not pygame.display.get_surface()
                else pygame.Surface(size)
            )
            if window:
                pygame.display.set_caption("District")
                from district.client.ui.icons import icon

                pygame.display.set_icon(icon("district", 64))
        self.surface = surface
        self.size = surface.get_size()
        self.model = model or ClientModel()
        self.settings = settings or Settings()
        apply_palette(self.settings.palette)
        self.connection: Connection | None = None
        self.scenes: dict[str, Scene] = {}
        self.scene: Scene | None = None
        self.override: str | None = None  # a scene the user chose (projector, debrief, report)
        self.report_seen: int = -1  # the round whose report the player closed
        self.running = True
        self.frames = 0
        self.on_exit: list[Any] = []
        self.workshop: Any = None  # the workshop console's link (client/scenes/workshop.py)
        self.workshop_console = False  # the console is on screen (not one of its sessions)
        self.rebuilt = False  # screens were rebuilt or closed: give the memory back next frame
        self.select_scene()

    # --- scenes -----------------------------------------------------------------------------------
    def wanted_scene(self) -> str:
        m = self.model
        v = m.view
        if self.workshop is not None and (self.workshop_console or v is None):
            return "workshop"
        if v is None:
            return "connect"
        role = v.get("role") or m.seat
        if role == "facilitator":
            return self.override if self.override in ("projector", "debrief") else "facilitator"
        if m.session.get("status") == "lobby" or (
            v.get("round", 0) == 0 and v.get("phase") in ("briefing", None)
        ):
            return "connect"
        if self.override:
            return self.override
        phase = v.get("phase")
        if phase == "ended":  # the debrief on every screen, the projector's too
            return "debrief"
        if role == "observer":
            return "projector"
        if phase == "report" and self.report_seen != v.get("round"):
            return "report"
        return "district"

    def _make(self, name: str) -> Scene:
        from district.client.scenes import (
            connect,
            debrief,
            district,
            facilitator,
            projector,
            report,
            workshop,
        )

        cls = {
            "connect": connect.ConnectScene,
            "district": district.DistrictScene,
            "report": report.ReportScene,
            "debrief": debrief.DebriefScene,
            "facilitator": facilitator.FacilitatorScene,
            "projector": projector.ProjectorScene,
            "workshop": workshop.WorkshopScene,
        }[name]
        return cls(self)

    def select_scene(self) -> Scene:
        name = self.wanted_scene()
        if self.scene is None or self.scene.name != name:
            if name not in self.scenes:
                self.scenes[name] = self._make(name)
            self.scene = self.scenes[name]
            self.scene._seen = (-1, -1)
        return self.scene

    def show(self, name: str | None) -> None:
        """Switch to a scene by hand (None: back to what the game's phase asks for)."""
        self.override = name
        self.select_scene()

    def close_report(self) -> None:
        self.report_seen = int((self.model.view or {}).get("round", -1))
        if self.override == "report":
            self.override = None
        self.select_scene()

    def set_display(self, font_size: str | None = None, palette: str | None = None) -> None:
        """The player's text size and palette: remembered in the settings file, and every scene
        rebuilt with them at once (what was typed in the forms stays)."""
        st = self.settings
        if font_size is not None:
            st.font_size = font_size
        if palette is not None:
            st.palette = palette
        st.save()
        apply_palette(st.palette)
        for s in self.scenes.values():
            s.resize(self.size)
        if self.scene is not None:
            self.scene._seen = (-1, -1)
        self.rebuilt = True

    def reset_scenes(self) -> None:
        self.close_scenes()
        self.select_scene()

    def close_scenes(self) -> None:
        """Let go of every scene and its widgets (a new session, or the window closes)."""
        for s in self.scenes.values():
            s.release()
        self.scenes.clear()
        self.scene = None
        self.rebuilt = True

    def close(self) -> None:
        """The window is done with: its connection closed and its screens let go."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.leave_workshop(select=False)
        self.close_scenes()

    # --- connection -------------------------------------------------------------------------------
    def connect(
        self,
        server: str,
        *,
        code: str | None = None,
        name: str | None = None,
        role: str | None = None,
        token: str | None = None,
        observer: bool = False,
        workshop: tuple[str, str, str] | None = None,
    ) -> Connection:
        if self.connection is not None:
            self.connection.close()
        hello: dict[str, Any] = {}
        if token:
            hello["token"] = token
        if code:
            hello["code"] = code
        if name:
            hello["name"] = name
        if role:
            hello["role"] = role
        if observer:
            hello["observer"] = True
        if workshop:
            hello["workshop"] = workshop  # (name, key, session): as that session's facilitator
        net = NetClient(server, hello, ca=self.settings.ca or None).start()
        self.connection = Connection(net, self.model)
        self.model.set_status("connecting")
        self.model.code = code or self.model.code
        self._server = server
        return self.connection

    def open_session(self, token: str, code: str) -> None:
        """The facilitator opens another session (one branched from this one): a fresh model and
        scenes, and a connection with its facilitator token, kept like a created session's."""
        server = getattr(self, "_server", None) or self.settings.server

        self.model = ClientModel()
        self.model.code = code
        self.model.session["facilitator_token"] = token
        self.override = None
        self.report_seen = -1
        self.reset_scenes()
        self.connect(server, token=token)

    # --- the workshop console ----------------------------------------------------------------------
    def open_workshop(self, server: str, name: str, key: str) -> None:
        """The workshop console of `name` on `server` (its sessions, whichever server runs them)."""
        from district.client.scenes.workshop import WorkshopLink

        self.leave_workshop(select=False)
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.workshop = WorkshopLink(server, name, key, ca=self.settings.ca or None).start()
        self.workshop_console = True
        self._server = server
        self.model = ClientModel()
        self.override = None
        self.reset_scenes()

    def open_from_workshop(self, session: str, code: str, url: str) -> None:
        """Open one session of the workshop: its facilitator console, joined with the workshop's
        name and key. The hello goes to the workshop's server, which serves it or redirects to the
        server that runs it (`url`): so if that server dies, the console comes back through the
        workshop's server to whichever process takes the session over."""
        w = self.workshop
        if w is None:
            return
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.model = ClientModel()
        self.model.code = code
        self.override = None
        self.report_seen = -1
        self.workshop_console = False
        self.reset_scenes()
        self.connect(w.url, workshop=(w.name, w.key, session))

    def back_to_workshop(self) -> None:
        """From a session's facilitator console back to the workshop console."""
        if self.workshop is None:
            return
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.model = ClientModel()
        self.workshop_console = True
        self.override = None
        self.reset_scenes()

    def leave_workshop(self, select: bool = True) -> None:
        """Close the workshop console (back to the connect screen)."""
        w, self.workshop = self.workshop, None
        self.workshop_console = False
        if w is not None:
            w.stop()
        if select:
            self.model = ClientModel()
            self.reset_scenes()

    def _remember_facilitator(self) -> None:
        """A new facilitator token (the console asked for one) replaces the one kept."""
        fac = self.model.session.get("facilitator_token")
        if fac and self.settings.facilitator != fac:
            self.settings.facilitator = fac  # kept privately (client/settings.py)
            self.settings.save()

    def _remember(self) -> None:
        tok = self.model.session.get("token")
        server = getattr(self, "_server", None)
        if (
            tok
            and server
            and self.model.code
            and self.settings.token_for(server, self.model.code) != tok
        ):
            self.settings.remember_token(server, self.model.code, tok)
            self.settings.save()

    # --- the loop ---------------------------------------------------------------------------------
    def frame(self, events: list[pygame.event.Event] | None = None, dt: float = 1 / 60) -> None:
        if self.rebuilt:  # (a frame later: the events of the last one held the old widgets)
            self.rebuilt = False
            give_back_memory()
        if self.connection is not None:
            self.connection.pump()
            self._remember()
        self._remember_facilitator()
        scene = self.select_scene()
        for e in events if events is not None else pygame.event.get():
            if e.type == pygame.QUIT:
                self.running = False
                continue
            if e.type == pygame.VIDEORESIZE and self.window:
                self.resize((max(960, e.w), max(540, e.h)))
                scene = self.scene or scene
                continue
            if e.type == pygame.KEYDOWN and self._global_key(e):
                continue
            scene.process(e)
            scene = self.select_scene()
        scene.update(dt)
        scene.draw(self.surface)
        self.frames += 1

    def _global_key(self, e: pygame.event.Event) -> bool:
        if e.key == pygame.K_F8 and self.scene is not None:  # text size and colours
            self.scene.toggle_settings()
            return True
        if e.key == pygame.K_F11 and self.window:
            pygame.display.toggle_fullscreen()
            return True
        role = (self.model.view or {}).get("role")
        if e.key == pygame.K_F9 and role == "facilitator":
            self.show(None if self.override == "projector" else "projector")
            return True
        if e.key == pygame.K_F10 and self.model.view is not None and role not in (None, "observer"):
            self.show(None if self.override == "debrief" else "debrief")
            return True
        return False

    def resize(self, size: tuple[int, int]) -> None:
        if self.window:
            self.surface = pygame.display.set_mode(size, pygame.RESIZABLE)
        else:
            self.surface = pygame.Surface(size)
        self.size = size
        for s in self.scenes.values():
            s.resize(size)
        self.rebuilt = True

    def run(self, fps: int = 60) -> None:
        clock = pygame.time.Clock()
        shot = os.environ.get("DISTRICT_SCREENSHOT")  # PATH[:seconds]: save the window, then quit
        shot_at = time.monotonic() + (
            float(shot.rsplit(":", 1)[1]) if shot and ":" in shot else 4.0
        )
        while self.running:
            dt = clock.tick(fps) / 1000.0
            self.frame(None, dt)
            pygame.display.flip()
            if shot and time.monotonic() >= shot_at:
                pygame.image.save(self.surface, shot.rsplit(":", 1)[0] if ":" in shot else shot)
                self.running = False
        for f in self.on_exit:
            f()
        self.close()

    @property
    def scale(self) -> float:
        return ui_scale(self.size)


# --- entry points --------------------------------------------------------------------------------


def has_display() -> bool:
    if os.environ.get("SDL_VIDEODRIVER", "") in ("dummy", "offscreen"):
        return False
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def play_main(args: argparse.Namespace) -> int:
    """`district play [--server URL] [--code CODE] [--name NAME] [--create-key KEY] [--ca FILE]`:
    the connect screen, then the game."""
    if not has_display():
        print(
            "No display found (no DISPLAY or WAYLAND_DISPLAY, or SDL_VIDEODRIVER=dummy): the game window "
            "cannot open here. Run `district demo --headless` for a terminal game.",
            file=sys.stderr,
        )
        return 1
    settings = Settings.load()
    for k in ("server", "code", "name", "create_key", "ca"):
        v = getattr(args, k, None)
        if v:
            setattr(settings, k, v)
    app = App(settings=settings, window=True)
    if (
        getattr(args, "server", None)
        and getattr(args, "code", None)
        and getattr(args, "name", None)
    ):
        from district.client.scenes.connect import ConnectScene

        scene = app.scene
        if isinstance(scene, ConnectScene):
            scene.join()
    app.run()
    return 0


def workshop_main(args: argparse.Namespace) -> int:
    """`district workshop --server URL --name N --key K [--ca FILE]`: the workshop console."""
    if not has_display():
        print(f"The workshop console needs a window: {no_display_reason()}.", file=sys.stderr)
        return 1
    settings = Settings.load()
    settings.server = args.server
    if getattr(args, "ca", None):
        settings.ca = args.ca
    app = App(settings=settings, window=True)
    app.open_workshop(args.server, args.name, args.key)
    app.run()
    return 0


def no_display_reason() -> str:
    """Why no window can open here ('' if one can)."""
    if has_display():
        return ""
    return "no display was found (no DISPLAY or WAYLAND_DISPLAY, or SDL_VIDEODRIVER=dummy)"


def wait_until(app: App, cond: Any, timeout: float = 10.0, step: float = 0.02) -> bool:
    """Run frames until `cond()` is true (tests and the demo's start-up)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.frame([])
        if cond():
            return True
        time.sleep(step)
    return bool(cond())
