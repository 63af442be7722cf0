"""Whose turn it is among the bots: one scheduler for every place that plays bots.

`district simulate`, a running session, the scripting API and recorded views all let bots act
through `BotTurns`, and turn a bot's decision into commands with `bot_commands`. A bots-only game
is therefore one game wherever it runs: the server's game of a scenario and seed ends with the
same state hash as `district simulate` of that scenario and seed.

The rule, in one negotiation phase:

- when the phase begins, every bot seat gets `BOT_PASSES` turns, in passes over the seats in the
  order of their ids (pass 1 for all, then pass 2, then pass 3): proposals made in one pass are
  answered in the next;
- a seat handed to a bot in the middle of a phase gets one turn if it has had none;
- a deal put to a bot by a person (not by another bot: the passes take care of those) gives that
  bot another turn, at most `MAX_WAKES` times a phase, so that nobody waits for an answer until
  the deadline and nobody can keep a bot busy for ever;
- a seat a person takes back loses its queued turns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import msgpack
from district.server.bots import decide
from district.server.protocol import plain_default

BOT_PASSES = 3  # turns every bot gets at the start of a negotiation phase
MAX_WAKES = 12  # further turns a bot may get in one phase, when people put deals to it

Command = dict[str, Any]


@dataclass(slots=True)
class BotTurns:
    """The bots' turns in the current negotiation phase. Plain data: it is part of a session's
    state and of its snapshots."""

    queue: list[str] = field(default_factory=list)  # seats owed a turn, first first
    taken: dict[str, int] = field(default_factory=dict)  # turns taken this phase
    wakes: dict[str, int] = field(default_factory=dict)  # turns given by people's deals

    def begin(self, bots: Iterable[str]) -> None:
        """A negotiation phase begins: every bot gets its passes."""
        order = sorted(bots)
        self.queue = order * BOT_PASSES
        self.taken = {}
        self.wakes = {}

    def clear(self) -> None:
        """The phase is over (or the game stopped): nobody is owed a turn."""
        self.queue = []

    def next(self) -> str | None:
        return self.queue[0] if self.queue else None

    def acted(self, seat: str) -> None:
        """`seat` has taken its turn (the first one queued for it)."""
        if seat in self.queue:
            self.queue.remove(seat)
        self.taken[seat] = self.taken.get(seat, 0) + 1

    def join(self, seat: str) -> None:
        """A bot takes over `seat` in the middle of a phase: one turn, if it had none."""
        if self.taken.get(seat, 0) == 0 and seat not in self.queue:
            self.queue.append(seat)

    def leave(self, seat: str) -> None:
        """A person takes `seat` back: its queued turns go."""
        self.queue = [s for s in self.queue if s != seat]

    def has_acted(self, seat: str) -> bool:
        return self.taken.get(seat, 0) > 0

    def woken(
        self, events: Iterable[dict[str, Any]], by: str, is_bot: Callable[[str], bool]
    ) -> None:
        """Deal events a person (`by`) caused give the bots they are addressed to another turn."""
        if is_bot(by):
            return
        for ev in events:
            if not str(ev.get("kind", "")).startswith("deal_"):
                continue
            audience = ev.get("audience")
            if not isinstance(audience, list | tuple):
                continue
            for s in audience:
                if (
                    s != by
                    and is_bot(s)
                    and s not in self.queue
                    and self.wakes.get(s, 0) < MAX_WAKES
                ):
                    self.wakes[s] = self.wakes.get(s, 0) + 1
                    self.queue.append(s)

    def to_plain(self) -> dict[str, Any]:
        return {"queue": list(self.queue), "taken": dict(self.taken), "wakes": dict(self.wakes)}

    @classmethod
    def from_plain(cls, d: dict[str, Any]) -> BotTurns:
        return cls(queue=list(d["queue"]), taken=dict(d["taken"]), wakes=dict(d["wakes"]))


def bot_commands(view: dict[str, Any], seed: int, personality: str) -> list[Command]:
    """The commands a bot sends on its turn, as they would cross the wire (plain msgpack data:
    no numpy numbers, no tuples), so that a session, which stores and replays them, and an
    in-process game apply exactly the same commands."""
    cmds = decide(view, seed, personality)
    return msgpack.unpackb(msgpack.packb(cmds, use_bin_type=True, default=plain_default), raw=False)
