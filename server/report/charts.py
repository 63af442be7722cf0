"""The report's charts, drawn with matplotlib's object API on the Agg canvas (no pyplot, no global
state: safe in the server's worker threads). Each function writes one PNG and returns its file name,
or None when the debrief has nothing to draw."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from district.server.report import style
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

DPI = 100
FONT = 17  # read from the back of a classroom


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, facecolor="white", layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _axes_style(ax: Any, xlabel: str = "", ylabel: str = "") -> None:
    ax.set_facecolor("white")
    ax.grid(True, color=style.RULE, linewidth=1)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT - 2)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=FONT - 1)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=FONT - 1)


def _rounds_axis(ax: Any, rounds: list[int]) -> None:
    step = max(1, math.ceil(len(rounds) / 13))
    ax.set_xticks(rounds[::step])
    ax.set_xlim(rounds[0] - 0.2, rounds[-1] + 0.2)


def _save(fig: Figure, out: Path, name: str) -> str:
    fig.savefig(out / name, dpi=DPI, facecolor="white")
    return name


def scoreboards(d: dict[str, Any], out: Path, baseline: bool = True) -> str:
    """The three scoreboards over rounds, one panel each; the bots-only game dashed."""
    rounds = d["rounds"]
    base = d.get("baseline") if baseline else None
    fig = _figure(15, 5.2)
    axes = fig.subplots(1, 3, sharey=True)
    for ax, (key, (title, colour, marker)) in zip(axes, style.BOARDS.items(), strict=True):
        vals = d["boards"][key]
        ax.plot(rounds, vals, color=colour, marker=marker, linewidth=3.5, markersize=8)
        ax.annotate(
            style.whole(vals[-1]),
            (rounds[-1], vals[-1]),
            xytext=(6, 0),
            textcoords="offset points",
            fontsize=FONT,
            fontweight="bold",
            color=colour,
            va="center",
        )
        if base and key in base:
            b = base[key][: len(rounds)]
            ax.plot(rounds[: len(b)], b, color=style.INK_MUTED, linestyle="--", linewidth=2.5)
        ax.set_title(title, fontsize=FONT + 2, fontweight="bold", color=style.INK)
        ax.set_ylim(0, 100)
        _axes_style(ax, "round")
        _rounds_axis(ax, rounds)
    axes[0].set_ylabel("level out of 100", fontsize=FONT - 1)
    handles = [Line2D([], [], color=style.INK, linewidth=3.5, label="this session")]
    if base:
        handles.append(
            Line2D([], [], color=style.INK_MUTED, linestyle="--", linewidth=2.5, label="bots alone")
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=FONT, frameon=False)
    return _save(fig, out, "scoreboards.png")


def _index(vals: list[float]) -> list[float]:
    first = next((v for v in vals if v), 0.0)
    return [100.0 * v / first if first else 0.0 for v in vals]


def wages(d: dict[str, Any], out: Path, baseline: bool = True) -> str | None:
    """Mean wage, productivity and the wage floor as indices (round 0 = 100): did wages follow
    productivity? The bots-only game's wage and productivity dashed."""
    s = d.get("series") or {}
    if not s.get("mean_wage") or not s.get("productivity"):
        return None
    rounds = d["rounds"]
    base = d.get("baseline") if baseline else None
    fig = _figure(13, 7.2)
    ax = fig.subplots()
    lines = [
        ("productivity", "Productivity", style.OKABE_ITO["blue"], "o", ""),
        ("mean_wage", "Mean wage", style.OKABE_ITO["vermillion"], "s", " k a worker a round"),
        ("wage_floor", "Wage floor", style.OKABE_ITO["black"], "", " k a worker a round"),
    ]
    for key, title, colour, marker, unit in lines:
        if not s.get(key):
            continue
        vals = s[key]
        first, last = vals[0], vals[-1]
        change = f"{round(100 * (last / first - 1)):+d}%" if first else "-"
        label = (
            f"{title}: {change} from round {rounds[0]} to {rounds[-1]}"
            if not unit
            else f"{title}: {style.whole(first)} to {style.whole(last)}{unit} ({change})"
        )
        ax.plot(
            rounds,
            _index(vals),
            color=colour,
            marker=marker or None,
            linewidth=3.5,
            markersize=8,
            linestyle="-" if marker else (0, (6, 2)),
            drawstyle="steps-post" if key == "wage_floor" else "default",
            label=label,
        )
        if base and base.get(key):
            b = _index(base[key][: len(rounds)])
            ax.plot(
                rounds[: len(b)],
                b,
                color=colour,
                linestyle="--",
                linewidth=2,
                marker=marker or None,
                markersize=7,
                markerfacecolor="white",
                zorder=3,
                label=f"{title}, bots alone",
            )
    ax.set_title(
        "Did wages follow productivity?  (index: round 0 = 100)",
        fontsize=FONT + 2,
        fontweight="bold",
        color=style.INK,
    )
    _axes_style(ax, "round", "index (round 0 = 100)")
    _rounds_axis(ax, rounds)
    fig.legend(loc="outside lower center", ncols=2, fontsize=FONT - 3, frameon=False)
    return _save(fig, out, "wages.png")


def flows(d: dict[str, Any], out: Path) -> str | None:
    """Money moved between the actors over the game, one bar a kind (thousands)."""
    fig = flows_figure(d)
    return None if fig is None else _save(fig, out, "flows.png")


def flows_figure(d: dict[str, Any]) -> Figure | None:
    """The money chart itself (None when no money moved): its scale reads as its bars do, in
    whole thousands with separators ("20,000 k")."""
    totals = {
        kind: sum(float(v) for v in pairs.values())
        for kind, pairs in (d.get("flow_totals") or {}).items()
    }
    totals = {k: v for k, v in totals.items() if round(v)}
    if not totals:
        return None
    kinds = sorted(totals, key=lambda k: totals[k])
    fig = _figure(13, 1.6 + 0.65 * len(kinds))
    ax = fig.subplots()
    colours = list(style.OKABE_ITO.values())
    bars = ax.barh(
        [style.kind_title(k) for k in kinds],
        [totals[k] for k in kinds],
        color=[colours[i % 7] for i in range(len(kinds))],
    )
    ax.bar_label(bars, labels=[style.money(totals[k]) for k in kinds], padding=6, fontsize=FONT)
    ax.set_xlim(0, max(totals.values()) * 1.25)
    ax.set_title(
        "Money moved between the actors, whole game (thousands)",
        fontsize=FONT + 2,
        fontweight="bold",
        color=style.INK,
    )
    _axes_style(ax)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: style.money(v)))
    ax.tick_params(axis="y", labelsize=FONT)
    ax.grid(False, axis="y")
    return fig


def layout(networks: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """One place per node for every round (so rounds compare at a glance): a circle, the actors
    who are not firms first, then the firms in the order the debrief lists them (by sector)."""
    ids: list[str] = []
    roles: dict[str, str] = {}
    for net in networks:
        for n in net["nodes"]:
            if n["id"] not in roles:
                roles[n["id"]] = n.get("role", "firm")
                ids.append(n["id"])
    ids.sort(key=lambda i: roles[i] == "firm")  # stable: the listed order within each group
    angle = np.pi / 2 - np.linspace(0, 2 * np.pi, len(ids), endpoint=False)
    return {k: (float(np.cos(a)), float(np.sin(a))) for k, a in zip(ids, angle, strict=True)}


def network(
    d: dict[str, Any], net: dict[str, Any], pos: dict[str, tuple[float, float]], out: Path
) -> str:
    """Who worked with whom in one round: nodes sized by workers, edges by kind (colour and dash)
    and trust (width)."""
    fig = _figure(12, 12)
    ax = fig.subplots()
    ax.set_axis_off()
    linked: set[str] = set()
    kinds_drawn: dict[str, tuple[str, Any, str]] = {}
    # one collection of lines a kind (deals underneath, networks on top): fast with many edges
    groups: dict[str, tuple[list[Any], list[float]]] = {}
    for e in net["edges"]:
        if e["a"] not in pos or e["b"] not in pos:
            continue
        segs, widths = groups.setdefault(e["kind"], ([], []))
        segs.append([pos[e["a"]], pos[e["b"]]])
        widths.append(1.0 + 3.5 * float(e.get("trust") or 0.0))
        linked.update((e["a"], e["b"]))
    order = list(style.EDGE_STYLES)
    for z, kind in enumerate(sorted(groups, key=lambda k: order.index(k) if k in order else -1)):
        colour, dash, word = style.EDGE_STYLES.get(kind, style.OTHER_EDGE)
        kinds_drawn[kind] = (colour, dash, word)
        segs, widths = groups[kind]
        ax.add_collection(
            LineCollection(
                segs,
                colors=colour,
                linestyles=dash,
                linewidths=widths,
                alpha=0.45 if kind == "deal" else 0.85,
                zorder=1 + z / 100,
            )
        )
    firms = [n for n in net["nodes"] if n.get("role", "firm") == "firm"]
    biggest = max([int(n.get("size") or 0) for n in firms] + [1])
    roles_drawn: set[str] = set()
    for n in net["nodes"]:
        x, y = pos[n["id"]]
        role = n.get("role", "firm")
        firm = role == "firm"
        size = 40 + 700 * (int(n.get("size") or 0) / biggest) if firm else 420
        alive = bool(n.get("alive", True))
        colour = style.ROLE_COLOURS.get(role, style.OKABE_ITO["sky"])
        roles_drawn.add(role)
        ax.scatter(
            [x],
            [y],
            s=size,
            facecolor=colour if alive else "white",
            edgecolor=style.INK if alive else style.INK_MUTED,
            linewidth=1.5,
            marker=("o" if firm else style.ROLE_MARKERS.get(role, "D")) if alive else "X",
            zorder=2,
        )
        label = str(n.get("name") or style.name_of(d.get("names") or {}, n["id"]))
        label = label if len(label) <= 22 else label[:21] + "…"
        turn = math.degrees(math.atan2(y, x))
        flip = not -90 <= turn <= 90  # text on the left half reads from the outside in
        ax.text(
            x * 1.09,
            y * 1.09,
            label,
            rotation=turn + 180 if flip else turn,
            rotation_mode="anchor",
            ha="right" if flip else "left",
            va="center",
            fontsize=FONT - 5,
            color=style.INK if n["id"] in linked else style.INK_MUTED,
            fontweight="bold" if n["id"] in linked else "normal",
            zorder=3,
        )
    open_firms = sum(1 for n in firms if n.get("alive", True))
    ax.set_title(
        f"Round {net['round']}: {open_firms} firms open, {len(net['edges'])} links",
        fontsize=FONT + 3,
        fontweight="bold",
        color=style.INK,
    )
    ax.set_xlim(-1.85, 1.85)
    ax.set_ylim(-1.8, 1.95)
    ax.set_aspect("equal")
    handles = [
        Line2D([], [], color=c, linestyle=s, linewidth=3, label=w)
        for c, s, w in kinds_drawn.values()
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=14,
            markerfacecolor=style.OKABE_ITO["sky"],
            markeredgecolor=style.INK,
            label="firm (size: workers)",
        )
    )
    for role in sorted(roles_drawn - {"firm"}):
        handles.append(
            Line2D(
                [],
                [],
                marker=style.ROLE_MARKERS.get(role, "D"),
                linestyle="",
                markersize=14,
                markerfacecolor=style.ROLE_COLOURS.get(role, style.OKABE_ITO["sky"]),
                markeredgecolor=style.INK,
                label=role,
            )
        )
    handles.append(
        Line2D(
            [],
            [],
            marker="X",
            linestyle="",
            markersize=12,
            markerfacecolor="white",
            markeredgecolor=style.INK_MUTED,
            label="closed firm",
        )
    )
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=FONT - 3)
    return _save(fig, out, f"network-round-{net['round']}.png")


def chosen_rounds(rounds: list[int]) -> list[int]:
    """First, middle and last round (fewer when the game is short)."""
    if not rounds:
        return []
    picks = [rounds[0], rounds[len(rounds) // 2], rounds[-1]]
    return sorted(set(picks))
