"""The deals panel: incoming proposals waiting for my answer, my own proposals, active deals;
the detail of one deal with accept / reject / counter / preview / withdraw; and the composer."""

from __future__ import annotations

from typing import Any

import pygame
import pygame_gui
from district.client.forms import (
    allowed_kinds,
    kind_terms,
    kind_title,
    label,
    person_help,
    term_unit,
)
from district.client.panels.common import Tab, bind, oid, seat_name
from district.client.panels.composer import Composer
from district.client.panels.deal_text import (
    deal_line,
    deal_number,
    effect_summary,
    no_deal_text,
    preview_html,
    term_value,
)
from district.client.panels.draft import (
    Draft,
    default_parties,
    default_raw,
    raw_from_terms,
    why_not,
)
from district.client.ui.gui import grow_to_text, label_height, text_width
from pygame_gui.elements import UIButton, UIDropDownMenu, UILabel, UIScrollingContainer, UITextBox

OPEN = ("proposed",)
CLOSED = ("rejected", "countered", "withdrawn", "expired", "failed", "fulfilled", "breached")


def sort_deals(view: dict[str, Any], me: str) -> dict[str, list[dict[str, Any]]]:
    """incoming: proposed to me and not yet answered by me; mine: proposed by me (or answered
    and waiting for others); active: signed and running; closed: the rest."""
    out: dict[str, list[dict[str, Any]]] = {"incoming": [], "mine": [], "active": [], "closed": []}
    for d in view.get("deals", []):
        st = d.get("status", "")
        if st in OPEN:
            if d.get("proposer") == me or d.get("drafted_by") == me:
                out["mine"].append(d)
            elif me in d.get("parties", []) and d.get("responses", {}).get(me) != "accept":
                out["incoming"].append(d)
            else:
                out["mine"].append(d)
        elif st in ("active", "signed"):
            out["active"].append(d)
        else:
            out["closed"].append(d)
    return out


def fit(s: str, font: Any, width: int) -> str:
    if font.size(s)[0] <= width:
        return s
    while s and font.size(s + "…")[0] > width:
        s = s[:-1]
    return s + "…"


class DealsTab(Tab):
    title = "Deals"
    icon = "deal"

    def __init__(self, scene: Any, rect: pygame.Rect) -> None:
        self.mode = "list"
        self.selected: str | None = None
        self.composer: Composer | None = None
        self.draft: Draft | None = (
            None  # the half-written proposal (kept across rebuilds/reconnects)
        )
        self.row_buttons: dict[str, UIButton] = {}
        self.action_buttons: dict[str, UIButton] = {}
        self.notice = ""
        # previews asked by themselves for the proposals I can answer: deal -> the live state's
        # stamp it was asked for (asked again when my decisions, the round or my deals change)
        self.auto_asked: dict[str, str] = {}
        self.auto_cid: int | None = None
        super().__init__(scene, rect)

    # --- building -------------------------------------------------------------------------------
    def build(self) -> None:
        self._sig = self.signature() if self.model.view is not None else None
        self.composer = None
        self.row_buttons = {}
        self.incoming_rows: dict[str, tuple[dict[str, Any], int]] = {}
        self.no_deal_label: UILabel | None = None
        self.action_buttons = {}
        if self.mode == "compose" and self.draft is not None and self.model.view:
            self.composer = Composer(
                self,
                pygame.Rect(
                    self.u(8),
                    self.u(6),
                    self.rect.width - self.u(16),
                    self.rect.height - self.u(12),
                ),
                self.draft,
            )
        elif self.mode == "detail" and self.selected:
            self.build_detail()
        else:
            self.mode = "list"
            self.build_list()

    def build_list(self) -> None:
        u = self.u
        m = self.manager
        p = self.panel
        w = self.inner_width()
        view = self.model.view or {}
        dk = self.model.deal_kinds
        kinds = allowed_kinds(dk, str(view.get("role", ""))) if view else []
        me = self.model.seat or ""
        blocked = {k for k in kinds if why_not(dk, k, view, me)}
        opts: list[str | tuple[str, str]] = [
            (kind_title(dk, k) + (" (not now)" if k in blocked else ""), k) for k in kinds
        ]
        opts = opts or [("(no deal kinds)", "")]
        # a kind that is possible this round comes first
        first = next((k for k in kinds if k not in blocked), opts[0][1])
        last = self.draft.kind if self.draft else first
        start = next((o for o in opts if o[1] == last), opts[0])
        # the label, the menu and the button as wide as their words in the player's text size
        label_w = text_width(m, "New deal", "@heading") + u(8)
        action = "Resume draft" if self.draft else "Compose"
        button_w = max(u(108), text_width(m, action) + u(24))
        UILabel(
            pygame.Rect(u(10), u(8), label_w, u(32)),
            "New deal",
            m,
            container=p,
            object_id=oid("@heading"),
        )
        menu_x = u(10) + label_w + u(4)
        self.kind_menu = UIDropDownMenu(
            opts,
            start,
            pygame.Rect(menu_x, u(8), w - menu_x - button_w - u(10), u(32)),
            m,
            container=p,
            object_id=oid(None, "deal_kind"),
            expansion_height_limit=u(300),
        )
        self.compose_button = UIButton(
            pygame.Rect(w - button_w, u(8), button_w, u(32)),
            action,
            m,
            container=p,
            object_id=oid("@primary", "compose"),
            command=bind(self.open_composer),
            tool_tip_text="write a proposal of this kind (N)",
        )
        if self.notice:
            UILabel(
                pygame.Rect(u(10), u(42), w, u(20)),
                self.notice,
                m,
                container=p,
                object_id=oid("@muted"),
            )
        top = u(64)
        self.scroll = UIScrollingContainer(
            pygame.Rect(u(4), top, self.rect.width - u(8), self.rect.height - top - u(6)),
            m,
            container=p,
            allow_scroll_x=False,
            object_id=oid(None, "deal_list"),
        )
        groups = sort_deals(view, self.model.seat)
        y = 0
        sw = self.rect.width - u(30)
        titles = {
            "incoming": "Waiting for your answer",
            "mine": "Your proposals",
            "active": "Active deals",
            "closed": "Closed",
        }
        for key in ("incoming", "mine", "active", "closed"):
            items = groups[key]
            if key == "closed" and not items:
                continue
            cls = "@heading" if key == "incoming" and items else "@muted"
            heading = UILabel(
                pygame.Rect(u(6), y, sw, label_height(m, u(24), cls)),
                f"{titles[key]} ({len(items)})",
                m,
                container=self.scroll,
                object_id=oid(cls, f"group_{key}"),
            )
            y += grow_to_text(heading) + u(2)
            if key == "incoming" and items:  # the standing "no deal" line: if I sign nothing
                self.no_deal_label = UILabel(
                    pygame.Rect(u(14), y, sw - u(8), u(20)),
                    self.no_deal_line(items, sw - u(16)),
                    m,
                    container=self.scroll,
                    object_id=oid("@hint", "no_deal_line"),
                )
                y += u(22)
            if not items:
                none = UILabel(
                    pygame.Rect(u(14), y, sw, label_height(m, u(20), "@hint")),
                    "none",
                    m,
                    container=self.scroll,
                    object_id=oid("@hint"),
                )
                y += grow_to_text(none) + u(2)
            for d in items if key != "closed" else items[-8:]:
                b = UIButton(
                    pygame.Rect(u(6), y, sw, u(30)),
                    self.row_text(d, key == "incoming", sw - u(22)),
                    m,
                    container=self.scroll,
                    object_id=oid("@row", f"deal_{d['id']}"),
                    tool_tip_text=f"{deal_number(d['id']).capitalize()}: open to read the terms and answer",
                    command=bind(self.open_deal, d["id"]),
                )
                self.row_buttons[d["id"]] = b
                if key == "incoming":
                    self.incoming_rows[d["id"]] = (d, sw - u(22))
                y += u(33)
            y += u(6)
        self.scroll.set_scrollable_area_dimensions((sw, y + u(10)))

    def row_text(self, d: dict[str, Any], incoming: bool, width: int) -> str:
        line = deal_line(self.model.view or {}, d, self.model.deal_kinds)
        ev = self.model.previews.get(d["id"]) if incoming else None
        if ev:  # its effect on my own numbers (beside the standing no-deal line), first
            head, _, rest = line.partition(" · ")
            line = " · ".join(x for x in (head, effect_summary(ev), rest) if x)
        return fit(line, self.scene.fonts.get(13), width)

    def no_deal_line(self, items: list[dict[str, Any]], width: int) -> str:
        known = [self.model.previews[d["id"]] for d in items if d["id"] in self.model.previews]
        asking = self.model.status == "connected"
        text = (
            no_deal_text(known[-1])
            if known
            else ("Working out what each one does to you…" if asking else "")
        )
        return fit(text, self.scene.fonts.get(12), width)

    def show_effects(self) -> None:
        """A preview came in: the rows and the no-deal line change their text in place (a rebuild
        would close a menu the player has open or swallow a click)."""
        for did, (d, width) in self.incoming_rows.items():
            b = self.row_buttons.get(did)
            text = self.row_text(d, True, width)
            if b is not None and b.text != text:
                b.set_text(text)
        if self.no_deal_label is not None and self.incoming_rows:
            items = [d for d, _w in self.incoming_rows.values()]
            text = self.no_deal_line(items, self.no_deal_label.rect.width - self.u(4))
            if self.no_deal_label.text != text:
                self.no_deal_label.set_text(text)

    def build_detail(self) -> None:
        u = self.u
        m = self.manager
        p = self.panel
        w = self.inner_width()
        d = self.deal(self.selected)
        if d is None:
            self.mode = "list"
            self.build_list()
            return
        UIButton(
            pygame.Rect(u(10), u(8), u(90), u(30)),
            "< Back",
            m,
            container=p,
            object_id=oid(None, "back"),
            command=self.back,
        )
        UILabel(
            pygame.Rect(u(108), u(8), w - u(100), u(30)),
            f"{kind_title(self.model.deal_kinds, d.get('kind', ''))} · {deal_number(d['id'])}",
            m,
            container=p,
            object_id=oid("@heading", "deal_title"),
        )
        bottom_h = u(128)
        self.detail_box = UITextBox(
            self.detail_html(d),
            pygame.Rect(u(10), u(44), w, self.rect.height - u(44) - bottom_h),
            m,
            container=p,
            object_id=oid(None, "deal_detail"),
        )
        y = self.rect.height - bottom_h + u(6)
        self.detail_error = UILabel(
            pygame.Rect(u(10), y, w, u(18)),
            "",
            m,
            container=p,
            object_id=oid("@error", "deal_error"),
        )
        y += u(22)
        me = self.model.seat
        can_answer = self.can_answer(d)
        bw = (w - u(12)) // 3
        specs = [
            ("accept", "Accept (A)", "@accept", self.accept, can_answer),
            ("reject", "Reject (X)", "@reject", self.reject, can_answer),
            ("counter", "Counter (C)", None, self.counter, can_answer),
            (
                "preview",
                "Preview (P)",
                None,
                self.preview_deal,
                d.get("status") == "proposed" and me in d.get("parties", []),
            ),
            (
                "withdraw",
                "Withdraw",
                None,
                self.withdraw,
                d.get("status") == "proposed" and d.get("proposer") == me,
            ),
            ("discuss", "Discuss", None, self.discuss, me in d.get("parties", [])),
        ]
        for k, (key, text, cls, cb, enabled) in enumerate(specs):
            r = pygame.Rect(u(10) + (k % 3) * (bw + u(6)), y + (k // 3) * u(40), bw, u(34))
            b = UIButton(r, text, m, container=p, object_id=oid(cls, f"deal_{key}"), command=cb)
            if not enabled:
                b.disable()
            self.action_buttons[key] = b
        self.show_detail_errors()

    def detail_html(self, d: dict[str, Any]) -> str:
        view = self.model.view or {}
        terms = kind_terms(self.model.deal_kinds, d.get("kind", ""))
        lines = [
            f"<b>Status:</b> {d.get('status', '')}"
            + (f" (counter-offer to {deal_number(d['counter_of'])})" if d.get("counter_of") else "")
            + (f" — {d['why']}" if d.get("why") else "")
        ]
        if d.get("proposer"):
            lines.append(f"<b>Proposed by:</b> {seat_name(view, d['proposer'])}")
        ev = self.model.previews.get(d["id"])
        if ev:
            lines.append(
                preview_html(ev, "Your numbers next round, if signed (private):", "&nbsp;&nbsp;")
            )
        elif self.can_answer(d) and self.model.status == "connected":
            lines.append("<font color=#9aa6ba><i>Working out what it does to you…</i></font>")
        resp = d.get("responses", {})
        plines = []
        for p in d.get("parties", []):
            a = resp.get(p)
            word = {
                "accept": "<font color=#4cc38a>accepted</font>",
                "reject": "<font color=#ee5d5d>rejected</font>",
            }.get(a or "", "<font color=#9aa6ba>waiting</font>")
            plines.append(f"&nbsp;&nbsp;{seat_name(view, p)} — {word}")
        lines.append("<b>Parties:</b><br>" + "<br>".join(plines))
        tl = []
        for name, v in d.get("terms", {}).items():
            t = terms.get(name, {})
            help_ = person_help(name, t) if t else ""
            unit = term_unit(t)
            tl.append(
                f"&nbsp;&nbsp;<b>{label(name)}</b>: {term_value(view, t, v)}"
                + (f" {unit}" if unit and isinstance(v, int | float) else "")
                + (f" <font color=#9aa6ba><i>({help_})</i></font>" if help_ else "")
            )
        lines.append("<b>Terms:</b><br>" + ("<br>".join(tl) or "&nbsp;&nbsp;(not public)"))
        if d.get("ends_round"):
            lines.append(f"<b>Runs</b> from round {d.get('signed_round')} to {d.get('ends_round')}")
        if d.get("forced"):
            lines.append(
                "<font color=#f0a03c>Signed across a trust gate it did not meet: it is more likely to fail.</font>"
            )
        return "<br>".join(lines)

    def can_answer(self, d: dict[str, Any]) -> bool:
        me = self.model.seat
        return (
            d.get("status") == "proposed"
            and me in d.get("parties", [])
            and d.get("responses", {}).get(me) != "accept"
        )

    def live_stamp(self) -> str:
        """What a preview of mine depends on: the round, my decisions and the deals in force."""
        v = self.model.view or {}
        return repr(
            (
                v.get("round"),
                v.get("phase"),
                (v.get("me") or {}).get("decisions"),
                sorted(d.get("id", "") for d in v.get("deals", []) if d.get("status") == "active"),
            )
        )

    def auto_preview(self) -> None:
        """Ask, one at a time, what each proposal I can answer does to my numbers (and what I get
        with no deal at all), so its card and row show it without a click; again when the live
        state it was computed from changes."""
        v = self.model.view or {}
        if v.get("phase") != "negotiation" or self.model.status != "connected":
            return
        if self.auto_cid is not None and self.auto_cid in self.model.pending:
            return  # one in flight
        stamp = self.live_stamp()
        for d in sort_deals(v, self.model.seat)["incoming"]:
            if self.can_answer(d) and self.auto_asked.get(d["id"]) != stamp:
                self.auto_asked[d["id"]] = stamp
                self.auto_cid = self.model.send({"type": "preview", "deal": d["id"]}, "batna")
                return

    # --- actions ----------------------------------------------------------------------------------
    def deal(self, did: str | None) -> dict[str, Any] | None:
        return next(
            (d for d in (self.model.view or {}).get("deals", []) if d.get("id") == did), None
        )

    def open_deal(self, did: str) -> None:
        self.mode = "detail"
        self.selected = did
        self.rebuild()

    def back(self) -> None:
        self.mode = "list"
        self.rebuild()

    def open_composer(self, kind: str | None = None) -> None:
        view = self.model.view or {}
        if kind is None and getattr(self, "kind_menu", None) is not None and self.kind_menu.alive():
            sel = self.kind_menu.selected_option
            kind = sel[1] if isinstance(sel, tuple) else sel
        if not kind or kind not in self.model.deal_kinds:
            return
        if self.draft is None or self.draft.kind != kind or self.draft.counter_of:
            me = self.model.seat or ""
            parties = default_parties(self.model.deal_kinds, kind, view, me)
            self.draft = Draft(
                kind, parties, default_raw(self.model.deal_kinds, kind, view, parties)
            )
        self.mode = "compose"
        self.notice = ""
        self.rebuild()
        self.scene.on_composer(True)

    def close_composer(self) -> None:
        """Cancel: the draft is dropped."""
        self.draft = None
        self.mode = "list"
        self.rebuild()
        self.scene.on_composer(False)

    def rebuild_composer(self) -> None:
        self.rebuild()
        self.scene.on_composer(True)

    def toggle_party_seat(self, seat: str) -> bool:
        """A firm clicked on the map while composing: add or remove its seat as a party."""
        if self.mode != "compose" or self.composer is None or self.draft is None:
            return False
        if seat not in [s for s in self.composer.party_buttons]:
            self.model.notice(
                "That firm cannot be a party to this kind of deal (it needs a player seat)."
            )
            return False
        self.composer.toggle_party(seat)
        return True

    def accept(self) -> None:
        if self.selected:
            self.model.send(
                {"type": "respond", "deal": self.selected, "answer": "accept"}, origin="deal"
            )

    def reject(self) -> None:
        if self.selected:
            self.model.send(
                {"type": "respond", "deal": self.selected, "answer": "reject"}, origin="deal"
            )

    def withdraw(self) -> None:
        if self.selected:
            self.model.send({"type": "withdraw", "deal": self.selected}, origin="deal")

    def preview_deal(self) -> None:
        if self.selected:
            self.model.send({"type": "preview", "deal": self.selected}, origin="deal")

    def counter(self) -> None:
        d = self.deal(self.selected)
        if d is None:
            return
        view = self.model.view or {}
        kinds = self.model.deal_kinds
        if d.get("kind") not in kinds:
            return
        raw = default_raw(kinds, d["kind"], view, list(d.get("parties", [])))
        raw.update(raw_from_terms(kinds, d["kind"], d.get("terms", {})))
        self.draft = Draft(d["kind"], list(d.get("parties", [])), raw, counter_of=d["id"])
        self.mode = "compose"
        self.rebuild()
        self.scene.on_composer(True)

    def discuss(self) -> None:
        if self.selected:
            self.scene.open_chat(self.selected)

    def show_detail_errors(self) -> None:
        if self.mode != "detail" or not hasattr(self, "detail_error"):
            return
        errs = self.model.errors_for("deal")
        self.detail_error.set_text(("! " + errs[-1].readable()) if errs else "")

    # --- events -----------------------------------------------------------------------------------
    def refresh(self, view_changed: bool) -> None:
        self.auto_preview()
        if self.mode == "compose" and self.composer is not None and self.draft is not None:
            if self.draft.sent_cid is not None and self.draft.sent_cid in self.model.acked:
                what = "Counter-offer" if self.draft.counter_of else "Proposal"
                self.notice = f"{what} sent: it is in 'Your proposals' until the others answer."
                self.draft = None
                self.mode = "list"
                self.rebuild()
                self.scene.on_composer(False)
                return
            if view_changed:
                self.rebuild()
            else:
                self.composer.refresh()
            return
        sig = self.signature()
        if sig != getattr(self, "_sig", None):
            self.rebuild_for_view()
        elif self.mode == "list":
            self.show_effects()
        elif self.mode == "detail" and (d := self.deal(self.selected)) is not None:
            html = self.detail_html(d)
            if html != self.detail_box.html_text:  # a preview came in: the text, in place
                self.detail_box.set_text(html)

    def signature(self) -> str:
        """What the list or the detail shows: rebuild only when it changes."""
        deals = (self.model.view or {}).get("deals", [])
        if self.mode == "detail":
            d = self.deal(self.selected)
            errs = len(self.model.errors_for("deal"))
            return repr((self.mode, self.selected, d, errs))
        return repr(
            (
                self.mode,
                self.notice,
                [(d.get("id"), d.get("status"), d.get("responses")) for d in deals],
                (self.model.view or {}).get("role"),
                self.draft is not None,
                tuple(self.model.deal_kinds),
            )
        )

    def handle(self, event: pygame.event.Event) -> bool:
        if self.composer is not None and self.composer.handle(event):
            return True
        if event.type == pygame.KEYDOWN and not self.scene.focused_text_entry():
            if event.key == pygame.K_ESCAPE and self.mode != "list":
                if self.mode == "compose":
                    self.mode = "list"  # keep the draft: Esc only leaves the form
                    self.rebuild()
                    self.scene.on_composer(False)
                else:
                    self.back()
                return True
            if self.mode == "detail":
                keys = {
                    pygame.K_a: "accept",
                    pygame.K_x: "reject",
                    pygame.K_c: "counter",
                    pygame.K_p: "preview",
                }
                key = keys.get(event.key)
                if key and self.action_buttons.get(key) and self.action_buttons[key].is_enabled:
                    {
                        "accept": self.accept,
                        "reject": self.reject,
                        "counter": self.counter,
                        "preview": self.preview_deal,
                    }[key]()
                    return True
            if self.mode == "list" and event.key == pygame.K_n:
                self.open_composer()
                return True
        if event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED and self.mode == "list":
            return False
        return False
