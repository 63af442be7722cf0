"""Scenes rendered from recorded views, with no server and no network: the client's tests, the
screenshots in docs/ and the frame-time benchmark. (A developer tool; the client at run time gets
views only from the server, through the protocol.)

Recording a game needs the engine, so that half lives on the server side (district.server.record);
this module only renders recordings:

    python -m district.server.record game.msgpack [--scenario NAME] [--seed N] [--rounds R]
    python -m district.client.recorded game.msgpack OUT_DIR [--size 1280x720]

renders every scene of the recorded game to PNGs in OUT_DIR (docs/images: the district scene,
the composer, the report and the projector also at 1024x768 and 1920x1080).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path
from typing import Any

import msgpack

View = dict[str, Any]
HUMAN = "firm:fsm-robotica"
SIZES = ((1024, 768), (1920, 1080))  # the docs' screenshots, besides those at --size


def load(path: str | Path) -> dict[str, Any]:
    """A recording written by district.server.record: {"frames": {seat: [view, ...]},
    "deal_kinds": {...}, ...}."""
    rec = msgpack.unpackb(Path(path).read_bytes(), raw=False, strict_map_key=False)
    if not isinstance(rec, dict) or not isinstance(rec.get("frames"), dict):
        raise ValueError(f"{path} is not a recording of district.server.record")
    return rec


def model_for(
    frames: list[View], upto: int | None = None, deal_kinds: dict[str, Any] | None = None
) -> Any:
    """A ClientModel that has seen `frames[:upto]` (so its trends are filled in), offline, with the
    deal kinds a welcome would have carried."""
    from district.client.model import ClientModel

    m = ClientModel()
    m.deal_kinds = copy.deepcopy(deal_kinds or {})
    for v in frames[: upto if upto is not None else len(frames)]:
        m.set_view(copy.deepcopy(v))
    m.status = "offline"
    return m


def render_all(out: Path, rec: dict[str, Any], size: tuple[int, int] = (1280, 720)) -> list[Path]:
    """Every scene of a recording as a PNG (the screenshots of README.md and
    docs/facilitator.md). The recording should hold the union, government and
    broker:impannatore views besides the human's (district.server.record's defaults)."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import pygame
    from district.client.app import App

    out.mkdir(parents=True, exist_ok=True)
    human_seat = str(rec.get("human") or HUMAN)
    kinds = rec.get("deal_kinds") or {}
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
        app = App(model_for(frames, upto, kinds), size=at)
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

    # the four screens of docs/ at the smallest and the largest size a class uses
    for w, h in SIZES:
        at = (w, h)
        shot(f"district-{w}x{h}", human, n - 1, setup=hover, at=at)
        shot(f"composer-{w}x{h}", human, n - 1, setup=compose, at=at)
        shot(f"report-{w}x{h}", human, n, at=at)
        shot(f"projector-{w}x{h}", rec["frames"]["observer"], n - 1, at=at)
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
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("recording", help="a recording written by district.server.record")
    p.add_argument("out", help="directory for the PNGs")
    p.add_argument("--size", default="1280x720")
    a = p.parse_args(argv)
    w, h = (int(x) for x in a.size.split("x"))
    for f in render_all(Path(a.out), load(a.recording), (w, h)):
        print(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
