"""Recorded views: a bots game played in-process, with the views one seat saw along the way.

Tests, the screenshots in docs/ and the frame-time benchmark render scenes from these, with no
server and no network. (This is a developer tool; the client at run time gets views only from the
server, through server/protocol.py.)

    python -m district.client.recorded OUT_DIR [--scenario NAME] [--seed N] [--rounds R]

renders every scene of a recorded game to PNGs in OUT_DIR.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import sys
from pathlib import Path
from typing import Any

View = dict[str, Any]


def record(
    scenario: str = "emilia-romagna",
    seed: int = 1,
    rounds: int = 3,
    human: str = "firm:fsm-robotica",
    seats: tuple[str, ...] = (),
    background: int | None = None,
) -> dict[str, Any]:
    """Play `rounds` rounds with bots in every seat but `human` (who only says ready). Returns
    {"frames": {seat: [view, ...]}} with each seat's view at every negotiation (after the bots
    acted) and every report, in order, and "game" (the engine's Game)."""
    from district.server.bots import decide
    from district.server.engine import EngineError, Game, find_scenario
    from district.server.engine.views import view

    sc = find_scenario(scenario)
    if background is not None:
        sc = dataclasses.replace(
            sc, background=dataclasses.replace(sc.background, count=background)
        )
    game = Game(sc, seed)
    watch = tuple(dict.fromkeys((human,) + tuple(seats) + ("facilitator", "observer")))
    frames: dict[str, list[View]] = {s: [] for s in watch}
    for r in range(rounds):
        st = game.state
        for seat in sorted(st.seats):
            if seat == human:
                continue
            for cmd in decide(view(st, seat), seed, st.seats[seat].road):
                with contextlib.suppress(EngineError):
                    game.apply(seat, cmd)
        for s in watch:
            frames[s].append(copy.deepcopy(view(st, s)))
        game.resolve()
        for s in watch:
            frames[s].append(copy.deepcopy(view(st, s)))
        if r < rounds - 1:
            game.advance()
    return {"frames": frames, "game": game}


def model_for(frames: list[View], upto: int | None = None) -> Any:
    """A ClientModel that has seen `frames[:upto]` (so its trends are filled in), offline."""
    from district.client.model import ClientModel

    m = ClientModel()
    for v in frames[: upto if upto is not None else len(frames)]:
        m.set_view(copy.deepcopy(v))
    m.status = "offline"
    return m


def render_all(
    out: Path, scenario: str, seed: int, rounds: int, size: tuple[int, int] = (1280, 720)
) -> list[Path]:
    """Every scene as a PNG (the screenshots of README.md and docs/facilitator.md)."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import pygame
    from district.client.app import App

    out.mkdir(parents=True, exist_ok=True)
    human_seat = "firm:fsm-robotica"
    rec = record(
        scenario,
        seed,
        rounds,
        human=human_seat,
        seats=("union", "government", "broker:impannatore"),
    )
    human = rec["frames"][human_seat]
    written: list[Path] = []
    n = len(human)

    def shot(
        name: str,
        frames: list[View],
        upto: int,
        scene: str | None = None,
        setup: Any = None,
        at: tuple[int, int] = size,
    ) -> None:
        app = App(model_for(frames, upto), size=at)
        app.model.status = "connected"
        app.model.code = "K7QM2P"  # an example join code for the console's corner
        if scene:
            app.show(scene)
        app.frame([])
        if setup is not None:
            setup(app)
            for _ in range(3):
                app.frame(pygame.event.get())
        p = out / f"{name}.png"
        pygame.image.save(app.surface, str(p))
        written.append(p)

    def hover(app: Any) -> None:
        mv = app.scene.map
        f = next(f for f in app.model.view["firms"] if f.get("seat") == "firm:meccanica-ferri")
        m = mv.marks[f["id"]]
        app.frame(
            [
                pygame.event.Event(
                    pygame.MOUSEMOTION,
                    pos=(round(m.pos[0]), round(m.pos[1])),
                    rel=(0, 0),
                    buttons=(0, 0, 0),
                    touch=False,
                )
            ]
        )

    def compose(app: Any) -> None:
        tab = app.scene.deals
        tab.open_composer("joint_bid")
        tab.composer.toggle_party("firm:meccanica-ferri")
        tab.composer.toggle_party("firm:idraulica-conti")
        hover(app)

    def decide(app: Any) -> None:
        app.scene.switch(1)

    shot("district", human, n - 1, setup=hover)
    shot("district-composer", human, n - 1, setup=compose)
    shot("district-decisions", human, n - 1, setup=decide)
    shot("district-1080p", human, n - 1, setup=hover, at=(1920, 1080))
    shot("report", human, n)
    shot("debrief", human, n, scene="debrief")
    shot("facilitator", rec["frames"]["facilitator"], n - 1)
    shot("projector", rec["frames"]["observer"], n - 1, at=(1920, 1080))
    shot("union", rec["frames"]["union"], n - 1)
    shot("government", rec["frames"]["government"], n - 1, setup=decide)
    shot("broker", rec["frames"]["broker:impannatore"], n - 1)
    app = App(size=size)
    app.frame([])
    pygame.image.save(app.surface, str(out / "connect.png"))
    written.append(out / "connect.png")
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("out")
    p.add_argument("--scenario", default="emilia-romagna")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--size", default="1280x720")
    a = p.parse_args(argv)
    w, h = (int(x) for x in a.size.split("x"))
    for f in render_all(Path(a.out), a.scenario, a.seed, a.rounds, (w, h)):
        print(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
