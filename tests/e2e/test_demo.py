"""`district demo`, as the command line composes it: the server's half starts a local game with
bots in the other seats, the window's half joins it, the game starts, the window plays. Without a
display, or with --headless, a bots-only game runs in the terminal instead."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

from pathlib import Path  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402
from district.server.cli import main  # noqa: E402


def test_demo_opens_the_window_on_a_started_local_game(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import district.client.app as app_module

    monkeypatch.setattr(app_module, "has_display", lambda: True)  # the dummy driver stands in
    monkeypatch.setenv("DISTRICT_CLIENT_CONFIG", str(tmp_path / "client.json"))
    shot = tmp_path / "demo.png"
    monkeypatch.setenv("DISTRICT_SCREENSHOT", f"{shot}:3")  # save the window after 3 s, then quit
    assert main(["demo", "--scenario", "emilia-romagna", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "join code" in out and "ws://127.0.0.1:" in out
    img = pygame.image.load(str(shot))
    assert img.get_size() == (1280, 720)
    # the game had started: the window left the lobby for the district (its map's land colour)
    from district.client.ui.theme import C

    assert C.LAND in {img.get_at((x, 300))[:3] for x in range(0, 800, 5)}


def test_demo_headless_plays_a_bots_game_in_the_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--scenario", "denmark-1989", "--headless"]) == 0
    out = capsys.readouterr().out
    assert "all bots" in out and "scoreboards" in out


def test_demo_without_a_display_falls_back_to_the_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from district.server import demo

    played: list[tuple[str, int]] = []
    monkeypatch.setattr(demo, "terminal_game", lambda sc, seed: played.append((sc, seed)) or 0)
    assert main(["demo", "--scenario", "kumasi", "--seed", "4"]) == 0  # SDL's dummy driver
    assert played == [("kumasi", 4)]
    assert "no display was found" in capsys.readouterr().out
