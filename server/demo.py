"""`district demo`, the server's half: a local server in a background thread with one session whose
other seats are bots (`start_local_game`), or, without a window, a bots-only game in the terminal
(`terminal_game`). The command line (server/cli.py) puts the game window in front of it; the
window only speaks the protocol to the server it is given."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from district.server.local import LocalServer, control, create_session, fill_with_bots

DEMO_NEGOTIATION = 600.0  # seconds: long enough to read the screen; bots are quick, you say ready
DEMO_REPORT = 45.0


def terminal_game(scenario: str, seed: int) -> int:
    """A bots-only game printed round by round (`district demo --headless`)."""
    from district.server.engine import find_scenario
    from district.server.simulate import simulate

    simulate(find_scenario(scenario), seed, None, None)
    return 0


def start_local_game(
    scenario: str,
    role: str,
    seed: int,
    *,
    negotiation: float = DEMO_NEGOTIATION,
    report: float = DEMO_REPORT,
) -> tuple[LocalServer, str, str, str]:
    """A LocalServer with one session whose other seats are bots. Returns (server, url, code,
    facilitator token). The game is not started yet (start it once the player has joined, with
    `starter(url, token)`)."""
    server = LocalServer(reports=True)
    url = server.start()
    try:
        code, token = create_session(
            url, scenario, seed=seed, negotiation_seconds=negotiation, report_seconds=report
        )
        fill_with_bots(url, token, keep=[] if role == "facilitator" else [role])
    except BaseException:
        server.stop()
        raise
    return server, url, code, token


def starter(url: str, token: str) -> Callable[[], Any]:
    """What starts the game of `start_local_game` (handed to the window, which calls it once the
    player has joined)."""
    return lambda: control(url, token, "start")
