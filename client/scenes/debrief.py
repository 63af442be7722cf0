"""The debrief: the three scoreboards over rounds, wages against productivity, the district's
size, the deals made, kept and broken, and the scenario's questions for discussion.

The scene asks the server for its debrief (the `debrief` message: players once the game is over,
the facilitator at any round) and, once it has it, shows it: the boards and wages against
productivity with the bots-only baseline, the deals ledger, and a slider over the rounds that
replays the district map and its network graph at that round, beside each role's score then,
who kept and broke their promises, the highlights and the questions. The facilitator can start a
new session from the start of any round of a finished game there ("Play again from round N").
Until the debrief arrives, it shows what the view holds."""

from __future__ import annotations

import threading
import urllib.parse
import webbrowser
from typing import Any

import pygame
from district.client.mapview import MapView
from district.client.panels.boards import BOARDS_TITLES, STYLES, draw_boards_chart
from district.client.panels.common import draw_top_bar, oid, seat_name
from district.client.panels.replay import (
    RoundSlider,
    draw_graph,
    graph_legend,
    replay_view,
    round_label,
)
from district.client.scenes.base import Scene
from district.client.ui.draw import (
    INDEX,
    ChartDrawn,
    _scale_points,
    chart_axis,
    data_span,
    fmt_num,
    legend,
    line_chart,
    marker,
    panel,
    styled_line,
    text,
    tick_room,
    value_ticks,
    wrap,
    x_axis,
)
from district.client.ui.theme import BOARDS, C
from pygame_gui.elements import UIButton


def index(series: list[float]) -> list[float]:
    base = series[0] if series and abs(series[0]) > 1e-9 else 1.0
    return [100.0 * x / base for x in series]


def deal_tally(view: dict[str, Any]) -> dict[str, int]:
    out = {"signed": 0, "active": 0, "fulfilled": 0, "breached": 0, "failed": 0}
    for d in view.get("deals", []):
        st = d.get("status")
        if st in ("active", "fulfilled", "breached", "expired") and d.get("signed_round"):
            out["signed"] += 1
        if st in out and st != "signed":
            out[st] += 1
    return out


# Role scores are on different scales (docs/model.md): each role's group says what its number means,
# and only firms are ranked, among themselves.
SCORE_GROUPS = (
    ("union", "Union", "worker welfare (out of 100)"),
    ("government", "Government", "half the region, 30% of welfare, plus approval (up to 20)"),
    ("broker", "Brokers", "fees + 100 reputation + 50 a live network"),
    ("firm", "Firms, ranked", "net worth growth (-100 if closed)"),
)


def seat_role(view: dict[str, Any], seat: str) -> str:
    for s in view.get("seats", []):
        if s.get("id") == seat:
            return str(s.get("role", ""))
    return seat.split(":", 1)[0]


def score_groups(view: dict[str, Any], roster: list[dict[str, Any]] | None = None) -> list[Any]:
    """[(role, title, meaning, [(seat, score or None, controller)])]: every role that has a seat or a
    score, the union and government always (with no score yet shown as such), firms ranked by
    score among firms only; the others in seat order."""
    scores = view.get("scores") or {}
    ctl = {s.get("id"): s.get("controller", "") for s in roster or []}
    seats = [s.get("id") for s in view.get("seats", [])] + [k for k in scores]
    seats = list(dict.fromkeys(x for x in seats if x))
    for must in ("union", "government"):
        if must not in seats:
            seats.append(must)
    out = []
    for role, title, meaning in SCORE_GROUPS:
        rows = [(x, scores.get(x), ctl.get(x, "")) for x in seats if seat_role(view, x) == role]
        if role == "firm":
            rows.sort(key=lambda r: -float(r[1]) if r[1] is not None else float("inf"))
        if rows:
            out.append((role, title, meaning, rows))
    return out


TABS = (
    ("scores", "Role scores"),
    ("promises", "Promises"),
    ("highlights", "Highlights"),
    ("questions", "Questions"),
)
STATUS_WORDS = {
    "proposed": "open",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "active": "running",
    "fulfilled": "kept",
    "breached": "broken",
    "expired": "expired",
    "failed": "failed",
}
BASELINE_NOTE = "thin dashed: bots alone (same scenario and seed)"
# the charts' titles, then shorter forms for a narrow panel (1024x768, larger text)
WAGES_TITLES = (
    "Did wages follow productivity? (index, start = 100)",
    "Wages and productivity (index, start = 100)",
    "Wages and productivity (start = 100)",
)
VIEW_WAGES_TITLES = (
    "Did wages follow productivity? (index, round 1 = 100)",
    "Wages and productivity (index, round 1 = 100)",
    "Wages and productivity (round 1 = 100)",
)


def paler(c: Any, k: float = 0.45) -> tuple[int, int, int]:
    """A colour moved toward the panel's, for the baseline's lines."""
    return tuple(round(c[i] * (1 - k) + C.PANEL[i] * k) for i in range(3))  # type: ignore[return-value]


def index_of(vals: list[float]) -> list[float]:
    """A series as an index, its first value = 100."""
    return index([float(x) for x in vals]) if vals else []


class DebriefScene(Scene):
    name = "debrief"

    def build(self) -> None:
        W, H = self.size
        u = self.u
        self.back_button = UIButton(
            pygame.Rect(W - u(230), H - u(52), u(220), u(40)),
            "Back (F10)",
            self.manager,
            object_id=oid(None, "debrief_back"),
            command=lambda: self.app.show(None),
        )
        self.scroll = {"questions": 0, "numbers": 0, "deals": 0, "tab": 0}
        self.scroll_areas: dict[str, tuple[pygame.Rect, int]] = {}
        self.question_lines = []
        self.score_rows = []
        self.score_groups = []
        if (self.model.view or {}).get("phase") == "ended" and (self.model.view or {}).get(
            "role"
        ) != "facilitator":
            self.back_button.hide()
        # the debrief from the server: the replay's slider, the tabs, the facilitator's branch
        self.tab = "scores"
        self.slider: RoundSlider | None = None
        self.replay_map: MapView | None = None
        self.replay_round = -1
        self.graph_lines = 0
        self.deal_rows: list[tuple[str, pygame.Rect]] = []
        self.tab_rows: list[tuple[str, pygame.Rect]] = []
        self.heads: list[tuple[str, pygame.Rect]] = []
        self.number_parts: list[tuple[str, pygame.Rect]] = []
        self.tab_buttons: dict[str, UIButton] = {}
        self.branch_button: UIButton | None = None
        self.open_branch_button: UIButton | None = None
        self.report_button: UIButton | None = None
        self.report_opened: str | None = None  # the address last handed to the browser
        self.built_for: Any = None
        # each panel's rect and what was drawn in it, by name (tests check that nothing is cut
        # or overlaps, at every text size)
        self.parts: dict[str, tuple[pygame.Rect, list[tuple[str, pygame.Rect]]]] = {}
        self.charts: dict[str, ChartDrawn] = {}
        self.title_rect = pygame.Rect(0, 0, 0, 0)
        self.layout()

    def layout(self) -> None:
        """The regions of the debrief's own layout (when the server's debrief is here)."""
        W, H = self.size
        u = self.u
        # under the title's line (24 bold at u(58)), however large the text
        top = max(u(92), u(58) + self.fonts.get(24, "bold").get_linesize() + u(4))
        bottom = H - u(62)
        left_w = round(W * 0.47)
        x2 = u(16) + left_w + u(10)
        right_w = W - x2 - u(16)
        h = bottom - top
        self.r_boards = pygame.Rect(u(16), top, left_w, round(h * 0.38))
        self.r_wages = pygame.Rect(u(16), self.r_boards.bottom + u(8), left_w, round(h * 0.30))
        self.r_deals = pygame.Rect(
            u(16), self.r_wages.bottom + u(8), left_w, bottom - self.r_wages.bottom - u(8)
        )
        self.r_replay = pygame.Rect(x2, top, right_w, round(h * 0.62))
        self.r_tab = pygame.Rect(x2, self.r_replay.bottom + u(8), right_w, 0)
        self.r_tab.height = bottom - self.r_tab.y

    def build_debrief_widgets(self) -> None:
        """Tabs, the slider and the facilitator's branch button, once the debrief is here."""
        d = self.model.debrief or {}
        key = (len(d.get("rounds", [])), (self.model.view or {}).get("role"))
        if self.built_for == key:
            return
        self.built_for = key
        for b in [
            *self.tab_buttons.values(),
            self.branch_button,
            self.open_branch_button,
            self.report_button,
        ]:
            if b is not None:
                b.kill()
        u = self.u
        x = self.r_tab.x + u(8)
        self.tab_buttons = {}
        for k, label in TABS:
            w = u(24) + round(self.fonts.get(12).size(label)[0] * 1.15)
            self.tab_buttons[k] = UIButton(
                pygame.Rect(x, self.r_tab.y + u(6), w, u(30)),
                label,
                self.manager,
                object_id=oid("tab", f"debrief_tab_{k}"),
                command=lambda k=k: self.set_tab(k),
            )
            x += w + u(6)
        last = max(0, len(d.get("rounds", [0])) - 1)
        r = self.r_replay
        old = self.slider  # at the latest round, it stays at the latest as rounds come
        value = last if old is None or old.value == old.last else old.value
        # the slider under the title's line, the map under the slider's labels
        below = max(0, u(10) + self.fonts.get(15, "bold").get_linesize() - u(34))
        below += max(0, self.fonts.get(11).get_linesize() - round(23 * self.s - 3))
        self.slider = RoundSlider(
            pygame.Rect(r.x + u(14), r.y + u(34) + below, r.width - u(28), u(26)), last, value
        )
        self.replay_map = MapView(
            pygame.Rect(
                r.x + u(4), r.y + u(80) + below, r.width - u(8), r.height - u(80) - below - u(36)
            ),
            self.fonts,
            "players",
        )
        self.replay_map.legend = False
        self.replay_map.labels_on_top = True
        self.replay_round = -1
        W, H = self.size
        self.report_button = None
        if self.report_url() is not None:
            label = "Open the report"
            bw = u(28) + round(self.fonts.get(13).size(label)[0] * 1.15)
            self.report_button = UIButton(
                pygame.Rect(W - u(16) - bw, u(58), bw, u(30)),
                label,
                self.manager,
                object_id=oid(None, "debrief_report"),
                command=self.open_report,
                tool_tip_text="the report to project and hand out, in your web browser",
            )
        self.branch_button = self.open_branch_button = None
        if (self.model.view or {}).get("role") == "facilitator":
            self.branch_button = UIButton(
                pygame.Rect(u(16), H - u(52), u(300), u(40)),
                "Play again from round 1",
                self.manager,
                object_id=oid(None, "debrief_branch"),
                command=self.branch,
                tool_tip_text="a new session from the start of that round: same scenario, seed "
                "and moves up to there; fresh seats and a new join code",
            )
            self.open_branch_button = UIButton(
                pygame.Rect(u(326), H - u(52), u(260), u(40)),
                "Open the new session",
                self.manager,
                object_id=oid(None, "debrief_open_branch"),
                command=self.open_branch,
            )

    def report_url(self, mine: bool = False) -> str | None:
        """Where the server serves this session's report (None when it does not): the class's
        copy, or with `mine` the facilitator's (with its key; never drawn on the screen)."""
        port = self.model.session.get("report_port")
        conn = getattr(self.app, "connection", None)
        if not isinstance(port, int) or conn is None or not self.model.code:
            return None
        where = urllib.parse.urlsplit(str(conn.net.url))
        host = where.hostname or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        scheme = "https" if where.scheme == "wss" else "http"
        url = f"{scheme}://{host}:{port}/report/{self.model.code}/"
        token = self.model.session.get("facilitator_token")
        if mine and (self.model.view or {}).get("role") == "facilitator" and token:
            url += "?" + urllib.parse.urlencode({"key": token})
        return url

    def open_report(self) -> None:
        """The report in the person's web browser: the facilitator's own copy (with the
        timeline) for the facilitator, the class's for a player."""
        url = self.report_url(mine=True)
        if url is None:
            return
        self.report_opened = url
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

    def set_tab(self, k: str) -> None:
        self.tab = k
        self.scroll["tab"] = 0

    def shown_round(self) -> int:
        return self.slider.value if self.slider is not None else 0

    def branch_round(self) -> int:
        """The round a new session would start at: the one after the round shown (the start of
        round 1 for the start), at most the last round the game began."""
        d = self.model.debrief or {}
        played = int((d.get("session") or {}).get("rounds_played", 1) or 1)
        v = self.model.view or {}
        began = int(v.get("round", played) or played)
        return max(1, min(self.shown_round() + 1, max(played, began)))

    def branch(self) -> None:
        self.model.control("branch", origin="debrief_branch", round=self.branch_round())

    def open_branch(self) -> None:
        if self.model.branches:
            b = self.model.branches[-1]
            self.app.open_session(str(b["token"]), str(b["code"]))

    def update_widgets(self) -> None:
        v = self.model.view or {}
        ended = v.get("phase") == "ended"
        for k, b in self.tab_buttons.items():
            b.select() if k == self.tab else b.unselect()
        if self.branch_button is not None:
            self.branch_button.set_text(f"Play again from round {self.branch_round()}")
            if ended and self.model.debrief is not None:
                self.branch_button.show()
                self.branch_button.enable()
            else:
                self.branch_button.hide()
        if self.open_branch_button is not None:
            if self.model.branches:
                self.open_branch_button.show()
            else:
                self.open_branch_button.hide()

    def refresh(self, view_changed: bool) -> None:
        v = self.model.view or {}
        if (v.get("phase") == "ended" or v.get("role") == "facilitator") and (
            self.model.debrief_due() and self.model.status == "connected"
        ):
            self.model.ask_debrief()

    def draw_under(self, surface: pygame.Surface) -> None:
        if self.model.debrief is None:
            self.draw_from_view(surface)
            return
        self.build_debrief_widgets()
        self.update_widgets()
        surface.fill(C.BG)
        u = self.u
        W, H = self.size
        d = self.model.debrief
        draw_top_bar(self, surface, pygame.Rect(0, 0, W, u(52)))
        played = int(d["session"].get("rounds_played", 0))
        title = (
            "Debrief: the game is over"
            if (self.model.view or {}).get("phase") == "ended"
            else f"Debrief so far: {played} round{'s' if played != 1 else ''} played"
        )
        tr = text(surface, title, self.fonts.get(24, "bold"), C.TEXT, (u(16), u(58)))
        self.title_rect = tr
        right = tr.right + u(12)
        if self.model.debrief_asked is not None:
            right = text(
                surface,
                "updating…",
                self.fonts.get(12),
                C.MUTED,
                (tr.right + u(12), tr.centery),
                "midleft",
            ).right + u(12)
        url = self.report_url()
        if url is not None and self.report_button is not None:
            # the class's address, for students to type (whole, or not at all)
            font = self.fonts.get(12)
            room = self.report_button.relative_rect.x - u(12) - right
            for said in (f"Report: {url}", url):
                if font.size(said)[0] <= room:
                    text(
                        surface,
                        said,
                        font,
                        C.MUTED,
                        (self.report_button.relative_rect.x - u(12), tr.centery),
                        "midright",
                    )
                    break
        self.draw_boards(surface, d)
        self.draw_wages(surface, d)
        self.draw_deals(surface, d)
        self.draw_replay(surface, d)
        self.draw_tab(surface, d)
        if self.model.branches:
            b = self.model.branches[-1]
            font = self.fonts.get(14, "bold")
            room = W - u(600) - u(240)
            says = (
                f"New session from round {b['round']}: join code {b['code']}",
                f"From round {b['round']}: code {b['code']}",
                f"Code {b['code']}",
            )
            # the longest wording that fits: the join code is never the part cut off
            said = next((w for w in says if font.size(w)[0] <= room), says[-1])
            text(surface, said, font, C.ACCENT, (u(600), H - u(32)), "midleft", max_width=room)

    # --- the charts ---------------------------------------------------------------------------
    def chart(
        self,
        surface: pygame.Surface,
        r: pygame.Rect,
        lines: list[tuple[list[float], Any, str, int, bool]],
        labels: list[str],
        lo: float | None = None,
        hi: float | None = None,
        ref: float | None = None,
        min_span: float = 0.0,
    ) -> ChartDrawn:
        """Lines (values, colour, style, width, markers) on shared axes, x = rounds; the value axis
        out to round gridlines around lo..hi or the data (`chart_axis`)."""
        drawn = ChartDrawn(pygame.Rect(r))
        allv = [float(x) for vals, *_ in lines for x in vals]
        if ref is not None:
            allv.append(ref)
        if not allv:
            return drawn
        if lo is None or hi is None:
            lo, hi = data_span(allv, lo, hi, min_span)
        n = max(len(vals) for vals, *_ in lines)
        f = self.fonts.get(10)
        axis = chart_axis(r, lo, hi, f, bool(labels))
        lo, hi = axis.lo, axis.hi
        drawn.axis, drawn.data = axis, (min(allv), max(allv))
        drawn.ticks = value_ticks(surface, r, axis, f, x_labels=bool(labels))
        if ref is not None:
            y = r.bottom - (ref - lo) / (hi - lo) * r.height
            styled_line(surface, C.MUTED, (r.x, y), (r.right, y), 1, "dotted", 5)
        shapes = ["circle", "square", "triangle", "diamond"]
        for k, (vals, color, style, width, marks) in enumerate(lines):
            pts = _scale_points(r, [float(x) for x in vals], lo, hi, n)
            for a, b in zip(pts, pts[1:], strict=False):
                styled_line(surface, color, a, b, width, style, 7)
            if marks:
                for p in pts:
                    marker(surface, shapes[k % 4], p, width + 2, color)
        if self.slider is not None and n > 1:
            x = r.x + r.width * self.slider.value / (n - 1)
            pygame.draw.line(surface, C.ACCENT, (x, r.y), (x, r.bottom), 1)
        drawn.x_labels = x_axis(surface, r, labels, n, f, most=9)
        return drawn

    def chart_area(self, r: pygame.Rect, above: int) -> pygame.Rect:
        """A chart's area in panel `r`, below `above` (the legend's bottom): its top label half a
        line clear of it, its value labels at its left and its round labels above the panel's
        bottom, all in the chart's font."""
        u = self.u
        f = self.fonts.get(10)
        top = above + f.get_height() // 2 + u(4)
        left = r.x + u(14) + tick_room(f)
        bottom = r.bottom - u(6) - f.get_height() - 3
        return pygame.Rect(left, top, r.right - u(18) - left, max(u(10), bottom - top))

    def legend(
        self,
        surface: pygame.Surface,
        r: pygame.Rect,
        y: int,
        items: list[tuple[str, Any, str, int]],
        parts: list[tuple[str, pygame.Rect]],
    ) -> int:
        """A chart's legend from the top `y` in panel `r`, on as many lines as it needs; returns
        its bottom."""
        u = self.u
        got = legend(
            surface, items, self.fonts.get(11), (r.x + u(14), y), r.right - u(8), u(24), u(12)
        )
        parts += got
        return max(rr.bottom for _n, rr in got)

    def labels(self, d: dict[str, Any]) -> list[str]:
        return ["start" if r == 0 else f"r{r}" for r in d.get("rounds", [])]

    def titled_panel(
        self, surface: pygame.Surface, r: pygame.Rect, titles: tuple[str, ...], key: str
    ) -> tuple[pygame.Rect, list[tuple[str, pygame.Rect]]]:
        """A panel of the debrief with its title in the accent colour (a shorter form of it, or a
        slightly smaller font, when the panel is narrow). Returns the title's rect and the list
        of what is drawn in the panel (kept in self.parts under `key`)."""
        u = self.u
        panel(surface, r, C.PANEL, C.LINE, u(10))
        said, font = self.fonts.fitted(14, "bold", titles, r.width - u(28))
        tr = text(
            surface, said, font, C.ACCENT, (r.x + u(14), r.y + u(8)), max_width=r.width - u(28)
        )
        parts = [("title", tr)]
        self.parts[key] = (r, parts)
        return tr, parts

    def draw_boards(self, surface: pygame.Surface, d: dict[str, Any]) -> None:
        u = self.u
        r = self.r_boards
        tr, parts = self.titled_panel(surface, r, BOARDS_TITLES, "boards")
        base = d.get("baseline") or {}
        lines: list[tuple[list[float], Any, str, int, bool]] = []
        items = []
        for key, (_label, color, _icon) in BOARDS.items():
            if base.get(key):
                lines.append((list(base[key]), paler(color), "dashed", 1, False))
        for key, (label, color, _icon) in BOARDS.items():
            lines.append((list(d["boards"].get(key, [])), color, STYLES[key], max(2, u(2)), True))
            items.append((f"{label} ({STYLES[key]})", color, STYLES[key], max(2, u(3))))
        y = self.legend(surface, r, tr.bottom + u(2), items, parts)
        if base:
            y = self.legend(surface, r, y, [(BASELINE_NOTE, C.MUTED, "dashed", 1)], parts)
        chart = self.chart_area(r, y)
        drawn = self.chart(surface, chart, lines, self.labels(d), lo=0.0, hi=100.0)
        parts.append(("chart", drawn.bounds))
        self.charts["boards"] = drawn

    def draw_wages(self, surface: pygame.Surface, d: dict[str, Any]) -> None:
        u = self.u
        r = self.r_wages
        tr, parts = self.titled_panel(surface, r, WAGES_TITLES, "wages")
        sr = d.get("series") or {}
        base = d.get("baseline") or {}
        w = max(2, u(2))
        lines: list[tuple[list[float], Any, str, int, bool]] = []
        if base.get("mean_wage"):
            lines.append((index_of(base["mean_wage"]), paler(C.WORKER_WELFARE), "dashed", 1, False))
        lines += [
            (index_of(sr.get("mean_wage", [])), C.WORKER_WELFARE, "solid", w, True),
            (index_of(sr.get("productivity", [])), C.COMPETITIVENESS, "dashed", w, True),
            (index_of(sr.get("wage_floor", [])), C.MUTED, "dotted", w, True),
        ]
        items = [
            ("mean wage", C.WORKER_WELFARE, "solid", max(2, u(3))),
            ("productivity", C.COMPETITIVENESS, "dashed", max(2, u(3))),
            ("wage floor", C.MUTED, "dotted", max(2, u(3))),
        ]
        if base.get("mean_wage"):
            items.append(("bots alone", C.MUTED, "dashed", 1))
        y = self.legend(surface, r, tr.bottom + u(2), items, parts)
        # an index: a span of at least two points, so that its labels need one decimal at most
        drawn = self.chart(
            surface, self.chart_area(r, y), lines, self.labels(d), ref=100.0, min_span=2.0
        )
        parts.append(("chart", drawn.bounds))
        self.charts["wages"] = drawn

    # --- the deals ledger -----------------------------------------------------------------------
    def draw_deals(self, surface: pygame.Surface, d: dict[str, Any]) -> None:
        u = self.u
        r = self.r_deals
        panel(surface, r, C.PANEL, C.LINE, u(10))
        deals = [x for x in d.get("deals", []) if x.get("signed_round") is not None]
        kept = sum(1 for x in deals if x.get("status") == "fulfilled")
        broken = sum(1 for x in deals if x.get("status") in ("breached", "failed"))
        tr = text(
            surface,
            f"Deals signed: {len(deals)} · kept {kept} · broken {broken}",
            self.fonts.get(14, "bold"),
            C.ACCENT,
            (r.x + u(14), r.y + u(8)),
            max_width=r.width - u(28),
        )
        self.parts["deals"] = (r, [("title", tr)])
        top = max(r.y + u(32), tr.bottom + u(2))
        inner = pygame.Rect(r.x + u(6), top, r.width - u(12), r.bottom - u(6) - top)
        f = self.fonts.get(12)
        fb = self.fonts.get(12, "bold")
        lh = f.get_linesize() + u(2)
        clip = surface.get_clip()
        surface.set_clip(inner)
        y0 = inner.y - self.scroll["deals"]
        y = y0
        self.deal_rows = []
        order = sorted(deals, key=lambda x: (x.get("signed_round") or 0, str(x.get("id"))))
        for x in order:
            word = STATUS_WORDS.get(str(x.get("status")), str(x.get("status")))
            who = ", ".join(d["names"].get(s, s) for s in x.get("broken_by") or [])
            if who:
                word = f"broken by {who}"
            col = (
                C.BAD
                if x.get("status") in ("breached", "failed")
                else C.GOOD
                if x.get("status") == "fulfilled"
                else C.MUTED
            )
            sr = text(surface, f"round {x.get('signed_round')}", fb, C.MUTED, (inner.x + u(8), y))
            wr = text(
                surface,
                word,
                fb,
                col,
                (inner.right - u(10), y),
                "topright",
                max_width=round(inner.width * 0.3),
            )
            summary = str(x.get("summary") or x.get("kind_title") or "")
            tr = text(
                surface,
                summary,
                f,
                C.TEXT,
                (sr.right + u(8), y),
                max_width=wr.x - sr.right - u(16),
            )
            self.deal_rows.append((summary, tr.union(wr)))
            y += lh
        if not order:
            text(surface, "No deal was signed.", f, C.MUTED, (inner.x + u(8), y))
            y += lh
        surface.set_clip(clip)
        self.scroll_areas["deals"] = (inner, y - y0)
        self.scroll_hint(surface, inner, y - y0, "deals")

    # --- the replay -----------------------------------------------------------------------------
    def draw_replay(self, surface: pygame.Surface, d: dict[str, Any]) -> None:
        u = self.u
        r = self.r_replay
        panel(surface, r, C.PANEL, C.LINE, u(10))
        rd = self.shown_round()
        assert self.slider is not None and self.replay_map is not None
        sr = d.get("series") or {}

        def at(key: str) -> Any:
            vals = sr.get(key) or []
            return vals[rd] if rd < len(vals) else None

        tr = text(
            surface,
            "The district at the start" if rd == 0 else f"The district at the end of round {rd}",
            self.fonts.get(15, "bold"),
            C.ACCENT,
            (r.x + u(14), r.y + u(10)),
            max_width=r.width - u(28),
        )
        parts = [("title", tr), ("slider", self.slider.rect), ("map", self.replay_map.rect)]
        self.parts["replay"] = (r, parts)
        room = r.right - u(14) - tr.right - u(16)
        for facts in (
            f"{fmt_num(at('firms_alive'))} firms open · {fmt_num(at('employment'))} employed · "
            f"mean wage {fmt_num(at('mean_wage'), 'k')}",
            f"{fmt_num(at('firms_alive'))} firms open · {fmt_num(at('employment'))} employed",
        ):
            if self.fonts.get(12).size(facts)[0] <= room:
                fr = text(
                    surface,
                    facts,
                    self.fonts.get(12),
                    C.MUTED,
                    (r.right - u(14), tr.centery),
                    "midright",
                )
                parts.append(("facts", fr))
                break
        self.slider.draw(surface, self.fonts, self.s)
        if rd != self.replay_round:
            rv = replay_view(d, self.model.view or {}, rd)
            seat = (self.model.view or {}).get("seat")
            mine = next((f["id"] for f in rv["firms"] if seat and f.get("seat") == seat), None)
            self.replay_map.set_view(rv, mine)
            self.replay_round = rd
        self.replay_map.draw_base(surface)
        self.graph_lines = draw_graph(surface, self.replay_map, d, rd)
        self.replay_map.draw_labels(surface)  # the names over the graph's lines
        leg = pygame.Rect(r.x + u(6), r.bottom - u(32), r.width - u(12), u(26))
        x = graph_legend(surface, leg, self.fonts, self.s)
        hint = "drag the slider, or use the arrow keys"
        if self.fonts.get(11).size(hint)[0] <= leg.right - u(10) - x - u(8):
            text(
                surface,
                hint,
                self.fonts.get(11),
                C.MUTED,
                (leg.right - u(10), leg.centery),
                "midright",
            )

    # --- the tabs: role scores, promises, highlights, questions ---------------------------------
    def draw_tab(self, surface: pygame.Surface, d: dict[str, Any]) -> None:
        u = self.u
        r = self.r_tab
        panel(surface, r, C.PANEL, C.LINE, u(10))
        inner = pygame.Rect(r.x + u(6), r.y + u(42), r.width - u(12), r.height - u(48))
        clip = surface.get_clip()
        surface.set_clip(inner)
        y0 = inner.y - self.scroll["tab"]
        self.tab_rows = []
        self.heads: list[tuple[str, pygame.Rect]] = []
        y = {
            "scores": self.tab_scores,
            "promises": self.tab_promises,
            "highlights": self.tab_highlights,
            "questions": self.tab_questions,
        }[self.tab](surface, d, inner, y0)
        surface.set_clip(clip)
        self.parts["tab"] = (inner, self.in_view(inner, self.heads + self.tab_rows))
        self.scroll_areas["tab"] = (inner, y - y0)
        self.scroll_hint(surface, inner, y - y0, "tab")

    @staticmethod
    def in_view(
        area: pygame.Rect, drawn: list[tuple[str, pygame.Rect]]
    ) -> list[tuple[str, pygame.Rect]]:
        """What of a scrolling list is whole in its area (the rest is scrolled out of it)."""
        return [(n, r) for n, r in drawn if area.top <= r.top and r.bottom <= area.bottom]

    def row(
        self, surface: pygame.Surface, inner: pygame.Rect, y: int, label: str, value: str
    ) -> int:
        u = self.u
        f = self.fonts.get(12)
        vr = text(
            surface, value, self.fonts.get(12, "bold"), C.TEXT, (inner.right - u(12), y), "topright"
        )
        lr = text(surface, label, f, C.TEXT, (inner.x + u(14), y), max_width=vr.x - inner.x - u(22))
        self.tab_rows.append((f"{label} {value}", lr.union(vr)))
        return y + f.get_linesize() + u(2)

    def tab_scores(
        self, surface: pygame.Surface, d: dict[str, Any], inner: pygame.Rect, y: int
    ) -> int:
        u = self.u
        rd = self.shown_round()
        cap = text(
            surface,
            f"Each role's score at {round_label(rd)}, comparable within the role",
            self.fonts.get(11),
            C.MUTED,
            (inner.x + u(8), y),
            max_width=inner.width - u(16),
        )
        self.heads.append(("caption", cap))
        y += max(u(18), self.fonts.get(11).get_linesize())
        names = d.get("names") or {}
        for role in ("union", "government", "broker", "firm"):
            rs = (d.get("role_scores") or {}).get(role)
            if not rs or not rs.get("seats"):
                continue
            title = {"union": "Union", "government": "Government", "broker": "Brokers"}.get(
                role, "Firms, ranked"
            )
            tr = text(surface, title, self.fonts.get(12, "bold"), C.ACCENT, (inner.x + u(8), y))
            self.heads.append((title, tr))
            mr = text(
                surface,
                str(rs.get("meaning", "")),
                self.fonts.get(10),
                C.MUTED,
                (tr.right + u(8), tr.centery),
                "midleft",
                max_width=inner.right - tr.right - u(16),
            )
            self.heads.append((f"{title} meaning", mr))
            y += max(u(18), tr.height)
            rows = []
            for seat, vals in rs["seats"].items():
                v = vals[rd] if isinstance(vals, list) and rd < len(vals) else None
                rows.append((seat, v))
            if role == "firm":
                rows.sort(key=lambda x: -float(x[1]) if x[1] is not None else float("inf"))
            unit = str(rs.get("unit", ""))
            for k, (seat, v) in enumerate(rows):
                label = str(names.get(seat, seat_name(self.model.view or {}, seat)))
                if role == "firm":
                    label = f"{k + 1}. {label}"
                shown = (
                    "–" if v is None else f"{float(v):,.0f}" + ("%" if unit.startswith("%") else "")
                )
                y = self.row(surface, inner, y, label, shown)
            y += u(4)
        return y

    def tab_promises(
        self, surface: pygame.Surface, d: dict[str, Any], inner: pygame.Rect, y: int
    ) -> int:
        u = self.u
        cap = text(
            surface,
            "Promises kept and broken, by who made them (deals signed)",
            self.fonts.get(11),
            C.MUTED,
            (inner.x + u(8), y),
            max_width=inner.width - u(16),
        )
        self.heads.append(("caption", cap))
        y += max(u(18), self.fonts.get(11).get_linesize())
        names = d.get("names") or {}
        rep = d.get("reputation") or {}
        order = sorted(rep.items(), key=lambda kv: (-kv[1].get("broken", 0), -kv[1].get("kept", 0)))
        for seat, x in order:
            if not x.get("signed"):
                continue
            y = self.row(
                surface,
                inner,
                y,
                str(names.get(seat, seat_name(self.model.view or {}, seat))),
                f"kept {x.get('kept', 0)} · broke {x.get('broken', 0)} of {x.get('signed', 0)}",
            )
        return y

    def paragraphs(
        self, surface: pygame.Surface, inner: pygame.Rect, y: int, items: list[str]
    ) -> int:
        u = self.u
        f = self.fonts.get(13)
        for q in items:
            text(surface, "•", f, C.ACCENT, (inner.x + u(8), y))
            for ln in wrap(q, f, inner.width - u(40)):
                r = text(surface, ln, f, C.TEXT, (inner.x + u(22), y))
                self.tab_rows.append((ln, r))
                y += f.get_linesize()
            y += u(6)
        return y

    def tab_highlights(
        self, surface: pygame.Surface, d: dict[str, Any], inner: pygame.Rect, y: int
    ) -> int:
        return self.paragraphs(surface, inner, y, [str(h) for h in d.get("highlights") or []])

    def tab_questions(
        self, surface: pygame.Surface, d: dict[str, Any], inner: pygame.Rect, y: int
    ) -> int:
        return self.paragraphs(surface, inner, y, [str(q) for q in d.get("questions") or []])

    def handle(self, event: pygame.event.Event) -> bool:
        if self.model.debrief is not None and self.slider is not None and self.slider.handle(event):
            return True
        if event.type == pygame.MOUSEWHEEL:
            pos = pygame.mouse.get_pos()
            for name, (r, content_h) in self.scroll_areas.items():
                if r.collidepoint(pos):
                    top = max(0, content_h - r.height)
                    self.scroll[name] = max(0, min(top, self.scroll[name] - event.y * self.u(40)))
                    return True
        return False

    # --- before the debrief arrives: what the view holds ------------------------------------------
    def draw_from_view(self, surface: pygame.Surface) -> None:
        if self.branch_button is not None:
            self.branch_button.hide()
        if self.open_branch_button is not None:
            self.open_branch_button.hide()
        for b in self.tab_buttons.values():
            b.hide()
        surface.fill(C.BG)
        u = self.u
        W, H = self.size
        v = self.model.view or {}
        draw_top_bar(self, surface, pygame.Rect(0, 0, W, u(52)))
        tr = text(
            surface,
            "Debrief" + (": the game is over" if v.get("phase") == "ended" else ""),
            self.fonts.get(24, "bold"),
            C.TEXT,
            (u(16), u(60)),
        )
        self.title_rect = tr
        top = max(u(100), tr.bottom + u(6))
        left_w = round(W * 0.58)
        r1 = pygame.Rect(u(16), top, left_w, round((H - top) * 0.56))
        self.parts["boards"] = (r1, draw_boards_chart(self, surface, r1))
        y2 = top + round((H - top) * 0.56) + u(8)
        r2 = pygame.Rect(u(16), y2, left_w, H - y2 - u(12))
        panel(surface, r2, C.PANEL, C.LINE, u(10))
        said, font = self.fonts.fitted(14, "bold", VIEW_WAGES_TITLES, r2.width - u(28))
        tr2 = text(
            surface, said, font, C.ACCENT, (r2.x + u(14), r2.y + u(8)), max_width=r2.width - u(28)
        )
        parts = [("title", tr2)]
        self.parts["wages"] = (r2, parts)
        hist = v.get("history", [])
        wage = index([float(h.get("mean_wage", 0)) for h in hist])
        prod = index([float(h.get("productivity", 0)) for h in hist])
        floor = index([float(h.get("wage_floor", 0)) for h in hist])
        series = {
            "mean wage": (wage, C.WORKER_WELFARE, "solid"),
            "productivity": (prod, C.COMPETITIVENESS, "dashed"),
            "wage floor": (floor, C.MUTED, "dotted"),
        }
        parts += legend(
            surface,
            [(name, col, style, max(2, u(3))) for name, (_s, col, style) in series.items()],
            self.fonts.get(12),
            (r2.x + u(14), tr2.bottom + u(2)),
            r2.right - u(8),
            u(26),
            u(16),
        )
        chart = self.chart_area(r2, max(rr.bottom for _n, rr in parts))
        drawn = line_chart(
            surface,
            chart,
            series,
            self.fonts.get(10),
            [f"r{i + 1}" for i in range(len(hist))],
            baseline=100.0,
            min_span=2.0,  # an index: one decimal at most in its labels
        )
        parts.append(("chart", drawn.bounds))
        self.charts["wages"] = drawn
        self.draw_right(surface, pygame.Rect(u(16) + left_w + u(10), top, 0, H - top - u(70)))

    def draw_right(self, surface: pygame.Surface, col: pygame.Rect) -> None:
        """The questions for the class on top, wrapped whole; under them the numbers (role scores
        grouped by role, the district from round 1 to now, the deals), scrolling with the mouse
        wheel when they do not fit."""
        u = self.u
        W, _H = self.size
        col.width = W - col.x - u(16)
        v = self.model.view or {}
        f = self.fonts.get(13)
        line_h = f.get_linesize()
        qs = [str(q) for q in v.get("scenario", {}).get("questions", [])]
        text_w = col.width - u(44)
        self.question_lines: list[tuple[int, str, pygame.Rect]] = []
        below = col.y
        if qs:
            wrapped = [wrap(q, f, text_w) for q in qs]
            head = max(u(36), u(10) + self.fonts.get(15, "bold").get_linesize())
            need = head + u(4) + sum(len(w) * line_h + u(6) for w in wrapped) + u(4)
            rq = pygame.Rect(col.x, col.y, col.width, min(need, round(col.height * 0.6)))
            panel(surface, rq, C.PANEL, C.ACCENT, u(10))
            qt = text(
                surface,
                "Questions for the class",
                self.fonts.get(15, "bold"),
                C.ACCENT,
                (rq.x + u(14), rq.y + u(10)),
                max_width=rq.width - u(28),
            )
            self.parts["questions"] = (rq, [("title", qt)])
            inner = pygame.Rect(rq.x + u(6), rq.y + head, rq.width - u(12), rq.height - head - u(4))
            self.questions_rect = inner
            self.scroll_areas["questions"] = (inner, need - head - u(4))
            clip = surface.get_clip()
            surface.set_clip(inner)
            y = inner.y - self.scroll["questions"]
            for qi, lines in enumerate(wrapped):
                text(surface, "•", f, C.ACCENT, (rq.x + u(14), y))
                for ln in lines:
                    r = text(surface, ln, f, C.TEXT, (rq.x + u(28), y))
                    self.question_lines.append((qi, ln, r))
                    y += line_h
                y += u(6)
            surface.set_clip(clip)
            self.scroll_hint(surface, inner, need - head - u(4), "questions")
            below = rq.bottom + u(8)
        r3 = pygame.Rect(col.x, below, col.width, col.bottom - below)
        if r3.height < u(60):
            return
        panel(surface, r3, C.PANEL, C.LINE, u(10))
        inner = pygame.Rect(r3.x + u(4), r3.y + u(6), r3.width - u(8), r3.height - u(12))
        clip = surface.get_clip()
        surface.set_clip(inner)
        y0 = inner.y + u(4) - self.scroll["numbers"]
        y = self.draw_numbers(surface, r3, y0)
        surface.set_clip(clip)
        self.parts["numbers"] = (inner, self.in_view(inner, self.number_parts))
        self.scroll_areas["numbers"] = (inner, y - y0 + u(4))
        self.numbers_rect = inner
        self.scroll_hint(surface, inner, y - y0 + u(4), "numbers")

    def scroll_hint(
        self, surface: pygame.Surface, r: pygame.Rect, content_h: int, name: str
    ) -> None:
        """A thin scroll bar at the right edge when the content is taller than its area."""
        if content_h <= r.height:
            self.scroll[name] = 0
            return
        u = self.u
        self.scroll[name] = min(self.scroll[name], content_h - r.height)
        bar_h = max(u(20), r.height * r.height // content_h)
        y = r.y + (r.height - bar_h) * self.scroll[name] // max(1, content_h - r.height)
        pygame.draw.rect(
            surface, C.MUTED, pygame.Rect(r.right - u(5), y, u(3), bar_h), border_radius=u(2)
        )

    def draw_numbers(self, surface: pygame.Surface, r3: pygame.Rect, y: int) -> int:
        u = self.u
        v = self.model.view or {}
        hist = v.get("history", [])
        f = self.fonts.get(13)
        fb = self.fonts.get(13, "bold")
        fs = self.fonts.get(11)
        # steps between lines: the design's, or the font's line when larger text needs more
        head = self.fonts.get(15, "bold").get_linesize()
        line = fb.get_linesize()
        self.score_rows: list[tuple[str, str, str, pygame.Rect]] = []
        got = self.number_parts = []

        def heading(title: str, at: int) -> None:
            """A section's title in the column, kept with what was drawn (tests read it)."""
            hf = self.fonts.get(15, "bold")
            got.append((title, text(surface, title, hf, C.ACCENT, (r3.x + u(14), at))))

        if v.get("scores"):
            heading("Role scores", y)
            y += max(u(24), head)
            groups = score_groups(v, self.model.session.get("roster"))
            self.score_groups = [g[0] for g in groups]
            for role, title, meaning, rows in groups:
                tr = text(surface, title, fb, C.ACCENT, (r3.x + u(14), y))
                mr = text(
                    surface,
                    meaning,
                    fs,
                    C.MUTED,
                    (tr.right + u(8), tr.bottom - u(2)),
                    "bottomleft",
                    max_width=r3.right - u(14) - tr.right - u(8),
                )
                got += [(title, tr), (f"{title} meaning", mr)]
                y += max(u(20), line)
                for k, (seat, sc, who) in enumerate(rows):
                    label = seat_name(v, seat)
                    if role == "firm":
                        label = f"{k + 1}. {label}"
                    if who in ("bot", "human"):
                        label += " (bot)" if who == "bot" else " (player)"
                    shown = fmt_num(sc) if sc is not None else "no score yet"
                    sr = text(surface, shown, fb, C.TEXT, (r3.right - u(18), y), "topright")
                    lr = text(
                        surface,
                        label,
                        f,
                        C.TEXT,
                        (r3.x + u(22), y),
                        max_width=sr.x - r3.x - u(30),
                    )
                    self.score_rows.append((role, seat, shown, lr.union(sr)))
                    got += [(label, lr), (f"{label} score", sr)]
                    y += max(u(20), line)
                y += u(6)
            y += u(6)
        heading("From round 1 to now", y)
        y += max(u(28), head + u(4))
        if hist:
            a, b = hist[0], hist[-1]
            for label, key, unit in (
                ("Firms alive", "firms_alive", ""),
                ("Employment", "employment", ""),
                ("Mean wage", "mean_wage", "k"),
                ("Wage floor", "wage_floor", "k"),
                ("Mean skill", "mean_skill", INDEX),
                ("Exports", "exports", "k"),
                ("Networked firms", "networked_share", "%"),
                ("Compliance", "compliance", "%"),
            ):
                if key in a:
                    lr = text(surface, label, f, C.MUTED, (r3.x + u(14), y))
                    vr = text(
                        surface,
                        f"{fmt_num(a[key], unit)}  ->  {fmt_num(b.get(key, 0), unit)}",
                        fb,
                        C.TEXT,
                        (r3.right - u(18), y),
                        "topright",
                    )
                    got += [(label, lr), (f"{label} values", vr)]
                    y += max(u(21), line)
        t = deal_tally(v)
        y += u(8)
        heading("Deals", y)
        y += max(u(26), head + u(2))
        dr = text(
            surface,
            f"signed {t['signed']} · running {t['active']} · fulfilled {t['fulfilled']} · "
            f"breached {t['breached']} · failed {t['failed']}",
            f,
            C.TEXT,
            (r3.x + u(14), y),
            max_width=r3.width - u(32),
        )
        got.append(("deals tally", dr))
        return y + max(u(22), line)
