"""District's scripting API: the game as a Python object, for researchers and teachers.

    from district.server import api

    sc = api.load("emilia-romagna")            # a shipped name, a .toml path, or a dict
    g = api.new_game(sc, seed=7)
    g.apply("firm:fsm-robotica", {"type": "decide", "decisions": {"wage": 34}})
    g.bots(skip=["firm:fsm-robotica"])          # every other seat's bot takes its turns
    report = g.resolve()                        # the round's report
    g.advance()                                 # the next round's briefing
    g.view("union"), g.preview(seat, {...}), g.indicators()

The commands are the protocol's game commands (docs/protocol.md), applied for any seat; a refused
one raises `Refused` with a code, a message and the place, and changes nothing. Bots take their
turns through the scheduler the server uses (`district.server.bots.turns`), so `run()` of a
scenario and seed is the server's bots-only game of that scenario and seed, hash for hash.
See docs/api.md.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from district.server.engine import EngineError, Scenario, find_scenario, load_scenario
from district.server.engine import Game as EngineGame
from district.server.engine.scenario_parse import parse_scenario
from district.server.engine.state import State
from district.server.simulate import play_bots_round

Refused = EngineError  # code, message, where; `to_dict()` gives all three

__all__ = ["Game", "Refused", "Scenario", "load", "new_game"]


def load(source: str | Path | dict[str, Any]) -> Scenario:
    """A scenario from a shipped name ("kumasi"), a path to a TOML file, or a dict with the TOML
    file's structure (docs/scenarios.md). Raises ScenarioError listing every problem."""
    if isinstance(source, dict):
        return parse_scenario(copy.deepcopy(source), "<dict>")
    if isinstance(source, Path):
        return load_scenario(source)
    return find_scenario(source)


def new_game(scenario: Scenario | str | Path | dict[str, Any], seed: int) -> Game:
    """A game at the first round's negotiation, as a session starts it."""
    sc = scenario if isinstance(scenario, Scenario) else load(scenario)
    return Game(EngineGame(sc, seed))


class Game:
    """One game. Everything done to it is in `log`; `replay()` rebuilds it, hash for hash."""

    def __init__(self, game: EngineGame) -> None:
        self._game = game

    # --- what it is --------------------------------------------------------------------------

    @property
    def scenario(self) -> Scenario:
        return self._game.scenario

    @property
    def seed(self) -> int:
        return self._game.seed

    @property
    def state(self) -> State:
        """The whole state (numpy arrays per firm). For reading in experiments: change it and
        the game is no longer the fold of its log."""
        return self._game.state

    @property
    def log(self) -> list[tuple[Any, ...]]:
        return self._game.log

    @property
    def round(self) -> int:
        return self._game.state.round

    @property
    def phase(self) -> str:
        return self._game.state.phase

    @property
    def over(self) -> bool:
        return self._game.over

    @property
    def seats(self) -> dict[str, dict[str, str]]:
        """seat id -> its role, name and road (the bots' personality)."""
        return {
            s.id: {"role": s.role, "name": s.name, "road": s.road}
            for s in self._game.state.seats.values()
        }

    def hash(self) -> str:
        return self._game.hash()

    # --- moves ---------------------------------------------------------------------------------

    def apply(self, seat: str, command: dict[str, Any]) -> list[dict[str, Any]]:
        """One game command of one seat ("facilitator" for inject_event, chat and mute_chat).
        Returns the events, each with its audience. Raises Refused and changes nothing."""
        return self._game.apply(seat, command)

    def bots(
        self, skip: Iterable[str] = (), personalities: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Every seat's bot but those in `skip` takes its turns of this negotiation phase.
        `personalities` overrides a seat's road ("high", "low", "mixed" for firms)."""
        return play_bots_round(self._game, personalities, tuple(skip))

    def resolve(self) -> dict[str, Any]:
        """Resolve the round in negotiation; returns its report (indicators, scoreboards,
        scores, news and the details of every mechanism)."""
        return self._game.resolve()

    def advance(self) -> list[dict[str, Any]]:
        """From a round's report to the next round's negotiation (or to the end)."""
        return self._game.advance()

    def end(self) -> list[dict[str, Any]]:
        """End the game where it stands, as a facilitator's `end` does."""
        return self._game.end()

    def run(
        self, rounds: int | None = None, personalities: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Bots in every seat to the end of the game (or for `rounds` more rounds, stopping at
        the last one's report). Returns the reports of the rounds played."""
        reports = []
        played = 0
        while not self.over and (rounds is None or played < rounds):
            if self.phase == "report":
                self.advance()
                continue
            self.bots(personalities=personalities)
            reports.append(self.resolve())
            played += 1
            if rounds is None or played < rounds:
                self.advance()
        return reports

    # --- what it shows -------------------------------------------------------------------------

    def view(self, seat: str) -> dict[str, Any]:
        """What `seat` sees (a seat id, "facilitator" or "observer"): the server sends exactly
        this."""
        return self._game.view(seat)

    def preview(self, seat: str, request: dict[str, Any]) -> dict[str, Any]:
        """What a deal would do to `seat`'s own numbers this round: `{"deal": id}` for a
        proposal the seat is party to, or `{"kind", "parties", "terms"}` for a draft. A query:
        nothing is logged and nothing changes."""
        return self._game.preview(seat, request)

    def indicators(self) -> list[dict[str, float]]:
        """One dict per resolved round: every indicator and the three scoreboards."""
        return [dict(ind) for ind in self._game.state.history]

    def reports(self) -> list[dict[str, Any]]:
        return list(self._game.state.reports)

    def replay(self) -> Game:
        """A new game rebuilt from this one's scenario, seed and log."""
        g = EngineGame(self.scenario, self.seed)
        for entry in self.log:
            g.step(entry)
        return Game(g)
