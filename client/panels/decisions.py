"""My decisions for the round, built from the view: the role's decisions with the bounds the view's
`limits` carry (computed by the engine with the function that checks them, see client/forms.py);
errors from the server are shown under the field they name."""

from __future__ import annotations

from typing import Any

import pygame
import pygame_gui
from district.client.forms import decision_fields, nearest_step
from district.client.panels.common import (
    Tab,
    bind,
    fmt_bound,
    help_and_error,
    oid,
    parse_number,
    range_hint,
    seat_name,
    side_hint,
)
from district.client.ui.draw import INDEX, fmt_num
from district.client.ui.gui import (
    fit_text,
    grid_layout,
    label_font,
    label_height,
    name_forms,
    text_width,
)
from pygame_gui.elements import (
    UIButton,
    UIDropDownMenu,
    UILabel,
    UIScrollingContainer,
    UITextEntryLine,
)

SAVE_LABELS = ("Save decisions (Ctrl+S)", "Save (Ctrl+S)", "Save")


class DecisionsTab(Tab):
    title = "Decide"
    icon = "check"

    def __init__(self, scene: Any, rect: pygame.Rect) -> None:
        self.raw: dict[str, Any] = {}  # what the player typed, kept across rebuilds
        self.round_of_raw: int | None = None
        self.widgets: dict[str, Any] = {}
        self.multi: dict[tuple[str, Any], UIButton] = {}
        self.errors: dict[str, UILabel] = {}
        self.local_errors: dict[str, str] = {}
        self.sent_cid: int | None = None
        self.status_text = ""
        super().__init__(scene, rect)

    def fields(self) -> list[tuple[str, dict[str, Any]]]:
        return decision_fields(self.model.view) if self.model.view else []

    def build(self) -> None:
        u = self.u
        m = self.manager
        view = self.model.view or {}
        self.widgets, self.multi, self.errors = {}, {}, {}
        self.shown_step: dict[str, str] = {}  # a steps field's word as the form was built
        self.step_hints: dict[str, UILabel] = {}
        self._sig = self.signature()
        if self.round_of_raw != view.get("round"):
            self.raw = {}
            self.round_of_raw = view.get("round")
        w = self.rect.width - u(30)
        self.scroll = UIScrollingContainer(
            pygame.Rect(u(4), u(4), self.rect.width - u(8), self.rect.height - u(58)),
            m,
            container=self.panel,
            allow_scroll_x=False,
            object_id=oid(None, "decisions"),
        )
        c = self.scroll
        y = u(4)
        fields = self.fields()
        if not fields:
            UILabel(
                pygame.Rect(u(6), y, w, u(28)),
                "This seat has no decisions to make.",
                m,
                container=c,
                object_id=oid("@muted"),
            )
        # the labels' column as wide as its longest label needs (a larger text size), within reason
        widest = max((label_font(m).size(f.get("label", n))[0] for n, f in fields), default=0)
        label_w = min(max(round(w * 0.34), widest + u(8)), round(w * 0.5))
        input_w = round(w * 0.36)
        firms = [f for f in view.get("firms", []) if f.get("alive")]
        for name, f in fields:
            typ = f.get("type")
            raw = self.raw.get(name, f.get("default"))
            UILabel(
                pygame.Rect(u(6), y, label_w, u(30)),
                f.get("label", name),
                m,
                container=c,
                object_id=oid(None, f"dlabel_{name}"),
            )
            r_in = pygame.Rect(label_w + u(6), y, input_w, u(30))
            hint = ""
            if typ in ("float", "int"):
                e = UITextEntryLine(
                    r_in,
                    m,
                    container=c,
                    object_id=oid(None, f"dec_{name}"),
                    initial_text=_show(raw),
                )
                e.set_allowed_characters(list("0123456789.-,k"))
                self.widgets[name] = e
                hint = " ".join(x for x in (range_hint(f), f.get("unit", "")) if x)
            elif typ == "choice":
                keys = [str(x) for x in f.get("choices", [])] or [str(raw or "")]
                opts: list[str | tuple[str, str]] = [(k.replace("_", " "), k) for k in keys]
                cur = str(raw) if str(raw) in keys else keys[0]
                self.widgets[name] = UIDropDownMenu(
                    opts,
                    (cur.replace("_", " "), cur),
                    r_in,
                    m,
                    container=c,
                    object_id=oid(None, f"dec_{name}"),
                )
            elif typ == "steps":
                # a scale shown as words: the nearest word to the value as it stands; the value
                # itself is kept (and sent) until the player picks another word
                steps = f["steps"]
                at = nearest_step(steps, raw)
                opts = [(word, _step_key(word)) for _v, word, _says in steps]
                # as wide as its longest word and the menu's arrow (larger text sizes), within
                # the row: "undercut hard" is not cut to "undercut harc"
                need = max(text_width(m, word) for word, _k in opts) + u(44)
                r_in.width = min(max(r_in.width, need), w - label_w)
                self.widgets[name] = UIDropDownMenu(
                    opts,
                    opts[at],
                    r_in,
                    m,
                    container=c,
                    object_id=oid(None, f"dec_{name}"),
                )
                self.shown_step[name] = opts[at][1]
                hint = steps[at][2]
            elif typ == "bool":
                b = UIButton(
                    r_in,
                    "Yes" if raw else "No",
                    m,
                    container=c,
                    object_id=oid("@row", f"dec_{name}"),
                    command=bind(self.toggle_bool, name),
                )
                if raw:
                    b.select()
                self.widgets[name] = b
                self.raw[name] = bool(raw)
            elif typ == "bids":
                y += u(30)
                bids = {b["tender"]: b.get("price") for b in (raw or [])}
                tenders = [t for t in view.get("tenders", []) if t.get("status") == "open"]
                if not tenders:
                    UILabel(
                        pygame.Rect(u(18), y, w, u(24)),
                        "no tender is open this round",
                        m,
                        container=c,
                        object_id=oid("@hint"),
                    )
                    y += u(24)
                for t in tenders:
                    on = t["id"] in bids
                    buyer = str(t.get("buyer") or t["id"]).split(" (")[0]
                    words = buyer.split()
                    shorter = [" ".join(words[:k]) + "…" for k in range(len(words) - 1, 0, -1)]
                    b = UIButton(
                        pygame.Rect(u(18), y, label_w - u(12), u(28)),
                        fit_text(m, (buyer, *shorter), label_w - u(12))[0],
                        m,
                        container=c,
                        object_id=oid("@row", f"bid_{t['id']}"),
                        tool_tip_text=f"{t.get('buyer', '')}: needs "
                        f"{', '.join(t.get('operations', {}))}; {fmt_num(t.get('volume'))} units; "
                        f"quality at least {fmt_num(t.get('min_quality'), INDEX)} of 100",
                        command=bind(self.toggle_bid, t["id"]),
                    )
                    if on:
                        b.select()
                    self.multi[(name, t["id"])] = b
                    e = UITextEntryLine(
                        pygame.Rect(label_w + u(6), y, input_w, u(28)),
                        m,
                        container=c,
                        object_id=oid(None, f"bidprice_{t['id']}"),
                        initial_text=_show(bids.get(t["id"], t.get("price"))),
                    )
                    e.set_allowed_characters(list("0123456789.,"))
                    self.widgets[f"bid:{t['id']}"] = e
                    room = pygame.Rect(
                        label_w + input_w + u(12), y, w - label_w - input_w - u(12), u(28)
                    )
                    cap = fmt_bound(t.get("price", 0))
                    if side_hint(m, c, room, f"k a unit, up to {cap}"):  # no room at this size
                        side_hint(m, c, room, f"max {cap} k")  # the font has no "≤"
                    y += u(30)
                y -= u(30)
            elif typ in ("firms", "firm_spend", "firm_groups", "firm_pairs", "strike"):
                y += u(30)
                chosen = self._chosen_firms(name, typ, raw)
                shown = firms[:60]
                # as many columns as the longest name allows, every name whole; or names in a
                # shorter form ('O. M. Bertolini', the whole name in its tooltip), none alike
                cols, texts = grid_layout(
                    m, [name_forms(fm["name"]) for fm in shown], w - u(12), u(3), 3
                )
                bw = (w - u(12) - u(3) * (cols - 1)) // cols
                for k, fm in enumerate(shown):
                    if k % cols == 0 and k:
                        y += u(28)
                    b = UIButton(
                        pygame.Rect(u(12) + (k % cols) * (bw + u(3)), y, bw, u(26)),
                        texts[k],
                        m,
                        container=c,
                        object_id=oid("@row", f"pick_{name}_{fm['id']}"),
                        tool_tip_text=fm["name"] if texts[k] != fm["name"] else None,
                        command=bind(self.toggle_firm, name, fm["id"]),
                    )
                    if fm["id"] in chosen:
                        b.select()
                    self.multi[(name, fm["id"])] = b
                y += u(28)
                if typ in ("firm_spend", "strike"):
                    key = f"{name}:amount"
                    UILabel(
                        pygame.Rect(u(12), y, label_w, u(28)),
                        "spend per firm (k)" if typ == "firm_spend" else "wage demand (k)",
                        m,
                        container=c,
                        object_id=oid("@muted"),
                    )
                    amount = self.raw.get(key) or self._amount_default(typ, raw, view)
                    e = UITextEntryLine(
                        pygame.Rect(label_w + u(6), y, input_w, u(28)),
                        m,
                        container=c,
                        object_id=oid(None, f"dec_{key}"),
                        initial_text=_show(amount),
                    )
                    self.widgets[key] = e
                    y += u(30)
                y -= u(30)
                hint = {
                    "firm_groups": "one event with these firms",
                    "firm_pairs": "introduce two firms",
                    "strike": "pick one firm, or none",
                }.get(typ, "")
            spill = ""
            if hint and typ == "steps":  # what the word means, redrawn when another is picked
                room = pygame.Rect(
                    label_w + input_w + u(12), y, w - label_w - input_w - u(12), u(30)
                )
                font = label_font(m, "@hint")
                if max(font.size(says)[0] for _v, _w, says in f["steps"]) <= room.width:
                    room.height = label_height(m, room.height, "@hint")
                else:  # no room beside it: the word's meaning on a line of its own under it
                    room = pygame.Rect(u(10), y + u(30), w - u(10), label_height(m, u(17), "@hint"))
                    y += room.height
                self.step_hints[name] = UILabel(
                    room, hint, m, container=c, object_id=oid("@hint", f"says_{name}")
                )
            elif hint:
                room = pygame.Rect(
                    label_w + input_w + u(12), y, w - label_w - input_w - u(12), u(30)
                )
                spill = side_hint(m, c, room, hint)
            y += u(30)
            self.errors[name], y = help_and_error(
                m, c, u(10), y, w, f.get("help"), f"derr_{name}", u(17), u(18), spill
            )
            y += u(20)
        c.set_scrollable_area_dimensions(
            (w, y + u(200))
        )  # room for a drop-down to open near the end
        bw = (self.rect.width - u(30)) // 2
        by = self.rect.height - u(48)
        # the longest label that fits at this text size; a shorter one has the whole in its tip
        label, whole = fit_text(m, SAVE_LABELS, bw)
        self.save_button = UIButton(
            pygame.Rect(u(10), by, bw, u(38)),
            label,
            m,
            container=self.panel,
            object_id=oid("@primary", "save_decisions"),
            command=self.save,
            tool_tip_text=whole,
        )
        self.status_label = UILabel(
            pygame.Rect(u(20) + bw, by, bw, u(38)),
            self.status_text,
            m,
            container=self.panel,
            object_id=oid("@muted", "decisions_status"),
        )
        self.show_errors()

    # --- values ---------------------------------------------------------------------------------
    def _chosen_firms(self, name: str, typ: str, raw: Any) -> set[int]:
        key = f"{name}:firms"
        if key in self.raw:
            return set(self.raw[key])
        out: set[int] = set()
        if typ == "firms" and isinstance(raw, list):
            out = {int(x) for x in raw}
        elif typ == "firm_spend" and isinstance(raw, list):
            out = {int(o["firm"]) for o in raw if isinstance(o, dict)}
        elif (
            typ == "firm_groups"
            and isinstance(raw, list)
            and raw
            or typ == "firm_pairs"
            and isinstance(raw, list)
            and raw
        ):
            out = {int(x) for x in raw[0]}
        elif typ == "strike" and isinstance(raw, dict):
            out = {int(raw["firm"])}
        self.raw[key] = sorted(out)
        return out

    def _amount_default(self, typ: str, raw: Any, view: dict[str, Any]) -> Any:
        if typ == "firm_spend":
            return raw[0]["spend"] if isinstance(raw, list) and raw else 10
        if isinstance(raw, dict):
            return raw.get("demand")
        return round(float(view.get("institutions", {}).get("wage_floor", 30)) * 1.1, 1)

    def collect(self) -> None:
        for name, w in self.widgets.items():
            if isinstance(w, UITextEntryLine):
                self.raw[name] = w.get_text()
            elif isinstance(w, UIDropDownMenu):
                sel = w.selected_option
                key = sel[1] if isinstance(sel, tuple) else sel
                steps = self._field(name).get("steps")
                if not steps:
                    self.raw[name] = key
                elif key != self.shown_step.get(name):  # another word picked: its number
                    self.raw[name] = next(v for v, word, _ in steps if _step_key(word) == key)
                    self.shown_step[name] = key

    def toggle_bool(self, name: str) -> None:
        self.collect()
        self.raw[name] = not bool(self.raw.get(name))
        b = self.widgets[name]
        b.set_text("Yes" if self.raw[name] else "No")
        b.select() if self.raw[name] else b.unselect()

    def toggle_bid(self, tid: str) -> None:
        self.collect()
        on = set(
            self.raw.get("bids:on", [b["tender"] for b in (self._field_default("bids") or [])])
        )
        on ^= {tid}
        self.raw["bids:on"] = sorted(on)
        b = self.multi[("bids", tid)]
        b.select() if tid in on else b.unselect()

    def toggle_firm(self, name: str, fid: int) -> None:
        self.collect()
        typ = dict(self.fields())[name]["type"]
        key = f"{name}:firms"
        cur = set(self.raw.get(key, []))
        if fid in cur:
            cur.remove(fid)
        else:
            if typ == "strike":
                cur = set()
            if typ == "firm_pairs" and len(cur) >= 2:
                cur = set(sorted(cur)[-1:])
            cur.add(fid)
        self.raw[key] = sorted(cur)
        for (n, f), b in self.multi.items():
            if n == name:
                b.select() if f in cur else b.unselect()

    def _field(self, name: str) -> dict[str, Any]:
        return dict(self.fields()).get(name, {})

    def _field_default(self, name: str) -> Any:
        return self._field(name).get("default")

    def to_decisions(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The form as a `decide` map, or the problems found before sending: only with the bounds
        the view carries (a field left empty is not sent: the decision stays as it is)."""
        self.collect()
        out: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for name, f in self.fields():
            typ = f.get("type")
            amount: dict[str, Any] = {"type": "float"}
            amount.update({k: f[k] for k in ("min", "max") if k in f})
            if typ in ("float", "int"):
                raw = _show(self.raw.get(name, f.get("default"))).strip()
                if not raw:
                    continue
                v, err = parse_number(raw, f)
                if err:
                    unit = f.get("unit", "")
                    bound = unit and err.startswith(("at least", "at most"))
                    problems[name] = f"{err} {unit}" if bound else err
                else:
                    out[name] = (
                        v if typ == "int" else round(float(v) / float(f.get("scale", 1)), 6)  # type: ignore[arg-type]
                    )
            elif typ == "choice":
                v = self.raw.get(name, f.get("default"))
                if v not in (None, ""):
                    out[name] = v
            elif typ == "steps":
                v = self.raw.get(name, f.get("default"))
                if isinstance(v, int | float) and not isinstance(v, bool):
                    out[name] = v
            elif typ == "bool":
                out[name] = bool(self.raw.get(name, f.get("default")))
            elif typ == "bids":
                on = self.raw.get("bids:on", [b["tender"] for b in (f.get("default") or [])])
                bids = []
                for tid in on:
                    v, err = parse_number(_show(self.raw.get(f"bid:{tid}", "")), amount)
                    if err:
                        problems[name] = f"{self.tender_name(tid)}: {err}"
                    else:
                        bids.append({"tender": tid, "price": float(v)})  # type: ignore[arg-type]
                out[name] = bids
                _at_most(problems, name, f, len(bids), "tenders")
            else:
                firms = list(self.raw.get(f"{name}:firms", []))
                if typ == "firms":
                    out[name] = firms
                    _at_most(problems, name, f, len(firms), "firms")
                elif typ == "firm_spend":
                    v, err = parse_number(_show(self.raw.get(f"{name}:amount", 10)), amount)
                    if err:
                        problems[name] = err
                    else:
                        out[name] = [{"firm": fid, "spend": float(v)} for fid in firms]  # type: ignore[arg-type]
                    _at_most(problems, name, f, len(firms), "firms")
                elif typ == "strike":
                    if not firms:
                        out[name] = None
                    else:
                        v, err = parse_number(_show(self.raw.get(f"{name}:amount", "")), amount)
                        if err:
                            problems[name] = err
                        else:
                            out[name] = {"firm": firms[0], "demand": float(v)}  # type: ignore[arg-type]
                elif typ == "firm_groups":
                    if len(firms) == 1:
                        problems[name] = "an event needs at least two firms"
                    out[name] = [firms] if len(firms) >= 2 else []
                elif typ == "firm_pairs":
                    if len(firms) == 1:
                        problems[name] = "pick a second firm"
                    out[name] = [firms[:2]] if len(firms) == 2 else []
        return out, problems

    def tender_name(self, tid: str) -> str:
        tenders = (self.model.view or {}).get("tenders", [])
        t: dict[str, Any] = next((t for t in tenders if t["id"] == tid), {})
        return str(t.get("buyer") or tid)

    def save(self) -> int | None:
        decisions, problems = self.to_decisions()
        self.local_errors = problems
        if problems:
            self.status_text = "Fix the fields marked in red"
            self.show_errors()
            return None
        self.sent_cid = self.model.send(
            {"type": "decide", "decisions": decisions}, origin="decisions"
        )
        self.status_text = "Sending…"
        self.show_errors()
        return self.sent_cid

    def show_errors(self) -> None:
        general = ""
        placed: set[int] = set()
        for name, lab in self.errors.items():
            msg = self.local_errors.get(name, "")
            if not msg:
                e = self.model.error_at("decisions", name)
                if e is not None:
                    msg = e.message
                    placed.add(id(e))
            lab.set_text(("! " + msg) if msg else "")
            w = self.widgets.get(name)
            if isinstance(w, UITextEntryLine):
                if msg:
                    w.change_object_id(oid("@invalid", f"dec_{name}"))
                elif "@invalid" in (w.object_ids or []):
                    w.change_object_id(oid(None, f"dec_{name}"))
        for e in self.model.errors_for("decisions"):
            if id(e) not in placed:
                general = e.readable()
        if general:
            self.status_text = general
        if hasattr(self, "status_label"):
            self.status_label.set_text(self.status_text)
            self.status_label.change_object_id(
                oid("@error" if general or self.local_errors else "@muted", "decisions_status")
            )

    def refresh(self, view_changed: bool) -> None:
        if self.sent_cid is not None and self.sent_cid in self.model.acked:
            self.sent_cid = None
            self.status_text = "Saved (you can still change them)"
        elif self.sent_cid is not None and self.sent_cid not in self.model.pending:
            self.sent_cid = None
            self.status_text = "Not saved: see the messages in red"
        sig = self.signature()
        if view_changed and sig != getattr(self, "_sig", None):
            if not self.behind:  # (behind: typed values collected when it fell behind)
                self.collect()
            self.rebuild_for_view()
        else:
            self.show_errors()
        self._sig = sig

    def signature(self) -> tuple[Any, ...]:
        """What the form's shape depends on: rebuild only when it changes (a rebuild costs ~50 ms)."""
        v = self.model.view or {}
        return (
            v.get("round"),
            v.get("role"),
            tuple(t["id"] for t in v.get("tenders", []) if t.get("status") == "open"),
            tuple(f["id"] for f in v.get("firms", []) if f.get("alive")),
            repr(v.get("limits")),
        )

    def handle(self, event: pygame.event.Event) -> bool:
        if (
            event.type == pygame.KEYDOWN
            and event.mod & pygame.KMOD_CTRL
            and event.key == pygame.K_s
        ):
            self.save()
            return True
        if (
            event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED
            and event.ui_element in self.widgets.values()
        ):
            self.collect()
            return False
        if event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED:
            for name, w in self.widgets.items():
                if w is event.ui_element and name in self.step_hints:
                    self.collect()
                    steps = self._field(name)["steps"]
                    at = nearest_step(steps, self.raw.get(name))
                    self.step_hints[name].set_text(steps[at][2])
            return False
        return False


def _at_most(problems: dict[str, str], name: str, f: dict[str, Any], n: int, what: str) -> None:
    most = f.get("most")
    if isinstance(most, int) and n > most and name not in problems:
        problems[name] = f"at most {most} {what}"


def _step_key(word: str) -> str:
    """A word of a scale as a drop-down option's id (no spaces or dots)."""
    return "".join(ch if ch.isalnum() else "_" for ch in word)


def _show(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return fmt_bound(round(v, 4))
    return str(v)


def firm_names(view: dict[str, Any], ids: list[int]) -> str:
    firms = view.get("firms", [])
    return ", ".join(firms[i]["name"] for i in ids if 0 <= i < len(firms))


__all__ = ["DecisionsTab", "firm_names", "seat_name"]
