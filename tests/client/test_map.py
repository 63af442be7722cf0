"""The district map: every firm is drawn where the view puts it, coloured and marked by health,
hover shows the public profile, clicks pick firms, and 200 firms render."""

from __future__ import annotations

import copy
import math
from typing import Any

import pygame
import pytest
from district.client.mapview import MapView, name_forms, profile_lines
from district.client.ui.theme import HEALTH, C, Fonts

from tests.client.conftest import HUMAN, click_at, rec_frames


def body_pixel(mv: MapView, fid: int) -> tuple[int, int]:
    """A point on the building's wall (left of the door)."""
    m = mv.marks[fid]
    w, h = m.radius * 1.8, m.radius * 1.25
    return (round(m.pos[0] - w * 0.3), round(m.pos[1] + h * 0.55 - h * 0.3))


def make_map(
    view: dict[str, Any], my_firm: int | None = None, size: tuple[int, int] = (900, 600)
) -> tuple[MapView, pygame.Surface]:
    pygame.font.init()  # whichever test of a worker's share runs first
    surf = pygame.Surface(size)
    mv = MapView(pygame.Rect(0, 0, *size), Fonts(1.0))
    mv.legend = False
    mv.set_view(view, my_firm)
    mv.draw(surf)
    return mv, surf


def test_every_firm_is_drawn_at_its_place_in_its_health_colour(recorded: dict[str, Any]) -> None:
    pygame.init()
    view = rec_frames(recorded, HUMAN)[-2]
    mv, surf = make_map(view)
    alive = [f for f in view["firms"] if f["alive"]]
    assert len(alive) >= 20
    healths = set()
    for f in alive:
        x, y = mv.to_screen(f["x"], f["y"])
        m = mv.marks[f["id"]]
        assert abs(m.pos[0] - x) < 1e-6 and abs(m.pos[1] - y) < 1e-6
        px = surf.get_at(body_pixel(mv, f["id"]))[:3]
        assert px == HEALTH[f["health"]][0], (f["name"], f["health"], px)
        healths.add(f["health"])
    assert len(healths) >= 2  # the test would not notice swapped colours otherwise


def test_building_size_follows_employment(recorded: dict[str, Any]) -> None:
    view = rec_frames(recorded, HUMAN)[-2]
    mv, _ = make_map(view)
    alive = sorted((f for f in view["firms"] if f["alive"]), key=lambda f: f["workers"])
    small, big = alive[0], alive[-1]
    assert big["workers"] > small["workers"]
    assert mv.marks[big["id"]].radius > mv.marks[small["id"]].radius


def test_an_empty_district_draws_nothing_where_firms_would_be(recorded: dict[str, Any]) -> None:
    view = rec_frames(recorded, HUMAN)[-2]
    mv, surf = make_map(view)
    f = next(f for f in view["firms"] if f["alive"])
    pt = body_pixel(mv, f["id"])
    empty = copy.deepcopy(view)
    empty["firms"] = []
    mv2, surf2 = make_map(empty)
    assert surf.get_at(pt)[:3] != surf2.get_at(pt)[:3]


def test_hover_shows_the_public_profile_and_click_selects(make_app: Any) -> None:
    app = make_app()
    scene = app.scene
    mv = scene.map
    f = next(f for f in app.model.view["firms"] if f["alive"] and f["seat"] and f["id"] != 0)
    pos = (round(mv.marks[f["id"]].pos[0]), round(mv.marks[f["id"]].pos[1]))
    assert mv.firm_at(pos) == f["id"]
    before = app.surface.copy()
    app.frame(
        [
            pygame.event.Event(
                pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0), touch=False
            )
        ]
    )
    assert mv.hover == f["id"]
    card = mv.draw_card(app.surface, mv.marks[f["id"]])
    assert card.width > 100 and mv.rect.contains(card)
    assert pygame.image.tobytes(before.subsurface(card), "RGB") != pygame.image.tobytes(
        app.surface.subsurface(card), "RGB"
    )
    labels = [label for label, _v, _c in profile_lines(f, app.model.view)]
    assert {"Health", "Workers", "Operations", "Networks"} <= set(labels)
    click_at(app, pos)
    assert scene.info.firm == f["id"]
    assert f["name"] in scene.info.html()
    assert scene.active == 3  # the district tab opened on the profile


def test_links_for_deals_and_networks(recorded: dict[str, Any]) -> None:
    view = rec_frames(recorded, HUMAN)[-2]
    mv, _ = make_map(view, my_firm=0)
    kinds = {lk.kind for lk in mv.links}
    assert "network" in kinds or "subcontract" in kinds
    hubs = [p for p in mv.places if p.icon == "hub"]
    assert len(hubs) == sum(1 for n in view["networks"] if n["alive"])
    assert {"government", "union"} <= {p.id for p in mv.places}
    # trust shown by style: links touching my firm carry my trust of the other firm
    mine = [lk for lk in mv.links if lk.trust is not None]
    assert all(0.0 <= lk.trust <= 1.0 for lk in mine)


def test_two_hundred_firms_render(recorded: dict[str, Any]) -> None:
    from district.server.record import record

    rec = record("emilia-romagna", seed=2, rounds=1, background=200 - 16)
    view = rec["frames"][HUMAN][0]
    assert len(view["firms"]) == 200
    mv, surf = make_map(view, 0, (1200, 800))
    drawn = sum(
        1
        for f in view["firms"]
        if surf.get_at(body_pixel(mv, f["id"]))[:3] in {c for c, _w in HEALTH.values()}
    )
    assert drawn >= 150  # a few are hidden under bigger neighbours
    assert C.LAND in {surf.get_at((x, 300))[:3] for x in range(0, 1200, 7)}


def overlapping(rects: list[tuple[str, pygame.Rect]]) -> list[str]:
    """The pairs of drawn names whose boxes intersect."""
    return [
        f"{a} {ra} over {b} {rb}"
        for i, (a, ra) in enumerate(rects)
        for b, rb in rects[i + 1 :]
        if ra.colliderect(rb)
    ]


@pytest.mark.parametrize("scale", [1.0, 1.3])
def test_names_on_a_crowded_map_never_overlap(recorded: dict[str, Any], scale: float) -> None:
    """Every firm named (labels "all") on a low, wide map, as the debrief's replay is, with the
    key in its corner: no name's box over another's, over a place's sign or the key, or off the
    map; the player's firm named first and whole, the others whole, shortened or left out."""
    pygame.init()
    view = rec_frames(recorded, HUMAN)[-2]
    mine = next(f["id"] for f in view["firms"] if f.get("seat") == HUMAN)
    surf = pygame.Surface((760, 300))
    mv = MapView(pygame.Rect(10, 20, 740, 260), Fonts(scale), labels="all")
    mv.set_view(view, mine)
    mv.draw(surf)
    names = mv.label_rects
    assert len(names) >= 12, names  # a crowded map, not an empty test
    assert not overlapping(names), overlapping(names)
    assert all(mv.rect.contains(r) for _n, r in names), names
    legend = mv._legend_rect(surf).move(mv.rect.topleft)
    signs = [pygame.Rect(0, 0, 2 * p.radius, 2 * p.radius) for p in mv.places]
    for sign, p in zip(signs, mv.places, strict=True):
        sign.center = (round(p.pos[0]), round(p.pos[1]))
    for n, r in names:
        assert not r.colliderect(legend) and r.collidelist(signs) < 0, (n, r)
    assert names[0][0] == view["firms"][mine]["name"]
    shown = {n for n, _r in names}
    assert {"Government", "Union"} <= shown
    # some names were shortened or left out: the map was crowded enough to need it
    firms = [f["name"] for f in view["firms"] if f["alive"]]
    assert len([n for n in firms if n in shown]) < len(firms)
    # a firm the map highlights (selected, or picked as a party) is named next, where there is
    # any room for its name (not all have: the key takes much of a low map)
    me = mv.marks[mine].pos
    named_next = 0
    left_out = [  # left out, and not under the key
        f
        for f in view["firms"]
        if f["alive"] and f["name"] not in shown and mv.marks[f["id"]].pos[0] < legend.x - 90
    ]
    for f in sorted(left_out, key=lambda f: -math.dist(mv.marks[f["id"]].pos, me))[:4]:
        mv.selected = f["id"]
        mv.draw(surf)
        names = mv.label_rects
        assert names[0][0] == view["firms"][mine]["name"], names
        assert not overlapping(names), overlapping(names)
        named_next += names[1][0] in name_forms(f["name"])
    assert named_next >= 2
