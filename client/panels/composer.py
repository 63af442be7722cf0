"""The deal composer, generated from the deal kinds the server's welcome carries (`deal_kinds`,
docs/protocol.md section 8.1; the client keeps no copy of them): one typed field per term with its
range, parties picked from a list or from the map, the private preview of what the deal does to me,
and send (or counter).

The half-written proposal lives in a `Draft` owned by the scene, not in the widgets: it survives a
rebuild of the form, a new view, a change of tab and a reconnect (client/panels/draft.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pygame
import pygame_gui
from district.client.forms import (
    Kinds,
    form_terms,
    kind_title,
    label,
    party_rules,
)
from district.client.panels.common import (
    bind,
    help_and_error,
    oid,
    seat_name,
    side_hint,
)
from district.client.panels.deal_text import preview_html, tender_forms
from district.client.panels.draft import (
    DROPDOWN,
    MULTI,
    NUMERIC,
    Draft,
    eligible_seats,
    even_shares,
    form_range_hint,
    humanize,
    open_tenders,
    operations_of,
    refusal_in_units,
    suggest_price,
    to_command,
    why_not,
)
from district.client.ui.gui import (
    fit_apart,
    fit_text,
    grid_columns,
    grid_layout,
    label_height,
    name_forms,
    row_widths,
    text_width,
)
from pygame_gui.elements import (
    UIButton,
    UIDropDownMenu,
    UILabel,
    UIScrollingContainer,
    UITextBox,
    UITextEntryLine,
)

if TYPE_CHECKING:
    from district.client.panels.deals import DealsTab


def party_forms(view: dict[str, Any], sid: str, mine: bool) -> tuple[str, ...]:
    """A party's button label, then shorter forms (see name_forms): 'CGIL unions' for 'CGIL
    unions (FIOM metalworkers, FILTEA textile workers)'."""
    you = "You: " if mine else ""
    return tuple(you + f for f in name_forms(seat_name(view, sid)))


class Composer:
    """The form. Built inside a scrolling container that fills `rect` of the deals tab's panel."""

    def __init__(self, tab: DealsTab, rect: pygame.Rect, draft: Draft) -> None:
        self.tab = tab
        self.scene = tab.scene
        self.model = tab.model
        self.draft = draft
        self.rect = rect
        self.local_errors: dict[str, str] = {}
        self.widgets: dict[str, Any] = {}
        self.error_labels: dict[str, UILabel] = {}
        self.party_buttons: dict[str, UIButton] = {}
        self.multi_buttons: dict[tuple[str, str], UIButton] = {}
        self.share_entries: dict[str, UITextEntryLine] = {}
        # why this kind cannot be proposed now, in plain words ("" if it can)
        self.blocked = (
            ""
            if draft.counter_of
            else why_not(
                self.model.deal_kinds, draft.kind, self.model.view or {}, tab.model.seat or ""
            )
        )
        self.build()

    @property
    def view(self) -> dict[str, Any]:
        return self.model.view or {}

    @property
    def kinds(self) -> Kinds:
        return self.model.deal_kinds

    def u(self, v: float) -> int:
        return self.scene.u(v)

    def build(self) -> None:
        u = self.u
        m = self.scene.manager
        spec = self.kinds.get(self.draft.kind) or {}
        terms = form_terms(self.kinds, self.draft.kind)
        w = self.rect.width - u(18)
        bar_h = u(84)
        scroll_r = pygame.Rect(self.rect.x, self.rect.y, self.rect.width, self.rect.height - bar_h)
        self.scroll = UIScrollingContainer(
            scroll_r,
            m,
            container=self.tab.panel,
            allow_scroll_x=False,
            object_id=oid(None, "composer"),
        )
        c = self.scroll
        y = u(4)
        title = ("Counter-offer: " if self.draft.counter_of else "New ") + kind_title(
            self.kinds, self.draft.kind
        )
        head = UILabel(
            pygame.Rect(0, y, w, label_height(m, u(26), "@heading")),
            title,
            m,
            container=c,
            object_id=oid("@heading", "composer_title"),
        )
        y += head.rect.height
        help_text = str(spec.get("help", ""))
        if help_text:
            tb = UITextBox(
                help_text,
                pygame.Rect(0, y, w, -1),
                m,
                container=c,
                wrap_to_height=True,
                object_id=oid("@help"),
            )
            y += tb.rect.height + u(6)
        # parties
        parties = UILabel(
            pygame.Rect(0, y, w, label_height(m, u(22), "@muted")),
            "Parties (click here or on the map)",
            m,
            container=c,
            object_id=oid("@muted"),
        )
        y += parties.rect.height
        me = self.model.seat
        seats = eligible_seats(self.kinds, self.draft.kind, self.view)
        if me not in seats and me:
            seats = [me] + seats
        forms = [party_forms(self.view, sid, sid == me) for sid in seats]
        # every name whole: fewer columns if long, a name's part before its brackets if even a
        # line of its own is too short (the whole name in its tooltip), no two alike
        cols, texts = grid_layout(m, forms, w, u(6), 2)
        col_w = (w - u(6) * (cols - 1)) // cols
        for k, (sid, text) in enumerate(zip(seats, texts, strict=True)):
            x = (k % cols) * (col_w + u(6))
            if k % cols == 0 and k:
                y += u(30)
            b = UIButton(
                pygame.Rect(x, y, col_w, u(28)),
                text,
                m,
                container=c,
                object_id=oid("@row", f"party_{sid}"),
                tool_tip_text=f"{seat_name(self.view, sid)}, {sid.split(':')[0]}",
                command=bind(self.toggle_party, sid),
            )
            if sid in self.draft.parties:
                b.select()
            if self.draft.counter_of or (sid == me and not me.startswith("broker:")):
                b.disable() if sid != me else None
            self.party_buttons[sid] = b
        y += u(32)
        rules = party_rules(self.kinds, self.draft.kind)
        need = ", ".join(
            f"{lo}–{hi} {r}" if lo != hi else f"{lo} {r}" for r, (lo, hi) in rules.items() if hi > 0
        )
        self.error_labels["parties"], y = help_and_error(
            m, c, 0, y, w, f"Needs: {need}", "err_parties", u(18), u(18)
        )
        y += u(20)
        # terms
        # labels as wide as the longest needs (up to half the width), hints as their words
        widest = max((text_width(m, label(n), "label") for n in terms), default=0)
        label_w = min(max(round(w * 0.36), widest + u(10)), round(w * 0.5))
        hints_w = max(
            (text_width(m, form_range_hint(t), "label") for t in terms.values()), default=0
        )
        input_w = max(u(60), min(round(w * 0.40), w - label_w - hints_w - u(10)))
        hint_x = label_w + input_w + u(6)
        seat_terms = [n for n, t in terms.items() if t.get("type") == "seat"]
        line = round(u(18) * max(1.0, self.scene.text_scale))  # a help or error line
        for name, t in terms.items():
            typ = t.get("type")
            UILabel(
                pygame.Rect(0, y, label_w, u(30)),
                label(name),
                m,
                container=c,
                object_id=oid(None, f"label_{name}"),
            )
            r_in = pygame.Rect(label_w, y, input_w, u(30))
            hint = ""
            raw = self.draft.raw.get(name)
            if typ in NUMERIC or typ == "text":
                e = UITextEntryLine(
                    r_in,
                    m,
                    container=c,
                    object_id=oid(None, f"term_{name}"),
                    initial_text=str(raw or ""),
                )
                if typ in NUMERIC:
                    e.set_allowed_characters(list("0123456789.-,k%"))
                    hint = form_range_hint(t)
                self.widgets[name] = e
            elif typ == "bool":
                b = UIButton(
                    r_in,
                    "Yes" if raw else "No",
                    m,
                    container=c,
                    object_id=oid("@row", f"term_{name}"),
                    command=bind(self.toggle_bool, name),
                )
                if raw:
                    b.select()
                self.widgets[name] = b
            elif typ in DROPDOWN:
                # each option in a form its menu shows whole (the arrow beside it aside); a menu
                # whose options do not fit beside the label goes on a line of its own below it
                dd_r = pygame.Rect(label_w, y, w - label_w, u(30))
                opts = self.options(name, t, dd_r.width - u(30))
                if opts != self.options(name, t):  # shortened beside the label
                    y += u(32)
                    dd_r = pygame.Rect(0, y, w, u(30))
                    opts = self.options(name, t, dd_r.width - u(30))
                opts = opts or [("(none available)", "")]
                keys = [k for _l, k in opts]
                # seat terms start on different parties (buyer the first firm, supplier the second)
                nth = seat_terms.index(name) if name in seat_terms else 0
                cur = raw if raw in keys else keys[nth % len(keys)]
                self.draft.raw[name] = cur
                start = next(o for o in opts if o[1] == cur)
                dd = UIDropDownMenu(
                    list[str | tuple[str, str]](opts),
                    start,
                    dd_r,
                    m,
                    container=c,
                    object_id=oid(None, f"term_{name}"),
                    expansion_height_limit=u(180),
                )
                self.widgets[name] = dd
            elif typ in MULTI:
                y += u(30)
                choices = list(t.get("choices", []))
                words = [ch.replace("_", " ") for ch in choices]
                cols = grid_columns(m, words, w, u(6), 3)
                bw = (w - u(6) * (cols - 1)) // cols
                for k, ch in enumerate(choices):
                    if k % cols == 0 and k:
                        y += u(30)
                    b = UIButton(
                        pygame.Rect((k % cols) * (bw + u(6)), y, bw, u(28)),
                        words[k],
                        m,
                        container=c,
                        object_id=oid("@row", f"term_{name}_{ch}"),
                        command=bind(self.toggle_multi, name, ch),
                    )
                    if ch in (raw or []):
                        b.select()
                    self.multi_buttons[(name, ch)] = b
                y -= u(0)
            elif typ == "shares":
                firms = [p for p in self.draft.parties if p.startswith("firm:")]
                vals = raw if isinstance(raw, dict) else {}
                y += u(30)
                for p in firms:
                    UILabel(
                        pygame.Rect(u(12), y, label_w - u(12), u(28)),
                        seat_name(self.view, p),
                        m,
                        container=c,
                        object_id=oid("@muted"),
                    )
                    default = even_shares(firms)[p]
                    e = UITextEntryLine(
                        pygame.Rect(label_w, y, input_w, u(28)),
                        m,
                        container=c,
                        object_id=oid(None, f"share_{p}"),
                        initial_text=str(vals.get(p, default)),
                    )
                    e.set_allowed_characters(list("0123456789.,%"))
                    self.share_entries[p] = e
                    y += u(30)
                y -= u(30)
                hint = form_range_hint(t)
            spill = ""
            if hint:
                spill = side_hint(m, c, pygame.Rect(hint_x, y, w - hint_x, u(30)), hint)
            y += u(30)
            self.error_labels[name], y = help_and_error(
                m, c, u(4), y, w, t.get("help"), f"err_{name}", line, line, spill
            )
            y += u(21)
        # preview and actions
        self.preview_box = UITextBox(  # room for two heading lines, seven numbers and a reason
            self.preview_html(),
            pygame.Rect(0, y, w, u(14 + 21 * 11)),
            m,
            container=c,
            object_id=oid(None, "preview_box"),
        )
        y += self.preview_box.rect.height + u(6)
        c.set_scrollable_area_dimensions(
            (w, y + u(200))
        )  # room for a drop-down to open near the end
        # the actions stay in view below the form
        p = self.tab.panel
        by = scroll_r.bottom + u(4)
        bx = self.rect.x
        bw_all = self.rect.width - u(8)
        # the reason a deal cannot be sent, next to the button, on up to two lines
        self.reason_lines = [
            UILabel(
                pygame.Rect(bx, by + k * u(19), bw_all, u(19)),
                "",
                m,
                container=p,
                object_id=oid("@error", "err_general" if k == 0 else "err_general_more"),
            )
            for k in range(2)
        ]
        self.error_labels[""] = self.reason_lines[0]
        by += u(40)
        # each button as wide as its words need in the player's text size; shorter words (the
        # keys in the tooltip) where even that does not fit
        send = ("Send counter", "Send") if self.draft.counter_of else ("Send (Ctrl+S)", "Send")
        labels = [("Preview (Ctrl+P)", "Preview"), send, ("Cancel",)]
        widths = row_widths(m, labels, bw_all, u(6))
        xs = [bx, bx + widths[0] + u(6), bx + widths[0] + widths[1] + u(12)]
        texts = [fit_text(m, lab, wd) for lab, wd in zip(labels, widths, strict=True)]

        def tip(k: int, words: str) -> str:
            full = texts[k][1]
            return f"{full}: {words}" if full else words

        self.preview_button = UIButton(
            pygame.Rect(xs[0], by, widths[0], u(36)),
            texts[0][0],
            m,
            container=p,
            object_id=oid(None, "preview"),
            command=self.preview,
            tool_tip_text=tip(0, "what this deal would do to your numbers next round"),
        )
        self.send_button = UIButton(
            pygame.Rect(xs[1], by, widths[1], u(36)),
            texts[1][0],
            m,
            container=p,
            object_id=oid("@primary", "send"),
            command=self.send,
            tool_tip_text=tip(1, "send this proposal to the other parties"),
        )
        self.cancel_button = UIButton(
            pygame.Rect(xs[2], by, widths[2], u(36)),
            "Cancel",
            m,
            container=p,
            object_id=oid(None, "cancel"),
            command=self.tab.close_composer,
            tool_tip_text="drop this proposal (Esc only leaves the form and keeps it)",
        )

        if self.blocked:
            self.send_button.disable()
            self.preview_button.disable()
        self.show_errors()

    def options(self, name: str, t: dict[str, Any], width: int = 0) -> list[tuple[str, str]]:
        """The menu's (label, key) pairs; with `width`, each label in the longest form that fits
        a menu that wide, no two alike."""
        forms = self.option_forms(name, t)
        if not width:
            return [(f[0], k) for f, k in forms]
        texts = fit_apart(self.scene.manager, [f for f, _k in forms], width)
        return [(s, k) for s, (_f, k) in zip(texts, forms, strict=True)]

    def option_forms(self, name: str, t: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
        typ = t.get("type")
        if typ == "choice":
            return [((str(ch).replace("_", " "),), str(ch)) for ch in t.get("choices", [])]
        if typ == "operation":
            allops = list(self.view.get("scenario", {}).get("operations", []))
            supplier = str(self.draft.raw.get("supplier") or "")
            theirs = operations_of(self.view, supplier) if supplier else []
            # the supplier's operations first; the others say the supplier does not do them
            lacks = (" (supplier lacks it)", " (they lack it)", " (lacking)") if supplier else ("",)
            return [((label(op),), op) for op in theirs if op in allops] + [
                (tuple(label(op) + s for s in lacks), op) for op in allops if op not in theirs
            ]
        if typ == "tender":
            return [(tender_forms(x), str(x["id"])) for x in open_tenders(self.view)]
        if typ == "seat":
            firms = [p for p in self.draft.parties if p.startswith("firm:")]
            return [((seat_name(self.view, p),), p) for p in firms]
        return []

    # --- reading the widgets into the draft ------------------------------------------------------
    def collect(self) -> None:
        for name, t in form_terms(self.kinds, self.draft.kind).items():
            w = self.widgets.get(name)
            typ = t.get("type")
            if isinstance(w, UITextEntryLine):
                self.draft.raw[name] = w.get_text()
            elif isinstance(w, UIDropDownMenu):
                sel = w.selected_option
                self.draft.raw[name] = sel[1] if isinstance(sel, tuple) else sel
            elif typ == "shares":
                self.draft.raw[name] = {p: e.get_text() for p, e in self.share_entries.items()}

    def toggle_party(self, seat: str) -> None:
        self.collect()
        if self.draft.counter_of:
            return
        if seat == self.model.seat and not seat.startswith("broker:"):
            return
        if seat in self.draft.parties:
            self.draft.parties.remove(seat)
        else:
            self.draft.parties.append(seat)
        named: set[str] = set()
        for name, t in form_terms(self.kinds, self.draft.kind).items():
            if t.get("type") == "shares":  # other parties: the shares start even again
                self.draft.raw[name] = {}
            elif t.get("type") == "seat":  # a seat term names a party, each a different one
                v = self.draft.raw.get(name)
                if v not in self.draft.parties or v in named:
                    self.draft.raw[name] = ""
                else:
                    named.add(v)
        self.tab.rebuild_composer()

    def toggle_bool(self, name: str) -> None:
        self.collect()
        self.draft.raw[name] = not bool(self.draft.raw.get(name))
        b = self.widgets[name]
        b.set_text("Yes" if self.draft.raw[name] else "No")
        b.select() if self.draft.raw[name] else b.unselect()

    def toggle_multi(self, name: str, choice: str) -> None:
        self.collect()
        cur = list(self.draft.raw.get(name) or [])
        if choice in cur:
            cur.remove(choice)
        else:
            cur.append(choice)
        self.draft.raw[name] = cur
        b = self.multi_buttons[(name, choice)]
        b.select() if choice in cur else b.unselect()

    # --- actions ----------------------------------------------------------------------------------
    def _checked_command(self) -> dict[str, Any] | None:
        """The draft as a command, or None (with the problems shown next to their fields)."""
        self.collect()
        cmd, problems = to_command(self.draft, self.view, self.kinds)
        self.local_errors = problems
        if problems:
            self.show_errors()
            return None
        return cmd

    def send(self) -> int | None:
        cmd = self._checked_command()
        if cmd is None:
            return None
        self.draft.sent_cid = self.model.send(cmd, origin="composer")
        self.show_errors()
        return self.draft.sent_cid

    def preview(self) -> int | None:
        cmd = self._checked_command()
        if cmd is None:
            return None
        if self.draft.counter_of:
            cmd = {
                "type": "propose",
                "kind": self.draft.kind,
                "parties": self.draft.parties,
                "terms": cmd["terms"],
            }
        cmd = {**cmd, "type": "preview"}
        self.draft.preview_cid = self.model.send(cmd, origin="composer")
        self.preview_box.set_text("<i>Asking the server what this deal does to you…</i>")
        self.show_errors()
        return self.draft.preview_cid

    def preview_html(self) -> str:
        ev = self.model.previews.get(self.draft.kind)
        if not ev:
            return (
                "<font color=#9aa6ba><i>Preview: what this deal would do to your own numbers next round "
                "(private; computed by the server).</i></font>"
            )
        return preview_html(ev, "If signed, your numbers next round (private):")

    def show_errors(self) -> None:
        server: dict[str, str] = {}
        terms = form_terms(self.kinds, self.draft.kind)
        for e in self.model.errors_for("composer"):
            key = e.where.split(".", 1)[1] if e.where.startswith("terms.") else e.where
            key = key.split("[")[0]
            if key not in self.error_labels:
                key = "parties" if key == "parties" else ""
            msg = e.message
            if key in terms:  # the engine's range said in the field's units
                msg = refusal_in_units(terms[key], msg)
            server[key] = humanize(msg, self.view)
        first = ""
        for name, lab in self.error_labels.items():
            if name == "":
                continue
            msg = self.local_errors.get(name) or server.get(name, "")
            lab.set_text(("! " + msg) if msg else "")
            if msg and not first:
                where = "Parties" if name == "parties" else label(name)
                first = f"{where}: {msg}"
            w = self.widgets.get(name)
            if isinstance(w, UITextEntryLine):
                if msg:
                    w.change_object_id(oid("@invalid", f"term_{name}"))
                elif "@invalid" in (w.object_ids or []):
                    w.change_object_id(oid(None, f"term_{name}"))
        general = self.local_errors.get("") or server.get("", "")
        if self.blocked:
            reason = self.blocked
        elif first or general:
            problems = [x for x in (first, general) if x]
            reason = "Not ready to send: " + "; ".join(problems)
        else:
            reason = ""
        self.show_reason(reason)

    def show_reason(self, text: str) -> None:
        """`text` on the two lines by the Send button, cut at a word where the first is full."""
        first, rest = text, ""
        font = getattr(self.reason_lines[0], "font", None)
        width = self.reason_lines[0].rect.width - self.u(8)
        if font is not None and text and font.size(text)[0] > width:
            words = text.split(" ")
            k = len(words)
            while k > 1 and font.size(" ".join(words[:k]))[0] > width:
                k -= 1
            first, rest = " ".join(words[:k]), " ".join(words[k:])
        self.reason_lines[0].set_text(first)
        self.reason_lines[1].set_text(rest)

    def refresh(self) -> None:
        self.preview_box.set_text(self.preview_html())
        self.show_errors()

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type in (pygame_gui.UI_TEXT_ENTRY_CHANGED, pygame_gui.UI_DROP_DOWN_MENU_CHANGED):
            terms = form_terms(self.kinds, self.draft.kind)
            tender_terms = [n for n, t in terms.items() if t.get("type") == "tender"]
            before = [self.draft.raw.get(n) for n in tender_terms]
            supplier = self.draft.raw.get("supplier")
            self.collect()
            if (
                self.draft.raw.get("supplier") != supplier
                and event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED
            ):
                # another supplier: the operation starts on one it does, the menu lists those first
                theirs = operations_of(self.view, str(self.draft.raw.get("supplier") or ""))
                for n, t in terms.items():
                    if (
                        t.get("type") == "operation"
                        and theirs
                        and self.draft.raw.get(n) not in theirs
                    ):
                        self.draft.raw[n] = theirs[0]
                self.tab.rebuild_composer()
                return True
            for n, was in zip(tender_terms, before, strict=True):
                now = self.draft.raw.get(n)
                t = next((x for x in open_tenders(self.view) if x["id"] == now), None)
                if (
                    now != was
                    and t is not None
                    and isinstance(self.widgets.get("price"), UITextEntryLine)
                ):
                    raw: dict[str, Any] = {}
                    suggest_price(raw, terms, t)
                    if "price" in raw:
                        self.widgets["price"].set_text(raw["price"])
                        self.collect()
            return False
        if event.type == pygame.KEYDOWN and event.mod & pygame.KMOD_CTRL:
            if event.key == pygame.K_s:
                self.send()
                return True
            if event.key == pygame.K_p:
                self.preview()
                return True
        return False

    def kill(self) -> None:
        for e in (
            self.scroll,
            self.preview_button,
            self.send_button,
            self.cancel_button,
            *self.reason_lines,
        ):
            e.kill()
