"""The debrief scene with the server's debrief (headless, real pygame rendering): its panels fit
the window at projector sizes without overlapping, the baseline is drawn and named only when the
debrief has one, and the slider (a click, the arrow keys) changes the round the map and the role
scores show."""

from __future__ import annotations

import copy
from typing import Any

import pygame
import pytest
from district.client.app import App
from district.client.recorded import model_for
from district.client.settings import Settings
from district.server.debrief import SessionLog, build_debrief

from tests.client.conftest import click_at, drawn, key, rec_frames

SIZES = [(1024, 768), (1280, 720), (1920, 1080)]


@pytest.fixture(scope="module")
def debrief(recorded: dict[str, Any]) -> dict[str, Any]:
    return build_debrief(SessionLog.from_game(recorded["game"]), baseline=True, private=False)


def open_debrief(
    recorded: dict[str, Any], d: dict[str, Any], size: tuple[int, int], seat: str = "facilitator"
) -> App:
    frames = rec_frames(recorded, seat)
    app = App(
        model_for(frames, len(frames), recorded["deal_kinds"]), size=size, settings=Settings()
    )
    app.model.debrief = copy.deepcopy(d)
    v = app.model.view
    app.model.debrief_at = (int(v["round"]), str(v["phase"]))
    app.show("debrief")
    app.frame([])
    app.frame([])
    return app


@pytest.mark.parametrize("size", SIZES)
def test_the_panels_fit_the_window_and_do_not_overlap(
    recorded: dict[str, Any], debrief: dict[str, Any], size: tuple[int, int]
) -> None:
    app = open_debrief(recorded, debrief, size)
    sc = app.scene
    window = pygame.Rect((0, 0), size)
    regions = [sc.r_boards, sc.r_wages, sc.r_deals, sc.r_replay, sc.r_tab]
    for r in regions:
        assert window.contains(r) and r.height > sc.u(60), r
    for i, a in enumerate(regions):
        for b in regions[i + 1 :]:
            assert not a.colliderect(b), (a, b)
    assert sc.replay_map is not None and sc.r_replay.contains(sc.replay_map.rect)
    assert sc.r_replay.contains(sc.slider.rect)
    for _text, r in sc.deal_rows:
        if r.bottom <= sc.r_deals.bottom:
            assert sc.r_deals.contains(r)
    assert sc.deal_rows and sc.tab_rows
    for b in (*sc.tab_buttons.values(), sc.back_button):
        assert window.contains(b.rect)


def test_the_baseline_is_drawn_and_named_only_when_there_is_one(
    recorded: dict[str, Any], debrief: dict[str, Any]
) -> None:
    with_base = open_debrief(recorded, debrief, (1280, 720))
    texts = drawn(with_base)
    assert any("bots alone" in t for t in texts)
    r = with_base.scene.r_boards
    a = pygame.image.tobytes(with_base.surface.subsurface(r), "RGB")
    without = open_debrief(recorded, {**debrief, "baseline": None}, (1280, 720))
    assert not any("bots alone" in t for t in drawn(without))
    b = pygame.image.tobytes(without.surface.subsurface(r), "RGB")
    assert a != b  # the dashed lines of the bots-only game are on the chart


def test_the_slider_changes_the_round_the_map_and_the_scores_show(
    recorded: dict[str, Any], debrief: dict[str, Any]
) -> None:
    app = open_debrief(recorded, debrief, (1024, 768), seat="firm:fsm-robotica")
    sc = app.scene
    last = len(debrief["rounds"]) - 1
    assert sc.shown_round() == last and sc.replay_map.view["round"] == last
    scores = debrief["role_scores"]["firm"]["seats"]
    firm = "firm:fsm-robotica"

    def score_shown() -> str:
        name = debrief["names"][firm]
        return next(t for t, _r in sc.tab_rows if name in t)

    assert score_shown().endswith(f"{scores[firm][last]:,.0f}%")
    click_at(app, (round(sc.slider.x_of(0)), sc.slider.rect.centery))
    assert sc.shown_round() == 0 and sc.replay_map.view["round"] == 0
    assert score_shown().endswith(f"{scores[firm][0]:,.0f}%")
    sizes = {m.data["seat"]: m.data["workers"] for m in sc.replay_map.marks}
    start = {n["id"]: n["size"] for n in debrief["network"][0]["nodes"] if n["role"] == "firm"}
    assert sizes == start
    key(app, pygame.K_RIGHT)
    assert sc.shown_round() == 1 and sc.replay_map.view["round"] == 1
    key(app, pygame.K_END)
    assert sc.shown_round() == last
    key(app, pygame.K_HOME)
    assert sc.shown_round() == 0
