"""The facilitator console: seats (who, role, connected, ready, bot), the clock (pause, resume,
extend, timers), advance, end, inject an event, broadcast, mute the chat, lock the session to new
players, replace a seat by a bot and give it back; the students' requests for help; live district
indicators and a small map. F9: projector view; F10: debrief."""

from __future__ import annotations

from typing import Any

import pygame
import pygame_gui
from district.client.mapview import MapView
from district.client.panels.boards import board_line
from district.client.panels.common import bind, draw_top_bar, oid, seat_name, toast
from district.client.scenes.base import Scene
from district.client.ui.draw import INDEX, chip, fmt_num, panel, sparkline, text, wrap
from district.client.ui.gui import (
    fit_text,
    fits,
    grow_to_text,
    label_height,
    row_widths,
    text_width,
)
from district.client.ui.icons import blit_icon
from district.client.ui.theme import BOARDS, C
from pygame_gui.elements import (
    UIButton,
    UIDropDownMenu,
    UILabel,
    UIScrollingContainer,
    UITextEntryLine,
)

EVENT_KINDS = [
    ("Import pressure (%, 0-90)", "import_pressure"),
    ("Demand shock (x factor)", "demand"),
    ("Labour surplus (+% of workers)", "surplus"),
    ("Enforcement (%)", "enforcement"),
    ("Wage floor (k)", "wage_floor"),
    ("Budget (+k)", "budget"),
    ("Supplier cut (keep n)", "supplier_cut"),
    ("Scandal (+% enforcement)", "scandal"),
    ("Interest rate (%)", "interest"),
]
# the events whose value the teacher types as a percentage (the engine's value is the share)
PERCENT_EVENTS = {"import_pressure", "surplus", "enforcement", "scandal", "interest"}
DEFAULT_IMPORT_SHOCK = "0.15"
MARKETS = [("commodity", "commodity"), ("niche", "niche"), ("export", "export")]
INDICATORS = [
    ("Firms alive", "firms_alive", ""),
    ("Employment", "employment", ""),
    ("Unemployment", "unemployment_rate", "%"),
    ("Mean wage", "mean_wage", "k"),
    ("Wage floor", "wage_floor", "k"),
    ("Mean skill", "mean_skill", INDEX),
    ("Networks", "networks", ""),
    ("Compliance", "compliance", "%"),
    ("Gov. budget", "government_budget", "k"),
]


def roster_rows(model: Any) -> list[dict[str, Any]]:
    """The roster if the server sent one, else the view's seats (recorded views)."""
    v = model.view or {}
    ready = set(v.get("ready", []))
    roster = model.session.get("roster")
    if roster:
        return [{**s, "ready": s.get("ready", s.get("id") in ready)} for s in roster]
    return [
        {
            "id": s["id"],
            "role": s.get("role"),
            "name": s.get("name"),
            "player": None,
            "controller": "bot",
            "connected": False,
            "ready": s["id"] in ready,
        }
        for s in v.get("seats", [])
    ]


def seat_label(model: Any, seat: str) -> str:
    """A seat as the teacher knows it: its name and, if a person holds it, theirs."""
    for s in roster_rows(model):
        if s.get("id") == seat:
            name = str(s.get("name") or seat)
            return f"{name} ({s['player']})" if s.get("player") else name
    return seat_name(model.view or {}, seat)


# the label over the two timer fields, longest first (the first that fits the column is shown)
PHASE_MINUTES = (
    "Later phases (minutes): negotiation / report",
    "Minutes: negotiation / report",
    "Negotiation / report (min)",
)


class FacilitatorScene(Scene):
    name = "facilitator"

    def __init__(self, app: Any) -> None:
        self.map: MapView | None = None
        self.seat_buttons: dict[str, UIButton] = {}
        self.roster_sig = ""
        self.help_seen = 0  # requests for help the teacher has marked read
        self.reply_to: str | None = None  # the seat the teacher is replying to
        self.reply_buttons: dict[str, UIButton] = {}
        self.help_sig: Any = None
        self.join_buttons: dict[str, tuple[UIButton, UIButton]] = {}  # request id -> Admit, Refuse
        self.join_sig: Any = None
        super().__init__(app)

    def build(self) -> None:
        W, H = self.size
        u = self.u
        m = self.manager
        top = u(52)
        self.top = pygame.Rect(0, 0, W, top)
        self.seats_r = pygame.Rect(u(8), top + u(8), round(W * 0.36), H - top - u(16))
        self.ctrl_r = pygame.Rect(
            self.seats_r.right + u(8), top + u(8), round(W * 0.30), H - top - u(16)
        )
        self.live_r = pygame.Rect(
            self.ctrl_r.right + u(8), top + u(8), W - self.ctrl_r.right - u(16), H - top - u(16)
        )
        self.settings_btn = self.settings_button(W - u(10), u(8), u(36))
        # opened from a workshop console: the way back to it
        self.workshop_btn: UIButton | None = None
        if getattr(self.app, "workshop", None) is not None:
            ww = text_width(m, "< Workshop") + u(28)
            self.workshop_btn = UIButton(
                pygame.Rect(self.settings_btn.rect.x - u(8) - ww, u(8), ww, u(36)),
                "< Workshop",
                m,
                object_id=oid(None, "back_to_workshop"),
                command=self.app.back_to_workshop,
                tool_tip_text="back to every session of the workshop",
            )
        # seats list
        self.seat_scroll = UIScrollingContainer(
            pygame.Rect(
                self.seats_r.x + u(4),
                self.seats_r.y + u(40),
                self.seats_r.width - u(8),
                self.seats_r.height - u(46),
            ),
            m,
            allow_scroll_x=False,
            object_id=oid(None, "seat_list"),
        )
        self.build_seats()
        # controls
        c = self.ctrl_r
        x, w = c.x + u(12), c.width - u(24)
        y = c.y + u(40)
        bw = (w - u(12)) // 3
        self.buttons: dict[str, UIButton] = {}
        self.labels: dict[str, tuple[str, ...]] = {}  # each button's label, then shorter ones
        self.tips: dict[str, str | None] = {}

        def btn(
            key: str,
            labels: str | tuple[str, ...],
            r: pygame.Rect,
            cb: Any,
            cls: str | None = None,
            tip: str | None = None,
        ) -> None:
            self.buttons[key] = UIButton(
                r, "", m, object_id=oid(cls, f"ctl_{key}"), command=cb, tool_tip_text=tip
            )
            self.tips[key] = tip
            self.say(key, *((labels,) if isinstance(labels, str) else labels))

        def row(y: int, h: int, specs: list[tuple[Any, ...]]) -> None:
            """Buttons side by side, each as wide as its label needs (measured in the font of
            the player's text size) where even thirds would cut one."""
            widths = row_widths(
                m, [s[1] if isinstance(s[1], tuple) else (s[1],) for s in specs], w, u(6)
            )
            bx = x
            for s, bw_ in zip(specs, widths, strict=True):
                btn(s[0], s[1], pygame.Rect(bx, y, bw_, h), *s[2:])
                bx += bw_ + u(6)

        row(
            y,
            u(36),
            [
                (
                    "start",
                    ("Start game", "Start"),
                    lambda: self.control("start"),
                    "@primary",
                    "bots take every seat nobody has taken",
                ),
                ("pause", ("Resume", "Pause"), self.pause_resume),
                (
                    "advance",
                    ("Advance >", "Advance", "Next >"),
                    lambda: self.control("advance"),
                    None,
                    "end this phase now",
                ),
            ],
        )
        self.say("pause", "Pause")
        y += u(42)
        row(
            y,
            u(36),
            [
                ("minus", "-1 min", lambda: self.control("extend", seconds=-60.0)),
                ("plus", "+1 min", lambda: self.control("extend", seconds=60.0)),
                ("end", ("End game", "End"), self.confirm_end, "@reject"),
            ],
        )
        y += u(48)
        y += grow_to_text(
            UILabel(
                pygame.Rect(x, y, w, label_height(m, u(22), "@muted")),
                fit_text(m, PHASE_MINUTES, w, "label")[0],
                m,
                object_id=oid("@muted"),
            )
        )
        self.neg_entry = UITextEntryLine(
            pygame.Rect(x, y, bw, u(32)), m, object_id=oid(None, "timer_neg"), initial_text="8"
        )
        self.rep_entry = UITextEntryLine(
            pygame.Rect(x + bw + u(6), y, bw, u(32)),
            m,
            object_id=oid(None, "timer_rep"),
            initial_text="2",
        )
        btn("timers", "Set", pygame.Rect(x + 2 * (bw + u(6)), y, bw, u(32)), self.set_timers)
        y += u(44)
        heading = UILabel(
            pygame.Rect(x, y, w, label_height(m, u(22), "@heading")),
            "Inject an event",
            m,
            object_id=oid("@heading"),
        )
        y += grow_to_text(heading) + u(2)
        self.event_menu = UIDropDownMenu(
            EVENT_KINDS,
            EVENT_KINDS[0],
            pygame.Rect(x, y, w, u(32)),
            m,
            object_id=oid(None, "event_kind"),
            expansion_height_limit=u(260),
        )
        y += u(36)
        value_w = min(bw, text_width(m, "100", "text_entry_line") + u(18))
        inject_w = min(bw, text_width(m, "Inject") + u(24))  # the menu gets the rest
        market_w = w - value_w - inject_w - 2 * u(6)
        self.event_value = UITextEntryLine(
            pygame.Rect(x, y, value_w, u(32)),
            m,
            object_id=oid(None, "event_value"),
            # a shock a teacher can try "to see what happens": in Emilia-Romagna 0.15 closes a
            # firm or two in three rounds, 0.3 closed 2 to 12 of 40
            initial_text=f"{float(DEFAULT_IMPORT_SHOCK) * 100:.0f}",
        )
        self.event_market = UIDropDownMenu(
            MARKETS,
            MARKETS[0],
            pygame.Rect(x + value_w + u(6), y, market_w, u(32)),
            m,
            object_id=oid(None, "event_market"),
        )
        btn(
            "inject",
            "Inject",
            pygame.Rect(x + w - inject_w, y, inject_w, u(32)),
            self.inject,
            "@primary",
        )
        y += u(36)
        self.event_headline = UITextEntryLine(
            pygame.Rect(x, y, w, u(32)),
            m,
            object_id=oid(None, "event_headline"),
            placeholder_text="(a headline the class will read)",
        )
        y += u(46)
        heading = UILabel(
            pygame.Rect(x, y, w, label_height(m, u(22), "@heading")),
            "Broadcast to everyone",
            m,
            object_id=oid("@heading"),
        )
        y += grow_to_text(heading) + u(2)
        self.broadcast_entry = UITextEntryLine(
            pygame.Rect(x, y, w - bw - u(6), u(32)),
            m,
            object_id=oid(None, "broadcast"),
            placeholder_text="(a message; Enter sends)",
        )
        btn("broadcast", "Send", pygame.Rect(x + w - bw, y, bw, u(32)), self.broadcast)
        y += u(40)
        row(
            y,
            u(34),
            [
                ("mute", ("Unmute chat", "Unmute"), self.toggle_mute, None, "players' chat"),
                (
                    "projector",
                    ("Projector (F9)", "Projector", "Screen"),
                    lambda: self.app.show("projector"),
                    None,
                    "the view for the projector (F9)",
                ),
                (
                    "debrief",
                    ("Debrief (F10)", "Debrief"),
                    lambda: self.app.show("debrief"),
                    None,
                    "the debrief so far (F10)",
                ),
            ],
        )
        self.say("mute", "Mute chat", "Mute")
        y += u(40)
        roomy = fits(m, "Unlock joins", bw) and fits(m, "New token", bw)
        lock_w = bw if roomy else 2 * bw + u(6)
        btn(
            "lock",
            ("Unlock joins", "Unlock"),
            pygame.Rect(x, y, lock_w, u(34)),
            self.toggle_lock,
            None,
            "close the session to new players (those with a seat still come back)",
        )
        self.say("lock", "Lock joins", "Lock")
        btn(
            "new_token",
            ("New token", "Token"),
            pygame.Rect(x + 2 * (bw + u(6)), y, bw, u(34)),
            lambda: self.control("new_token"),
            None,
            "a new facilitator token for this session; the old one stops working",
        )
        self.lock_text_w = bw - u(6) if roomy else w  # up to the New token button
        if roomy:
            self.lock_text_at = (x + bw + u(10), y + u(17))
            y += u(44)
        else:  # the state on a line of its own under the button
            self.lock_text_at = (x, y + u(46))
            y += u(62)
        self.token_text_at = (x, y + u(2))  # the new token, once there is one
        y += u(26)
        self.help_top = y  # the help requests start here, under any late joiners waiting
        self.help_r = pygame.Rect(x, y, w, c.bottom - y - u(8))
        btn(
            "help_read",
            ("Mark read", "Read"),
            pygame.Rect(x + w - bw, y, bw, u(28)),
            self.mark_help_read,
            None,
            "the count of new requests for help goes back to zero",
        )
        # the reply line, under the requests while the teacher replies to one
        rh = u(30)
        self.reply_entry = UITextEntryLine(
            pygame.Rect(x, self.help_r.bottom - rh, w - bw - u(6), rh),
            m,
            object_id=oid(None, "help_reply"),
            placeholder_text="(your reply; Enter sends, Esc cancels)",
        )
        self.reply_entry.set_text_length_limit(500)
        btn(
            "reply_send",
            "Send",
            pygame.Rect(x + w - bw, self.help_r.bottom - rh, bw, rh),
            self.send_reply,
            "@primary",
            "send the reply to this student only (Enter); Esc cancels",
        )
        self.reply_label_at = (x, self.help_r.bottom - rh - u(12))
        self.help_sig = None
        self.reply_buttons = {}
        self.join_sig = None
        self.join_buttons = {}
        self.show_reply_line()
        self.confirming_end = False
        # live map
        lr = self.live_r
        map_h = round(lr.height * 0.42)
        map_r = pygame.Rect(lr.x, lr.bottom - map_h, lr.width, map_h)
        if self.map is None:
            self.map = MapView(map_r, self.fonts, labels="none")
        else:
            self.map.fonts = self.fonts
            self.map.set_rect(map_r)
        self.map.legend = False
        self.update_buttons()

    def row_h(self) -> int:
        """A seat's row: two lines of its text (taller with larger text)."""
        return max(self.u(34), self.fonts.get(12, "bold").get_height() * 2 + self.u(4))

    def build_seats(self) -> None:
        u = self.u
        m = self.manager
        for b in self.seat_buttons.values():
            b.kill()
        self.seat_buttons = {}
        rows = roster_rows(self.model)
        w = self.seats_r.width - u(30)
        for k, s in enumerate(rows):
            y = k * self.row_h()
            bot = s.get("controller") == "bot"
            b = UIButton(
                pygame.Rect(w - u(98), y + (self.row_h() - u(28)) // 2, u(96), u(28)),
                "Give back" if bot else "Bot plays",
                m,
                container=self.seat_scroll,
                object_id=oid(None, f"bot_{s['id']}"),
                tool_tip_text="a bot plays this seat from now on"
                if not bot
                else "give the seat back to its player (or leave it open)",
                command=bind(self.control, "unbot" if bot else "bot", seat=s["id"]),
            )
            self.seat_buttons[s["id"]] = b
        self.seat_scroll.set_scrollable_area_dimensions((w, len(rows) * self.row_h() + u(6)))
        self.roster_sig = repr([(s["id"], s.get("controller")) for s in rows])

    # --- actions ----------------------------------------------------------------------------------
    def control(self, action: str, **fields: Any) -> int:
        return self.model.control(action, origin="console", **fields)

    def pause_resume(self) -> None:
        self.control("resume" if self.model.session.get("status") == "paused" else "pause")

    def say(self, key: str, *labels: str) -> None:
        """The button's label: the first of `labels` that fits its width in the player's text
        size; a shortened one carries the full label in its tooltip."""
        b = self.buttons[key]
        text, full = fit_text(self.manager, labels, b.rect.width)
        if b.text != text:
            b.set_text(text)
        tip = self.tips.get(key)
        want = f"{full}: {tip}" if full and tip else (full or tip)
        if want != getattr(b, "tool_tip_text", None):
            b.set_tooltip(want)
        self.labels[key] = labels

    def confirm_end(self) -> None:
        if self.confirming_end:
            self.confirming_end = False
            self.control("end")
        else:
            self.confirming_end = True
            self.say("end", "Sure? Click again", "Sure?")

    def set_timers(self) -> None:
        try:
            neg = float(self.neg_entry.get_text()) * 60
            rep = float(self.rep_entry.get_text()) * 60
        except ValueError:
            self.model.notice("Timers are minutes, for example 8 and 2.")
            return
        self.control("timers", negotiation_seconds=max(5.0, neg), report_seconds=max(0.0, rep))

    def inject(self) -> int | None:
        sel = self.event_menu.selected_option
        kind = sel[1] if isinstance(sel, tuple) else sel
        try:
            value = float(self.event_value.get_text().replace(",", "."))
        except ValueError:
            self.model.notice("The event's value is a number.")
            return None
        if kind in PERCENT_EVENTS:
            value = round(value / 100.0, 6)
        ev: dict[str, Any] = {
            "kind": kind,
            "value": value,
            "headline": self.event_headline.get_text().strip()
            or dict((k, lab) for lab, k in EVENT_KINDS)[kind].split(" (")[0],
        }
        if kind == "demand":
            ms = self.event_market.selected_option
            ev["market"] = ms[1] if isinstance(ms, tuple) else ms
        if kind == "supplier_cut":
            ev["keep"] = max(0, int(value))
            ev["value"] = 0.3
        self.event_headline.set_text("")
        return self.model.send({"type": "inject_event", "event": ev}, origin="console")

    def broadcast(self) -> int | None:
        msg = self.broadcast_entry.get_text().strip()
        if not msg:
            return None
        self.broadcast_entry.set_text("")
        return self.model.send({"type": "chat", "text": msg, "to": "public"}, origin="console")

    def toggle_mute(self) -> None:
        muted = bool((self.model.view or {}).get("chat_muted"))
        self.model.send({"type": "mute_chat", "muted": not muted}, origin="console")

    def toggle_lock(self) -> int:
        return self.control("unlock" if self.model.session.get("locked") else "lock")

    def join_row_h(self) -> int:
        return max(self.u(30), self.fonts.get(12, "bold").get_height() + self.u(12))

    def join_h(self) -> int:
        """The height of the late joiners' rows (with their header), 0 when nobody waits."""
        n = len(self.model.join_requests)
        return self.u(28) + n * self.join_row_h() + self.u(8) if n else 0

    def place_help(self) -> None:
        """The help requests (and their Mark read button) go under the late joiners waiting."""
        c = self.ctrl_r
        y = self.help_top + self.join_h()
        self.help_r = pygame.Rect(self.help_r.x, y, self.help_r.width, c.bottom - y - self.u(8))
        b = self.buttons["help_read"]
        b.set_position((b.rect.x, y))

    def build_join_buttons(self) -> None:
        """An Admit and a Refuse button on each late joiner waiting (rebuilt when the list
        changes)."""
        u = self.u
        for pair in self.join_buttons.values():
            for b in pair:
                b.kill()
        self.join_buttons = {}
        x, w = self.help_r.x, self.help_r.width
        bw = max(text_width(self.manager, "Refuse") + u(24), u(70))
        for k, req in enumerate(self.model.join_requests):
            rid = str(req.get("id", ""))
            y = self.help_top + u(28) + k * self.join_row_h() + (self.join_row_h() - u(26)) // 2
            name = str(req.get("name", ""))
            admit = UIButton(
                pygame.Rect(x + w - 2 * bw - u(6), y, bw, u(26)),
                "Admit",
                self.manager,
                object_id=oid("@primary", f"admit_{k}"),
                tool_tip_text=f"let {name} in: they take a free seat; the session stays locked",
                command=bind(self.control, "admit", request=rid),
            )
            refuse = UIButton(
                pygame.Rect(x + w - bw, y, bw, u(26)),
                "Refuse",
                self.manager,
                object_id=oid(None, f"refuse_{k}"),
                tool_tip_text=f"turn {name} away: they are told the teacher did not let them in",
                command=bind(self.control, "refuse", request=rid),
            )
            self.join_buttons[rid] = (admit, refuse)
        self.place_help()

    def mark_help_read(self) -> None:
        self.help_seen = len(self.model.help_requests())

    def help_list(self) -> list[tuple[dict[str, Any], int, list[str]]]:
        """The requests that fit, newest first: (message, y of its header, its text's lines).
        Drawing and the Reply buttons share this layout."""
        u = self.u
        r = self.help_r
        bottom = r.bottom - (u(50) if self.reply_to else 0)
        f = self.fonts.get(12)
        out = []
        y = r.y + u(34)
        for msg in reversed(self.model.help_requests()):
            if y + u(20) > bottom:
                break
            head_y = y
            y += u(20)
            lines = []
            for line in wrap(str(msg.get("text", "")), f, r.width - u(10))[:3]:
                if y + u(15) > bottom:
                    break
                lines.append(line)
                y += u(15)
            out.append((msg, head_y, lines))
            y += u(4)
        return out

    def build_reply_buttons(self) -> None:
        """A Reply button on each request on screen (rebuilt when the list changes)."""
        u = self.u
        for b in self.reply_buttons.values():
            b.kill()
        self.reply_buttons = {}
        r = self.help_r
        for k, (msg, y, _lines) in enumerate(self.help_list()):
            seat = str(msg.get("from", ""))
            b = UIButton(
                pygame.Rect(r.right - u(60), y, u(60), u(19)),
                "Reply",
                self.manager,
                object_id=oid("@small", f"help_reply_{k}"),
                tool_tip_text="answer this student privately: only they see it",
                command=bind(self.start_reply, seat),
            )
            self.reply_buttons[str(msg.get("id", k))] = b

    def start_reply(self, seat: str) -> None:
        self.reply_to = seat
        self.help_sig = None
        self.show_reply_line()
        self.reply_entry.focus()
        self.manager.set_focus_set(self.reply_entry)

    def cancel_reply(self) -> None:
        self.reply_to = None
        self.help_sig = None
        self.reply_entry.set_text("")
        self.reply_entry.unfocus()
        self.show_reply_line()

    def show_reply_line(self) -> None:
        for el in (self.reply_entry, self.buttons["reply_send"]):
            el.show() if self.reply_to else el.hide()

    def send_reply(self) -> int | None:
        """The teacher's private reply to the student being answered (a chat to that seat)."""
        text_ = self.reply_entry.get_text().strip()
        if not self.reply_to or not text_:
            return None
        cid = self.model.send(
            {"type": "chat", "text": text_, "to": self.reply_to}, origin="console"
        )
        self.model.notice(f"Reply sent to {seat_label(self.model, self.reply_to)}")
        self.cancel_reply()
        return cid

    def help_unread(self) -> int:
        return max(0, len(self.model.help_requests()) - self.help_seen)

    def update_buttons(self) -> None:
        st = self.model.session.get("status")
        v = self.model.view or {}
        lobby = st == "lobby"
        ended = st == "ended" or v.get("phase") == "ended"
        self.buttons["start"].enable() if lobby else self.buttons["start"].disable()
        self.say("pause", "Resume" if st == "paused" else "Pause")
        for k in ("pause", "advance", "minus", "plus", "end", "inject"):
            self.buttons[k].disable() if (lobby or ended) else self.buttons[k].enable()
        if v.get("chat_muted"):
            self.say("mute", "Unmute chat", "Unmute")
        else:
            self.say("mute", "Mute chat", "Mute")
        locked = bool(self.model.session.get("locked"))
        if locked:
            self.say("lock", "Unlock joins", "Unlock")
        else:
            self.say("lock", "Lock joins", "Lock")
        self.buttons["lock"].select() if locked else self.buttons["lock"].unselect()
        self.buttons["help_read"].enable() if self.help_unread() else self.buttons[
            "help_read"
        ].disable()

    # --- loop -----------------------------------------------------------------------------------
    def refresh(self, view_changed: bool) -> None:
        v = self.model.view
        if v is not None and self.map is not None and view_changed:
            self.map.set_view(v, None)
        rows = roster_rows(self.model)
        if repr([(s["id"], s.get("controller")) for s in rows]) != self.roster_sig:
            self.build_seats()
        if self.help_unread() != getattr(self, "_help_told", 0):
            self._help_told = self.help_unread()
            if self._help_told:
                last = self.model.help_requests()[-1]
                self.model.notice(
                    f"Help request from {seat_label(self.model, str(last.get('from', '')))}"
                )
        self.update_buttons()

    def update(self, dt: float) -> None:
        jsig = (repr(self.model.join_requests), self.size)
        if jsig != self.join_sig:
            self.join_sig = jsig
            self.build_join_buttons()
            self.help_sig = None
        sig = (
            [(m.get("id"), y) for m, y, _l in self.help_list()],
            self.reply_to,
            self.help_unread(),
        )
        if sig != self.help_sig:
            self.help_sig = sig
            self.build_reply_buttons()
        super().update(dt)

    def handle(self, event: pygame.event.Event) -> bool:
        if (
            event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED
            and event.ui_element is self.broadcast_entry
        ):
            self.broadcast()
            return True
        if event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED and event.ui_element is self.reply_entry:
            self.send_reply()
            return True
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE and self.reply_to:
            self.cancel_reply()
            return True
        if event.type == pygame.MOUSEMOTION and self.map is not None:
            self.map.on_mouse_move(event.pos)
        if event.type == pygame.KEYDOWN and event.key == pygame.K_TAB:
            return self.cycle_focus(bool(event.mod & pygame.KMOD_SHIFT))
        return False

    def draw_under(self, surface: pygame.Surface) -> None:
        surface.fill(C.BG)
        u = self.u
        right = (self.workshop_btn or self.settings_btn).rect.x - u(10)
        draw_top_bar(self, surface, self.top, reserve=u(190) + self.top.right - right)
        code = self.model.code or self.model.session.get("code") or ""
        if code:
            chip(
                surface,
                f"Join code  {code}",
                self.fonts.get(16, "bold"),
                C.BG,
                C.ACCENT,
                (right, self.top.centery),
                "midright",
                (u(12), u(5)),
            )
        self.draw_seats(surface)
        c = self.ctrl_r
        panel(surface, c, C.PANEL, C.LINE, u(10))
        text(
            surface,
            "Run the session",
            self.fonts.get(16, "bold"),
            C.ACCENT,
            (c.x + u(12), c.y + u(10)),
        )
        self.draw_lock(surface)
        self.draw_joiners(surface)
        self.draw_help(surface)
        self.draw_live(surface)

    def draw_lock(self, surface: pygame.Surface) -> None:
        locked = bool(self.model.session.get("locked"))
        font = self.fonts.get(12, "bold")
        says = (
            ("Locked: no new players can join", "Locked: no new players", "No new joins", "Locked")
            if locked
            else ("Open: new players can join", "Open to new players", "Open to joins", "Open")
        )
        # the longest wording that fits beside the buttons, never one cut short
        said = next((w for w in says if font.size(w)[0] <= self.lock_text_w), says[-1])
        text(
            surface,
            said,
            font,
            C.WARN if locked else C.MUTED,
            self.lock_text_at,
            "midleft",
            max_width=self.lock_text_w,
        )
        token = self.model.session.get("facilitator_token")
        if token:
            text(
                surface,
                f"Token: {token}",
                self.fonts.get(12),
                C.MUTED,
                self.token_text_at,
                max_width=self.ctrl_r.width - self.u(24),
            )

    def draw_joiners(self, surface: pygame.Surface) -> None:
        """The late joiners waiting at the locked door, each by name, beside Admit and Refuse."""
        reqs = self.model.join_requests
        if not reqs:
            return
        u = self.u
        x, w = self.help_r.x, self.help_r.width
        y = self.help_top
        text(
            surface,
            "Waiting to join",
            self.fonts.get(14, "bold"),
            C.WARN,
            (x, y + u(12)),
            "midleft",
        )
        bw = max(text_width(self.manager, "Refuse") + u(24), u(70))
        fb = self.fonts.get(12, "bold")
        for k, req in enumerate(reqs):
            ry = y + u(28) + k * self.join_row_h()
            role = req.get("role")
            label = str(req.get("name", "")) + (f" (asks for {role})" if role else "")
            text(
                surface,
                label,
                fb,
                C.TEXT,
                (x, ry + self.join_row_h() // 2),
                "midleft",
                max_width=w - 2 * bw - u(14),
            )

    def draw_help(self, surface: pygame.Surface) -> None:
        """The requests for help, newest first, each with the student's seat and name."""
        u = self.u
        r = self.help_r
        reqs = self.model.help_requests()
        unread = self.help_unread()
        head = text(
            surface,
            "Help requests",
            self.fonts.get(14, "bold"),
            C.TEXT,
            (r.x, r.y + u(14)),
            "midleft",
        )
        if unread:
            chip(
                surface,
                f"{unread} new",
                self.fonts.get(12, "bold"),
                C.BG,
                C.BAD,
                (head.right + u(8), head.centery),
                "midleft",
                (u(8), u(3)),
            )
        f = self.fonts.get(12)
        fb = self.fonts.get(12, "bold")
        if not reqs:
            for k, line in enumerate(wrap("None yet: a student's request shows here.", f, r.width)):
                text(surface, line, f, C.MUTED, (r.x, r.y + u(34) + k * f.get_linesize()))
        for k, (msg, y, lines) in enumerate(self.help_list()):
            new = k < unread
            who = seat_label(self.model, str(msg.get("from", "")))
            state = "  · new" if new else ("  · replied" if self.model.help_replied(msg) else "")
            text(
                surface,
                f"r{msg.get('round', '')} {who}" + state,
                fb,
                C.BAD if new else C.ACCENT,
                (r.x, y + u(2)),
                max_width=r.width - u(66),
            )
            y += u(20)
            for line in lines:
                text(surface, line, f, C.TEXT, (r.x + u(10), y), max_width=r.width - u(10))
                y += u(15)
        if self.reply_to:
            text(
                surface,
                f"Reply to {seat_label(self.model, self.reply_to)} (only they see it):",
                fb,
                C.ACCENT,
                self.reply_label_at,
                "midleft",
                max_width=r.width,
            )

    def draw_seats(self, surface: pygame.Surface) -> None:
        u = self.u
        r = self.seats_r
        panel(surface, r, C.PANEL, C.LINE, u(10))
        rows = roster_rows(self.model)
        ready = sum(1 for s in rows if s.get("ready"))
        humans = sum(1 for s in rows if s.get("controller") == "human")
        text(
            surface,
            f"Seats  ·  {humans} player{'' if humans == 1 else 's'}, {ready}/{len(rows)} ready",
            self.fonts.get(16, "bold"),
            C.ACCENT,
            (r.x + u(12), r.y + u(10)),
        )
        sc = self.seat_scroll
        top = sc.rect.y
        off = (
            -sc.vert_scroll_bar.start_percentage * sc.scrolling_height if sc.vert_scroll_bar else 0
        )
        f = self.fonts.get(12)
        fb = self.fonts.get(12, "bold")
        clip = surface.get_clip()
        surface.set_clip(sc.rect)
        self.seat_rows: dict[str, pygame.Rect] = {}
        # columns measured from their longest word, so they line up from row to row
        online_w = u(24) + max(f.size(w)[0] for w in ("online", "offline", "bot"))
        ready_w = u(20) + max(f.size(w)[0] for w in ("ready", "deciding"))
        button_x = sc.rect.x + self.seats_r.width - u(30) - u(98)  # build_seats' button
        name_w = button_x - (r.x + u(6) + u(28)) - u(8)
        status_x = button_x - u(8) - online_w - ready_w
        for k, s in enumerate(rows):
            y = round(top + k * self.row_h() + off)
            row = pygame.Rect(r.x + u(6), y, r.width - u(12), self.row_h() - u(2))
            self.seat_rows[s["id"]] = row
            pygame.draw.rect(surface, C.PANEL_2 if k % 2 else C.PANEL, row, border_radius=u(4))
            role_icon = {
                "firm": "firm",
                "union": "union",
                "government": "government",
                "broker": "broker",
            }.get(str(s.get("role")), "user")
            blit_icon(surface, role_icon, (row.x + u(14), row.centery), u(16), C.MUTED)
            # the seat's name has the whole line up to the button; the player, online and
            # ready share the second line (at 1024x768 three columns beside the name left it
            # five letters)
            name = str(s.get("name") or s["id"])
            text(surface, name, fb, C.TEXT, (row.x + u(28), row.y + u(1)), max_width=name_w)
            ctl = s.get("controller", "")
            who = s.get("player") or {"bot": "bot", "open": "open seat", "human": "player"}.get(
                ctl, ctl
            )
            line2 = row.y + u(1) + fb.get_height() + f.get_height() // 2
            text(
                surface,
                f"{s.get('role', '')} · {who}",
                f,
                C.MUTED,
                (row.x + u(28), line2),
                "midleft",
                max_width=status_x - row.x - u(34),
            )
            x = status_x
            con = bool(s.get("connected"))
            blit_icon(surface, "plug", (x + u(6), line2), u(13), C.GOOD if con else C.MUTED)
            text(
                surface,
                "online" if con else ("bot" if ctl == "bot" else "offline"),
                f,
                C.GOOD if con else C.MUTED,
                (x + u(16), line2),
                "midleft",
            )
            x += online_w
            rd = bool(s.get("ready"))
            blit_icon(
                surface,
                "check" if rd else "clock",
                (x + u(6), line2),
                u(13),
                C.GOOD if rd else C.MUTED,
            )
            text(
                surface,
                "ready" if rd else "deciding",
                f,
                C.GOOD if rd else C.MUTED,
                (x + u(16), line2),
                "midleft",
            )
        surface.set_clip(clip)

    def draw_live(self, surface: pygame.Surface) -> None:
        u = self.u
        lr = self.live_r
        v = self.model.view or {}
        map_top = self.map.rect.y if self.map else lr.bottom
        r = pygame.Rect(lr.x, lr.y, lr.width, map_top - lr.y - u(8))
        panel(surface, r, C.PANEL, C.LINE, u(10))
        text(
            surface,
            "The district, live",
            self.fonts.get(16, "bold"),
            C.ACCENT,
            (r.x + u(12), r.y + u(10)),
        )
        y = r.y + u(38)
        f = self.fonts.get(12)
        fb = self.fonts.get(14, "bold")
        for key, (label, color, icon) in BOARDS.items():
            s = board_line(v, key)  # the start, then every round
            blit_icon(surface, icon, (r.x + u(20), y + u(10)), u(16), color)
            text(surface, label, f, C.TEXT, (r.x + u(34), y + u(10)), "midleft")
            text(
                surface,
                f"{s[-1]:.0f}" if s else "–",
                fb,
                C.TEXT,
                (r.x + round(r.width * 0.62), y + u(10)),
                "midright",
            )
            sparkline(
                surface,
                pygame.Rect(r.x + round(r.width * 0.66), y + u(2), round(r.width * 0.3), u(16)),
                s,
                color,
            )
            y += u(24)
        y += u(4)
        hist = v.get("history", [])
        for label, key, unit in INDICATORS:
            if y > r.bottom - u(22):
                break
            s = [float(h[key]) for h in hist if key in h]
            val = fmt_num(s[-1], unit) if s else "–"
            text(surface, label, f, C.MUTED, (r.x + u(16), y + u(8)), "midleft")
            text(
                surface,
                val,
                self.fonts.get(12, "bold"),
                C.TEXT,
                (r.x + round(r.width * 0.62), y + u(8)),
                "midright",
            )
            sparkline(
                surface,
                pygame.Rect(r.x + round(r.width * 0.66), y, round(r.width * 0.3), u(14)),
                s,
                C.ACCENT,
                1,
                dot=True,
            )
            y += u(20)
        if self.map is not None:
            self.map.draw(surface)

    def draw_over(self, surface: pygame.Surface) -> None:
        # over the live map, where it covers no control (the reply line is at the bottom of the
        # middle column)
        lr = self.live_r
        toast(self, surface, (lr.centerx, lr.bottom - self.u(8)), lr.width - self.u(8))
