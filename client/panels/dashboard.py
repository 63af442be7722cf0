"""The dashboard strip: my role's numbers, each with its change since last round (arrow, sign and
colour) and a trend line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pygame
from district.client.ui.draw import INDEX, arrow, fmt_delta, fmt_num, panel, sparkline, text
from district.client.ui.theme import C, Color

if TYPE_CHECKING:
    from district.client.model import ClientModel
    from district.client.scenes.base import Scene


@dataclass
class Metric:
    label: str
    value: float | None
    unit: str
    series: list[float]
    note: str = ""
    good_up: bool = True
    color: Color = C.ACCENT
    # shorter forms of the label and the note, for a card too narrow for them (1024x768, larger
    # text): a whole word reads better than a cut one ("Net wo…")
    short: tuple[str, ...] = ()
    short_note: tuple[str, ...] = ()


def _hist(view: dict[str, Any], key: str) -> list[float]:
    return [float(h[key]) for h in view.get("history", []) if isinstance(h.get(key), int | float)]


def latest(v: dict[str, Any], label: str, key: str, unit: str, **kw: Any) -> Metric:
    """A district figure's card: its latest value in the view's history, and its trend."""
    h = _hist(v, key)
    return Metric(label, h[-1] if h else None, unit, h, **kw)


def metrics(model: ClientModel) -> list[Metric]:
    v = model.view or {}
    me = v.get("me") or {}
    role = v.get("role")
    inst = v.get("institutions", {})
    score_hist = [float(x) for x in me.get("score_history", [])]

    def mine(key: str) -> list[float]:
        return model.series(key)

    if role == "firm":
        floor = inst.get("wage_floor")
        wage = me.get("wage")
        below = isinstance(wage, int | float) and isinstance(floor, int | float) and wage < floor
        return [
            Metric("Cash", me.get("cash"), "k", mine("cash")),
            Metric(
                "Net worth",
                me.get("net_worth"),
                "k",
                mine("net_worth"),
                f"start {fmt_num(me.get('net_worth_start'), 'k')}",
                short=("Worth",),
            ),
            Metric("Profit", me.get("profit"), "k", mine("profit")),
            Metric(
                "Workers",
                me.get("workers"),
                "",
                mine("workers"),
                f"{fmt_num(me.get('skilled'))} trained",
                short=("Staff",),
            ),
            Metric(
                "Wage",
                wage,
                "k",
                mine("wage"),
                ("BELOW floor " if below else "floor ") + fmt_num(floor, "k"),
                color=C.BAD if below else C.ACCENT,
            ),
            Metric(
                "Skill",
                me.get("skill"),
                INDEX,
                mine("skill"),
                f"technology {fmt_num(me.get('technology'), INDEX)}",
                short_note=(f"tech {fmt_num(me.get('technology'), INDEX)}",),
            ),
            Metric("Quality", me.get("quality"), INDEX, mine("quality")),
            Metric(
                "Score", me.get("score"), "", score_hist, "net worth growth", short_note=("growth",)
            ),
        ]
    if role == "union":
        return [
            Metric("Funds", me.get("funds"), "k", mine("funds")),
            Metric(
                "Wage floor", inst.get("wage_floor"), "k", _hist(v, "wage_floor"), short=("Floor",)
            ),
            latest(v, "Mean wage", "mean_wage", "k", short=("Wages",)),
            latest(v, "Union density", "union_density", "%", short=("Density",)),
            latest(v, "Employment", "employment", "", short=("Jobs",)),
            latest(v, "Compliance", "compliance", "%", short=("Paid floor",)),
            Metric(
                "Score", me.get("score"), "", score_hist, "worker welfare", short_note=("welfare",)
            ),
        ]
    if role == "government":
        return [
            Metric("Budget", me.get("budget"), "k", mine("budget")),
            Metric("Approval", inst.get("approval"), "%", _hist(v, "approval")),
            latest(v, "Employment", "employment", "", short=("Jobs",)),
            latest(v, "Unemployment", "unemployment_rate", "%", good_up=False, short=("Jobless",)),
            latest(v, "Value added", "value_added", "k", short=("Value",)),
            latest(v, "Mean wage", "mean_wage", "k", short=("Wages",)),
            Metric("Score", me.get("score"), "", score_hist),
        ]
    if role == "broker":
        return [
            Metric("Funds", me.get("funds"), "k", mine("funds")),
            Metric("Hours left", me.get("hours"), "", mine("hours"), short=("Hours",)),
            Metric("Fees", me.get("fees"), "k", mine("fees")),
            Metric("Reputation", me.get("reputation"), INDEX, mine("reputation")),
            latest(v, "Networks", "networks", ""),
            Metric("Score", me.get("score"), "", score_hist),
        ]
    return [
        latest(v, "Firms alive", "firms_alive", ""),
        latest(v, "Employment", "employment", ""),
        latest(v, "Mean wage", "mean_wage", "k", short=("Wages",)),
        Metric("Wage floor", inst.get("wage_floor"), "k", _hist(v, "wage_floor"), short=("Floor",)),
        latest(v, "Networks", "networks", ""),
    ]


def card_words(
    scene: Scene, mt: Metric, width: int
) -> tuple[tuple[str, pygame.font.Font], tuple[str, pygame.font.Font] | None]:
    """A card's label and its note (if any), each in the form and font it is drawn in."""
    label = scene.fonts.fitted(11, "regular", (mt.label, *mt.short), width)
    note = scene.fonts.fitted(10, "regular", (mt.note, *mt.short_note), width) if mt.note else None
    return label, note


def draw_dashboard(
    scene: Scene, surface: pygame.Surface, rect: pygame.Rect
) -> list[tuple[Metric, pygame.Rect]]:
    """Cards in a row. Returns each metric with its card (tests read what was drawn where)."""
    u = scene.u
    panel(surface, rect, C.PANEL, C.LINE, u(8))
    ms = metrics(scene.model)
    v = scene.model.view or {}
    role = v.get("role", "")
    head = {
        "firm": "Your firm",
        "union": "The union",
        "government": "The government",
        "broker": "Your brokerage",
    }.get(role, "The district")
    if role == "firm":
        me = v.get("me") or {}
        firms = v.get("firms", [])
        fi = me.get("firm")
        if isinstance(fi, int) and 0 <= fi < len(firms):
            head = firms[fi]["name"]
    text(surface, head, scene.fonts.get(14, "bold"), C.ACCENT, (rect.x + u(12), rect.y + u(6)))
    player = scene.model.session.get("name")
    text(
        surface,
        f"{role} seat" + (f", played by {player}" if player else ""),
        scene.fonts.get(11),
        C.MUTED,
        (rect.right - u(12), rect.y + u(8)),
        "topright",
    )
    out = []
    if not ms:
        return out
    gap = u(6)
    top = rect.y + u(28)
    n = len(ms)
    cw = (rect.width - u(16) - gap * (n - 1)) / n
    ch = rect.bottom - top - u(8)
    for k, mt in enumerate(ms):
        r = pygame.Rect(round(rect.x + u(8) + k * (cw + gap)), top, round(cw), ch)
        pygame.draw.rect(surface, C.PANEL_2, r, border_radius=u(6))
        (label, font), note_words = card_words(scene, mt, r.width - u(12))
        text(surface, label, font, C.MUTED, (r.x + u(8), r.y + u(5)), max_width=r.width - u(12))
        val = fmt_num(mt.value, mt.unit)
        text(
            surface,
            val,
            scene.fonts.fit(18, "bold", val, r.width - u(12)),
            mt.color if mt.color != C.ACCENT else C.TEXT,
            (r.x + u(8), r.y + u(20)),
            max_width=r.width - u(12),
        )
        series = mt.series
        below = r.y + u(64)  # where the note goes; lower when larger text needs it
        if len(series) >= 2:
            d = series[-1] - series[-2]
            s_txt, col, direction = fmt_delta(d, mt.unit)
            if not mt.good_up and direction != "flat":
                col = C.GOOD if d < 0 else C.BAD
            arrow(surface, direction, (r.x + u(13), r.y + u(54)), u(5), col)
            delta = text(
                surface,
                s_txt,
                scene.fonts.get(11, "bold"),
                col,
                (r.x + u(22), r.y + u(54)),
                "midleft",
            )
            below = max(below, delta.bottom - u(2))
        if note_words is not None:
            note, font = note_words
            drawn = text(
                surface,
                note,
                font,
                C.BAD if mt.color == C.BAD else C.MUTED,
                (r.x + u(8), below),
                max_width=r.width - u(12),
            )
            below = drawn.bottom
        # the trend line under the text, as tall as the card leaves it
        spark_top = max(r.bottom - u(26), below + u(2))
        spark = pygame.Rect(
            r.x + u(8), spark_top, r.width - u(16), max(u(6), r.bottom - u(8) - spark_top)
        )
        if series:
            sparkline(
                surface, spark, series, C.ACCENT if mt.color == C.ACCENT else mt.color, max(1, u(2))
            )
        out.append((mt, r))
    return out
