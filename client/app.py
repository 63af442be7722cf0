"""Client entry points (the Pygame client replaces the terminal fallback where a display exists)."""

from __future__ import annotations

import argparse


def demo_main(args: argparse.Namespace) -> int:
    from server.engine import find_scenario
    from server.simulate import simulate
    print("No game window yet: playing a bots-only game in the terminal.")
    simulate(find_scenario(args.scenario), args.seed, None, None)
    return 0


def play_main(args: argparse.Namespace) -> int:
    print("The game window is not built yet; try `district demo`.")
    return 1
