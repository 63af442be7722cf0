"""`district demo`, the window's half: join a local game the server side has set up
(district.server.demo) and open the window. The command line composes the two; this module speaks
only the protocol to the server it is given."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import Any


def window_game(
    url: str, code: str, token: str, role: str, start: Callable[[], Any] | None = None
) -> int:
    """Open the window on the session `code` of the server at `url`: as the facilitator (with
    `token`) or as a player of `role`, who joins first; then `start()` starts the game."""
    from district.client.app import App, wait_until

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
        if start is not None:
            start()
    app.run()
    return 0
