"""The report's page: one self-contained `index.html` (its style inline, no script, no font or
address from outside) that shows the charts it sits beside, the tables and the questions."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from district.server.report import style

CSS = f"""
:root {{ color-scheme: light; }}
body {{ margin: 0; background: {style.PAPER}; color: {style.INK};
  font: 22px/1.45 "Noto Sans", "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }}
header {{ background: {style.BG}; color: {style.TEXT}; padding: 28px 48px 24px;
  border-bottom: 8px solid {style.ACCENT}; }}
header > * {{ max-width: 1200px; margin-left: auto; margin-right: auto; }}
header h1 {{ margin: 0 auto 6px; font-size: 46px; }}
header p {{ margin: 0 auto; color: {style.MUTED}; font-size: 24px; }}
main {{ max-width: 1280px; margin: 0 auto; padding: 12px 40px 60px; }}
h2 {{ font-size: 34px; margin: 48px 0 12px; border-bottom: 3px solid {style.ACCENT};
  padding-bottom: 4px; }}
h3 {{ font-size: 26px; margin: 28px 0 8px; }}
p.note {{ color: {style.INK_MUTED}; margin: 6px 0 14px; }}
img {{ display: block; max-width: 100%; height: auto; margin: 12px 0; background: white;
  border: 1px solid {style.RULE}; }}
table {{ border-collapse: collapse; width: 100%; margin: 10px 0 24px; font-size: 20px; }}
th, td {{ text-align: left; padding: 8px 12px; border-bottom: 1px solid {style.RULE};
  vertical-align: top; }}
th {{ background: {style.PANEL}; color: {style.TEXT}; font-weight: 600; }}
tr:nth-child(even) td {{ background: #f1efe8; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
.kept {{ color: #00664a; font-weight: 600; }}
.broken {{ color: {style.OKABE_ITO["vermillion"]}; font-weight: 700; }}
ul.highlights li {{ font-size: 26px; margin: 10px 0; }}
ol.questions li {{ font-size: 26px; margin: 14px 0; }}
.private {{ border: 4px solid {style.OKABE_ITO["vermillion"]}; padding: 4px 20px 12px; }}
footer {{ color: {style.INK_MUTED}; font-size: 16px; margin-top: 48px; }}
@media print {{ body {{ font-size: 14px; }} header {{ padding: 12px; }}
  h2 {{ break-after: avoid; }} img {{ break-inside: avoid; }} }}
"""


def _e(x: Any) -> str:
    return escape(str(x), quote=True)


def _table(
    head: list[str], rows: Iterable[list[str]], numeric: Iterable[int] = (), raw: bool = False
) -> str:
    """A table; cells are escaped unless `raw` (then the caller escaped them)."""
    num = set(numeric)
    cls = [' class="num"' if i in num else "" for i in range(len(head))]
    out = ["<table><thead><tr>"]
    out += [f"<th{cls[i]}>{_e(h)}</th>" for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for r in rows:
        out.append(
            "<tr>"
            + "".join(f"<td{cls[i]}>{c if raw else _e(c)}</td>" for i, c in enumerate(r))
            + "</tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def _img(src: str, alt: str) -> str:
    return f'<img src="{_e(src)}" alt="{_e(alt)}">'


def _names(d: dict[str, Any]) -> dict[str, str]:
    names = dict(d.get("names") or {})
    for s in d["session"].get("seats") or []:
        names.setdefault(s["seat"], s["name"])
    return names


def _summary_table(d: dict[str, Any], baseline: bool) -> str:
    rounds = d["rounds"]
    base = d.get("baseline") if baseline else None
    head = ["scoreboard", f"round {rounds[0]}", f"round {rounds[-1]}", "change"]
    if base:
        head.append(f"bots alone, round {rounds[-1]}")
    rows = []
    for key, (title, _c, _m) in style.BOARDS.items():
        v = d["boards"][key]
        row = [title, style.whole(v[0]), style.whole(v[-1]), f"{round(v[-1]) - round(v[0]):+d}"]
        if base:
            b = base.get(key) or []
            row.append(style.whole(b[min(len(rounds), len(b)) - 1]) if b else "-")
        rows.append(row)
    return _table(head, rows, numeric=range(1, len(head)))


def _flows_table(d: dict[str, Any], names: dict[str, str], top: int = 3) -> str:
    """Each kind of payment with its total, its largest payers and payees (the rest summed)."""
    rows = []
    kinds = {
        kind: sorted(
            ((pair, float(t)) for pair, t in pairs.items() if round(float(t))),
            key=lambda p: -p[1],
        )
        for kind, pairs in (d.get("flow_totals") or {}).items()
    }
    for kind, pairs in sorted(kinds.items(), key=lambda kv: -sum(t for _p, t in kv[1])):
        if not pairs:
            continue
        total = sum(t for _p, t in pairs)
        for i, (pair, t) in enumerate(pairs[:top]):
            a, _, b = pair.partition("->")
            rows.append(
                [
                    style.kind_title(kind) if i == 0 else "",
                    style.money(total) if i == 0 else "",
                    style.party_name(names, a, kind, payer=True),
                    style.party_name(names, b, kind, payer=False),
                    style.money(t),
                ]
            )
        rest = pairs[top:]
        if rest:
            rows.append(
                [
                    "",
                    "",
                    f"and {len(rest):,} more, together",
                    "",
                    style.money(sum(t for _p, t in rest)),
                ]
            )
    if not rows:
        return '<p class="note">No money moved between the actors through deals or rules.</p>'
    return _table(["kind", "total", "from", "to", "amount"], rows, numeric=[1, 4])


def _deals_table(d: dict[str, Any], names: dict[str, str]) -> str:
    deals = d.get("deals") or []
    if not deals:
        return '<p class="note">No deal was proposed.</p>'
    signed = [x for x in deals if x.get("signed_round")]
    unsigned = len(deals) - len(signed)
    rows = []
    for x in sorted(signed, key=lambda x: (x["signed_round"], x["id"])):
        status = x["status"]
        word = style.STATUS_WORDS.get(status, status)
        cls = "broken" if status == "breached" else "kept" if status == "fulfilled" else ""
        outcome = f'<span class="{cls}">{_e(word)}</span>' if cls else _e(word)
        if x.get("broken_by"):
            outcome += " by " + _e(", ".join(style.name_of(names, s) for s in x["broken_by"]))
        rows.append(
            [
                _e(x.get("kind_title") or style.kind_title(x["kind"])),
                _e(", ".join(style.name_of(names, p) for p in x["parties"])),
                _e(style.name_of(names, x["proposer"])),
                _e(x["signed_round"]),
                outcome,
            ]
        )
    note = (
        f'<p class="note">{len(signed):,} signed of {len(deals):,} proposed; '
        f"{unsigned:,} were rejected, withdrawn or never answered.</p>"
    )
    if not rows:
        return note
    by_kind: dict[str, list[int]] = {}
    for x in signed:
        k = x.get("kind_title") or style.kind_title(x["kind"])
        counts = by_kind.setdefault(k, [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += x["status"] == "fulfilled"
        counts[2] += x["status"] in ("breached", "failed")
        counts[3] += x["status"] == "active"
    kinds = _table(
        ["kind", "signed", "kept", "broken or failed", "still running"],
        [[k, *(f"{n:,}" for n in c)] for k, c in sorted(by_kind.items(), key=lambda kv: -kv[1][0])],
        numeric=[1, 2, 3, 4],
    )
    return (
        note
        + kinds
        + "<h3>Every signed deal</h3>"
        + _table(
            ["kind", "parties", "proposed by", "signed in round", "outcome"],
            rows,
            numeric=[3],
            raw=True,
        )
    )


def _reputation_table(d: dict[str, Any], names: dict[str, str]) -> str:
    rep = d.get("reputation") or {}
    roles = {s["seat"]: s["role"] for s in d["session"].get("seats") or []}
    rows = []
    for seat, r in sorted(
        rep.items(), key=lambda kv: (-kv[1].get("broken", 0), -kv[1].get("signed", 0), kv[0])
    ):
        if not (r.get("signed") or r.get("kept") or r.get("broken")):
            continue
        broken = int(r.get("broken", 0))
        rows.append(
            [
                _e(style.name_of(names, seat)),
                _e(roles.get(seat, "")),
                _e(f"{int(r.get('signed', 0)):,}"),
                _e(f"{int(r.get('kept', 0)):,}"),
                f'<span class="broken">{broken:,}</span>' if broken else "0",
            ]
        )
    if not rows:
        return '<p class="note">Nobody signed a deal.</p>'
    return _table(
        ["who", "role", "deals signed", "promises kept", "promises broken"],
        rows,
        numeric=[2, 3, 4],
        raw=True,
    )


def _role_scores(d: dict[str, Any], names: dict[str, str]) -> str:
    out = []
    for role, rs in (d.get("role_scores") or {}).items():
        seats = rs.get("seats") or {}
        if not seats:
            continue
        unit = rs.get("unit") or ""
        ranked = sorted(seats.items(), key=lambda kv: -float(kv[1][-1] if kv[1] else 0.0))
        rows = [
            [str(i + 1), style.name_of(names, s), f"{style.whole(v[-1] if v else None)} {unit}"]
            for i, (s, v) in enumerate(ranked)
        ]
        out.append(f"<h3>{_e(role.capitalize())}</h3>")
        if rs.get("meaning"):
            out.append(f'<p class="note">{_e(rs["meaning"])}</p>')
        out.append(_table(["rank", "who", "score at the end"], rows, numeric=[0, 2]))
    return "".join(out)


def _timeline(d: dict[str, Any], names: dict[str, str]) -> str:
    rows = []
    t0 = next((float(x["t"]) for x in d.get("timeline") or [] if x.get("t") is not None), None)
    for x in d.get("timeline") or []:
        t = x.get("t")
        when = (
            "-"
            if t is None or t0 is None
            else f"{int(float(t) - t0) // 60}:{int(float(t) - t0) % 60:02d}"
        )
        rows.append(
            [
                when,
                str(x.get("round", "")),
                str(x.get("phase", "")),
                style.name_of(names, x["seat"]) if x.get("seat") else "",
                str(x.get("kind", "")),
                str(x.get("summary", "")),
            ]
        )
    return _table(
        ["time (min:s)", "round", "phase", "who", "what", "summary"], rows, numeric=[0, 1]
    )


def render(
    d: dict[str, Any],
    images: dict[str, Any],
    *,
    private: bool = False,
    baseline: bool = True,
) -> str:
    """The page's HTML. `images`: {"scoreboards", "wages", "flows": file name or None,
    "network": [(round, file name)]}."""
    s = d["session"]
    names = _names(d)
    seats = s.get("seats") or []
    people = sum(1 for x in seats if x.get("controller") == "person")
    played, planned = int(s.get("rounds_played", 0)), int(s.get("rounds_planned", 0))
    has_base = bool(baseline and d.get("baseline"))
    title = f"{s.get('title') or s.get('scenario')}: the debrief"
    sub = (
        f"{'Session ' + s['code'] if s.get('code') else 'A bots-only game'} · seed {s.get('seed')} · {played} of {planned} rounds"
        f"{' (ended early)' if s.get('ended_early') else ''} · {len(seats)} seats, {people} played "
        f"by people, {len(seats) - people} by bots"
    )
    h: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><p>{_e(sub)}</p></header><main>",
    ]
    if private:
        h.append(
            '<p class="note private">The facilitator\'s copy: it includes the timeline of who '
            "proposed, answered, asked and said what, and when. Hand out the copy made without "
            "<code>--private</code>.</p>"
        )
    if d.get("highlights"):
        h.append("<h2>What happened</h2><ul class='highlights'>")
        h += [f"<li>{_e(x)}</li>" for x in d["highlights"]]
        h.append("</ul>")
    h.append("<h2>The scoreboards</h2>")
    h.append(
        '<p class="note">Levels out of 100, round by round'
        + (
            "; the dashed line is the same scenario and seed played by bots alone: what your "
            "negotiations changed is the gap between the lines."
            if has_base
            else "."
        )
        + "</p>"
    )
    h.append(_img(images["scoreboards"], "the three scoreboards over the rounds"))
    h.append(_summary_table(d, has_base))
    if images.get("wages"):
        h.append("<h2>Wages and productivity</h2>")
        h.append(
            '<p class="note">Each line is an index: its value in round 0 counts as 100. The '
            "legend gives the levels.</p>"
        )
        h.append(_img(images["wages"], "mean wage, productivity and the wage floor over rounds"))
    h.append("<h2>Money flows</h2>")
    if images.get("flows"):
        h.append(_img(images["flows"], "money moved between the actors, by kind"))
    h.append(_flows_table(d, names))
    h.append("<h2>Deals</h2>")
    h.append(_deals_table(d, names))
    h.append("<h2>Promises kept and broken</h2>")
    h.append(_reputation_table(d, names))
    if images.get("network"):
        h.append("<h2>Who worked with whom</h2>")
        h.append(
            '<p class="note">Firms are circles sized by their workers; a line is a link between '
            "two actors, its colour and dash say what kind, its width how much they trusted each "
            "other. Every round puts each firm in the same place.</p>"
        )
        for r, name in images["network"]:
            h.append(_img(name, f"the network in round {r}"))
    scores = _role_scores(d, names)
    if scores:
        h.append("<h2>Each role's score</h2>" + scores)
    if d.get("questions"):
        h.append("<h2>Questions for the debrief</h2><ol class='questions'>")
        h += [f"<li>{_e(q)}</li>" for q in d["questions"]]
        h.append("</ol>")
    if private and d.get("timeline"):
        h.append("<section class='private'><h2>Timeline (facilitator only)</h2>")
        h.append(_timeline(d, names))
        h.append("</section>")
    h.append(
        f"<footer>Made by <code>district report</code> from the session's record. Final "
        f"state fingerprint {_e(s.get('final_hash') or '-')}.</footer></main></body></html>"
    )
    return "\n".join(h)
