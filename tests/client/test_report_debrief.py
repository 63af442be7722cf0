"""The round's report and the debrief fit their panels however much happened: a year when many
firms close reads as summary lines inside the events panel; the debrief's role scores are grouped by
role (union and government always shown); the scenario's questions are wrapped whole."""

from __future__ import annotations

from typing import Any

import pygame
import pytest
from district.client.app import App
from district.client.recorded import model_for
from district.client.settings import Settings
from district.client.ui.theme import C

from tests.client.conftest import HUMAN, rec_frames

SIZES = [(1024, 768), (1280, 720), (1920, 1080)]


def crowded_report(recorded: dict[str, Any]) -> list[dict[str, Any]]:
    """The human's frames, the last report made a very bad year: 30 firms closed, 25 audited,
    12 new, 20 deal outcomes and 6 headlines."""
    frames = rec_frames(recorded, HUMAN)
    v = frames[-1]
    assert v["phase"] == "report"
    n = len(v["firms"])
    v["firms"] += [{**v["firms"][-1], "id": n + i, "name": f"Closed Shop {i}"} for i in range(40)]
    d = v["last_report"]["details"]
    d["exits"] = list(range(n, n + 30))
    d["audits"] = [{"firm": i} for i in range(n + 5, n + 30)]
    d["entries"] = list(range(n + 30, n + 40))
    d["deal_outcomes"] = [
        {"deal": f"deal-{i}", "text": "the supply contract was broken and the penalty paid"}
        for i in range(20)
    ]
    v["last_report"]["news"] = [
        {"headline": f"Cheap imports hit the district's commodity market, part {i}"}
        for i in range(6)
    ]
    return frames


@pytest.mark.parametrize("size", SIZES)
def test_report_events_stay_inside_their_panel(
    recorded: dict[str, Any], size: tuple[int, int]
) -> None:
    frames = crowded_report(recorded)
    app = App(
        model_for(frames, len(frames), recorded["deal_kinds"]), size=size, settings=Settings()
    )
    app.frame([])
    scene = app.scene
    assert scene.name == "report"
    events = scene.drawn["events"]
    # many closures are one summary line, naming three and counting the rest
    closed = [e for e in events if "firms closed" in e]
    assert closed == ["30 firms closed: Closed Shop 0, Closed Shop 1, Closed Shop 2 and 27 more"]
    assert any(e.startswith("Audits found 25 firms") and e.endswith("and 22 more") for e in events)
    assert "and 16 more deal outcomes" in events
    assert len(events) < 25
    # everything drawn lies inside the panel, and what did not fit is counted
    inner = scene.events_rect
    assert scene.event_rects and all(inner.contains(r) for r in scene.event_rects)
    assert all(r.bottom <= inner.bottom for r in scene.event_rects)
    if scene.events_hidden:
        assert any(r.y > inner.centery for r in scene.event_rects)
    # and no pixel of it lands below the panel (above the continue button)
    below = pygame.Rect(inner.x, inner.bottom + scene.u(10), inner.width, 0)
    below.height = scene.continue_button.rect.y - below.y - 1
    assert below.height > 0
    sub = app.surface.subsurface(below)
    colours = {
        tuple(sub.get_at((x, y)))[:3] for x in range(0, below.width, 2) for y in range(below.height)
    }
    assert colours == {tuple(C.BG)[:3]}, colours
