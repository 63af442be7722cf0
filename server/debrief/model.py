"""The debrief model: one JSON-safe dict computed from a session's log (docs/export.md and the
shared shape in the issue): per round the scoreboards, series, role scores, the network graph;
money flows, deals with who kept and broke them, a reputation ledger, who knew what when, sentences
written from the data, the scenario's questions, and the same scenario and seed played by bots
alone as a baseline.

It is computed by replaying the log through the engine round by round (`log.replay`), so it says
exactly what the engine recorded; nothing here changes a game.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
from district.server.debrief.log import Entry, SessionLog, replay
from district.server.engine import Game
from district.server.engine.deals import KINDS
from district.server.engine.flows import flows as recorded_flows
from district.server.engine.indicators import components, role_scores
from district.server.engine.state import State

Debrief = dict[str, Any]

BOARDS = ("competitiveness", "worker_welfare", "region")
SERIES = (
    "mean_wage",
    "productivity",
    "wage_floor",
    "employment",
    "unemployment_rate",
    "firms_alive",
    "output",
    "exports",
    "government_budget",
    "union_funds",
    "mean_skill",
    "compliance",
    "networked_share",
    "mean_trust",
    "profit",
    "exits",
    "entries",
)
BASELINE_SERIES = ("mean_wage", "productivity", "employment", "firms_alive")

ROLE_SCORES: dict[str, tuple[str, str]] = {
    "firm": (
        "net worth and what its owners drew out, as a percentage of the net worth it started"
        " with (100: as it started; 0: closed)",
        "% of starting net worth",
    ),
    "union": ("the worker welfare scoreboard", "points of 100"),
    "government": (
        "half the region board, three tenths worker welfare, and approval (up to 20 points)",
        "points of 100",
    ),
    "broker": ("fees earned (k), plus 100 x reputation, plus 50 for each live network", "points"),
}

SIGNED_STATUSES = ("active", "fulfilled", "breached", "failed")
# session entries the timeline leaves out (the export keeps them): a bot's turn is over, a clock
QUIET = ("bot_done", "deadline", "timers", "facilitator_token")


def build_debrief(
    log: SessionLog,
    baseline: bool = True,
    private: bool = True,
    replayed: tuple[Game, Recorder] | None = None,
) -> Debrief:
    """The debrief of a session's log. `baseline`: also play the same scenario and seed with bots
    in every seat (district simulate's game) for the "what if" line; `private`: include the
    timeline (who did and asked what when: for the facilitator and the export only).
    `replayed`: the log's replay if the caller has it already."""
    game, rec = replayed or replay_recorded(log)
    st = game.state
    names = _names(st)
    rounds = list(range(len(st.history) + 1))
    levels = [st.start, *st.history]
    sc = log.scenario
    d: Debrief = {
        "session": {
            "code": log.code,
            "scenario": sc.name,
            "title": sc.title,
            "seed": log.seed,
            "rounds_played": len(st.history),
            "rounds_planned": sc.rounds,
            "ended_early": st.phase == "ended" and len(st.history) < sc.rounds,
            "seats": [dict(s) for s in log.seats],
            "final_hash": game.hash(),
        },
        "rounds": rounds,
        "boards": {b: [_num(x[b]) for x in levels] for b in BOARDS},
        "series": {k: [_num(x.get(k, 0.0)) for x in levels] for k in SERIES},
        "baseline": _baseline(log, len(rounds) - 1) if baseline else None,
        "role_scores": _role_scores(st, rec.start_scores),
        "flows": [],
        "flow_totals": {},
        "deals": _deals(st, names),
        "reputation": {},
        "network": rec.network,
        "highlights": [],
        "questions": list(sc.questions),
        "names": names,
    }
    d["series"]["unemployment"] = [
        _num(x["unemployment_rate"] * (x["employment"] / max(1e-9, 1 - x["unemployment_rate"])))
        for x in levels
    ]
    summed: dict[tuple[int, str, str, str], float] = defaultdict(float)
    for r, k, a, b, x in recorded_flows(st):
        summed[(r, k, a, b)] += x
    d["flows"] = [
        {"round": r, "kind": k, "from": a, "to": b, "amount": _num(x)}
        for (r, k, a, b), x in summed.items()
    ]
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for fl in d["flows"]:
        totals[fl["kind"]][f"{fl['from']}->{fl['to']}"] += fl["amount"]
    d["flow_totals"] = {k: {p: _num(x) for p, x in v.items()} for k, v in totals.items()}
    d["reputation"] = _reputation(st, d["deals"])
    if private:
        d["timeline"] = rec.timeline()
    d["highlights"] = highlights(d)
    return d


def _num(x: Any) -> float:
    v = float(x)
    return round(v, 4) if np.isfinite(v) else 0.0


# --- replaying, round by round --------------------------------------------------------------


def replay_recorded(log: SessionLog) -> tuple[Game, Recorder]:
    """Replay the log, recording as it goes what only the round-by-round state shows."""
    rec = Recorder(log)
    game = replay(log, on_entry=rec.on_entry, on_start=rec.on_start)
    return game, rec


FIRM_VARIABLES = (
    "workers", "skilled", "skill", "technology", "wage", "cash", "debt", "public_debt",
    "productivity", "quality", "output", "exports", "revenue", "profit", "reputation", "credit",
    "union_share", "fines",
)  # fmt: skip


class Recorder:
    """What the replay shows as it goes: the network after each round, the timeline, every
    command and event (for events.csv), the scoreboards' components and the seat firms' numbers
    at the start and after each round (for indicators.csv)."""

    def __init__(self, log: SessionLog) -> None:
        self.log = log
        self.network: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []
        # events.csv: (t, round, phase, seat, kind, name, audience, fields)
        self.rows: list[tuple[Any, ...]] = []
        self.components: list[dict[str, float]] = []  # per entry of rounds
        self.firms: list[dict[str, dict[str, float]]] = []  # per entry of rounds: seat -> numbers
        self.chat: list[dict[str, Any]] = []
        self.start_scores: dict[str, float] = {}
        self.round = 1
        self.phase = "negotiation"
        self.names: dict[str, str] = {}

    def on_start(self, game: Game) -> None:
        st = game.state
        self.names = _names(st)
        self.network.append(network_of(st, 0))
        self._levels(st, st.start)
        for ev in game.start_events:
            self._event(None, st, ev)
        boards = {b: st.start[b] for b in BOARDS}
        self.start_scores = role_scores(st, dict(st.start), boards)
        self.round, self.phase = st.round, st.phase

    def on_entry(self, game: Game, e: Entry, result: Any) -> None:
        st = game.state
        k = e["k"]
        item: dict[str, Any] = {
            "t": e.get("t"),
            "round": self.round,
            "phase": self.phase,
            "seat": e.get("seat", "facilitator" if k in ("resolve", "advance", "end") else ""),
        }
        t = e.get("t")
        if k == "cmd":
            cmd = e["cmd"]
            self.rows.append(
                (t, self.round, self.phase, e["seat"], "command", cmd.get("type", ""), "", cmd)
            )
            for ev in result or ():
                self._event(t, st, ev)
                if ev.get("kind") == "chat":
                    self.chat.append({"t": t, "phase": self.phase, **ev})
            typ = cmd.get("type", "")
            item["kind"] = {"chat": "chat", "respond": "response"}.get(typ, "command")
            item["summary"] = command_summary(st, self.names, e["seat"], cmd)
            item["fields"] = dict(cmd)
            self.items.append(item)
        elif k in ("resolve", "advance", "end"):
            item["kind"] = "control"
            item["summary"] = {
                "resolve": f"Round {self.round} was resolved",
                "advance": "The next round began" if st.phase != "ended" else "The game ended",
                "end": "The facilitator ended the game",
            }[k]
            item["fields"] = {"type": k}
            self.items.append(item)
            self.rows.append((t, self.round, self.phase, "facilitator", "control", k, "", {}))
            if k == "resolve":
                self.network.append(network_of(st, st.round))
                self._levels(st, st.history[-1])
                news = result.get("news", []) if isinstance(result, dict) else []
                self.rows.append(
                    (t, st.round, st.phase, "", "event", "report", "public",
                     {"round": st.round, "news": len(news)})
                )  # fmt: skip
            for ev in result if isinstance(result, list) else ():
                self._event(t, st, ev)
            for ev in result if isinstance(result, list) else ():
                if ev.get("kind") == "news":
                    self.items.append(
                        {
                            **item,
                            "round": st.round,
                            "phase": st.phase,
                            "seat": "",
                            "kind": "event",
                            "summary": str(ev.get("headline", "")),
                            "fields": {k2: v for k2, v in ev.items() if k2 != "audience"},
                        }
                    )
        else:  # the session's own entries: seats taken, bots, pauses
            fields = {k2: v for k2, v in e.items() if k2 not in ("t", "token", "hash")}
            self.rows.append(
                (t, self.round, self.phase, e.get("seat", ""), "session", k, "", fields)
            )
            if k not in QUIET:
                item.update(kind="control", summary=session_summary(self.names, e), fields=fields)
                self.items.append(item)
        self.round, self.phase = st.round, st.phase

    def _event(self, t: Any, st: State, ev: dict[str, Any]) -> None:
        aud = ev.get("audience", "public")
        audience = aud if isinstance(aud, str) else ";".join(str(a) for a in aud)
        fields = {k: v for k, v in ev.items() if k not in ("audience", "kind")}
        seat = str(ev.get("seat", ev.get("from", "")))
        self.rows.append(
            (t, st.round, st.phase, seat, "event", ev.get("kind", ""), audience, fields)
        )

    def _levels(self, st: State, ind: dict[str, float]) -> None:
        self.components.append(components(st, ind))
        f = st.firms
        self.firms.append(
            {
                s.id: {
                    "alive": float(f.alive[s.firm]),
                    **{v: float(getattr(f, v)[s.firm]) for v in FIRM_VARIABLES},
                }
                for s in st.seats.values()
                if s.firm >= 0
            }
        )

    def timeline(self) -> list[dict[str, Any]]:
        """The entries in order, with the previews asked merged in by their time."""
        items = list(self.items)
        notes = sorted(
            (n for n in self.log.notes if n.get("t") is not None), key=lambda n: float(n["t"])
        )
        out: list[dict[str, Any]] = []
        i = 0
        for it in items:
            t = it.get("t")
            while i < len(notes) and t is not None and float(notes[i]["t"]) <= float(t):
                out.append(self._note(notes[i]))
                i += 1
            out.append(it)
        out += [self._note(n) for n in notes[i:]]
        return out

    def _note(self, n: dict[str, Any]) -> dict[str, Any]:
        seat = str(n.get("seat", ""))
        req = n.get("request") or {}
        what = (
            f"deal {req['deal']}"
            if isinstance(req, dict) and "deal" in req
            else f"a draft {_kind_title(str(req.get('kind', '')))}"
            if isinstance(req, dict)
            else "a deal"
        )
        return {
            "t": n.get("t"),
            "round": int(n.get("round", 0) or 0),
            "phase": str(n.get("phase", "negotiation")),
            "seat": seat,
            "kind": "preview",
            "summary": f"{self.names.get(seat, seat)} asked what {what} would do to its numbers",
            "fields": {k: v for k, v in n.items() if k not in ("t", "seat", "k")},
        }


def _kind_title(kind: str) -> str:
    k = KINDS.get(kind)
    return k.title.lower() if k is not None else kind.replace("_", " ")


def _whole(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int | float):
        return f"{round(v):,}"
    if isinstance(v, list):
        return ", ".join(_whole(x) for x in v)
    return str(v)


def _and(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def command_summary(st: State, names: dict[str, str], seat: str, cmd: dict[str, Any]) -> str:
    who = names.get(seat, "The facilitator" if seat == "facilitator" else seat)
    typ = cmd.get("type", "")
    if typ == "decide":
        dec = cmd.get("decisions") or {}
        parts = [
            f"{k.replace('_', ' ')} {_whole(v)}"
            for k, v in dec.items()
            if isinstance(v, int | float | bool)
        ]
        return f"{who} decided: {', '.join(parts)}" if parts else f"{who} made decisions"
    if typ in ("propose", "counter"):
        kind = cmd.get("kind")
        d = st.deals.get(str(cmd.get("deal", ""))) if typ == "counter" else None
        kind = kind or (d.kind if d else "")
        others = [names.get(p, p) for p in cmd.get("parties") or [] if p != seat]
        verb = "proposed" if typ == "propose" else "countered with"
        return f"{who} {verb} a {_kind_title(str(kind))}" + (
            f" to {_and(others)}" if others else ""
        )
    if typ == "respond":
        d = st.deals.get(str(cmd.get("deal", "")))
        what = _kind_title(d.kind) if d else "deal"
        return f"{who} answered {cmd.get('answer', '')} to the {what} {cmd.get('deal', '')}"
    if typ == "withdraw":
        return f"{who} withdrew the proposal {cmd.get('deal', '')}"
    if typ == "ready":
        return f"{who} said ready" if cmd.get("ready", True) else f"{who} was no longer ready"
    if typ == "chat":
        to = str(cmd.get("to", "public"))
        where = {"public": "everyone", "facilitator": "the facilitator"}.get(to, names.get(to, to))
        return f"{who} to {where}: {cmd.get('text', '')}"
    if typ == "inject_event":
        return f"The facilitator set off an event: {cmd.get('event', {}).get('kind', '')}"
    if typ == "mute_chat":
        return "The facilitator paused the chat" if cmd.get("muted") else "The chat resumed"
    return f"{who}: {typ}"


def session_summary(names: dict[str, str], e: Entry) -> str:
    k = e["k"]
    who = names.get(str(e.get("seat", "")), str(e.get("seat", "")))
    return {
        "join": f"{e.get('name', 'Someone')} took the seat of {who}",
        "release": f"{who}'s seat was freed",
        "bot": f"A bot took over {who}",
        "unbot": f"The bot left {who}",
        "standin": f"A stand-in played for {who} (the player was away)",
        "back": f"{who}'s player came back",
        "start": "The facilitator started the game",
        "pause": "The facilitator paused the game",
        "resume": "The game resumed",
        "lock": "The session was locked" if e.get("locked") else "The session was opened",
    }.get(k, k.replace("_", " "))


# --- the parts ------------------------------------------------------------------------------


def _names(st: State) -> dict[str, str]:
    out = {s.id: s.name for s in st.seats.values()}
    out.setdefault("government", "the government")
    out.setdefault("union", "the union")
    out["world"] = "outside the district"
    out["background firms"] = "the other firms"
    out["facilitator"] = "the facilitator"
    return out


def network_of(st: State, rnd: int) -> dict[str, Any]:
    """Who worked with whom at the end of round `rnd`: the seats as nodes; edges between firm
    seats for sharing a network, a signed deal or a won consortium tender, and between a firm and
    the union, government or broker it has a deal with; trust from the engine (0-1)."""
    f = st.firms
    seat_of = st.seat_of_firm()
    inst_row = {s: i for i, s in enumerate(st.inst_ids)}
    nodes = []
    for s in st.seats.values():
        alive = bool(f.alive[s.firm]) if s.firm >= 0 else True
        size = int(round(float(f.workers[s.firm]))) if s.firm >= 0 and alive else 0
        nodes.append({"id": s.id, "name": s.name, "role": s.role, "size": size, "alive": alive})
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}

    def trust(a: str, b: str) -> float:
        ia, ib = st.firm_of(a), st.firm_of(b)
        if ia >= 0 and ib >= 0:
            return float((st.trust[ia, ib] + st.trust[ib, ia]) / 2)
        if ia >= 0 and b in inst_row:
            return float(st.inst_trust[inst_row[b], ia])
        if ib >= 0 and a in inst_row:
            return float(st.inst_trust[inst_row[a], ib])
        return 0.5

    def add(a: str, b: str, kind: str, **extra: Any) -> None:
        if a == b:
            return
        a, b = sorted((a, b))
        key = (a, b, kind)
        e = edges.get(key)
        if e is None:
            e = edges[key] = {"a": a, "b": b, "kind": kind, "weight": 0, "trust": 0.0, **extra}
        e["weight"] += 1

    for net in st.networks:
        if not net.alive:
            continue
        members = [seat_of[m] for m in net.members if m in seat_of and f.alive[m]]
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                add(a, b, "network")
    for d in st.deals.values():
        # in force this round: running, or signed and ended in it (this is called as it ends)
        ended = [h["round"] for h in d.history if h.get("action") in _ENDINGS]
        if not d.signed_round or d.status not in SIGNED_STATUSES:
            continue
        if d.status != "active" and (not ended or max(ended) < rnd):
            continue
        for i, a in enumerate(d.parties):
            for b in d.parties[i + 1 :]:
                add(a, b, "deal", deal_kind=d.kind)
    for t in st.tenders:
        if t.round == rnd and len(t.winner) > 1:
            members = [seat_of[m] for m in t.winner if m in seat_of]
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    add(a, b, "tender")
    out = []
    for e in edges.values():
        e["trust"] = round(trust(e["a"], e["b"]), 3)
        out.append(e)
    return {"round": rnd, "nodes": nodes, "edges": out}


def _role_scores(st: State, start: dict[str, float]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s in st.seats.values():
        meaning, unit = ROLE_SCORES.get(s.role, ("", ""))
        role = out.setdefault(s.role, {"meaning": meaning, "unit": unit, "seats": {}})
        role["seats"][s.id] = [_num(start.get(s.id, 0.0))] + [
            _num(r["scores"].get(s.id, 0.0)) for r in st.reports
        ]
    return out


def _status(d: Any) -> str:
    return str(d.status)


def _deals(st: State, names: dict[str, str]) -> list[dict[str, Any]]:
    seat_of = st.seat_of_firm()
    out = []
    for d in st.deals.values():
        kind = KINDS.get(d.kind)
        public = kind.public_terms() if kind is not None else set()
        broken = sorted({seat_of.get(int(b["firm"]), "") for b in d.breaches} - {""})
        ended = [h["round"] for h in d.history if h.get("action") in _ENDINGS]
        signed = d.signed_round or None
        title = kind.title if kind is not None else d.kind
        who = _and([names.get(p, p) for p in d.parties])
        status = _status(d)
        text = f"{title}: {who}"
        if signed:
            text += f", signed in round {signed}"
        text += {
            "active": ", still running",
            "fulfilled": ", kept to its end",
            "breached": ", broken" + (f" by {_and([names[b] for b in broken])}" if broken else ""),
            "failed": ", failed",
            "expired": ", never signed (it expired)",
            "rejected": ", rejected",
            "withdrawn": ", withdrawn",
            "countered": ", answered with a counter-proposal",
            "proposed": ", still open",
        }.get(status, f", {status}")
        out.append(
            {
                "id": d.id,
                "kind": d.kind,
                "kind_title": title,
                "parties": list(d.parties),
                "proposer": d.proposer,
                "proposed_round": int(d.round_proposed),
                "signed_round": int(signed) if signed else None,
                "status": status,
                "ended_round": int(max(ended)) if ended else None,
                "broken_by": broken,
                "terms_public": {k: v for k, v in d.terms.items() if k in public} if signed else {},
                "summary": text,
            }
        )
    return out


_ENDINGS = ("fulfilled", "breached", "expired", "failed", "rejected", "withdrawn", "countered")


def _reputation(st: State, deals: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per seat: deals signed, kept (fulfilled, or still running, without it breaking them) and
    broken (a breach of its own)."""
    out = {s: {"kept": 0, "broken": 0, "signed": 0} for s in st.seats}
    for d in deals:
        if d["signed_round"] is None:
            continue
        for p in d["parties"]:
            r = out.setdefault(p, {"kept": 0, "broken": 0, "signed": 0})
            r["signed"] += 1
            if p in d["broken_by"]:
                r["broken"] += 1
            elif d["status"] in ("fulfilled", "active"):
                r["kept"] += 1
    return out


_BASELINES: dict[tuple[str, int, int], dict[str, list[float]]] = {}  # the last few played
_KEEP = 8


def _baseline(log: SessionLog, rounds: int) -> dict[str, list[float]] | None:
    """The same scenario and seed with bots in every seat, for as many rounds as were played
    (district simulate's game: the server's bots-only game, hash for hash). Played once and kept
    for the next debrief of the same scenario, seed and length (a report asked again, the
    export after the report). Even a session of bots alone is played again: a facilitator who
    moved a phase on before every bot had its turn made another game."""
    from district.server.simulate import run_game

    key = (log.scenario_text or repr(log.scenario), log.seed, rounds)
    hit = _BASELINES.get(key)
    if hit is None:
        if rounds <= 0:
            game = Game(log.scenario, log.seed)
        else:
            game, _events = run_game(log.scenario, log.seed, rounds)
        levels = [game.state.start, *game.state.history[:rounds]]
        hit = {b: [_num(x[b]) for x in levels] for b in BOARDS}
        hit.update({k: [_num(x[k]) for x in levels] for k in BASELINE_SERIES})
        while len(_BASELINES) >= _KEEP:
            del _BASELINES[next(iter(_BASELINES))]
        _BASELINES[key] = hit
    return {k: list(v) for k, v in hit.items()}


# --- highlights ------------------------------------------------------------------------------


def _pct(a: float, b: float) -> float:
    return 100.0 * (b - a) / a if abs(a) > 1e-9 else 0.0


def points(x: float) -> str:
    """A whole number of scoreboard points, with its unit in the right number."""
    return f"{x:.0f} point{'' if round(x) == 1 else 's'}"


def _level_change(series: list[float], unit: str) -> str:
    """A scoreboard's move over the game, as a teacher reads it: 'went from 42 to 48 of 100 (+6
    points)', or 'stayed at 42 of 100' when the whole numbers are the same."""
    start, end = round(series[0]), round(series[-1])
    if start == end:
        return f"stayed at {end}{unit}"
    moved = f" ({end - start:+d} point{'' if abs(end - start) == 1 else 's'})" if unit else ""
    return f"went from {start} to {end}{unit}{moved}"


# the public purse's routine flows: in every game tax is the largest, which teaches nothing
ROUTINE_FLOWS = ("tax", "spending", "budget")


def _largest_flows(flow_totals: dict[str, dict[str, float]]) -> str:
    """The largest money flow; when that is tax or public spending, the largest of the others
    too (back pay to underpaid workers, credit, a levy: what the game's choices moved)."""
    totals = sorted(
        ((sum(v.values()), k) for k, v in flow_totals.items() if round(sum(v.values()))),
        reverse=True,
    )
    if not totals:
        return "No money moved between the actors."
    total, kind = totals[0]
    said = f"The largest money flow was {kind.replace('_', ' ')}: {total:,.0f}k in all"
    if kind in ROUTINE_FLOWS:
        rest = [(t, k) for t, k in totals if k not in ROUTINE_FLOWS]
        if rest:
            t2, k2 = rest[0]
            return f"{said}; after taxes and public spending, {k2.replace('_', ' ')}: {t2:,.0f}k."
    return f"{said}."


def highlights(d: Debrief) -> list[str]:
    """Sentences a teacher can read out, written from the debrief's own numbers."""
    out: list[str] = []
    s, b = d["series"], d["boards"]
    if len(d["rounds"]) < 2:
        return ["No round was played."]
    last = len(d["rounds"]) - 1
    floor = _pct(s["wage_floor"][0], s["wage_floor"][-1])
    prod = _pct(s["productivity"][0], s["productivity"][-1])
    wage = _pct(s["mean_wage"][0], s["mean_wage"][-1])
    if abs(floor) < 0.5 and abs(prod) >= 5:
        out.append(
            f"The wage floor did not move while productivity {'rose' if prod > 0 else 'fell'} "
            f"{abs(prod):.0f}%."
        )
    else:
        out.append(
            f"Over {last} round{'s' if last != 1 else ''} productivity changed {prod:+.0f}%, "
            f"the mean wage {wage:+.0f}% and the wage floor {floor:+.0f}%."
        )
    closed = int(round(sum(s["exits"][1:])))
    comp = b["competitiveness"][-1] - b["competitiveness"][0]
    if closed:
        moved = (
            f"held at {b['competitiveness'][-1]:.0f} of 100"
            if round(abs(comp)) == 0
            else f"{'rose' if comp > 0 else 'fell'} {points(abs(comp))} "
            f"(to {b['competitiveness'][-1]:.0f} of 100)"
        )
        out.append(
            f"Competitiveness {moved} while {closed} firm{'s' if closed != 1 else ''} closed."
        )
    out.append(
        f"Worker welfare {_level_change(b['worker_welfare'], ' of 100')}; "
        f"the region {_level_change(b['region'], '')}."
    )
    names = d["names"]
    rep = d["reputation"]
    worst = max(rep.items(), key=lambda kv: (kv[1]["broken"], kv[0]), default=None)
    if worst is not None and worst[1]["broken"] > 0:
        n = worst[1]
        out.append(
            f"{names.get(worst[0], worst[0])} broke the most deals: {n['broken']} of "
            f"{n['signed']} signed."
        )
    signed = [x for x in d["deals"] if x["signed_round"] is not None]
    if signed:
        by = Counter(x["status"] for x in signed)
        out.append(
            f"{len(signed)} deal{'s were' if len(signed) != 1 else ' was'} signed: "
            f"{by.get('fulfilled', 0)} kept to the end, {by.get('active', 0)} still running, "
            f"{by.get('breached', 0) + by.get('failed', 0)} broken or failed."
        )
    else:
        out.append("No deal was signed.")
    if d["flow_totals"]:
        out.append(_largest_flows(d["flow_totals"]))
    base = d.get("baseline")
    seats = (d.get("session") or {}).get("seats") or []
    if base and seats and not any(x.get("controller") == "person" for x in seats):
        base = None  # a bots-only game is its own baseline: the same scoreboards say nothing
    if base:
        diffs = [
            (board.replace("_", " "), b[board][-1] - base[board][min(last, len(base[board]) - 1)])
            for board in BOARDS
        ]
        if all(abs(x) < 0.5 for _n, x in diffs):
            out.append("Bots alone would have ended the game with the same scoreboards.")
        else:
            parts = [f"{n} {x:+.0f}" for n, x in diffs]
            out.append(
                "Against the same district played by bots alone, the class's negotiations moved "
                f"the scoreboards by: {', '.join(parts)} points."
            )
    return out
