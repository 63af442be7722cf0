"""Chat: public, per deal, private between two seats, and a request for help to the teacher
(`to: "facilitator"`: only the teacher and the sender see it; it works while the chat is muted)."""

from __future__ import annotations

import html
from typing import Any

import pygame
import pygame_gui
from district.client.forms import Kinds, kind_title
from district.client.panels.common import Tab, oid, seat_name
from pygame_gui.elements import UIButton, UIDropDownMenu, UILabel, UITextBox, UITextEntryLine

ASK_TEACHER = "Ask the teacher (help)"
HELP_COLOUR = "#ee6b8b"


def channels(view: dict[str, Any], me: str, kinds: Kinds | None = None) -> list[tuple[str, str]]:
    out = [("Public (everyone)", "public"), (ASK_TEACHER, "facilitator")]
    for d in view.get("deals", []):
        if me in d.get("parties", []) and d.get("status") in ("proposed", "active", "signed"):
            number = str(d["id"]).removeprefix("deal-")
            out.append(
                (f"Deal {number} · {kind_title(kinds or {}, d.get('kind', ''))}", str(d["id"]))
            )
    for s in view.get("seats", []):
        if s.get("id") != me:
            out.append((f"Private: {seat_name(view, s['id'])}", str(s["id"])))
    return out


def messages_for(view: dict[str, Any], me: str, channel: str) -> list[dict[str, Any]]:
    out = []
    for msg in view.get("chat", []):
        to = msg.get("to", "public")
        if channel == "public":
            ok = to == "public"
        elif channel == "facilitator":  # my requests for help and the teacher's answers to me
            ok = (msg.get("from") == me and to == "facilitator") or (
                msg.get("from") == "facilitator" and to == me
            )
        elif channel.startswith("deal-"):
            ok = to == channel
        else:  # private with `channel`
            ok = (msg.get("from") == me and to == channel) or (
                msg.get("from") == channel and to == me
            )
        if ok:
            out.append(msg)
    return out


class ChatTab(Tab):
    title = "Chat"
    icon = "chat"

    def __init__(self, scene: Any, rect: pygame.Rect) -> None:
        self.channel = "public"
        self.draft = ""
        self.sent_cid: int | None = None
        self.seen = 0
        super().__init__(scene, rect)

    def build(self) -> None:
        u = self.u
        m = self.manager
        p = self.panel
        w = self.inner_width()
        view = self.model.view or {}
        opts = (
            channels(view, self.model.seat, self.model.deal_kinds)
            if view
            else [("Public (everyone)", "public"), (ASK_TEACHER, "facilitator")]
        )
        keys = [k for _l, k in opts]
        if self.channel not in keys:
            self.channel = "public"
        start = next(o for o in opts if o[1] == self.channel)
        self.built_sig = self.signature()
        self.stale = False
        UILabel(
            pygame.Rect(u(10), u(8), u(60), u(30)), "To", m, container=p, object_id=oid("@muted")
        )
        self.menu = UIDropDownMenu(
            list[str | tuple[str, str]](opts),
            start,
            pygame.Rect(u(50), u(8), w - u(40) - u(150), u(30)),
            m,
            container=p,
            object_id=oid(None, "chat_channel"),
            expansion_height_limit=u(260),
        )
        self.ask_button = UIButton(
            pygame.Rect(w - u(140), u(8), u(150), u(30)),
            "Ask the teacher",
            m,
            container=p,
            object_id=oid(None, "chat_ask_teacher"),
            tool_tip_text="write to the teacher: only the teacher sees it, even while the chat "
            "is paused",
            command=lambda: self.set_channel("facilitator"),
        )
        if self.channel == "facilitator":
            self.ask_button.select()
        muted = bool(view.get("chat_muted"))
        self.log = UITextBox(
            self.log_html(),
            pygame.Rect(u(10), u(46), w, self.rect.height - u(46) - u(84)),
            m,
            container=p,
            object_id=oid(None, "chat_log"),
        )
        self.error = UILabel(
            pygame.Rect(u(10), self.rect.height - u(80), w, u(18)),
            (
                "The facilitator has paused the chat (you can still ask the teacher)"
                if muted
                else ""
            ),
            m,
            container=p,
            object_id=oid("@error", "chat_error"),
        )
        self.entry = UITextEntryLine(
            pygame.Rect(u(10), self.rect.height - u(56), w - u(96), u(44)),
            m,
            container=p,
            object_id=oid(None, "chat_entry"),
            initial_text=self.draft,
            placeholder_text=(
                "(ask the teacher for help; Enter sends)"
                if self.channel == "facilitator"
                else "(write a message; Enter sends)"
            ),
        )
        self.entry.set_text_length_limit(500)
        self.send_button = UIButton(
            pygame.Rect(w - u(80), self.rect.height - u(56), u(90), u(44)),
            "Send",
            m,
            container=p,
            object_id=oid("@primary", "chat_send"),
            command=self.send,
        )
        self.log.scroll_bar and self.log.scroll_bar.set_scroll_from_start_percentage(1.0)  # type: ignore[func-returns-value]
        self.show_error()

    def log_html(self) -> str:
        view = self.model.view or {}
        me = self.model.seat
        msgs = messages_for(view, me, self.channel)
        if not msgs:
            if self.channel == "facilitator":
                return (
                    "<font color=#9aa6ba><i>Stuck? Write to the teacher here: only the teacher "
                    "sees it.</i></font>"
                )
            return "<font color=#9aa6ba><i>No messages here yet.</i></font>"
        lines = []
        for msg in msgs[-80:]:
            who = "You" if msg.get("from") == me else seat_name(view, msg.get("from"))
            col = (
                "#f2b134"
                if msg.get("from") == me
                else ("#5aa9f5" if msg.get("from") == "facilitator" else "#eef1f6")
            )
            to_teacher = msg.get("help") or msg.get("to") == "facilitator"
            mark = (
                f"<font color={HELP_COLOUR}><b>[help request to the teacher]</b></font> "
                if to_teacher
                else ""
            )
            lines.append(
                f"<font color=#9aa6ba>r{msg.get('round', '')}</font> {mark}<font color={col}><b>"
                f"{html.escape(who)}</b></font>: {html.escape(str(msg.get('text', '')))}"
            )
        return "<br>".join(lines)

    def set_channel(self, channel: str) -> None:
        self.channel = channel
        self.draft = self.entry.get_text() if hasattr(self, "entry") else self.draft
        self.rebuild()

    def send(self) -> int | None:
        text = self.entry.get_text().strip()
        if not text:
            return None
        self.sent_cid = self.model.send(
            {"type": "chat", "text": text, "to": self.channel}, origin="chat"
        )
        self.draft = ""
        self.entry.set_text("")
        return self.sent_cid

    def show_error(self) -> None:
        errs = self.model.errors_for("chat")
        if errs:
            self.error.set_text("! " + errs[-1].readable())

    def signature(self) -> tuple[Any, ...]:
        """What the widgets were built from: the recipients and whether the chat is paused."""
        view = self.model.view or {}
        opts = channels(view, self.model.seat, self.model.deal_kinds) if view else []
        return (tuple(opts), bool(view.get("chat_muted")))

    def menu_open(self) -> bool:
        return self.menu.current_state is self.menu.menu_states.get("expanded")

    def refresh(self, view_changed: bool) -> None:
        # A new view arrives whenever anyone acts. Rebuilding the tab for each one closed the
        # recipient list under the player's pointer, so the choice never landed: the widgets are
        # rebuilt only when the recipients change, and never while the list is open.
        if view_changed and (self.stale or self.signature() != self.built_sig):
            if self.menu_open():
                self.stale = True
            else:
                if not self.behind:  # (behind: the draft kept when it fell behind)
                    self.draft = self.entry.get_text()
                self.rebuild_for_view()
                if not self.behind:
                    return
        if self.behind:
            return
        log = self.log_html()
        if log != self.log.html_text:  # laying the log out again costs ~7 ms
            self.log.set_text(log)
        if self.log.scroll_bar is not None:
            self.log.scroll_bar.set_scroll_from_start_percentage(1.0)
        self.show_error()

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED and event.ui_element is self.entry:
            self.send()
            return True
        if event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED and event.ui_element is self.menu:
            sel = self.menu.selected_option
            self.set_channel(sel[1] if isinstance(sel, tuple) else sel)
            return True
        return False

    def unread(self) -> int:
        return max(0, len((self.model.view or {}).get("chat", [])) - self.seen)
