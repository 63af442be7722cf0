"""Broker bot: climbs the trust ladder (004 S.III). It holds events for nearby firms still outside
networks, introduces pairs whose operations complement each other (preferably for open tenders no
one of them can serve alone), and buys market intelligence when time allows. Ties and choices go
by the bot's own seeded draws, never by the listing order."""

from __future__ import annotations

from typing import Any

import numpy as np


def broker_decisions(
    view: dict[str, Any], rng: np.random.Generator, personality: str
) -> dict[str, Any]:
    me = view["me"]
    hours = me["hours"]
    firms = [f for f in view["firms"] if f["alive"]]
    if len(firms) < 2:
        return {}
    d: dict[str, Any] = {}
    # an event for a cluster of neighbours around a seat firm (or a random firm)
    # around a seat firm outside every network, for the firms near it still outside (the ladder's
    # first rung is for those who have not climbed it)
    seated = [f for f in firms if f["seat"]] or firms
    outside = [f for f in firms if not f["networks"]]
    centres = [f for f in seated if not f["networks"]] or seated
    centre = centres[int(rng.integers(0, len(centres)))]
    pool = outside if len(outside) >= 2 else firms
    near = sorted(pool, key=lambda f: (f["x"] - centre["x"]) ** 2 + (f["y"] - centre["y"]) ** 2)[:8]
    events = [[f["id"] for f in near]] if hours >= 10 else []
    used = 10.0 * len(events)
    # introductions: a seat firm (in the bot's own random order) and a firm that does what it
    # lacks, preferably what an open tender needs (the broker knows the tenders)
    needed = {op for t in view["tenders"] if t["status"] == "open" for op in t["operations"]}
    intros: list[list[int]] = []
    for k in rng.permutation(len(seated)):
        a = seated[int(k)]
        if used + 4.0 > hours - 8.0 or len(intros) >= 3:
            break
        lacks = [
            b for b in firms if b["id"] != a["id"] and set(b["operations"]) - set(a["operations"])
        ]
        useful = [b for b in lacks if (set(b["operations"]) - set(a["operations"])) & needed]
        cands = useful or lacks
        if cands:
            partner = cands[int(rng.integers(0, len(cands)))]
            intros.append([a["id"], partner["id"]])
            used += 4.0
    if events:
        d["events"] = events
    if intros:
        d["intros"] = intros
    d["intel"] = hours - used >= 8.0
    return d
