"""Role bots: each plays from its seat's view alone (never the state) and returns commands.

`decide(view, seed, personality=None) -> list[command]` is pure: the same view and seed give the
same commands. Deals are proposed and answered by `negotiate` (see district.server.bots.deals), so a bot
goes through exactly the commands a human would.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from district.server.bots.broker import broker_decisions
from district.server.bots.deals import negotiate
from district.server.bots.firm import firm_decisions
from district.server.bots.government import government_decisions
from district.server.bots.union import union_decisions

Command = dict[str, Any]

PERSONALITIES = {
    "firm": ("high", "low", "mixed"),
    "union": ("high",),
    "government": ("high", "low"),
    "broker": ("high",),
}


def bot_rng(seed: int, round_: int, seat: str, salt: str = "") -> np.random.Generator:
    return np.random.default_rng([seed & 0xFFFFFFFF, round_, zlib.crc32((seat + salt).encode())])


def decide(view: dict[str, Any], seed: int, personality: str | None = None) -> list[Command]:
    """The commands a bot in this seat sends now: answers to proposals, its own proposals, its
    decisions, then ready. Safe to call again in the same round (it proposes nothing twice)."""
    if view["phase"] != "negotiation":
        return []
    role = view["role"]
    seat = view["seat"]
    rng = bot_rng(seed, view["round"], seat)
    p = personality or "high"
    negotiation = (
        negotiate(view, rng, p)
        if role != "firm" or view["firms"][view["me"]["firm"]]["alive"]
        else []
    )
    if role == "firm":
        if not view["firms"][view["me"]["firm"]]["alive"]:
            return []
        d = firm_decisions(view, rng, p)
    elif role == "union":
        d = union_decisions(view, rng, p)
    elif role == "government":
        d = government_decisions(view, rng, p)
    elif role == "broker":  # drafting the proposals above takes some of this round's hours
        drafted = sum(1 for c in negotiation if c["type"] == "propose")
        hours = view["me"]["hours"] - drafted * view["me"]["draft_hours"]
        d = broker_decisions({**view, "me": {**view["me"], "hours": hours}}, rng, p)
    else:
        return []
    cmds: list[Command] = [{**c, "round": view["round"]} for c in negotiation]
    if d:
        cmds.append({"type": "decide", "round": view["round"], "decisions": d})
    cmds.append({"type": "ready", "round": view["round"], "ready": True})
    return cmds
