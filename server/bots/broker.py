"""Broker bot: climbs the trust ladder (004 S.III). It holds events for nearby firms that do not
yet trust each other, introduces pairs whose operations complement each other (for tenders no one
of them can serve alone), and buys market intelligence when time allows."""

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
    seated = [f for f in firms if f["seat"]] or firms
    centre = seated[int(rng.integers(0, len(seated)))]
    near = sorted(firms, key=lambda f: (f["x"] - centre["x"]) ** 2 + (f["y"] - centre["y"]) ** 2)[
        :8
    ]
    events = [[f["id"] for f in near]] if hours >= 10 else []
    used = 10.0 * len(events)
    # introductions: firms whose operations differ (complementary), seat firms first
    intros: list[list[int]] = []
    for a in seated:
        if used + 4.0 > hours - 8.0 or len(intros) >= 3:
            break
        partner = next(
            (
                b
                for b in firms
                if b["id"] != a["id"] and set(b["operations"]) - set(a["operations"])
            ),
            None,
        )
        if partner is not None:
            intros.append([a["id"], partner["id"]])
            used += 4.0
    if events:
        d["events"] = events
    if intros:
        d["intros"] = intros
    d["intel"] = hours - used >= 8.0
    return d
