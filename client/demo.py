"""`district demo`: the one-command local game. A server runs in a background thread on a free
port; you take one seat (a firm unless you pick a role); bots fill every other seat; the window
opens. Without a display, a bots-only game is played in the terminal instead."""

from __future__ import annotations

import getpass
import sys
import time
from typing import Any

DEMO_NEGOTIATION = 600.0  # seconds: long enough to read the screen; bots are quick, you say ready
DEMO_REPORT = 45.0


def terminal_game(scenario: str, seed: int) -> int:
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
) -> tuple[Any, str, str, str]:
    """A LocalServer with one session whose other seats are bots. Returns (server, url, code,
    facilitator token). The game is not started yet (start it once the player has joined)."""
    from district.server.local import LocalServer, create_session, fill_with_bots

    server = LocalServer()
    url = server.start()
    code, token = create_session(
        url, scenario, seed=seed, negotiation_seconds=negotiation, report_seconds=report
    )
    fill_with_bots(url, token, keep=[] if role == "facilitator" else [role])
    return server, url, code, token


def window_game(scenario: str, role: str, seed: int) -> int:
    from district.client.app import App, wait_until
    from district.server.local import control

    print(f"Starting a local server and a {scenario} game (seed {seed})…")
    server, url, code, token = start_local_game(scenario, role, seed)
    print(
        f"Server {url}, join code {code} (others on this machine can join with `district play "
        f"--server {url} --code {code}`)."
    )
    try:
        app = App(window=True)
        app.settings.server = url
        app.model.code = code
        if role == "facilitator":
            app.model.session["facilitator_token"] = token
            app.connect(url, token=token)
            print(f"You are the facilitator; press Start game in the console. Token: {token}")
        else:
            try:
                name = getpass.getuser().capitalize()
            except Exception:
                name = "Player"
            app.connect(url, code=code, name=name[:40] or "Player", role=role)
            if not wait_until(app, lambda: app.model.seat != "" and app.model.view is not None, 15):
                print("The window could not join the local game.", file=sys.stderr)
                return 1
            control(url, token, "start")
        app.run()
    finally:
        server.stop()
    return 0


def wait(seconds: float) -> None:  # pragma: no cover - tiny helper for scripts
    time.sleep(seconds)
