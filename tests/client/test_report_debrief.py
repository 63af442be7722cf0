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


def debrief(recorded: dict[str, Any], seat: str, size: tuple[int, int]) -> App:
    frames = rec_frames(recorded, seat)
    app = App(
        model_for(frames, len(frames), recorded["deal_kinds"]), size=size, settings=Settings()
    )
    app.show("debrief")
    app.frame([])
    assert app.scene.name == "debrief"
    return app


@pytest.mark.parametrize("size", SIZES)
def test_debrief_groups_role_scores_with_union_and_government(
    recorded: dict[str, Any], size: tuple[int, int]
) -> None:
    app = debrief(recorded, "facilitator", size)
    scene = app.scene
    scores = app.model.view["scores"]
    # eight firms out-score the union: a top-8 ranking of all scores would leave it out
    assert sorted(scores.values(), reverse=True).index(scores["union"]) >= 8
    assert scene.score_groups[:2] == ["union", "government"] and "firm" in scene.score_groups
    rows = scene.score_rows
    by_role: dict[str, list[Any]] = {}
    for role, seat, _shown, _r in rows:
        by_role.setdefault(role, []).append(seat)
    assert by_role["union"] == ["union"] and by_role["government"] == ["government"]
    assert set(by_role["broker"]) == {s for s in scores if s.startswith("broker:")}
    # firms are ranked among firms only, every firm with a score listed
    firms = by_role["firm"]
    assert firms == sorted((s for s in scores if s.startswith("firm:")), key=lambda s: -scores[s])
    assert not any(
        s.startswith("firm:") for r in ("union", "government", "broker") for s in by_role[r]
    )
    # the union and government are on screen without scrolling, inside the numbers panel
    for role, _seat, shown, r in rows:
        if role in ("union", "government"):
            assert scene.numbers_rect.contains(r), (role, r, scene.numbers_rect)
            assert shown == f"{float(scores[role]):,.0f}"  # whole points


def test_debrief_shows_union_and_government_without_scores(recorded: dict[str, Any]) -> None:
    frames = rec_frames(recorded, "facilitator")
    v = frames[-1]
    v["scores"] = {s: x for s, x in v["scores"].items() if s not in ("union", "government")}
    v["seats"] = [s for s in v["seats"] if s["id"] != "government"]
    app = App(model_for(frames, len(frames), recorded["deal_kinds"]), size=(1280, 720))
    app.show("debrief")
    app.frame([])
    shown = {seat: s for _role, seat, s, _r in app.scene.score_rows}
    assert shown["union"] == "no score yet" and shown["government"] == "no score yet"


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
@pytest.mark.parametrize("seat", [HUMAN, "facilitator"])
def test_debrief_questions_are_wrapped_whole(
    recorded: dict[str, Any], size: tuple[int, int], seat: str
) -> None:
    app = debrief(recorded, seat, size)
    scene = app.scene
    qs = app.model.view["scenario"]["questions"]
    assert qs
    for i, q in enumerate(qs):
        lines = [ln for qi, ln, _r in scene.question_lines if qi == i]
        assert " ".join(lines) == q
    area = scene.questions_rect
    assert area.right <= size[0] and area.bottom <= size[1]
    for _qi, ln, r in scene.question_lines:
        assert area.contains(r), (ln, r, area)
