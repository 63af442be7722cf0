"""The report after a round resolves: what happened to me and to the district, with small charts."""

from __future__ import annotations

from typing import Any

import pygame
from district.client.panels.boards import board_cards_height, draw_board_cards
from district.client.panels.common import draw_top_bar, named, oid, seat_name, tender_name, toast
from district.client.scenes.base import Scene
from district.client.ui.draw import (
    INDEX,
    ChartDrawn,
    arrow,
    fmt_delta,
    fmt_num,
    line_chart,
    panel,
    text,
    tick_room,
    wrap,
)
from district.client.ui.icons import blit_icon
from district.client.ui.theme import C
from pygame_gui.elements import UIButton

MINE = {
    "firm": [
        ("Revenue", "revenue", "k"),
        ("Profit", "profit", "k"),
        ("Cash", "cash", "k"),
        ("Net worth", "net_worth", "k"),
        ("Workers", "workers", ""),
        ("Trained workers", "skilled", ""),
        ("Wage", "wage", "k"),
        ("Skill", "skill", INDEX),
        ("Quality", "quality", INDEX),
        ("Productivity", "productivity", "%"),
        ("Exports", "exports", "k"),
        ("Fines", "fines", "k"),
        ("Poached from you", "lost_skilled", ""),
        ("Score", "score", ""),
    ],
    "union": [
        ("Funds", "funds", "k"),
        ("Wage floor", "h:wage_floor", "k"),
        ("Mean wage", "h:mean_wage", "k"),
        ("Union density", "h:union_density", "%"),
        ("Employment", "h:employment", ""),
        ("Compliance", "h:compliance", "%"),
        ("Trained share", "h:trained_share", "%"),
        ("Score", "score", ""),
    ],
    "government": [
        ("Budget", "budget", "k"),
        ("Approval", "h:approval", "%"),
        ("Employment", "h:employment", ""),
        ("Unemployment", "h:unemployment_rate", "%"),
        ("Value added", "h:value_added", "k"),
        ("Networks", "h:networks", ""),
        ("Score", "score", ""),
    ],
    "broker": [
        ("Funds", "funds", "k"),
        ("Fees", "fees", "k"),
        ("Reputation", "reputation", INDEX),
        ("Networks", "h:networks", ""),
        ("Networked firms", "h:networked_share", "%"),
        ("Score", "score", ""),
    ],
}
BAD_WHEN_UP = {"Unemployment", "Fines", "Poached from you"}
DISTRICT = [
    ("Firms alive", "firms_alive", ""),
    ("Employment", "employment", ""),
    ("Mean wage", "mean_wage", "k"),
    ("Wage floor", "wage_floor", "k"),
    ("Mean skill", "mean_skill", INDEX),
    ("Exports", "exports", "k"),
    ("Tenders won", "tenders_won", ""),
    ("Networks", "networks", ""),
    ("Compliance", "compliance", "%"),
    ("Unemployment", "unemployment_rate", "%"),
]


# each panel's heading, then shorter forms for a panel too narrow for it (1024x768, larger text)
HEADINGS = {
    "me": ("What happened to you", "Your round"),
    "district": ("What happened to the district", "The district this round", "The district"),
    "events": ("This round's events", "This round", "Events"),
    "viewer": ("The district", "District"),
}

NAMES_SHOWN = 3  # a summary line names this many firms, then "and N more"
DEALS_SHOWN = 4  # deal outcomes listed one by one before "and N more"


def name_list(names: list[str], shown: int = NAMES_SHOWN) -> str:
    """'A, B and C', or 'A, B, C and 9 more' when there are more than `shown`."""
    if len(names) <= shown:
        return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    return f"{', '.join(names[:shown])} and {len(names) - shown} more"


def report_events(view: dict[str, Any]) -> list[tuple[str, str]]:
    """What happened this round, as (icon, sentence) lines a person can read. Closures, entries and
    audits of many firms are summarised on one line each ("12 firms closed: A, B, C and 9 more",
    the reader's own firm named first), so a bad year reads as a few lines, not a wall."""
    rep = view.get("last_report") or {}
    d = rep.get("details", {})
    firms = view.get("firms", [])
    mine = (view.get("me") or {}).get("id")

    def fname(i: Any) -> str:
        return firms[i]["name"] if isinstance(i, int) and 0 <= i < len(firms) else str(i)

    def firm_of(e: Any) -> Any:
        return e.get("firm") if isinstance(e, dict) else e

    def names(items: list[Any]) -> list[str]:
        ids = [firm_of(e) for e in items]
        ids.sort(key=lambda i: i != mine)  # the reader's own firm first (a stable sort)
        return [fname(i) for i in ids]

    out: list[tuple[str, str]] = []
    for n in rep.get("news", []):
        out.append(("bell", str(n.get("headline", ""))))
    for t in d.get("tenders_awarded", []):
        if isinstance(t, dict):
            who = ", ".join(fname(i) for i in t.get("winner", [])) or "nobody"
            how = " (joint bid)" if t.get("deal") else ""
            out.append(
                (
                    "star",
                    f"Tender of the {tender_name(view, t.get('tender', t.get('id', '')))} won by "
                    f"{who}{how} at "
                    f"{fmt_num(t.get('price'), 'k')} a unit",
                )
            )
        else:
            out.append(("star", f"Tender awarded: {t}"))
    audits = names(d.get("audits", []))
    if len(audits) == 1:
        out.append(("warning", f"Audit: {audits[0]} found paying below the wage floor"))
    elif audits:
        out.append(
            (
                "warning",
                f"Audits found {len(audits)} firms paying below the wage floor: {name_list(audits)}",
            )
        )
    exits = names(d.get("exits", []))
    if len(exits) == 1:
        out.append(("stop", f"{exits[0]} closed"))
    elif exits:
        out.append(("stop", f"{len(exits)} firms closed: {name_list(exits)}"))
    entries = names(d.get("entries", []))
    if len(entries) == 1:
        out.append(("firm", f"New workshop: {entries[0]}"))
    elif entries:
        out.append(("firm", f"{len(entries)} new workshops: {name_list(entries)}"))
    for s in d.get("strikes", []):
        if isinstance(s, dict):
            how = "settled" if s.get("settled") else f"lost {fmt_num(s.get('loss'), 'k')}"
            out.append(
                (
                    "union",
                    f"Strike at {fname(s.get('firm'))} for a wage of {fmt_num(s.get('demand'), 'k')}: {how}",
                )
            )
    outcomes = [o for o in d.get("deal_outcomes", []) if isinstance(o, dict)]
    for o in outcomes[:DEALS_SHOWN]:
        number = str(o.get("deal", "")).removeprefix("deal-")
        what = named(view, str(o.get("text", o.get("outcome", ""))))
        out.append(("deal", f"Deal {number}: {what}"))
    if len(outcomes) > DEALS_SHOWN:
        out.append(("deal", f"and {len(outcomes) - DEALS_SHOWN} more deal outcomes"))
    poached = d.get("poached")
    if isinstance(poached, int | float) and poached >= 0.5:
        out.append(("people", f"{poached:.0f} trained workers were poached between firms"))
    trainees = d.get("trainees")
    if isinstance(trainees, int | float) and trainees >= 0.5:
        out.append(("check", f"{trainees:.0f} workers in training"))
    return out


class ReportScene(Scene):
    name = "report"

    def build(self) -> None:
        W, H = self.size
        u = self.u
        self.continue_button = UIButton(
            pygame.Rect(W - u(290), H - u(56), u(280), u(44)),
            "Back to the district (Enter)",
            self.manager,
            object_id=oid("@primary", "continue"),
            command=self.app.close_report,
        )
        self.drawn: dict[str, Any] = {}
        # each panel's rect and what was drawn in it, by name (tests check that nothing is cut
        # or overlaps, at every text size)
        self.parts: dict[str, tuple[pygame.Rect, list[tuple[str, pygame.Rect]]]] = {}
        self.board_cards: dict[str, pygame.Rect] = {}
        self.charts: dict[str, ChartDrawn] = {}

    def handle(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.KEYDOWN and event.key in (
            pygame.K_RETURN,
            pygame.K_ESCAPE,
            pygame.K_SPACE,
        ):
            self.app.close_report()
            return True
        return False

    def draw_under(self, surface: pygame.Surface) -> None:
        surface.fill(C.BG)
        u = self.u
        W, H = self.size
        v = self.model.view or {}
        draw_top_bar(self, surface, pygame.Rect(0, 0, W, u(52)))
        top = u(62)
        tr = text(
            surface,
            f"Round {v.get('round', '')} report",
            self.fonts.get(24, "bold"),
            C.TEXT,
            (u(16), top),
        )
        col_w = (W - u(48)) // 3
        y0 = max(top + u(42), tr.bottom + u(4))
        h = H - y0 - u(70)
        me_r = pygame.Rect(u(16), y0, col_w, h)
        dist_r = pygame.Rect(me_r.right + u(8), y0, col_w, h)
        ev_r = pygame.Rect(dist_r.right + u(8), y0, col_w, h)
        self.drawn = {
            "me": self.draw_me(surface, me_r),
            "district": self.draw_district(surface, dist_r),
            "events": self.draw_events(surface, ev_r),
        }

    def heading(
        self,
        surface: pygame.Surface,
        r: pygame.Rect,
        key: str,
        parts: list[tuple[str, pygame.Rect]],
    ) -> pygame.Rect:
        """A panel's heading, in a shorter form or a slightly smaller font when the panel is too
        narrow for it."""
        u = self.u
        said, font = self.fonts.fitted(16, "bold", HEADINGS[key], r.width - u(28))
        hr = text(
            surface, said, font, C.ACCENT, (r.x + u(14), r.y + u(10)), max_width=r.width - u(28)
        )
        parts.append(("heading", hr))
        return hr

    def row_height(self) -> int:
        """A row of numbers: u(22), or the font's line when larger text needs more."""
        return max(self.u(22), self.fonts.get(13, "bold").get_linesize())

    def _rows(
        self,
        surface: pygame.Surface,
        r: pygame.Rect,
        y: int,
        rows: list[tuple[str, Any, Any, str]],
        parts: list[tuple[str, pygame.Rect]] | None = None,
    ) -> int:
        u = self.u
        f = self.fonts.get(13)
        fb = self.fonts.get(13, "bold")
        for label, now, before, unit in rows:
            lr = text(surface, label, f, C.MUTED, (r.x + u(14), y))
            shown = fmt_num(now, unit)
            vr = text(surface, shown, fb, C.TEXT, (r.x + r.width * 0.55, y), "topright")
            if parts is not None:
                parts += [(label, lr), (f"{label} value", vr)]
            if isinstance(now, int | float) and isinstance(before, int | float):
                d = float(now) - float(before)
                s, col, direction = fmt_delta(d, unit)
                if label in BAD_WHEN_UP and direction != "flat":
                    col = C.BAD if d > 0 else C.GOOD
                arrow(surface, direction, (vr.right + u(12), vr.centery), u(5), col)
                dr = text(surface, s, f, col, (vr.right + u(22), y))
                if parts is not None:
                    parts.append((f"{label} change", dr))
            y += self.row_height()
        return y

    def draw_me(self, surface: pygame.Surface, r: pygame.Rect) -> list[str]:
        u = self.u
        v = self.model.view or {}
        panel(surface, r, C.PANEL, C.ACCENT, u(10))
        role = v.get("role", "")
        parts: list[tuple[str, pygame.Rect]] = []
        self.parts["me"] = (r, parts)
        hr = self.heading(surface, r, "me" if role in MINE else "viewer", parts)
        nr = text(
            surface,
            seat_name(v, self.model.seat),
            self.fonts.get(12),
            C.MUTED,
            (r.x + u(14), max(r.y + u(32), hr.bottom)),
            max_width=r.width - u(28),
        )
        parts.append(("seat", nr))
        me = v.get("me") or {}
        hist = self.model.me_history
        rounds = sorted(k for k in hist if k < len(v.get("history", [])))
        before = hist[rounds[-1]] if rounds else {}
        rows = []
        if role in MINE:
            scores = me.get("score_history", [])
            hist = v.get("history", [])
            for label, key, unit in MINE[role]:
                if key.startswith("h:"):
                    k = key[2:]
                    if hist and k in hist[-1]:
                        rows.append(
                            (label, hist[-1][k], hist[-2].get(k) if len(hist) >= 2 else None, unit)
                        )
                elif key == "score":
                    rows.append(
                        (label, me.get("score"), scores[-2] if len(scores) >= 2 else None, unit)
                    )
                elif key in me:
                    rows.append((label, me.get(key), before.get(key), unit))
        y = self._rows(surface, r, max(r.y + u(56), nr.bottom + u(4)), rows, parts)
        series = [float(x) for x in me.get("score_history", [])]
        if len(series) >= 1 and r.bottom - y > u(90):
            tr = text(
                surface,
                "Your score by round",
                self.fonts.get(12, "bold"),
                C.TEXT,
                (r.x + u(14), y + u(6)),
                max_width=r.width - u(28),
            )
            parts.append(("chart title", tr))
            # the chart below its title, its top label (half a line high) clear of it, its round
            # labels above the panel's bottom
            f = self.fonts.get(10)
            top = tr.bottom + f.get_height() // 2 + u(4)
            left = r.x + u(14) + tick_room(f, "1000")
            chart = pygame.Rect(left, top, r.right - u(20) - left, 0)
            chart.height = r.bottom - u(8) - f.get_height() - u(3) - top
            drawn = line_chart(
                surface,
                chart,
                {"score": (series, C.ACCENT, "solid")},
                f,
                [f"r{i + 1}" for i in range(len(series))],
            )
            parts.append(("chart", drawn.bounds))
            self.charts["score"] = drawn
        return [row[0] for row in rows]

    def draw_district(self, surface: pygame.Surface, r: pygame.Rect) -> list[str]:
        u = self.u
        v = self.model.view or {}
        panel(surface, r, C.PANEL, C.LINE, u(10))
        parts: list[tuple[str, pygame.Rect]] = []
        self.parts["district"] = (r, parts)
        hr = self.heading(surface, r, "district", parts)
        h = v.get("history", [])
        now = h[-1] if h else {}
        prev = h[-2] if len(h) >= 2 else {}
        rows = [
            (label, now.get(key), prev.get(key), unit)
            for label, key, unit in DISTRICT
            if key in now
        ]
        # the cards as tall as designed (u(250)) when the rows leave room, else as the rows leave,
        # never shorter than their text needs (then the last rows go)
        top = max(r.y + u(40), hr.bottom + u(4))
        rows_h = len(rows) * self.row_height() + u(14)
        # the cards' numbers a little smaller (down to 0.7 of their size) if the rows need it
        room = r.bottom - top - rows_h
        number = round(34 * 0.8)
        while board_cards_height(self, 0.8, number) > room and number > round(34 * 0.8 * 0.7):
            number -= 1
        tall = max(board_cards_height(self, 0.8, number), min(u(250), room))
        cards = pygame.Rect(r.x + u(10), top, r.width - u(20), tall)
        self.board_cards = draw_board_cards(self, surface, cards, True, 0.8, parts, number)
        self._rows(
            surface,
            r,
            cards.bottom + u(8),
            rows[: max(0, (r.bottom - cards.bottom - u(14)) // self.row_height())],
            parts,
        )
        return [row[0] for row in rows]

    def draw_events(self, surface: pygame.Surface, r: pygame.Rect) -> list[str]:
        u = self.u
        v = self.model.view or {}
        panel(surface, r, C.PANEL, C.LINE, u(10))
        parts: list[tuple[str, pygame.Rect]] = []
        self.parts["events"] = (r, parts)
        hr = self.heading(surface, r, "events", parts)
        lines = report_events(v)
        f = self.fonts.get(13)
        line_h = f.get_linesize()
        top = max(r.y + u(40), hr.bottom + u(4))
        inner = pygame.Rect(r.x + u(8), top, r.width - u(16), r.bottom - u(8) - top)
        quiet = [("", "A quiet year: no tenders, audits, closures or strikes.")]
        wrapped = [(ic, wrap(line, f, r.width - u(52))) for ic, line in lines or quiet]
        # lay out whole events while they fit; if some do not, the last line that fits says how
        # many were left out (nothing is ever drawn past the panel's inner edge)
        more_h = line_h + u(4)
        placed: list[tuple[str, list[str], int]] = []
        y = inner.y + u(2)
        for k, (ic, lns) in enumerate(wrapped):
            h = len(lns) * line_h + u(4)
            room = inner.bottom - (more_h if k < len(wrapped) - 1 else 0)
            if y + h > room:
                break
            placed.append((ic, lns, y))
            y += h
        hidden = len(wrapped) - len(placed)
        self.event_rects: list[pygame.Rect] = []
        clip = surface.get_clip()
        surface.set_clip(inner.clip(clip) if clip else inner)
        for ic, lns, y in placed:
            if ic:
                blit_icon(surface, ic, (r.x + u(22), y + u(9)), u(14), C.ACCENT)
                self.event_rects.append(pygame.Rect(r.x + u(15), y + u(2), u(14), u(14)))
            for k, ln in enumerate(lns):
                col = C.TEXT if ic else C.MUTED
                self.event_rects.append(text(surface, ln, f, col, (r.x + u(36), y + k * line_h)))
        if hidden:
            self.event_rects.append(
                text(
                    surface,
                    f"and {hidden} more event{'s' if hidden > 1 else ''}",
                    f,
                    C.MUTED,
                    (r.x + u(36), y),
                    max_width=r.width - u(52),
                )
            )
        surface.set_clip(clip)
        parts += [("event", er) for er in self.event_rects]
        self.events_rect = inner
        self.events_hidden = hidden
        return [ln for _i, ln in lines]

    def draw_over(self, surface: pygame.Surface) -> None:
        toast(self, surface, (self.size[0] // 2, self.size[1] - self.u(70)), self.size[0] // 2)
