"""The district map: firms as buildings sized by employment, marked by market road and health;
the union, the government, brokers and service hubs as places; links for subcontracts, joint bids
and network membership, with trust shown by line style and colour.

Everything that only changes with the view is drawn once into a cached layer; a frame is one blit
plus the hover and selection marks, so 200 firms cost almost nothing per frame.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pygame
from district.client.forms import label as term_label
from district.client.ui.draw import INDEX, fmt_num, panel, styled_line, text, wrap
from district.client.ui.icons import blit_icon
from district.client.ui.theme import HEALTH, C, Color, Fonts, trust_style

LINK_KINDS = {"subcontract", "joint_bid", "network_charter"}


@dataclass
class Place:
    id: str
    label: str
    icon: str
    pos: tuple[float, float]
    color: Color
    radius: float


@dataclass
class Link:
    a: tuple[float, float]
    b: tuple[float, float]
    kind: str  # "network", "subcontract", "joint_bid", "proposed"
    trust: float | None
    label: str = ""


@dataclass
class FirmMark:
    id: int
    pos: tuple[float, float]
    radius: float
    data: dict[str, Any] = field(default_factory=dict)


class MapView:
    """Draws the district into `rect` of a target surface and answers what is under the mouse."""

    def __init__(self, rect: pygame.Rect, fonts: Fonts, labels: str = "players") -> None:
        self.rect = pygame.Rect(rect)
        self.fonts = fonts
        self.labels = labels  # "players": names of seated firms; "all"; "none"
        self.view: dict[str, Any] | None = None
        self.marks: list[FirmMark] = []
        self.places: list[Place] = []
        self.links: list[Link] = []
        self.my_firm: int | None = None
        self._layer: pygame.Surface | None = None
        self._xy = np.zeros((0, 2))
        self._rad = np.zeros(0)
        self.hover: int | None = None
        self.hover_place: str | None = None
        self.selected: int | None = None
        self.picked: set[int] = set()  # firms picked as parties in a composer
        self.legend = True  # the key in the map's corner (the projector draws it beside the map)
        self.legend_clear = 0  # pixels kept free under the key (for the button that hides it)
        self.label_size = 11  # design size of firm and place names (the projector's are larger)
        self.highlight: set[int] = set()  # picked and selected: named right after the player's firm
        self.labels_on_top = False  # names drawn by draw_labels (over a scene's own lines)
        self._label_layer: pygame.Surface | None = None
        self.label_rects: list[tuple[str, pygame.Rect]] = []  # each name drawn and its box

    # --- geometry -------------------------------------------------------------------------------
    @property
    def s(self) -> float:
        return self.fonts.scale

    def inner(self) -> pygame.Rect:
        m = round(46 * self.s)
        return self.rect.inflate(-2 * m, -2 * m)

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        r = self.inner()
        return (r.x + x * r.width, r.y + y * r.height)

    def set_rect(self, rect: pygame.Rect) -> None:
        if pygame.Rect(rect) != self.rect:
            self.rect = pygame.Rect(rect)
            if self.view is not None:
                self.set_view(self.view, self.my_firm)

    # --- building the layer ---------------------------------------------------------------------
    def set_view(self, view: dict[str, Any], my_firm: int | None = None) -> None:
        self.view = view
        self.my_firm = my_firm
        firms = view.get("firms", [])
        alive_workers = [f["workers"] for f in firms if f.get("alive")] or [10]
        med = max(1.0, float(np.median(alive_workers)))
        base = (6.5 if len(firms) > 80 else 9.0) * self.s
        self.marks = []
        for f in firms:
            w = max(1.0, float(f.get("workers", 1)))
            r = base * float(np.clip(math.sqrt(w / med), 0.6, 2.3))
            if not f.get("alive", True):
                r = base * 0.75
            self.marks.append(
                FirmMark(int(f["id"]), self.to_screen(float(f["x"]), float(f["y"])), r, f)
            )
        self._xy = np.array([m.pos for m in self.marks], dtype=float).reshape(-1, 2)
        self._rad = np.array([m.radius for m in self.marks], dtype=float)
        self.places = self._places(view)
        self.links = self._links(view)
        self._layer = None

    def _trust_between(self, a: int, b: int) -> float | None:
        me = (self.view or {}).get("me") or {}
        trust = me.get("trust")
        if not isinstance(trust, list) or self.my_firm is None:
            return None
        if a == self.my_firm and 0 <= b < len(trust):
            return float(trust[b])
        if b == self.my_firm and 0 <= a < len(trust):
            return float(trust[a])
        return None

    def _places(self, view: dict[str, Any]) -> list[Place]:
        r = self.rect
        s = self.s
        out = [
            Place(
                "government",
                "Government",
                "government",
                (r.x + 40 * s, r.y + 34 * s),
                C.INFO,
                17 * s,
            ),
            Place(
                "union",
                "Union",
                "union",
                (r.x + 40 * s, r.bottom - 34 * s),
                C.WORKER_WELFARE,
                17 * s,
            ),
        ]
        brokers = [x for x in view.get("seats", []) if x.get("role") == "broker"]
        for k, b in enumerate(brokers):
            out.append(
                Place(
                    b["id"],
                    b.get("name") or "Broker",
                    "broker",
                    (r.right - 40 * s, r.y + (34 + 54 * k) * s),
                    C.ACCENT,
                    15 * s,
                )
            )
        by_id = {f["id"]: f for f in view.get("firms", [])}
        for n in view.get("networks", []):
            if not n.get("alive", True):
                continue
            members = [by_id[m] for m in n.get("members", []) if m in by_id]
            if not members:
                continue
            cx = sum(float(m["x"]) for m in members) / len(members)
            cy = sum(float(m["y"]) for m in members) / len(members)
            # nudge the hub off its members so the icon does not sit on a building
            h = zlib.crc32(str(n["id"]).encode())
            ang = (h % 360) * math.pi / 180
            px, py = self.to_screen(cx, cy)
            px += math.cos(ang) * 18 * s
            py += math.sin(ang) * 18 * s
            out.append(
                Place(
                    str(n["id"]), str(n.get("name") or n["id"]), "hub", (px, py), C.REGION, 13 * s
                )
            )
        return out

    def _links(self, view: dict[str, Any]) -> list[Link]:
        out: list[Link] = []
        pos = {m.id: m.pos for m in self.marks}
        hubs = {p.id: p.pos for p in self.places if p.icon == "hub"}
        for n in view.get("networks", []):
            if not n.get("alive", True) or n["id"] not in hubs:
                continue
            for m in n.get("members", []):
                if m in pos:
                    t = (
                        self._trust_between(m, self.my_firm)
                        if self.my_firm in n.get("members", [])
                        else None
                    )
                    out.append(
                        Link(pos[m], hubs[n["id"]], "network", t if m != self.my_firm else None)
                    )
        for d in view.get("deals", []):
            kind = d.get("kind")
            status = d.get("status", "")
            if kind not in LINK_KINDS or status in (
                "rejected",
                "withdrawn",
                "expired",
                "breached",
                "fulfilled",
            ):
                continue
            firms = [_firm_of_seat(view, p) for p in d.get("parties", [])]
            firms = [f for f in firms if f is not None and f in pos]
            if len(firms) < 2:
                continue
            live = status in ("signed", "active")
            lk = ("network" if kind == "network_charter" else kind) if live else "proposed"
            if kind == "subcontract" or len(firms) == 2:
                pairs = [(firms[0], firms[1])]
            else:
                lead = (
                    _firm_of_seat(view, d.get("terms", {}).get("lead"))
                    if isinstance(d.get("terms", {}).get("lead"), str)
                    else d.get("terms", {}).get("lead")
                )
                hub = lead if lead in firms else firms[0]
                pairs = [(hub, f) for f in firms if f != hub]
            for a, b in pairs:
                out.append(Link(pos[a], pos[b], lk, self._trust_between(a, b), kind))
        return out

    def _render_layer(self) -> pygame.Surface:
        r = self.rect
        s = self.s
        layer = pygame.Surface(r.size)
        self._draw_ground(layer)
        off = (-r.x, -r.y)

        def o(p: tuple[float, float]) -> tuple[float, float]:
            return (p[0] + off[0], p[1] + off[1])

        # links under buildings
        for lk in self.links:
            if lk.trust is not None:
                color, style = trust_style(lk.trust)
            else:
                color, style = (
                    {
                        "network": (C.REGION[0] * 0.7, C.REGION[1] * 0.7, C.REGION[2] * 0.7),
                        "subcontract": C.INFO,
                        "joint_bid": C.ACCENT_DARK,
                        "proposed": C.MUTED,
                    }[lk.kind],
                    "solid" if lk.kind != "proposed" else "dashed",
                )
            width = max(1, round((3 if lk.kind in ("joint_bid", "subcontract") else 2) * s))
            styled_line(layer, color, o(lk.a), o(lk.b), width, style, 9 * s)
            if lk.kind == "subcontract":  # arrow head: work flows from buyer to supplier
                _arrow_head(layer, o(lk.a), o(lk.b), color, 7 * s)
        for p in self.places:
            self._draw_place(layer, p, o(p.pos))
        for m in sorted(self.marks, key=lambda m: (m.data.get("alive", True), m.pos[1])):
            self._draw_firm(layer, m, o(m.pos))
        self._label_layer = None
        self.label_rects = []
        if self.labels != "none":
            target = layer
            if self.labels_on_top:  # drawn by draw_labels, over what the scene draws on the map
                target = self._label_layer = pygame.Surface(r.size, pygame.SRCALPHA)
            self.label_rects = [
                (text_, box.move(r.topleft)) for text_, box in self._draw_labels(target)
            ]
        if self.legend:
            self._draw_legend(layer)
        return layer

    def _draw_ground(self, layer: pygame.Surface) -> None:
        r = layer.get_rect()
        s = self.s
        layer.fill(C.BG)
        land = r.inflate(-4, -4)
        pygame.draw.rect(layer, C.LAND, land, border_radius=round(10 * s))
        seed = zlib.crc32(
            str((self.view or {}).get("scenario", {}).get("name", "district")).encode()
        )
        rng = np.random.default_rng(seed)
        # fields / parcels
        for _ in range(26):
            w = rng.uniform(0.08, 0.22) * r.width
            h = rng.uniform(0.08, 0.2) * r.height
            x = rng.uniform(0.02, 0.98) * r.width - w / 2
            y = rng.uniform(0.02, 0.98) * r.height - h / 2
            pygame.draw.rect(
                layer, C.LAND_2, pygame.Rect(x, y, w, h).clip(land), border_radius=round(6 * s)
            )
        # a river
        pts = []
        y0 = rng.uniform(0.65, 0.85)
        for k in range(0, 41):
            t = k / 40
            pts.append(
                (
                    land.x + t * land.width,
                    land.y + land.height * (y0 + 0.06 * math.sin(t * 6.0 + seed % 7) - 0.12 * t),
                )
            )
        pygame.draw.lines(layer, C.WATER, False, pts, max(3, round(9 * s)))
        # roads: a grid bent a little, and a ring
        road_w = max(2, round(5 * s))
        for k in range(1, 4):
            x = land.x + land.width * (k / 4 + rng.uniform(-0.04, 0.04))
            pygame.draw.line(
                layer,
                C.ROAD,
                (x, land.y + 4),
                (x + rng.uniform(-30, 30) * s, land.bottom - 4),
                road_w,
            )
            y = land.y + land.height * (k / 4 + rng.uniform(-0.04, 0.04))
            pygame.draw.line(
                layer,
                C.ROAD,
                (land.x + 4, y),
                (land.right - 4, y + rng.uniform(-20, 20) * s),
                road_w,
            )
        pygame.draw.ellipse(
            layer, C.ROAD, land.inflate(-land.width * 0.35, -land.height * 0.35), road_w
        )
        pygame.draw.rect(layer, C.LINE, land, 2, border_radius=round(10 * s))

    def _draw_place(self, layer: pygame.Surface, p: Place, at: tuple[float, float]) -> None:
        s = self.s
        rad = p.radius
        pygame.draw.circle(layer, (40, 46, 58), (at[0] + 2 * s, at[1] + 3 * s), rad)
        pygame.draw.circle(layer, p.color, at, rad)
        pygame.draw.circle(layer, C.BG, at, rad, max(1, round(2 * s)))
        blit_icon(layer, p.icon, at, round(rad * 1.25), C.BG)

    def _draw_firm(self, layer: pygame.Surface, m: FirmMark, at: tuple[float, float]) -> None:
        s = self.s
        f = m.data
        r = m.radius
        x, y = at
        health = f.get("health", "healthy") if f.get("alive", True) else "closed"
        color = HEALTH.get(health, HEALTH["healthy"])[0]
        w, h = r * 1.8, r * 1.25
        body = pygame.Rect(0, 0, w, h)
        body.midbottom = (round(x), round(y + h * 0.55))
        ink = C.MAP_INK
        line = max(1, round(1.2 * s))
        pygame.draw.rect(layer, (150, 144, 126), body.move(round(2 * s), round(2 * s)))  # shadow
        if health == "closed":  # ruins: a low broken wall with a cross
            ruin = pygame.Rect(body.x, body.bottom - h * 0.45, w, h * 0.45)
            pygame.draw.rect(layer, C.CLOSED, ruin)
            pygame.draw.rect(layer, ink, ruin, line)
            pygame.draw.line(layer, ink, ruin.topleft, ruin.bottomright, line)
            pygame.draw.line(layer, ink, ruin.bottomleft, ruin.topright, line)
            return
        pygame.draw.rect(layer, color, body)
        roof_h = h * 0.5
        if f.get("focus") == "niche":  # sawtooth roof: the high road of quality niches
            teeth = 3 if w > 14 * s else 2
            tw = w / teeth
            pts = [(body.left, body.top)]
            for k in range(teeth):
                pts += [
                    (body.left + k * tw, body.top - roof_h),
                    (body.left + (k + 1) * tw, body.top),
                ]
            pts.append((body.right, body.top))
            pygame.draw.polygon(layer, _darker(color, 0.78), pts)
            pygame.draw.lines(layer, ink, False, pts, line)
        else:  # flat roof and a chimney: commodity production
            chim = pygame.Rect(body.right - w * 0.3, body.top - roof_h, w * 0.16, roof_h)
            pygame.draw.rect(layer, _darker(color, 0.7), chim)
            pygame.draw.rect(layer, ink, chim, line)
            pygame.draw.line(
                layer, ink, (body.left - 1, body.top), (body.right, body.top), line + 1
            )
        pygame.draw.rect(layer, ink, body, line)
        door = pygame.Rect(0, 0, max(2, w * 0.2), h * 0.45)
        door.midbottom = body.midbottom
        pygame.draw.rect(layer, ink, door)
        # badges: a second signal for health and for trouble
        bx, by = body.right, body.top - roof_h * 0.4
        br = max(4.0, 4.8 * s)
        if health == "struggling":
            pygame.draw.circle(layer, C.WARN, (bx, by), br)
            pygame.draw.circle(layer, ink, (bx, by), br, 1)
            pygame.draw.polygon(
                layer,
                ink,
                [
                    (bx - br * 0.55, by - br * 0.3),
                    (bx + br * 0.55, by - br * 0.3),
                    (bx, by + br * 0.55),
                ],
            )
        elif health == "new":
            pygame.draw.circle(layer, C.NEW, (bx, by), br)
            pygame.draw.circle(layer, ink, (bx, by), br, 1)
            pygame.draw.line(
                layer, ink, (bx - br * 0.55, by), (bx + br * 0.55, by), max(1, round(1.5 * s))
            )
            pygame.draw.line(
                layer, ink, (bx, by - br * 0.55), (bx, by + br * 0.55), max(1, round(1.5 * s))
            )
        if f.get("audited"):  # found paying below the floor
            ax = body.left
            pygame.draw.polygon(
                layer, C.BAD, [(ax, by - br), (ax - br, by + br * 0.8), (ax + br, by + br * 0.8)]
            )
            pygame.draw.line(
                layer, C.TEXT, (ax, by - br * 0.35), (ax, by + br * 0.25), max(1, round(1.2 * s))
            )
        if f.get("exporter"):
            fx = body.centerx
            pygame.draw.line(
                layer, ink, (fx, body.top - roof_h), (fx, body.top - roof_h - 6 * s), line
            )
            pygame.draw.polygon(
                layer,
                C.INFO,
                [
                    (fx, body.top - roof_h - 6 * s),
                    (fx + 5 * s, body.top - roof_h - 4.5 * s),
                    (fx, body.top - roof_h - 3 * s),
                ],
            )
        if m.id == self.my_firm:
            pygame.draw.circle(layer, C.ACCENT, (x, y), r * 1.55, max(2, round(2.5 * s)))

    def label_wishes(self) -> list[LabelWish]:
        """The names the map shows, in the order they are placed: the player's own firm, the
        firms it highlights (`highlight`), the places (the government, the union, the brokers;
        the service hubs when every name is shown), then the other firms, the largest first (only
        the seated ones unless every name is shown). In the layer's coordinates."""
        s = self.s
        ox, oy = self.rect.topleft
        ranked: list[tuple[tuple[int, float], LabelWish]] = []
        for m in self.marks:
            mine = m.id == self.my_firm
            shown = self.labels == "all" or m.data.get("seat") is not None or mine
            if not shown or not m.data.get("alive", True):
                continue
            wish = LabelWish(
                name_forms(str(m.data.get("name", m.id))),
                self.fonts.get(self.label_size, "bold" if mine else "regular"),
                (m.pos[0] - ox, m.pos[1] - oy),
                below=m.radius * 0.75 + 3 * s,
                above=m.radius * 1.4 + 2 * s,
                side=m.radius * 0.9 + 4 * s,
                ink=(20, 20, 20) if mine else C.MAP_INK,
                bg=(*(C.ACCENT if mine else C.ROAD), 215),
            )
            rank = 0 if mine else (1 if m.id in self.highlight else 3)
            ranked.append(((rank, -m.radius), wish))
        for p in self.places:
            if (p.icon != "hub" and self.labels != "none") or self.labels == "all":
                wish = LabelWish(
                    name_forms(p.label),
                    self.fonts.get(self.label_size, "bold"),
                    (p.pos[0] - ox, p.pos[1] - oy),
                    below=p.radius + 2 * s,
                    above=p.radius + 2 * s,
                    side=p.radius + 4 * s,
                    ink=C.MAP_INK,
                    bg=(*C.LAND, 255),
                )
                ranked.append(((2, 0.0), wish))
        ranked.sort(key=lambda x: x[0])
        return [w for _k, w in ranked]

    def _draw_labels(self, layer: pygame.Surface) -> list[tuple[str, pygame.Rect]]:
        """Every name the map shows where it fits (`place_labels`): none over another, each off
        the buildings and places where it can be. Returns each drawn name and its box."""
        s = self.s
        ox, oy = self.rect.topleft
        keep_off = [self._body(m).move(-ox, -oy) for m in self.marks if m.data.get("alive", True)]
        blocked = [  # never under a name: the places' signs and the key
            pygame.Rect(0, 0, 2 * p.radius, 2 * p.radius).move(
                round(p.pos[0] - ox - p.radius), round(p.pos[1] - oy - p.radius)
            )
            for p in self.places
        ]
        if self.legend:
            blocked.append(self._legend_rect(layer))
        bounds = layer.get_rect().inflate(-round(8 * s), -round(4 * s))
        pad = (round(3 * s), max(1, round(1 * s)))
        out = []
        for wish, said, box in place_labels(self.label_wishes(), bounds, keep_off, pad, blocked):
            surf = pygame.Surface(box.size, pygame.SRCALPHA)
            pygame.draw.rect(
                surf,
                wish.bg,
                surf.get_rect(),
                border_radius=round(4 * s) if wish.bg[3] == 255 else 0,
            )
            layer.blit(surf, box)
            img = wish.font.render(said, True, wish.ink)
            layer.blit(img, img.get_rect(center=box.center))
            out.append((said, box))
        return out

    def _body(self, m: FirmMark) -> pygame.Rect:
        """The building of firm mark `m` with its roof, on the screen."""
        w, h = m.radius * 1.8, m.radius * 1.25
        body = pygame.Rect(0, 0, round(w), round(h * 1.5))
        body.midbottom = (round(m.pos[0]), round(m.pos[1] + h * 0.55))
        return body

    def _legend_rect(self, layer: pygame.Surface) -> pygame.Rect:
        """Where the key goes in the layer: its bottom right corner."""
        s = self.s
        lh = round(15 * s)
        w = round(180 * s)
        h = lh * len(LEGEND) + round(8 * s)
        bottom = layer.get_height() - round(10 * s) - self.legend_clear
        return pygame.Rect(layer.get_width() - w - round(10 * s), bottom - h, w, h)

    def _draw_legend(self, layer: pygame.Surface) -> None:
        s = self.s
        font = self.fonts.get(10)
        lh = round(15 * s)
        r = self._legend_rect(layer)
        surf = pygame.Surface(r.size, pygame.SRCALPHA)
        surf.fill((*C.ROAD, 225))
        layer.blit(surf, r)
        pygame.draw.rect(layer, C.LINE, r, 1, border_radius=round(4 * s))
        y = r.y + round(5 * s)
        for key, label in LEGEND:
            cy = y + lh // 2
            legend_symbol(layer, key, (r.x + round(12 * s), cy), s)
            text(layer, label, font, C.MAP_INK, (r.x + round(24 * s), cy), "midleft")
            y += lh

    # --- per frame ------------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        self.draw_base(surface)
        self.draw_marks(surface)

    def draw_base(self, surface: pygame.Surface) -> None:
        """The cached layer: ground, links, places, buildings, labels, legend."""
        if self.view is None:
            panel(surface, self.rect)
            text(
                surface,
                "Waiting for the district…",
                self.fonts.get(16),
                C.MUTED,
                self.rect.center,
                "center",
            )
            return
        highlight = set(self.picked) | ({self.selected} if self.selected is not None else set())
        if highlight != self.highlight:  # their names are placed first: placed again
            self.highlight = highlight
            self._layer = None
        if self._layer is None:
            self._layer = self._render_layer()
        surface.blit(self._layer, self.rect)

    def draw_labels(self, surface: pygame.Surface) -> None:
        """The names, when `labels_on_top` keeps them out of the cached layer: after what the
        scene draws over the map (the debrief's network graph), so that nothing crosses them."""
        if self.view is not None and self._layer is None:
            self._layer = self._render_layer()
        if self._label_layer is not None:
            surface.blit(self._label_layer, self.rect)

    def draw_marks(self, surface: pygame.Surface) -> None:
        """Per frame: parties picked, the selection, the hovered firm and its card."""
        if self.view is None:
            return
        s = self.s
        for fid in self.picked:
            if 0 <= fid < len(self.marks):
                m = self.marks[fid]
                pygame.draw.circle(surface, C.ACCENT, m.pos, m.radius * 1.7, max(2, round(3 * s)))
                blit_icon(
                    surface,
                    "check",
                    (m.pos[0] + m.radius * 1.3, m.pos[1] - m.radius * 1.3),
                    round(14 * s),
                    C.ACCENT,
                )
        if self.selected is not None and 0 <= self.selected < len(self.marks):
            m = self.marks[self.selected]
            pygame.draw.circle(surface, C.INFO, m.pos, m.radius * 1.8, max(2, round(2 * s)))
        if self.hover is not None and 0 <= self.hover < len(self.marks):
            m = self.marks[self.hover]
            pygame.draw.circle(surface, C.TEXT, m.pos, m.radius * 1.6, max(1, round(2 * s)))
            self.draw_card(surface, m)
        elif self.hover_place is not None:
            p = next((p for p in self.places if p.id == self.hover_place), None)
            if p is not None:
                self._place_card(surface, p)

    def firm_at(self, pos: tuple[int, int]) -> int | None:
        if not self.rect.collidepoint(pos) or len(self._xy) == 0:
            return None
        d = np.hypot(self._xy[:, 0] - pos[0], self._xy[:, 1] - pos[1]) - self._rad * 1.2
        k = int(np.argmin(d))
        return self.marks[k].id if d[k] <= 3 * self.s else None

    def place_at(self, pos: tuple[int, int]) -> str | None:
        for p in self.places:
            if math.hypot(p.pos[0] - pos[0], p.pos[1] - pos[1]) <= p.radius + 2:
                return p.id
        return None

    def on_mouse_move(self, pos: tuple[int, int]) -> None:
        self.hover = self.firm_at(pos)
        self.hover_place = self.place_at(pos) if self.hover is None else None

    def draw_card(self, surface: pygame.Surface, m: FirmMark) -> pygame.Rect:
        """The firm's public profile next to it (hover), kept inside the map."""
        s = self.s
        f = m.data
        lines = profile_lines(f, self.view or {})
        title_font = self.fonts.get(14, "bold")
        font = self.fonts.get(12)
        w = round(250 * s)
        body: list[tuple[str, Color]] = []
        for label, value, col in lines:
            for k, ln in enumerate(wrap(f"{label}: {value}", font, w - round(20 * s))):
                body.append((ln if k == 0 else "   " + ln, col))
        h = round(34 * s) + len(body) * font.get_linesize() + round(8 * s)
        x = m.pos[0] + m.radius * 2 + 8 * s
        y = m.pos[1] - h / 2
        r = pygame.Rect(round(x), round(y), w, h)
        if r.right > self.rect.right - 4:
            r.right = round(m.pos[0] - m.radius * 2 - 8 * s)
        r.clamp_ip(self.rect.inflate(-8, -8))
        shadow = r.move(round(3 * s), round(4 * s))
        pygame.draw.rect(surface, (10, 12, 18), shadow, border_radius=round(8 * s))
        panel(surface, r, C.PANEL, C.ACCENT if m.id == self.my_firm else C.LINE, round(8 * s))
        blit_icon(surface, "firm", (r.x + 18 * s, r.y + 17 * s), round(18 * s), C.ACCENT)
        text(
            surface,
            str(f.get("name", m.id)),
            title_font,
            C.TEXT,
            (r.x + 32 * s, r.y + 17 * s),
            "midleft",
            max_width=w - round(40 * s),
        )
        yy = r.y + round(32 * s)
        for ln, col in body:
            text(surface, ln, font, col, (r.x + 10 * s, yy))
            yy += font.get_linesize()
        return r

    def _place_card(self, surface: pygame.Surface, p: Place) -> None:
        s = self.s
        font = self.fonts.get(12)
        lines = place_lines(p, self.view or {})
        w = round(230 * s)
        h = round(30 * s) + len(lines) * font.get_linesize() + round(6 * s)
        r = pygame.Rect(round(p.pos[0] + p.radius + 8 * s), round(p.pos[1] - h / 2), w, h)
        if r.right > self.rect.right - 4:
            r.right = round(p.pos[0] - p.radius - 8 * s)
        r.clamp_ip(self.rect.inflate(-8, -8))
        panel(surface, r, C.PANEL, C.LINE, round(8 * s))
        text(surface, p.label, self.fonts.get(14, "bold"), C.TEXT, (r.x + 10 * s, r.y + 6 * s))
        yy = r.y + round(28 * s)
        for ln in lines:
            text(surface, ln, font, C.MUTED, (r.x + 10 * s, yy), max_width=w - round(16 * s))
            yy += font.get_linesize()


@dataclass
class LabelWish:
    """A name the map would show next to the thing at `at`: its forms, longest first; its box is
    tried under the thing (`below` from `at` to the box's top), over it (`above` to its bottom),
    then right and left of it (`side`)."""

    forms: list[str]
    font: pygame.font.Font
    at: tuple[float, float]
    below: float
    above: float
    side: float
    ink: Color
    bg: tuple[int, int, int, int]


def name_forms(name: str, most: int = 22) -> list[str]:
    """A name as the map may show it: whole (cut at `most` characters), then its first word."""
    whole = name if len(name) <= most else name[: most - 1] + "…"
    first = name.split(" ")[0]
    return [whole] + ([first + "…"] if first != name and len(first) < len(whole) - 1 else [])


def place_labels(
    wishes: list[LabelWish],
    bounds: pygame.Rect,
    keep_off: list[pygame.Rect],
    pad: tuple[int, int],
    blocked: list[pygame.Rect] | None = None,
) -> list[tuple[LabelWish, str, pygame.Rect]]:
    """Where the map's names go, in the order wished: each at the first place (under, over, right,
    left of its thing, moved inside `bounds`) where its box (the text and `pad` around it) is clear
    of every box placed before it and of `blocked`, off `keep_off` (the buildings) if it can be,
    else over them; in a shorter form if the whole one has no such place; left out if no form
    has. No two boxes returned intersect."""
    placed: list[tuple[LabelWish, str, pygame.Rect]] = []
    boxes: list[pygame.Rect] = list(blocked or [])
    for wish in wishes:
        x, y = wish.at
        for said in wish.forms:
            w, h = wish.font.size(said)
            bw, bh = w + 2 * pad[0], h + 2 * pad[1]
            spots = [pygame.Rect(0, 0, bw, bh) for _ in range(4)]
            spots[0].midtop = (round(x), round(y + wish.below))
            spots[1].midbottom = (round(x), round(y - wish.above))
            spots[2].midleft = (round(x + wish.side), round(y))
            spots[3].midright = (round(x - wish.side), round(y))
            for spot in spots:
                spot.clamp_ip(bounds)
            clear = [b for b in spots if bounds.contains(b) and b.collidelist(boxes) < 0]
            box = next((b for b in clear if b.collidelist(keep_off) < 0), None) or next(
                iter(clear), None
            )
            if box is not None:
                placed.append((wish, said, box))
                boxes.append(box.inflate(2, 2))  # a pixel of the map between two names
                break
    return placed


LEGEND: list[tuple[str, str]] = [
    ("healthy", "healthy"),
    ("struggling", "struggling"),
    ("new", "new"),
    ("closed", "closed"),
    ("niche", "sawtooth roof: niche / export"),
    ("commodity", "flat roof: commodity"),
    ("hub", "service hub / network"),
    ("solid", "trust high"),
    ("dashed", "trust middling"),
    ("dotted", "trust low"),
]


def legend_symbol(layer: pygame.Surface, key: str, at: tuple[int, int], s: float) -> None:
    """The map's symbol for a legend entry, about 14 design pixels wide, centred on `at`."""
    cx, cy = at
    if key in HEALTH:
        col = HEALTH[key][0]
        box = pygame.Rect(0, 0, round(12 * s), round(9 * s))
        box.center = (cx, cy)
        pygame.draw.rect(layer, col, box)
        pygame.draw.rect(layer, C.MAP_INK, box, 1)
        if key == "struggling":
            pygame.draw.polygon(
                layer,
                C.MAP_INK,
                [(cx - 3 * s, cy - 2 * s), (cx + 3 * s, cy - 2 * s), (cx, cy + 3 * s)],
            )
        elif key == "new":
            pygame.draw.line(layer, C.MAP_INK, (cx - 3 * s, cy), (cx + 3 * s, cy))
            pygame.draw.line(layer, C.MAP_INK, (cx, cy - 3 * s), (cx, cy + 3 * s))
        elif key == "closed":
            pygame.draw.line(layer, C.MAP_INK, box.topleft, box.bottomright)
    elif key == "hub":
        pygame.draw.circle(layer, C.REGION, (cx, cy), 6 * s)
        blit_icon(layer, "hub", (cx, cy), round(9 * s), C.BG)
    elif key == "niche":
        pts = [
            (cx - 6 * s, cy + 4 * s),
            (cx - 6 * s, cy - 4 * s),
            (cx, cy),
            (cx, cy - 4 * s),
            (cx + 6 * s, cy),
            (cx + 6 * s, cy + 4 * s),
        ]
        pygame.draw.polygon(layer, C.MAP_INK, pts, 1)
    elif key == "commodity":
        pygame.draw.rect(layer, C.MAP_INK, pygame.Rect(cx - 6 * s, cy - 2 * s, 12 * s, 6 * s), 1)
        pygame.draw.rect(layer, C.MAP_INK, pygame.Rect(cx + 2 * s, cy - 6 * s, 2 * s, 4 * s))
    else:  # a trust line style
        col = {"solid": C.GOOD, "dashed": C.WARN, "dotted": C.BAD}[key]
        styled_line(
            layer, col, (cx - 7 * s, cy), (cx + 7 * s, cy), max(1, round(2 * s)), key, 4 * s
        )


def legend_strip(
    surface: pygame.Surface,
    rect: pygame.Rect,
    font: pygame.font.Font,
    s: float,
    dry: bool = False,
) -> list[pygame.Rect]:
    """The map's legend as rows of symbol + words filling `rect` left to right (the projector's,
    beside the map rather than over it). Returns each entry's rect; entries that do not fit in
    `rect` are not drawn. `dry` only lays them out (to find the height `rect` needs)."""
    if not dry:
        pygame.draw.rect(surface, C.ROAD, rect, border_radius=round(6 * s))
    pad = round(8 * s)
    sym = round(18 * s)
    gap = round(22 * s)
    lh = font.get_linesize() + round(4 * s)
    x, y = rect.x + pad, rect.y + round(4 * s)
    out: list[pygame.Rect] = []
    for key, label in LEGEND:
        w = sym + round(6 * s) + font.size(label)[0]
        if x + w > rect.right - pad and x > rect.x + pad:
            x, y = rect.x + pad, y + lh
        r = pygame.Rect(x, y, w, lh)
        if r.bottom > rect.bottom or r.right > rect.right:
            break
        if not dry:
            legend_symbol(surface, key, (x + sym // 2, r.centery), s * 1.3)
            text(surface, label, font, C.MAP_INK, (x + sym + round(6 * s), r.centery), "midleft")
        out.append(r)
        x += w + gap
    return out


def _arrow_head(
    layer: pygame.Surface, a: tuple[float, float], b: tuple[float, float], color: Color, size: float
) -> None:
    ang = math.atan2(b[1] - a[1], b[0] - a[0])
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    pts = [
        (mx + math.cos(ang) * size, my + math.sin(ang) * size),
        (mx + math.cos(ang + 2.5) * size, my + math.sin(ang + 2.5) * size),
        (mx + math.cos(ang - 2.5) * size, my + math.sin(ang - 2.5) * size),
    ]
    pygame.draw.polygon(layer, color, pts)


def _darker(c: Color, k: float) -> Color:
    return (int(c[0] * k), int(c[1] * k), int(c[2] * k))


def _firm_of_seat(view: dict[str, Any], seat: Any) -> int | None:
    if isinstance(seat, int):
        return seat
    for s in view.get("seats", []):
        if s.get("id") == seat and s.get("firm", -1) is not None and s.get("firm", -1) >= 0:
            return int(s["firm"])
    return None


def profile_lines(f: dict[str, Any], view: dict[str, Any]) -> list[tuple[str, str, Color]]:
    """A firm's public profile as (label, value, colour) lines (hover card and the Firm panel)."""
    health = f.get("health", "healthy") if f.get("alive", True) else "closed"
    hcol, hword = HEALTH.get(health, HEALTH["healthy"])
    seat = f.get("seat")
    who = "background firm (bot)"
    if seat:
        name = next((s.get("name") for s in view.get("seats", []) if s.get("id") == seat), "")
        who = f"player seat{(' – ' + name) if name else ''}"
    nets = {n["id"]: n.get("name", n["id"]) for n in view.get("networks", [])}
    out = [
        (
            "Health",
            hword
            + (f" (closed in round {f['died']})" if health == "closed" and f.get("died") else ""),
            hcol,
        ),
        ("Sector", str(f.get("sector", "")), C.TEXT),
        ("Workers", fmt_num(f.get("workers", 0)), C.TEXT),
        ("Market", "niche / export" if f.get("focus") == "niche" else "commodity", C.TEXT),
        ("Reputation", f"{fmt_num(f.get('reputation', 0), INDEX)} of 100", C.TEXT),
        ("Operations", ", ".join(f.get("operations", [])) or "none", C.TEXT),
        ("Networks", ", ".join(nets.get(n, n) for n in f.get("networks", [])) or "none", C.TEXT),
        ("Union share", f"{float(f.get('union', 0)):.0%}", C.TEXT),
        ("Seat", who, C.MUTED),
    ]
    if f.get("exporter"):
        out.insert(4, ("Exports", "yes", C.INFO))
    if f.get("audited"):
        out.insert(1, ("Audit", "found paying below the wage floor", C.BAD))
    if f.get("preferred"):
        out.insert(1, ("Buyer", "kept as preferred supplier", C.GOOD))
    return out


def place_lines(p: Place, view: dict[str, Any]) -> list[str]:
    inst = view.get("institutions", {})
    if p.id == "government":
        return [
            f"Wage floor {fmt_num(inst.get('wage_floor'), 'k')}",
            f"Enforcement {fmt_num(inst.get('enforcement'), '%')}",
            f"Payroll tax {float(inst.get('payroll_tax', 0)):.0%}",
            f"Approval {float(inst.get('approval', 0)):.0%}",
        ]
    if p.id == "union":
        hist = view.get("history", [])
        dens = hist[-1].get("union_density") if hist else None
        return [
            f"Bargaining power {fmt_num(inst.get('union_power'), INDEX)} of 100",
            f"Union density {dens:.0%}" if isinstance(dens, float) else "Union density –",
        ]
    for n in view.get("networks", []):
        if str(n["id"]) == p.id:
            stock = n.get("stock", {})
            return [
                f"{len(n.get('members', []))} member firms, founded round {n.get('founded', 0)}"
            ] + [f"{term_label(k)}: {fmt_num(v, INDEX)} of 100" for k, v in stock.items()]
    seat = next((s for s in view.get("seats", []) if s.get("id") == p.id), None)
    if seat:
        return [f"Broker seat {seat.get('name', '')}", "Events, introductions, market intelligence"]
    return []
