"""The research export: the files `district export` and `district simulate --out` write, the same
for a played session and a bots-only game (docs/export.md).

events.csv (every command, event and session entry, in order), deals.csv, indicators.csv (long:
round, entity, variable, value), chat.csv, flows.csv, session.json and dictionary.csv, which says
what every column (and every variable of indicators.csv) means and in which unit. Integers are
written as integers. Replaying the commands of events.csv through the scripting API gives the
final hash in session.json (`SessionLog.from_dir`).
"""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from district.server.debrief.log import SessionLog, seat_role
from district.server.debrief.model import BOARDS, FIRM_VARIABLES, build_debrief, replay_recorded
from district.server.engine.indicators import SCOREBOARDS

FILES = (
    "events.csv",
    "deals.csv",
    "indicators.csv",
    "chat.csv",
    "flows.csv",
    "session.json",
    "dictionary.csv",
)

EVENT_COLUMNS = (
    "n",
    "time",
    "round",
    "phase",
    "seat",
    "role",
    "kind",
    "name",
    "audience",
    "fields",
)
DEAL_COLUMNS = (
    "id", "kind", "kind_title", "parties", "proposer", "proposed_round", "signed_round", "status",
    "ended_round", "broken_by", "forced", "terms", "summary",
)  # fmt: skip
INDICATOR_COLUMNS = ("round", "entity", "variable", "value")
CHAT_COLUMNS = ("time", "round", "phase", "id", "from", "from_name", "to", "channel", "text")
FLOW_COLUMNS = ("round", "kind", "from", "to", "amount")

# (file, column, unit, meaning)
DICTIONARY: tuple[tuple[str, str, str, str], ...] = (
    ("events.csv", "n", "count", "order of the row in the session (1, 2, ...)"),
    ("events.csv", "time", "ISO 8601 UTC", "server time it happened; empty in a simulated game"),
    ("events.csv", "round", "round", "the round it happened in (0: before the game started)"),
    ("events.csv", "phase", "text", "negotiation, report or ended: the phase it happened in"),
    ("events.csv", "seat", "seat id", "who did it (a command) or whom it is about (an event)"),
    ("events.csv", "role", "text", "firm, union, government, broker or facilitator"),
    (
        "events.csv",
        "kind",
        "text",
        "command (a seat's game command, replayed), control (resolve, advance, end: replayed), "
        "event (what the engine answered), session (seats taken, bots, pauses), preview (a seat "
        "asked what a deal would do to its numbers: never replayed)",
    ),
    ("events.csv", "name", "text", "the command's type, the event's kind or the control's name"),
    ("events.csv", "audience", "seat ids", "who saw an event: public, or seat ids joined by ;"),
    ("events.csv", "fields", "JSON", "the command as sent (docs/protocol.md) or the event's data"),
    ("deals.csv", "id", "deal id", "the deal (a counter-proposal is a deal of its own)"),
    ("deals.csv", "kind", "text", "the kind of deal (docs/scenarios.md lists them)"),
    ("deals.csv", "kind_title", "text", "the kind's name as players read it"),
    ("deals.csv", "parties", "seat ids", "every party, joined by ;"),
    ("deals.csv", "proposer", "seat id", "who proposed it"),
    ("deals.csv", "proposed_round", "round", "round it was proposed in"),
    ("deals.csv", "signed_round", "round", "round it was signed in; empty if never signed"),
    (
        "deals.csv",
        "status",
        "text",
        "proposed, rejected, countered, withdrawn, expired, active, fulfilled, breached, failed",
    ),
    ("deals.csv", "ended_round", "round", "round it ended in; empty if it had not ended"),
    ("deals.csv", "broken_by", "seat ids", "parties found breaking it, joined by ;"),
    ("deals.csv", "forced", "0/1", "1: signed across a trust gate it did not meet"),
    ("deals.csv", "terms", "JSON", "every term as proposed (units in docs/scenarios.md)"),
    ("deals.csv", "summary", "text", "one sentence with names"),
    ("indicators.csv", "round", "round", "0: the district as built, before round 1"),
    (
        "indicators.csv",
        "entity",
        "text",
        "district (the whole district's indicators and scoreboards), a seat id (its role score, "
        "and a seat firm's own numbers), or bots-only (the same scenario and seed played by bots)",
    ),
    ("indicators.csv", "variable", "text", "what is measured: see the rows below"),
    ("indicators.csv", "value", "the variable's", "its value in that round"),
    ("chat.csv", "time", "ISO 8601 UTC", "when it was sent; empty in a simulated game"),
    ("chat.csv", "round", "round", "round it was sent in"),
    ("chat.csv", "phase", "text", "phase it was sent in"),
    ("chat.csv", "id", "text", "the message's id"),
    ("chat.csv", "from", "seat id", "sender (facilitator for the facilitator)"),
    ("chat.csv", "from_name", "text", "sender's name"),
    ("chat.csv", "to", "text", "public, a deal id, a seat id, or facilitator (a request for help)"),
    ("chat.csv", "channel", "text", "public, deal, private or help"),
    ("chat.csv", "text", "text", "the message"),
    ("flows.csv", "round", "round", "round the money moved in"),
    (
        "flows.csv",
        "kind",
        "text",
        "levy, credit, repayment, interest, grant, match, fee, fine, back_pay, dues, penalty, "
        "subsidy, tax, budget, spending, organising, referral, strike_pay, subcontract",
    ),
    (
        "flows.csv",
        "from",
        "actor",
        "a seat id, government, union, world (everyone outside the district) or background "
        "firms (the seat-less firms, summed)",
    ),
    ("flows.csv", "to", "actor", "as from"),
    ("flows.csv", "amount", "k (thousands)", "money moved"),
    ("session.json", "scenario, title", "text", "the scenario's name and title"),
    ("session.json", "seed", "integer", "the seed: with the scenario and commands, the game"),
    ("session.json", "settings", "seconds", "phase lengths of a played session"),
    ("session.json", "seats", "list", "each seat's id, role, name and controller (person, bot)"),
    ("session.json", "final_hash", "text", "the state's fingerprint after the last entry"),
    ("session.json", "scenario_text", "TOML", "the scenario exactly as played"),
)

DISTRICT_VARIABLES: dict[str, tuple[str, str]] = {
    "firms_alive": ("count", "firms trading"),
    "employment": ("workers", "workers employed"),
    "unemployment_rate": ("share 0-1", "unemployed / labour force"),
    "mean_wage": ("k a worker a round", "mean pay including the skill premium"),
    "wage_floor": ("k a worker a round", "the legal wage floor"),
    "mean_skill": ("0-1", "mean skill of the employed"),
    "trained_share": ("share 0-1", "trained workers among the employed"),
    "output": ("units", "units sold, tenders included"),
    "sales_value": ("k", "revenue of the firms"),
    "exports": ("units", "units exported"),
    "niche_units": ("units", "units sold in niche markets"),
    "tenders_won": ("count", "tenders won this round"),
    "tender_value": ("k", "value of the tenders won"),
    "quality": ("0-1", "output-weighted quality"),
    "productivity": ("units a worker", "output per worker at full capacity"),
    "value_added": ("k", "revenue less materials"),
    "compliance": ("share 0-1", "workers paid at least the floor"),
    "union_density": ("share 0-1", "workers in the union"),
    "networks": ("count", "networks of three firms or more"),
    "networked_share": ("share 0-1", "firms in such a network"),
    "factor_stock": ("0-1", "mean factor stock of the networks"),
    "rivalry": ("0-1", "1 - the sales concentration (HHI)"),
    "government_budget": ("k", "the government's funds"),
    "union_funds": ("k", "the union's funds"),
    "training_spend": ("k", "firms' training spend"),
    "trainees": ("workers", "trainees enrolled"),
    "poached": ("workers", "trained workers poached"),
    "firms_without_orders": ("count", "firms that sold nothing"),
    "entries": ("count", "firms that entered"),
    "exits": ("count", "firms that closed"),
    "below_floor_firms": ("count", "firms paying below the floor"),
    "audits": ("count", "firms found underpaying"),
    "mean_trust": ("0-1", "mean trust between live firms"),
    "commodity_price": ("k a unit", "clearing price of the commodity market"),
    "profit": ("k", "the firms' profit"),
    "credit_standing": ("0-1", "sales-weighted credit standing"),
    "approval": ("0-1", "the government's approval"),
    "competitiveness": ("points of 100", "scoreboard (docs/model.md, Scoreboards)"),
    "worker_welfare": ("points of 100", "scoreboard: employment_rate x mean of the rest"),
    "region": ("points of 100", "scoreboard"),
}
FIRM_UNITS: dict[str, tuple[str, str]] = {
    "alive": ("0/1", "1 while the firm trades"),
    "workers": ("workers", "headcount"),
    "skilled": ("workers", "trained workers"),
    "skill": ("0-1", "mean skill"),
    "technology": ("0-1", "technology level"),
    "wage": ("k a worker a round", "base wage"),
    "cash": ("k", "cash"),
    "debt": ("k", "owed to banks"),
    "public_debt": ("k", "owed to the government"),
    "productivity": ("units a worker", "productivity"),
    "quality": ("0-1", "quality"),
    "output": ("units", "units sold"),
    "exports": ("units", "units exported"),
    "revenue": ("k", "revenue"),
    "profit": ("k", "profit"),
    "reputation": ("0-1", "delivery and quality record"),
    "credit": ("0-1", "credit standing"),
    "union_share": ("share 0-1", "workers in the union"),
    "fines": ("k", "fines and back pay this round"),
}


class ExportError(Exception):
    """The export could not be written: one line saying why."""


def iso(t: Any) -> str:
    if t is None or t == "":
        return ""
    return datetime.fromtimestamp(float(t), UTC).isoformat(timespec="microseconds")


def number(x: Any) -> Any:
    """Integers as integers, other numbers as they are; text unchanged."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            return ""
        if x.is_integer() and abs(x) < 1e15:
            return int(x)
        return round(x, 6)
    return x


def _json(x: Any) -> str:
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False, default=_default)


def _default(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    if hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, set | tuple):
        return list(x)
    raise TypeError(f"not JSON: {type(x).__name__}")


def write_export(log: SessionLog, out: Path, baseline: bool = True) -> dict[str, Any]:
    """Write every file of the export into `out` (created if missing). Returns the debrief it
    was written from."""
    out.mkdir(parents=True, exist_ok=True)
    game, rec = replay_recorded(log)
    d = build_debrief(log, baseline=baseline, private=True, replayed=(game, rec))
    st = game.state
    names = d["names"]
    role = {s["seat"]: s["role"] for s in d["session"]["seats"]}

    def who(seat: str) -> str:
        return role.get(seat) or seat_role(seat)

    # events.csv: the recorded rows, with the previews asked merged in by time
    rows = list(rec.rows)
    for n in sorted((n for n in log.notes if n.get("t") is not None), key=lambda n: float(n["t"])):
        fields = {k: v for k, v in n.items() if k not in ("t", "seat", "round", "phase", "kind")}
        row = (n["t"], int(n.get("round", 0)), n.get("phase", ""), n["seat"], "preview",
               "preview", n["seat"], fields)  # fmt: skip
        at = next(
            (i for i, r in enumerate(rows) if r[0] is not None and float(r[0]) > float(n["t"])),
            len(rows),
        )
        rows.insert(at, row)
    with open(out / "events.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(EVENT_COLUMNS)
        for i, (t, rnd, phase, seat, kind, name, aud, fields) in enumerate(rows, start=1):
            w.writerow(
                [i, iso(t), int(rnd), phase, seat, who(seat) if seat else "", kind, name, aud,
                 _json(fields)]
            )  # fmt: skip
    with open(out / "deals.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(DEAL_COLUMNS)
        for x in d["deals"]:
            deal = st.deals[x["id"]]
            w.writerow(
                [
                    x["id"], x["kind"], x["kind_title"], ";".join(x["parties"]), x["proposer"],
                    x["proposed_round"], "" if x["signed_round"] is None else x["signed_round"],
                    x["status"], "" if x["ended_round"] is None else x["ended_round"],
                    ";".join(x["broken_by"]), int(bool(deal.forced)), _json(deal.terms),
                    x["summary"],
                ]
            )  # fmt: skip
    with open(out / "indicators.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(INDICATOR_COLUMNS)
        levels = [st.start, *st.history]
        for r, ind in enumerate(levels):
            for k, v in ind.items():
                if k != "round":
                    w.writerow([r, "district", k, number(float(v))])
            for k, v in rec.components[r].items():
                w.writerow([r, "district", f"component:{k}", number(float(v))])
            for seat, nums in rec.firms[r].items():
                for k, v in nums.items():
                    w.writerow([r, seat, k, number(v)])
        for rdef in d["role_scores"].values():
            for seat, vals in rdef["seats"].items():
                for r, v in enumerate(vals):
                    w.writerow([r, seat, "score", number(float(v))])
        for k, vals in (d["baseline"] or {}).items():
            for r, v in enumerate(vals):
                w.writerow([r, "bots-only", k, number(float(v))])
    with open(out / "chat.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CHAT_COLUMNS)
        for m in rec.chat:
            src = str(m.get("from", ""))
            w.writerow(
                [iso(m.get("t")), int(m.get("round", 0)), m.get("phase", ""), m.get("id", ""),
                 src, names.get(src, src), m.get("to", ""), m.get("channel", ""), m.get("text", "")]
            )  # fmt: skip
    with open(out / "flows.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(FLOW_COLUMNS)
        for fl in d["flows"]:
            w.writerow([fl["round"], fl["kind"], fl["from"], fl["to"], number(fl["amount"])])
    session = {
        **{k: v for k, v in d["session"].items()},
        "settings": log.settings,
        "created": iso(log.created),
        "scenario_text": log.scenario_text,
        "files": list(FILES),
    }
    (out / "session.json").write_text(json.dumps(session, indent=1, default=_default) + "\n")
    with open(out / "dictionary.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "column", "unit", "meaning"])
        for described in DICTIONARY:
            w.writerow(described)
        for k, (unit, meaning) in DISTRICT_VARIABLES.items():
            w.writerow(["indicators.csv", f"variable={k}", unit, meaning])
        for board, comps in SCOREBOARDS.items():
            for name, meaning in comps:
                w.writerow(
                    ["indicators.csv", f"variable=component:{name}", "0-1",
                     f"{board.replace('_', ' ')} component: {meaning}"]
                )  # fmt: skip
        for k in ("alive", *FIRM_VARIABLES):
            unit, meaning = FIRM_UNITS[k]
            w.writerow(["indicators.csv", f"variable={k} (entity: a firm seat)", unit, meaning])
        for role_name, (meaning, role_unit) in _role_meanings(d).items():
            w.writerow(
                [
                    "indicators.csv",
                    f"variable=score (entity: a {role_name} seat)",
                    role_unit,
                    meaning,
                ]
            )
        for k in (*BOARDS, "mean_wage", "productivity", "employment", "firms_alive"):
            w.writerow(
                ["indicators.csv", f"variable={k} (entity: bots-only)",
                 DISTRICT_VARIABLES[k][0], "the same in the bots-only game"]
            )  # fmt: skip
    return d


def _role_meanings(d: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {r: (v["meaning"], v["unit"]) for r, v in d["role_scores"].items()}
