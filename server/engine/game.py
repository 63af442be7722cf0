"""A game: a state plus the log of everything done to it. Replaying the log from the scenario and
seed gives the identical state (same hash); this is what crash recovery and replay rest on."""

from __future__ import annotations

from typing import Any

from district.server.engine.commands import apply as apply_command
from district.server.engine.events import begin_round, end_game
from district.server.engine.flows import start as record_flows
from district.server.engine.preview import preview as preview_deal
from district.server.engine.resolve import resolve as resolve_round
from district.server.engine.scenario import Scenario
from district.server.engine.snapshot import state_hash
from district.server.engine.state import State
from district.server.engine.state_build import new_state
from district.server.engine.views import view as seat_view

LogEntry = tuple[Any, ...]


class Game:
    def __init__(self, scenario: Scenario, seed: int, flows: bool = False) -> None:
        self.scenario = scenario
        self.seed = seed
        self.state: State = new_state(scenario, seed)
        if flows:  # record money flows (engine/flows.py): for the debrief, not the game
            record_flows(self.state)
        self.log: list[LogEntry] = []
        self.start_events = begin_round(self.state)

    def apply(self, seat: str, command: dict[str, Any]) -> list[dict[str, Any]]:
        events = apply_command(self.state, seat, command)
        self.log.append(("cmd", seat, command))
        return events

    def resolve(self) -> dict[str, Any]:
        report = resolve_round(self.state)
        self.log.append(("resolve",))
        return report

    def advance(self) -> list[dict[str, Any]]:
        events = begin_round(self.state)
        self.log.append(("advance",))
        return events

    def end(self) -> list[dict[str, Any]]:
        """End the game now (the facilitator's `end`): the phase becomes "ended" in any round."""
        events = end_game(self.state)
        self.log.append(("end",))
        return events

    def step(self, entry: LogEntry) -> Any:
        if entry[0] == "cmd":
            return self.apply(entry[1], entry[2])
        if entry[0] == "resolve":
            return self.resolve()
        if entry[0] == "advance":
            return self.advance()
        if entry[0] == "end":
            return self.end()
        raise ValueError(f"unknown log entry {entry[0]!r}")

    def preview(self, seat: str, request: dict[str, Any]) -> dict[str, Any]:
        """What a deal would do to `seat`'s own numbers next round: a query, not a command (the
        state and the log are unchanged). `request`: {deal: id} of a deal the seat is party to, or
        {kind, parties, terms}; only while negotiating. Returns {kind: "preview", deal_kind,
        without, with, delta, deal}; raises EngineError (code, message) if refused."""
        return preview_deal(self.state, seat, request)

    def view(self, seat: str) -> dict[str, Any]:
        return seat_view(self.state, seat)

    def hash(self) -> str:
        return state_hash(self.state)

    @property
    def over(self) -> bool:
        return self.state.phase == "ended"


def replay(scenario: Scenario, seed: int, log: list[LogEntry]) -> Game:
    game = Game(scenario, seed)
    for entry in log:
        game.step(entry)
    return game
