"""The connect screen (join a game, or run one as the teacher) and the lobby while waiting for the
facilitator to start. Server, code and name are remembered between runs; a seat token remembered
for the same server and code brings a player back to the same seat."""

from __future__ import annotations

import threading
from typing import Any

import pygame
import pygame_gui
from district.client.net import create_session_sync, unreachable
from district.client.panels.common import bind, oid, seat_name
from district.client.scenes.base import PALETTE_LABELS, Scene
from district.client.settings import FONT_SIZES, PALETTES
from district.client.ui.draw import panel, text, wrap
from district.client.ui.icons import blit_icon
from district.client.ui.theme import C
from district.server import protocol
from pygame_gui.elements import UIButton, UIDropDownMenu, UILabel, UITextEntryLine

ROLE_OPTIONS = [
    ("Any seat", ""),
    ("A firm", "firm"),
    ("The union", "union"),
    ("The government", "government"),
    ("A broker", "broker"),
]


HINT = "Tab: next control · Enter: join or press · F8: text size, colours"
WAITING = "The session is locked: waiting for the teacher to let you in…"


class ConnectScene(Scene):
    name = "connect"

    def __init__(self, app: Any) -> None:
        self.message = ""
        self.creating: threading.Thread | None = None
        self.created: dict[str, Any] | None = None
        self.workshop_form = False  # the teacher's column shows the workshop console's form
        super().__init__(app)

    def build(self) -> None:
        u = self.u
        m = self.manager
        st = self.app.settings
        W, H = self.size
        self.lobby = self.model.view is not None and self.model.status == "connected"
        card_w, card_h = u(900), u(470)
        self.card = pygame.Rect((W - card_w) // 2, (H - card_h) // 2 + u(30), card_w, card_h)
        c = self.card
        self.fields: list[UITextEntryLine] = []
        if self.lobby:
            return
        lx = c.x + u(28)
        fw = u(390)
        y = c.y + u(60)
        for label, attr, ph in (
            ("Server", "server", "ws://127.0.0.1:8765"),
            ("Join code", "code", "e.g. K7QM2P"),
            ("Your name", "name", "(as the others will see it)"),
        ):
            UILabel(pygame.Rect(lx, y, fw, u(22)), label, m, object_id=oid("@muted"))
            e = UITextEntryLine(
                pygame.Rect(lx, y + u(22), fw, u(36)),
                m,
                object_id=oid(None, f"connect_{attr}"),
                initial_text=getattr(st, attr) or "",
                placeholder_text=ph,
            )
            setattr(self, f"{attr}_entry", e)
            self.fields.append(e)
            y += u(66)
        self.name_entry.set_text_length_limit(protocol.MAX_NAME)
        UILabel(pygame.Rect(lx, y, fw, u(22)), "I would like to play", m, object_id=oid("@muted"))
        cur = next((o for o in ROLE_OPTIONS if o[1] == st.role), ROLE_OPTIONS[0])
        self.role_menu = UIDropDownMenu(
            list[str | tuple[str, str]](ROLE_OPTIONS),
            cur,
            pygame.Rect(lx, y + u(22), fw, u(34)),
            m,
            object_id=oid(None, "connect_role"),
        )
        y += u(66)
        self.join_button = UIButton(
            pygame.Rect(lx, y, u(190), u(40)),
            "Join game (Enter)",
            m,
            object_id=oid("@primary", "join"),
            command=bind(self.join),
        )
        self.watch_button = UIButton(
            pygame.Rect(lx + u(200), y, u(190), u(40)),
            "Watch (projector)",
            m,
            object_id=oid(None, "watch"),
            command=bind(self.join, observer=True),
        )
        rx = c.x + card_w // 2 + u(24)
        rw = card_w // 2 - u(52)
        if self.workshop_form:
            self.build_workshop(rx, rw)
        else:
            self.build_teacher(rx, rw)
        first = self.fields[0 if not st.server else (1 if not st.code else 2)]
        self.manager.set_focus_set(first)
        first.focus()

    def build_teacher(self, rx: int, rw: int) -> None:
        """The teacher's column: create a session, or come back to one with its token."""
        u, m, st = self.u, self.manager, self.app.settings
        c = self.card
        y = c.y + u(60)
        sw = rw * 11 // 20  # scenario | creation key
        UILabel(pygame.Rect(rx, y, sw, u(22)), "Scenario", m, object_id=oid("@muted"))
        self.scenario_entry = UITextEntryLine(
            pygame.Rect(rx, y + u(22), sw - u(4), u(36)),
            m,
            object_id=oid(None, "connect_scenario"),
            initial_text="emilia-romagna",
        )
        UILabel(
            pygame.Rect(rx + sw + u(4), y, rw - sw - u(4), u(22)),
            "Creation key",
            m,
            object_id=oid("@muted"),
        )
        self.key_entry = UITextEntryLine(
            pygame.Rect(rx + sw + u(4), y + u(22), rw - sw - u(4), u(36)),
            m,
            object_id=oid(None, "connect_key"),
            initial_text=st.create_key,
            placeholder_text="(if the server asks)",
        )
        y += u(66)
        UILabel(
            pygame.Rect(rx, y, rw, u(22)),
            "Minutes per negotiation / report",
            m,
            object_id=oid("@muted"),
        )
        self.neg_entry = UITextEntryLine(
            pygame.Rect(rx, y + u(22), rw // 2 - u(4), u(36)),
            m,
            object_id=oid(None, "connect_neg"),
            initial_text="8",
        )
        self.rep_entry = UITextEntryLine(
            pygame.Rect(rx + rw // 2 + u(4), y + u(22), rw // 2 - u(4), u(36)),
            m,
            object_id=oid(None, "connect_rep"),
            initial_text="2",
        )
        y += u(66)
        self.create_button = UIButton(
            pygame.Rect(rx, y, rw, u(40)),
            "Create a session and open the console",
            m,
            object_id=oid("@primary", "create"),
            command=bind(self.create),
        )
        y += u(54)
        UILabel(
            pygame.Rect(rx, y, rw, u(22)),
            "…or come back with a facilitator token",
            m,
            object_id=oid("@muted"),
        )
        self.token_entry = UITextEntryLine(
            pygame.Rect(rx, y + u(22), rw - u(110), u(36)),
            m,
            object_id=oid(None, "connect_token"),
            placeholder_text="(facilitator token)",
            initial_text=st.facilitator,
        )
        self.console_button = UIButton(
            pygame.Rect(rx + rw - u(100), y + u(22), u(100), u(36)),
            "Open",
            m,
            object_id=oid(None, "console"),
            command=bind(self.open_console),
        )
        # the player's text size and colours (also in game: F8)
        y += u(70)
        half = (rw - u(8)) // 2
        UILabel(pygame.Rect(rx, y, half, u(22)), "Text size", m, object_id=oid("@muted"))
        UILabel(
            pygame.Rect(rx + half + u(8), y, half, u(22)), "Colours", m, object_id=oid("@muted")
        )
        self.text_menu = UIDropDownMenu(
            [(k.capitalize(), k) for k in FONT_SIZES],
            (st.font_size.capitalize(), st.font_size),
            pygame.Rect(rx, y + u(22), half, u(32)),
            m,
            object_id=oid(None, "connect_font_size"),
        )
        self.text_menu.set_tooltip("bigger text on every screen (in game: F8)")
        self.colour_menu = UIDropDownMenu(
            [(PALETTE_LABELS[k].split(" (")[0], k) for k in PALETTES],
            (PALETTE_LABELS[st.palette].split(" (")[0], st.palette),
            pygame.Rect(rx + half + u(8), y + u(22), half, u(32)),
            m,
            object_id=oid(None, "connect_palette"),
        )
        self.fields += [
            self.scenario_entry,
            self.key_entry,
            self.neg_entry,
            self.rep_entry,
            self.token_entry,
        ]
        y += u(62)
        self.workshop_open_button = UIButton(
            pygame.Rect(rx, y, rw, u(34)),
            "Workshop console (many sessions)…",
            m,
            object_id=oid(None, "connect_workshop"),
            command=bind(self.show_workshop_form, True),
            tool_tip_text="every session of a workshop: pause, broadcast, open any of them",
        )

    def build_workshop(self, rx: int, rw: int) -> None:
        """The workshop column: a workshop's name and key open its console (the server is the
        one typed on the left)."""
        u, m = self.u, self.manager
        y = self.card.y + u(60)
        self.workshop_name_entry = UITextEntryLine(
            pygame.Rect(rx, y + u(22), rw, u(36)),
            m,
            object_id=oid(None, "connect_workshop_name"),
            placeholder_text="(as it was created, e.g. spring-school)",
        )
        UILabel(pygame.Rect(rx, y, rw, u(22)), "Workshop name", m, object_id=oid("@muted"))
        y += u(66)
        UILabel(pygame.Rect(rx, y, rw, u(22)), "Workshop key", m, object_id=oid("@muted"))
        self.workshop_key_entry = UITextEntryLine(
            pygame.Rect(rx, y + u(22), rw, u(36)),
            m,
            object_id=oid(None, "connect_workshop_key"),
            placeholder_text="(given when the workshop was made)",
        )
        y += u(72)
        self.workshop_go_button = UIButton(
            pygame.Rect(rx, y, rw, u(40)),
            "Open the workshop console",
            m,
            object_id=oid("@primary", "connect_workshop_open"),
            command=self.open_workshop,
        )
        y += u(50)
        UIButton(
            pygame.Rect(rx, y, rw, u(34)),
            "< Back: run one session",
            m,
            object_id=oid(None, "connect_workshop_back"),
            command=bind(self.show_workshop_form, False),
        )
        self.fields += [self.workshop_name_entry, self.workshop_key_entry]

    # --- actions ------------------------------------------------------------------------------
    def values(self) -> tuple[str, str, str, str]:
        server = self.server_entry.get_text().strip()
        code = protocol.normalise_code(self.code_entry.get_text())
        name = self.name_entry.get_text()
        sel = self.role_menu.selected_option
        role = sel[1] if isinstance(sel, tuple) else ""
        return server, code, name, role

    def check(self, server: str, code: str, name: str, observer: bool) -> str:
        if not server.startswith(("ws://", "wss://")):
            return "The server address starts with ws:// (for example ws://127.0.0.1:8765)."
        if len(code) != protocol.CODE_LENGTH or any(
            ch not in protocol.CODE_ALPHABET for ch in code
        ):
            return f"A join code is {protocol.CODE_LENGTH} letters and digits (ask your teacher)."
        if not observer and protocol.valid_name(name) is None:
            return f"Type your name (1 to {protocol.MAX_NAME} characters)."
        return ""

    def join(self, observer: bool = False) -> bool:
        server, code, name, role = self.values()
        problem = self.check(server, code, name, observer)
        if problem:
            self.message = problem
            return False
        st = self.app.settings
        st.server, st.code, st.name, st.role = server, code, protocol.valid_name(name) or name, role
        st.save()
        token = None if observer else st.token_for(server, code)
        self.app.connect(
            server,
            code=None if token else code,
            name=None if token else st.name,
            role=role or None,
            token=token,
            observer=observer,
        )
        self.model.code = code
        self.message = "Coming back to your seat…" if token else "Connecting…"
        return True

    def create(self) -> None:
        server = self.server_entry.get_text().strip()
        if not server.startswith(("ws://", "wss://")):
            self.message = "The server address starts with ws:// (for example ws://127.0.0.1:8765)."
            return
        try:
            neg = float(self.neg_entry.get_text() or 8) * 60
            rep = float(self.rep_entry.get_text() or 2) * 60
        except ValueError:
            self.message = "Minutes are numbers (for example 8 and 2)."
            return
        scenario = self.scenario_entry.get_text().strip() or "emilia-romagna"
        key = self.key_entry.get_text().strip()
        ca = self.app.settings.ca or None
        if key != self.app.settings.create_key:
            self.app.settings.create_key = key
            self.app.settings.save()
        self.message = "Creating the session…"

        def work() -> None:
            try:
                self.created = create_session_sync(
                    server, scenario, max(5.0, neg), max(0.0, rep), key=key or None, ca=ca
                )
            except Exception as e:  # shown to the teacher; nothing else to do with it here
                self.created = {
                    "type": "error",
                    "message": unreachable(server, e),
                }

        self.creating = threading.Thread(target=work, daemon=True)
        self.creating.start()

    def show_workshop_form(self, on: bool) -> None:
        self.workshop_form = on
        self.message = ""
        self.manager.clear_and_reset()
        self.build()

    def open_workshop(self) -> None:
        server = self.server_entry.get_text().strip()
        name = self.workshop_name_entry.get_text().strip()
        key = self.workshop_key_entry.get_text().strip()
        if not server.startswith(("ws://", "wss://")):
            self.message = "The server address starts with ws:// (for example ws://127.0.0.1:8765)."
            return
        if not name or not key:
            self.message = "Type the workshop's name and its key (given when it was made)."
            return
        self.app.settings.server = server
        self.app.settings.save()
        self.app.open_workshop(server, name, key)

    def open_console(self, token: str | None = None) -> None:
        server = self.server_entry.get_text().strip()
        tok = token or self.token_entry.get_text().strip()
        if not tok:
            self.message = (
                "Paste the facilitator token you were given when the session was created."
            )
            return
        self.app.settings.server = server
        self.app.settings.save()
        self.app.connect(server, token=tok)
        self.message = "Opening the console…"

    # --- loop -----------------------------------------------------------------------------------
    def refresh(self, view_changed: bool) -> None:
        lobby = self.model.view is not None and self.model.status == "connected"
        if lobby != self.lobby:
            self.manager.clear_and_reset()
            self.build()

    def update(self, dt: float) -> None:
        if self.created is not None:
            c, self.created = self.created, None
            if c.get("type") == "created":
                self.message = f"Session created: join code {c['code']}"
                self.model.session["facilitator_token"] = c["facilitator_token"]
                self.app.settings.facilitator = c["facilitator_token"]
                self.model.code = c["code"]
                self.open_console(c["facilitator_token"])
            else:
                self.message = f"Could not create the session: {c.get('message', '')}"
        if self.model.status == "failed" and self.model.status_code == "ended":
            # too late to play: the game is over, so watch it to see its debrief
            self.model.set_status("connecting")
            self.join(observer=True)
            self.message = "This game is over: opening its debrief…"
        elif self.model.status == "failed" and self.model.status_detail:
            self.message = f"Could not join: {self.model.status_detail}"
        super().update(dt)

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED and not self.lobby:
            if event.ui_element in (self.server_entry, self.code_entry, self.name_entry):
                self.join()
                return True
            if self.workshop_form:
                if event.ui_element in (self.workshop_name_entry, self.workshop_key_entry):
                    self.open_workshop()
                    return True
            elif event.ui_element is self.token_entry:
                self.open_console()
                return True
        if event.type == pygame.KEYDOWN and event.key == pygame.K_TAB and self.fields:
            return self.cycle_focus(bool(event.mod & pygame.KMOD_SHIFT))
        if (
            event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED
            and not self.lobby
            and not self.workshop_form
        ):
            if event.ui_element is self.text_menu:
                self.app.set_display(font_size=self._menu_key(self.text_menu))
                return True
            if event.ui_element is self.colour_menu:
                self.app.set_display(palette=self._menu_key(self.colour_menu))
                return True
        return False

    def focus_order(self) -> list[Any]:
        """The join column first, then the teacher's, each top to bottom."""
        mid = self.card.centerx
        return sorted(self.focusable(), key=lambda e: (e.rect.x >= mid, e.rect.y, e.rect.x))

    def draw_under(self, surface: pygame.Surface) -> None:
        surface.fill(C.BG)
        u = self.u
        W, H = self.size
        c = self.card
        # title
        blit_icon(surface, "district", (W // 2 - u(110), c.y - u(70)), u(56))
        text(
            surface,
            "District",
            self.fonts.get(40, "bold"),
            C.TEXT,
            (W // 2 - u(70), c.y - u(70)),
            "midleft",
        )
        text(
            surface,
            "a serious game of industrial districts, networks and the high road",
            self.fonts.get(14),
            C.MUTED,
            (W // 2, c.y - u(10)),
            "midbottom",
        )
        panel(surface, c, C.PANEL, C.LINE, u(12))
        if self.lobby:
            self.draw_lobby(surface)
            return
        half = c.x + c.width // 2
        pygame.draw.line(surface, C.LINE, (half, c.y + u(20)), (half, c.bottom - u(56)))
        text(
            surface, "Join a game", self.fonts.get(18, "bold"), C.ACCENT, (c.x + u(28), c.y + u(20))
        )
        text(
            surface,
            "Open a workshop (lead teacher)" if self.workshop_form else "Run a session (teacher)",
            self.fonts.get(18, "bold"),
            C.ACCENT,
            (half + u(24), c.y + u(20)),
        )
        if self.workshop_form:
            y = self.workshop_go_button.rect.bottom + u(64)
            for line in wrap(
                "Every session of a workshop, whichever server runs it: its round, phase and "
                "players, with Pause, Broadcast and Open for each.",
                self.fonts.get(13),
                c.right - half - u(52),
            )[:3]:
                text(surface, line, self.fonts.get(13), C.MUTED, (half + u(24), y))
                y += self.fonts.get(13).get_linesize()
        msg = self.message or ""
        errs = self.model.errors_for("connect")
        if errs:
            msg = f"Could not join: {errs[-1].message}"
        if self.model.status == "waiting" and not errs:
            # the session is locked: the teacher admits (the game opens) or refuses
            msg = WAITING
        if self.model.status in ("moving", "silent") and not errs:
            # "Moving to another server…", "Server not answering; trying again…" (client/net.py)
            msg = self.model.status_detail
        if self.model.status in ("connecting", "reconnecting") and not errs:
            msg = (
                "Connecting to the server…"
                if self.model.status == "connecting"
                else f"Server not answering; retrying ({self.model.status_detail})"
            )
        if msg:
            col = (
                C.BAD
                if msg.startswith(("Could not", "The server", "A join", "Type", "Minutes", "Paste"))
                else C.ACCENT
            )
            hint = self.fonts.get(12).size(HINT)[0]
            room = c.width - u(56) - hint - u(16)  # the message never runs into the hint
            for k, line in enumerate(wrap(msg, self.fonts.get(14, "bold"), room)[:2]):
                text(
                    surface,
                    line,
                    self.fonts.get(14, "bold"),
                    col,
                    (c.x + u(28), c.bottom - u(46) + k * u(20)),
                )
        text(
            surface,
            HINT,
            self.fonts.get(12),
            C.MUTED,
            (c.right - u(24), c.bottom - u(18)),
            "bottomright",
        )

    def draw_lobby(self, surface: pygame.Surface) -> None:
        u = self.u
        c = self.card
        v = self.model.view or {}
        sc = v.get("scenario", {})
        seat = self.model.seat
        x = c.x + u(28)
        text(
            surface, str(sc.get("title", "")), self.fonts.get(20, "bold"), C.TEXT, (x, c.y + u(20))
        )
        role = v.get("role", "")
        who = seat_name(v, seat) if seat not in ("observer", "facilitator") else seat
        text(
            surface,
            f"You are {who} ({role}). Waiting for the facilitator to start the game…",
            self.fonts.get(15, "bold"),
            C.ACCENT,
            (x, c.y + u(54)),
            max_width=c.width - u(56),
        )
        y = c.y + u(88)
        for line in wrap(
            str(sc.get("summary", "")).strip(), self.fonts.get(13), c.width // 2 - u(40)
        )[:12]:
            text(surface, line, self.fonts.get(13), C.TEXT, (x, y))
            y += self.fonts.get(13).get_linesize()
        rx = c.x + c.width // 2 + u(10)
        text(surface, "Seats", self.fonts.get(15, "bold"), C.ACCENT, (rx, c.y + u(88)))
        y = c.y + u(114)
        roster = self.model.session.get("roster") or []
        for s in roster[:14]:
            ic = {"human": "user", "bot": "bot"}.get(s.get("controller", ""), "clock")
            col = C.GOOD if s.get("connected") else C.MUTED
            blit_icon(surface, ic, (rx + u(8), y + u(9)), u(14), col)
            label = f"{s.get('name', s.get('id'))}: " + (
                s.get("player") or {"bot": "bot", "open": "open"}.get(s.get("controller", ""), "")
            )
            text(
                surface,
                label,
                self.fonts.get(12),
                C.TEXT if s.get("id") != seat else C.ACCENT,
                (rx + u(22), y),
                max_width=c.right - rx - u(40),
            )
            y += u(21)
        if len(roster) > 14:
            text(
                surface,
                f"… and {len(roster) - 14} more",
                self.fonts.get(12),
                C.MUTED,
                (rx + u(22), y),
            )
