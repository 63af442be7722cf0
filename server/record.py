"""Recorded views: a bots game played in-process, with the views seats saw along the way, as they
would have crossed the wire.

The client's tests, the screenshots in docs/ and the client's frame-time benchmark render scenes
from recordings, with no server and no network. Recording needs the engine, so it lives here; the
client only renders what was recorded (district.client.recorded).

    python -m district.server.record OUT.msgpack [--scenario NAME] [--seed N] [--rounds R]
    python -m district.client.recorded OUT.msgpack OUT_DIR      # every scene, as PNGs

A recording is a map: `frames` (seat -> the views it saw, in order), `deal_kinds` (what the welcome
carries) and `scenario`, `seed`, `human`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

import msgpack
from district.server.engine import Game, find_scenario
from district.server.protocol import encode
from district.server.session import deal_kinds
from district.server.simulate import play_bots_round

View = dict[str, Any]
HUMAN = "firm:fsm-robotica"


def wire(x: Any) -> Any:
    """`x` as a client receives it: encoded as the server sends it, decoded."""
    return msgpack.unpackb(encode({"x": x}), raw=False)["x"]


def record(
    scenario: str = "emilia-romagna",
    seed: int = 1,
    rounds: int = 3,
    human: str = HUMAN,
    seats: tuple[str, ...] = (),
    background: int | None = None,
) -> dict[str, Any]:
    """Play `rounds` rounds with bots in every seat but `human` (who does nothing), the bots taking
    their turns as a session's do (`play_bots_round`). Returns {"frames": {seat: [view, ...]}} with
    each watched seat's view at every negotiation (after the bots acted) and every report, in
    order; "deal_kinds", the welcome's; and "game" (the engine's Game, for tests that look inside)."""
    sc = find_scenario(scenario)
    if background is not None:
        sc = dataclasses.replace(
            sc, background=dataclasses.replace(sc.background, count=background)
        )
    game = Game(sc, seed)
    watch = tuple(dict.fromkeys((human, *seats, "facilitator", "observer")))
    frames: dict[str, list[View]] = {s: [] for s in watch}

    def snap() -> None:
        for s in watch:
            frames[s].append(wire(game.view(s)))

    for r in range(rounds):
        play_bots_round(game, skip=(human,))
        snap()
        game.resolve()
        snap()
        if r < rounds - 1:
            game.advance()
    return {
        "frames": frames,
        "deal_kinds": wire(deal_kinds()),
        "scenario": sc.name,
        "seed": seed,
        "human": human,
        "game": game,
    }


def save(rec: dict[str, Any], path: Path) -> None:
    """Write a recording (all but the in-process game) as one msgpack map."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode({k: v for k, v in rec.items() if k != "game"}))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("out", help="the recording to write (msgpack)")
    p.add_argument("--scenario", default="emilia-romagna")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--human", default=HUMAN, help="the seat nobody plays")
    p.add_argument(
        "--seats",
        default="union,government,broker:impannatore",
        help="other seats whose views to keep, comma-separated",
    )
    p.add_argument("--background", type=int, default=None, help="number of background firms")
    a = p.parse_args(argv)
    rec = record(
        a.scenario,
        a.seed,
        a.rounds,
        human=a.human,
        seats=tuple(s for s in a.seats.split(",") if s),
        background=a.background,
    )
    save(rec, Path(a.out))
    print(f"{a.out}: {', '.join(f'{s} ({len(v)} views)' for s, v in rec['frames'].items())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
