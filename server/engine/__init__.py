"""The pure, deterministic core of District: state, scenarios, commands, resolution, views.

Nothing here does I/O beyond reading scenario files; the server, the bots and the client feed it
commands and read views.
"""

from district.server.engine.errors import EngineError, ScenarioError
from district.server.engine.game import Game, replay
from district.server.engine.scenario import Scenario
from district.server.engine.scenario_files import find_scenario, list_scenarios, load_scenario
from district.server.engine.snapshot import state_hash
from district.server.engine.state import State
from district.server.engine.state_build import new_state

__all__ = [
    "EngineError",
    "Game",
    "Scenario",
    "ScenarioError",
    "State",
    "find_scenario",
    "list_scenarios",
    "load_scenario",
    "new_state",
    "replay",
    "state_hash",
]
