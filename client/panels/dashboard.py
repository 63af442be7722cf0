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


def _hist(view: dict[str, Any], key: str) -> list[float]:
    return [float(h[key]) for h in view.get("history", []) if isinstance(h.get(key), int | float)]


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
            ),
            Metric("Profit", me.get("profit"), "k", mine("profit")),
            Metric(
                "Workers",
                me.get("workers"),
                "",
                mine("workers"),
                f"{fmt_num(me.get('skilled'))} trained",
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
            ),
            Metric("Quality", me.get("quality"), INDEX, mine("quality")),
            Metric("Score", me.get("score"), "", score_hist, "net worth growth"),
        ]
    if role == "union":
        return [
            Metric("Funds", me.get("funds"), "k", mine("funds")),
            Metric("Wage floor", inst.get("wage_floor"), "k", _hist(v, "wage_floor")),
            Metric("Mean wage", (_hist(v, "mean_wage") or [None])[-1], "k", _hist(v, "mean_wage")),
            Metric(
                "Union density",
                (_hist(v, "union_density") or [None])[-1],
                "%",
                _hist(v, "union_density"),
            ),
            Metric(
                "Employment", (_hist(v, "employment") or [None])[-1], "", _hist(v, "employment")
            ),
            Metric(
                "Compliance", (_hist(v, "compliance") or [None])[-1], "%", _hist(v, "compliance")
            ),
            Metric("Score", me.get("score"), "", score_hist, "worker welfare"),
        ]
    if role == "government":
        return [
            Metric("Budget", me.get("budget"), "k", mine("budget")),
            Metric("Approval", inst.get("approval"), "%", _hist(v, "approval")),
            Metric(
                "Employment", (_hist(v, "employment") or [None])[-1], "", _hist(v, "employment")
            ),
            Metric(
                "Unemployment",
                (_hist(v, "unemployment_rate") or [None])[-1],
                "%",
                _hist(v, "unemployment_rate"),
                good_up=False,
            ),
            Metric(
                "Value added", (_hist(v, "value_added") or [None])[-1], "k", _hist(v, "value_added")
            ),
            Metric("Mean wage", (_hist(v, "mean_wage") or [None])[-1], "k", _hist(v, "mean_wage")),
            Metric("Score", me.get("score"), "", score_hist),
        ]
    if role == "broker":
        return [
            Metric("Funds", me.get("funds"), "k", mine("funds")),
            Metric("Hours left", me.get("hours"), "", mine("hours")),
            Metric("Fees", me.get("fees"), "k", mine("fees")),
            Metric("Reputation", me.get("reputation"), INDEX, mine("reputation")),
            Metric("Networks", (_hist(v, "networks") or [None])[-1], "", _hist(v, "networks")),
            Metric("Score", me.get("score"), "", score_hist),
        ]
    return [
        Metric("Firms alive", (_hist(v, "firms_alive") or [None])[-1], "", _hist(v, "firms_alive")),
        Metric("Employment", (_hist(v, "employment") or [None])[-1], "", _hist(v, "employment")),
        Metric("Mean wage", (_hist(v, "mean_wage") or [None])[-1], "k", _hist(v, "mean_wage")),
        Metric("Wage floor", inst.get("wage_floor"), "k", _hist(v, "wage_floor")),
        Metric("Networks", (_hist(v, "networks") or [None])[-1], "", _hist(v, "networks")),
    ]


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
        text(
            surface,
            mt.label,
            scene.fonts.get(11),
            C.MUTED,
            (r.x + u(8), r.y + u(5)),
            max_width=r.width - u(12),
        )
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
        if len(series) >= 2:
            d = series[-1] - series[-2]
            s_txt, col, direction = fmt_delta(d, mt.unit)
            if not mt.good_up and direction != "flat":
                col = C.GOOD if d < 0 else C.BAD
            arrow(surface, direction, (r.x + u(13), r.y + u(54)), u(5), col)
            text(
                surface,
                s_txt,
                scene.fonts.get(11, "bold"),
                col,
                (r.x + u(22), r.y + u(54)),
                "midleft",
            )
        elif mt.note:
            pass
        if mt.note:
            text(
                surface,
                mt.note,
                scene.fonts.get(10),
                C.BAD if mt.color == C.BAD else C.MUTED,
                (r.x + u(8), r.y + u(64)),
                max_width=r.width - u(12),
            )
        spark = pygame.Rect(r.x + u(8), r.bottom - u(26), r.width - u(16), u(18))
        if series:
            sparkline(
                surface, spark, series, C.ACCENT if mt.color == C.ACCENT else mt.color, max(1, u(2))
            )
        out.append((mt, r))
    return out
