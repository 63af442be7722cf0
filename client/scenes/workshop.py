"""The workshop console: every session of a workshop (its code, scenario, round, phase, players
online and away, and the server that runs it), refreshed every 2 s, with Pause/Resume, Broadcast
and Open on each row. Open goes to that session's facilitator console (a `hello` with the
workshop's name and key, docs/protocol.md "Workshops"), whose Workshop button comes back here.

The console talks to the server through `WorkshopLink`: a ProtocolClient on a thread of its own
that asks for the list every LIST_EVERY seconds and sends the actions the console queues; the
render loop takes what came back with `poll()` and never waits."""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from typing import Any

import pygame
import pygame_gui
from district.client.net import drained, unreachable
from district.client.panels.common import bind, oid
from district.client.scenes.base import Scene
from district.client.ui.draw import panel, text, wrap
from district.client.ui.icons import blit_icon
from district.client.ui.theme import C
from district.server.protocol import within
from district.server.protocol_client import (
    CONNECT_ERRORS,
    OPEN_TIMEOUT,
    PING_INTERVAL,
    PING_TIMEOUT,
    InvalidURI,
    ProtocolClient,
)
from pygame_gui.elements import UIButton, UITextEntryLine

LIST_EVERY = 2.0  # seconds between two lists of the sessions
PHASES = {"negotiation": "Negotiation", "report": "Report", "ended": "Game over", "lobby": "Lobby"}


class WorkshopLink:
    """A workshop's messages on a thread of their own. `poll()` gives what came back:
    {"kind": "list", "sessions": [...]}, {"kind": "done", "action", "session", "reply"} or
    {"kind": "status", "status": "connected" | "failed", "detail"}."""

    def __init__(
        self, url: str, name: str, key: str, ca: str | None = None, every: float = LIST_EVERY
    ) -> None:
        self.url, self.name, self.key, self.ca, self.every = url, name, key, ca, every
        self.sessions: list[dict[str, Any]] = []  # the latest list
        # a refused list is not asked again (each would count as a wrong key) until a session
        # is created into the workshop (which makes it, the first time)
        self.refused = False
        self._inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self._jobs: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> WorkshopLink:
        self._thread = threading.Thread(target=self._run, name="district-workshop", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._poke()
        if self._thread is not None:
            self._thread.join(3.0)

    def act(self, action: str, session: str, text: str | None = None) -> None:
        """Pause, resume, broadcast (with `text`) or open a session; answered through poll()."""
        msg: dict[str, Any] = {"action": action, "session": session}
        if text is not None:
            msg["text"] = text
        self._jobs.put(msg)
        self._poke()

    def create(
        self, scenario: str, create_key: str = "", negotiation_seconds: float = 480.0
    ) -> None:
        """A new session in this workshop (answered through poll() as {"kind": "created"})."""
        msg: dict[str, Any] = {
            "type": "create",
            "scenario": scenario,
            "negotiation_seconds": negotiation_seconds,
            "workshop": self.name,
            "workshop_key": self.key,
        }
        if create_key:
            msg["key"] = create_key
        self._jobs.put(msg)
        self._poke()

    def poll(self) -> list[dict[str, Any]]:
        return drained(self._inbox)

    # --- the thread -------------------------------------------------------------------------
    def _poke(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._main(loop))
        finally:
            loop.close()

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {"type": "workshop", "name": self.name, "key": self.key, **fields}

    async def _main(self, loop: asyncio.AbstractEventLoop) -> None:
        self._wake = asyncio.Event()
        self._loop = loop
        c: ProtocolClient | None = None
        next_list = 0.0
        try:
            while not self._stop.is_set():
                try:
                    if c is None or not c.is_open:
                        c = ProtocolClient(
                            self.url,
                            ca=self.ca,
                            # a silent server is left within seconds (client/net.py)
                            ping_interval=PING_INTERVAL,
                            ping_timeout=PING_TIMEOUT,
                            open_timeout=OPEN_TIMEOUT,
                        )
                        await c.connect_only(5.0)
                        self._inbox.put({"kind": "status", "status": "connected", "detail": ""})
                    while not self._jobs.empty():
                        job = self._jobs.get_nowait()
                        create = job.get("type") == "create"
                        try:
                            reply = await c.request(job if create else self._message(**job), 15.0)
                        except (TimeoutError, ConnectionError):
                            reply = {"type": "error", "message": "the server did not answer"}
                        if create:
                            self._inbox.put({"kind": "created", "reply": reply})
                            if reply.get("type") == "created":
                                self.refused = False
                            next_list = 0.0  # list it at once
                        else:
                            self._inbox.put({"kind": "done", **job, "reply": reply})
                    if loop.time() >= next_list and not self.refused:
                        reply = await c.request(self._message(action="list"), 10.0)
                        next_list = loop.time() + self.every
                        if reply.get("type") == "workshop":
                            self.sessions = list(reply.get("sessions") or [])
                            self._inbox.put({"kind": "list", "sessions": self.sessions})
                        else:
                            self.refused = reply.get("code") in ("forbidden", "throttled")
                            self._inbox.put({"kind": "refused", "reply": reply})
                    with contextlib.suppress(TimeoutError):
                        await within(self._wake.wait(), max(0.05, next_list - loop.time()))
                    self._wake.clear()
                except (*CONNECT_ERRORS, ConnectionError, InvalidURI) as e:
                    self._inbox.put(
                        {
                            "kind": "status",
                            "status": "failed",
                            "detail": unreachable(self.url, e),
                        }
                    )
                    if c is not None:
                        await c.close()
                    c = None
                    for _ in range(20):  # a second, unless asked to stop
                        if self._stop.is_set():
                            break
                        await asyncio.sleep(0.05)
        finally:
            if c is not None:
                await c.close()


def phase_text(row: dict[str, Any]) -> str:
    status, phase = row.get("status", ""), row.get("phase", "")
    if status == "lobby":
        return "Lobby (not started)"
    said = PHASES.get(phase, str(phase).capitalize())
    return f"{said} (paused)" if status == "paused" else said


def round_text(row: dict[str, Any]) -> str:
    if row.get("status") == "lobby" or not row.get("round"):
        return "–"
    rounds = row.get("rounds") or 0
    return f"{row['round']} of {rounds}" if rounds else str(row["round"])


class WorkshopScene(Scene):
    name = "workshop"

    def __init__(self, app: Any) -> None:
        self.rows: list[dict[str, Any]] = []
        self.sig: Any = None
        self.page = 0
        self.broadcast_to: dict[str, Any] | None = None  # the row whose players a message goes to
        self.new_form = False  # the form of a new session in the workshop is open
        self.message = ""
        self.message_bad = False
        self.connected = False
        self.row_buttons: dict[str, dict[str, UIButton]] = {}
        super().__init__(app)

    # --- layout -------------------------------------------------------------------------------
    def build(self) -> None:
        W, H = self.size
        u = self.u
        m = self.manager
        self.top = pygame.Rect(0, 0, W, u(56))
        self.settings_btn = self.settings_button(W - u(10), u(10), u(36))
        leave_w = u(150)
        self.leave_button = UIButton(
            pygame.Rect(self.settings_btn.rect.x - u(8) - leave_w, u(10), leave_w, u(36)),
            "Leave workshop",
            m,
            object_id=oid(None, "workshop_leave"),
            command=self.leave,
        )
        new_w = u(130)
        self.new_button = UIButton(
            pygame.Rect(self.leave_button.rect.x - u(8) - new_w, u(10), new_w, u(36)),
            "New session",
            m,
            object_id=oid(None, "workshop_new"),
            command=bind(self.ask_new, True),
            tool_tip_text="create a session in this workshop",
        )
        bottom = u(64) if self.broadcast_to is not None or self.new_form else 0
        self.table = pygame.Rect(
            u(12), self.top.bottom + u(12), W - u(24), H - self.top.bottom - u(24) - bottom - u(36)
        )
        self.row_h = u(44)
        self.header_h = u(34)
        self.per_page = max(1, (self.table.height - self.header_h - u(8)) // self.row_h)
        # the actions' column: Pause/Resume, Broadcast, Open
        self.bw = (u(92), u(104), u(72))
        self.actions_w = sum(self.bw) + u(6) * 2 + u(12)
        self.page_prev = UIButton(
            pygame.Rect(self.table.x, self.table.bottom + u(4), u(110), u(30)),
            "< Previous",
            m,
            object_id=oid(None, "workshop_prev"),
            command=bind(self.turn, -1),
        )
        self.page_next = UIButton(
            pygame.Rect(self.table.right - u(110), self.table.bottom + u(4), u(110), u(30)),
            "Next >",
            m,
            object_id=oid(None, "workshop_next"),
            command=bind(self.turn, 1),
        )
        self.broadcast_entry: UITextEntryLine | None = None
        if self.broadcast_to is not None:
            y = H - bottom - u(4)
            send_w, cancel_w = u(90), u(90)
            self.broadcast_entry = UITextEntryLine(
                pygame.Rect(u(12), y + u(26), W - u(24) - send_w - cancel_w - u(16), u(36)),
                m,
                object_id=oid(None, "workshop_broadcast_text"),
                placeholder_text="(the message every player of this session reads)",
            )
            self.broadcast_entry.set_text_length_limit(500)
            UIButton(
                pygame.Rect(W - u(12) - cancel_w - u(8) - send_w, y + u(26), send_w, u(36)),
                "Send",
                m,
                object_id=oid("@primary", "workshop_broadcast_send"),
                command=self.send_broadcast,
            )
            UIButton(
                pygame.Rect(W - u(12) - cancel_w, y + u(26), cancel_w, u(36)),
                "Cancel",
                m,
                object_id=oid(None, "workshop_broadcast_cancel"),
                command=bind(self.ask_broadcast, None),
            )
            self.broadcast_entry.focus()
        self.scenario_entry: UITextEntryLine | None = None
        self.create_key_entry: UITextEntryLine | None = None
        if self.new_form:
            y = H - bottom - u(4) + u(26)
            bw_, gap = u(90), u(8)
            room = W - u(24) - 2 * bw_ - 3 * gap
            self.scenario_entry = UITextEntryLine(
                pygame.Rect(u(12), y, room * 3 // 5, u(36)),
                m,
                object_id=oid(None, "workshop_scenario"),
                initial_text="emilia-romagna",
            )
            self.create_key_entry = UITextEntryLine(
                pygame.Rect(u(12) + room * 3 // 5 + gap, y, room - room * 3 // 5, u(36)),
                m,
                object_id=oid(None, "workshop_create_key"),
                initial_text=str(getattr(self.app.settings, "create_key", "") or ""),
                placeholder_text="(creation key, if the server asks)",
            )
            UIButton(
                pygame.Rect(W - u(12) - 2 * bw_ - gap, y, bw_, u(36)),
                "Create",
                m,
                object_id=oid("@primary", "workshop_create"),
                command=self.create_session,
            )
            UIButton(
                pygame.Rect(W - u(12) - bw_, y, bw_, u(36)),
                "Cancel",
                m,
                object_id=oid(None, "workshop_create_cancel"),
                command=bind(self.ask_new, False),
            )
        self.sig = None
        self.build_rows()

    def columns(self) -> list[tuple[str, int, int]]:
        """(heading, x, width) of the columns before the actions."""
        t = self.table
        avail = t.width - self.actions_w - self.u(16)
        shares = (
            ("Session", 0.10),
            ("Scenario", 0.20),
            ("Round", 0.09),
            ("Phase", 0.23),
            ("Players", 0.20),
            ("Server", 0.18),
        )
        out, x = [], t.x + self.u(12)
        # a join code is never cut: its column is as wide as the widest code
        code_w = self.fonts.get(14, "bold").size("W" * 6)[0] + self.u(16)
        avail -= max(0, code_w - round(avail * shares[0][1]))
        for head, share in shares:
            w = max(code_w, round(avail * share)) if head == "Session" else round(avail * share)
            out.append((head, x, w))
            x += w
        return out

    def visible_rows(self) -> list[dict[str, Any]]:
        pages = max(1, -(-len(self.rows) // self.per_page))
        self.page = max(0, min(self.page, pages - 1))
        return self.rows[self.page * self.per_page : (self.page + 1) * self.per_page]

    def build_rows(self) -> None:
        visible = self.visible_rows()
        sig = (self.page, tuple((r["session"], r.get("status")) for r in visible))
        if sig == self.sig:
            return
        self.sig = sig
        for buttons in self.row_buttons.values():
            for b in buttons.values():
                b.kill()
        self.row_buttons = {}
        u = self.u
        x0 = self.table.right - self.actions_w + u(6)
        for k, r in enumerate(visible):
            y = self.table.y + self.header_h + k * self.row_h + u(6)
            sid, code = r["session"], r.get("code", "")
            paused = r.get("status") == "paused"
            labels = ("Resume" if paused else "Pause", "Broadcast", "Open")
            keys = ("pause", "broadcast", "open")
            calls = (
                bind(self.act, "resume" if paused else "pause", r),
                bind(self.ask_broadcast, r),
                bind(self.act, "open", r),
            )
            x = x0
            row: dict[str, UIButton] = {}
            for key_, label, cb, w in zip(keys, labels, calls, self.bw, strict=True):
                b = UIButton(
                    pygame.Rect(x, y, w, self.row_h - u(12)),
                    label,
                    self.manager,
                    object_id=oid("@primary" if key_ == "open" else None, f"ws_{key_}_{code}"),
                    command=cb,
                )
                if key_ == "pause" and r.get("status") not in ("running", "paused"):
                    b.disable()  # only a game under way has a clock to stop
                if key_ == "broadcast" and r.get("status") == "ended":
                    b.disable()
                row[key_] = b
                x += w + u(6)
            self.row_buttons[sid] = row
        pages = max(1, -(-len(self.rows) // self.per_page))
        for b, show in ((self.page_prev, self.page > 0), (self.page_next, self.page < pages - 1)):
            if show:
                b.show()
            else:
                b.hide()

    # --- actions ------------------------------------------------------------------------------
    @property
    def link(self) -> WorkshopLink | None:
        w = getattr(self.app, "workshop", None)
        return w if isinstance(w, WorkshopLink) else None

    def turn(self, by: int) -> None:
        self.page += by
        self.build_rows()

    def act(self, action: str, row: dict[str, Any]) -> None:
        link = self.link
        if link is None:
            return
        link.act(action, row["session"])
        verb = {"pause": "Pausing", "resume": "Resuming", "open": "Opening"}[action]
        self.say(f"{verb} session {row.get('code', '')}…")

    def ask_new(self, on: bool) -> None:
        self.new_form, self.broadcast_to = on, None
        self.manager.clear_and_reset()
        self.build()

    def create_session(self) -> None:
        link, entry = self.link, self.scenario_entry
        if link is None or entry is None or self.create_key_entry is None:
            return
        scenario = entry.get_text().strip()
        if not scenario:
            self.say("Type the scenario's name first (for example emilia-romagna).", bad=True)
            return
        link.create(scenario, self.create_key_entry.get_text().strip())
        self.say(f"Creating a {scenario} session in the workshop…")
        self.ask_new(False)

    def ask_broadcast(self, row: dict[str, Any] | None) -> None:
        self.broadcast_to, self.new_form = row, False
        self.manager.clear_and_reset()
        self.build()

    def send_broadcast(self) -> None:
        link, row, entry = self.link, self.broadcast_to, self.broadcast_entry
        if link is None or row is None or entry is None:
            return
        said = entry.get_text().strip()
        if not said:
            self.say("Type the message first.", bad=True)
            return
        link.act("broadcast", row["session"], said)
        self.say(f"Sending to the players of session {row.get('code', '')}…")
        self.ask_broadcast(None)

    def leave(self) -> None:
        leave = getattr(self.app, "leave_workshop", None)
        if leave is not None:
            leave()

    def say(self, message: str, bad: bool = False) -> None:
        self.message, self.message_bad = message, bad

    # --- loop ---------------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        m = self.app.model
        if not getattr(self.app, "workshop_console", True) and m.status == "failed":
            # the session did not open (its server refused or did not answer): back to the list
            self.say(f"Could not open the session: {m.status_detail or 'refused'}", bad=True)
            self.app.workshop_console = True
            if self.app.connection is not None:
                self.app.connection.close()
                self.app.connection = None
        link = self.link
        for item in link.poll() if link is not None else []:
            kind = item["kind"]
            if kind == "list":
                self.rows = list(item["sessions"])
                self.connected = True
                self.build_rows()
            elif kind == "status":
                self.connected = item["status"] == "connected"
                if not self.connected:
                    self.say(f"Could not reach the server: {item['detail']}", bad=True)
            elif kind == "refused":
                reply = item["reply"]
                if reply.get("code") == "forbidden":
                    self.say(
                        "No workshop with this name and key on this server: check them, or press "
                        "New session to make the workshop with its first session.",
                        bad=True,
                    )
                else:
                    self.say(f"Refused: {reply.get('message', '')}", bad=True)
            elif kind == "done":
                self.done(item)
            elif kind == "created":
                reply = item["reply"]
                if reply.get("type") == "created":
                    self.say(
                        f"Session {reply['code']} created: its players join with that code; "
                        "Open it to start it."
                    )
                else:
                    self.say(f"Could not create the session: {reply.get('message', '')}", bad=True)
        super().update(dt)

    def done(self, item: dict[str, Any]) -> None:
        reply = item["reply"]
        code = next(
            (r.get("code", "") for r in self.rows if r["session"] == item["session"]),
            item["session"],
        )
        if reply.get("type") == "error":
            self.say(f"Session {code}: {reply.get('message', 'refused')}", bad=True)
            return
        action = item["action"]
        if action == "open":
            opener = getattr(self.app, "open_from_workshop", None)
            if opener is not None:
                opener(reply["session"], reply.get("code", code), reply.get("url") or "")
            return
        said = {"pause": "paused", "resume": "resumed", "broadcast": "got the message"}[action]
        self.say(f"Session {code} {said}.")
        for r in self.rows:  # shown at once; the next list confirms it
            if r["session"] == item["session"] and action in ("pause", "resume"):
                r["status"] = "paused" if action == "pause" else "running"
        self.build_rows()

    def handle(self, event: pygame.event.Event) -> bool:
        if (
            event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED
            and self.broadcast_entry is not None
            and event.ui_element is self.broadcast_entry
        ):
            self.send_broadcast()
            return True
        if event.type == pygame.MOUSEWHEEL:
            self.turn(-1 if event.y > 0 else 1)
            return True
        return False

    # --- drawing ------------------------------------------------------------------------------
    def draw_under(self, surface: pygame.Surface) -> None:
        surface.fill(C.BG)
        u = self.u
        W, H = self.size
        pygame.draw.rect(surface, C.PANEL, self.top)
        pygame.draw.line(surface, C.LINE, self.top.bottomleft, self.top.bottomright, 1)
        blit_icon(surface, "district", (u(26), self.top.centery), u(28))
        link = self.link
        name = link.name if link is not None else ""
        title = text(
            surface,
            f"Workshop {name}",
            self.fonts.get(18, "bold"),
            C.TEXT,
            (u(48), self.top.centery),
            "midleft",
            max_width=self.new_button.rect.x - u(60) - u(160),
        )
        n = len(self.rows)
        text(
            surface,
            f"{n} session{'s' if n != 1 else ''}" + ("" if self.connected else " · connecting…"),
            self.fonts.get(14),
            C.MUTED,
            (title.right + u(16), self.top.centery),
            "midleft",
            max_width=self.new_button.rect.x - title.right - u(28),
        )
        t = self.table
        panel(surface, t, C.PANEL, C.LINE, u(10))
        head_font, cell_font = self.fonts.get(13, "bold"), self.fonts.get(14)
        cols = self.columns()
        for head, x, w in cols:
            text(surface, head, head_font, C.MUTED, (x, t.y + u(10)), max_width=w - u(8))
        text(
            surface,
            "Actions",
            head_font,
            C.MUTED,
            (t.right - self.actions_w + u(6), t.y + u(10)),
        )
        pygame.draw.line(
            surface,
            C.LINE,
            (t.x + u(8), t.y + self.header_h),
            (t.right - u(8), t.y + self.header_h),
        )
        visible = self.visible_rows()
        if not visible:
            text(
                surface,
                "No session in this workshop yet: sessions created into it appear here."
                if self.connected
                else "Asking the server for the workshop's sessions…",
                cell_font,
                C.MUTED,
                (t.x + u(12), t.y + self.header_h + u(14)),
                max_width=t.width - u(24),
            )
        for k, r in enumerate(visible):
            y = t.y + self.header_h + k * self.row_h
            if k % 2:
                pygame.draw.rect(surface, C.BG, (t.x + u(4), y, t.width - u(8), self.row_h))
            cy = y + self.row_h // 2
            status = r.get("status")
            online, away = int(r.get("online", 0)), int(r.get("away", 0))
            cells = (
                (str(r.get("code", "")), C.TEXT, "bold"),
                (str(r.get("title") or r.get("scenario", "")), C.TEXT, ""),
                (round_text(r), C.TEXT, ""),
                (
                    phase_text(r),
                    C.WARN if status == "paused" else C.TEXT,
                    "",
                ),
                (f"{online} online, {away} away", C.BAD if away else C.TEXT, ""),
                (str(r.get("server") or "no server now"), C.MUTED, ""),
            )
            for (s, col, style), (_, x, w) in zip(cells, cols, strict=True):
                font = self.fonts.get(14, style) if style else cell_font
                text(surface, s, font, col, (x, cy), "midleft", max_width=w - u(8))
        pages = max(1, -(-len(self.rows) // self.per_page))
        if pages > 1:
            text(
                surface,
                f"Page {self.page + 1} of {pages}",
                self.fonts.get(13),
                C.MUTED,
                (t.centerx, t.bottom + u(19)),
                "center",
            )
        msg_y = t.bottom + u(19)
        if self.message and pages <= 1:
            font = self.fonts.get(14, "bold")
            line = (wrap(self.message, font, t.width - u(24)) or [""])[0]
            text(
                surface,
                line,
                font,
                C.BAD if self.message_bad else C.ACCENT,
                (t.x + u(12), msg_y),
                "midleft",
            )
        elif self.message:
            text(
                surface,
                self.message,
                self.fonts.get(13, "bold"),
                C.BAD if self.message_bad else C.ACCENT,
                (t.x + u(130), msg_y),
                "midleft",
                max_width=t.width // 2 - u(200),
            )
        if self.new_form:
            text(
                surface,
                "New session in this workshop: scenario and the server's creation key",
                self.fonts.get(14, "bold"),
                C.ACCENT,
                (u(12), H - u(64)),
            )
        if self.broadcast_to is not None:
            text(
                surface,
                f"Message to every player of session {self.broadcast_to.get('code', '')}",
                self.fonts.get(14, "bold"),
                C.ACCENT,
                (u(12), H - u(64)),
            )
