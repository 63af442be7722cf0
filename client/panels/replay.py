"""Replay by round in the debrief: a slider over the rounds, and the district map with its network
graph as it stood at the chosen round, rebuilt from the debrief model (the server's `debrief`
message): its `network` entry of that round (every seat with its size and whether it is alive, and
who worked with whom with their trust) and the role scores of that round. Firms keep the places
the live view gives them; background firms are not in the debrief per round, so the replay shows
the seats."""

from __future__ import annotations

from typing import Any

import pygame
from district.client.ui.draw import panel, styled_line, text
from district.client.ui.theme import C, Fonts, trust_style


def round_label(r: int) -> str:
    return "start" if r == 0 else f"round {r}"


class RoundSlider:
    """A slider over rounds 0..last: click or drag on it, or the arrow keys (Home, End too)."""

    def __init__(self, rect: pygame.Rect, last: int, value: int | None = None) -> None:
        self.rect = pygame.Rect(rect)
        self.last = max(0, last)
        self.value = self.last if value is None else max(0, min(self.last, value))
        self.dragging = False

    def track(self) -> pygame.Rect:
        pad = max(10, self.rect.height // 2)
        return pygame.Rect(self.rect.x + pad, self.rect.centery - 3, self.rect.width - 2 * pad, 6)

    def x_of(self, r: int) -> float:
        t = self.track()
        return t.x + (t.width * r / self.last if self.last else t.width / 2)

    def round_at(self, x: float) -> int:
        t = self.track()
        if self.last == 0 or t.width <= 0:
            return 0
        return max(0, min(self.last, round((x - t.x) / t.width * self.last)))

    def set(self, r: int) -> bool:
        r = max(0, min(self.last, r))
        changed = r != self.value
        self.value = r
        return changed

    def handle(self, event: pygame.event.Event) -> bool:
        """True if the event moved the slider (or was the slider's)."""
        if event.type == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 1) == 1:
            if self.rect.inflate(0, 12).collidepoint(event.pos):
                self.dragging = True
                self.set(self.round_at(event.pos[0]))
                return True
        elif event.type == pygame.MOUSEMOTION and self.dragging:
            return self.set(self.round_at(event.pos[0])) or True
        elif event.type == pygame.MOUSEBUTTONUP and self.dragging:
            self.dragging = False
            return True
        elif event.type == pygame.KEYDOWN:
            step = {pygame.K_LEFT: -1, pygame.K_RIGHT: 1}.get(event.key)
            if step is not None:
                self.set(self.value + step)
                return True
            if event.key == pygame.K_HOME:
                return self.set(0) or True
            if event.key == pygame.K_END:
                return self.set(self.last) or True
        return False

    def draw(self, surface: pygame.Surface, fonts: Fonts, s: float) -> None:
        t = self.track()
        pygame.draw.rect(surface, C.LINE, t, border_radius=3)
        filled = pygame.Rect(t.x, t.y, round(self.x_of(self.value) - t.x), t.height)
        pygame.draw.rect(surface, C.ACCENT, filled, border_radius=3)
        f = fonts.get(11)
        step = max(1, (self.last + 1) // 12 + (1 if self.last >= 12 else 0))
        for r in range(self.last + 1):
            x = self.x_of(r)
            pygame.draw.line(surface, C.MUTED, (x, t.bottom + 2), (x, t.bottom + round(6 * s)), 1)
            if r % step == 0 or r == self.last:
                label = "start" if r == 0 else str(r)
                text(surface, label, f, C.MUTED, (x, t.bottom + round(7 * s)), "midtop")
        knob = (round(self.x_of(self.value)), t.centery)
        pygame.draw.circle(surface, C.ACCENT, knob, max(7, round(10 * s)))
        pygame.draw.circle(surface, C.BG, knob, max(7, round(10 * s)), max(2, round(2 * s)))


def firm_health(debrief: dict[str, Any], seat: str, r: int, alive: bool) -> str:
    """closed; struggling when the firm's net worth fell in that round; else healthy."""
    if not alive:
        return "closed"
    sc = ((debrief.get("role_scores") or {}).get("firm") or {}).get("seats", {}).get(seat)
    if isinstance(sc, list) and 0 < r < len(sc) and float(sc[r]) < float(sc[r - 1]):
        return "struggling"
    return "healthy"


def replay_view(debrief: dict[str, Any], live: dict[str, Any], r: int) -> dict[str, Any]:
    """The map's view of the district at round `r`: the seats' firms where the live view puts
    them, sized and marked as the debrief's network entry of round `r` says; the union, the
    government and the brokers; no deals or networks (the graph is drawn from the debrief)."""
    nets = debrief.get("network") or []
    net = next((n for n in nets if n.get("round") == r), nets[-1] if nets else {})
    nodes = {str(n["id"]): n for n in net.get("nodes", [])}
    firms = []
    for f in live.get("firms", []):
        seat = f.get("seat")
        if seat is None or str(seat) not in nodes:
            continue
        node = nodes[str(seat)]
        alive = bool(node.get("alive", True))
        firms.append(
            {
                **f,
                "id": len(firms),
                "workers": max(1, int(node.get("size", f.get("workers", 1)) or 1)),
                "alive": alive,
                "health": firm_health(debrief, str(seat), r, alive),
            }
        )
    return {
        "scenario": live.get("scenario", {}),
        "seats": live.get("seats", []),
        "firms": firms,
        "networks": [],
        "deals": [],
        "round": r,
    }


def edges_at(debrief: dict[str, Any], r: int) -> list[dict[str, Any]]:
    for n in debrief.get("network") or []:
        if n.get("round") == r:
            return list(n.get("edges", []))
    return []


def draw_graph(surface: pygame.Surface, mapview: Any, debrief: dict[str, Any], r: int) -> int:
    """The network graph of round `r` over the map: a line between two seats that worked together
    (a network, a deal, a subcontract, a joint bid), coloured and dashed by their trust. Returns
    the lines drawn."""
    s = mapview.s
    pos: dict[str, tuple[float, float]] = {}
    for m in mapview.marks:
        if m.data.get("seat") is not None:
            pos[str(m.data["seat"])] = m.pos
    for p in mapview.places:
        pos[str(p.id)] = p.pos
    clip = surface.get_clip()
    surface.set_clip(mapview.rect)
    n = 0
    for e in edges_at(debrief, r):
        a, b = pos.get(str(e.get("a"))), pos.get(str(e.get("b")))
        if a is None or b is None:
            continue
        trust = e.get("trust")
        color, style = trust_style(float(trust)) if trust is not None else (C.INFO, "solid")
        width = max(1, round((2 if e.get("kind") == "network" else 3) * s))
        styled_line(surface, color, a, b, width, style, 9 * s)
        n += 1
    surface.set_clip(clip)
    return n


def graph_legend(surface: pygame.Surface, rect: pygame.Rect, fonts: Fonts, s: float) -> int:
    """The key under the replay map: what a line is, and what its colour and dashes say."""
    panel(surface, rect, C.PANEL, C.LINE, round(6 * s))
    f = fonts.get(11)
    x = rect.x + round(10 * s)
    y = rect.centery
    r = text(surface, "Lines: who worked with whom. Trust:", f, C.TEXT, (x, y), "midleft")
    x = r.right + round(10 * s)
    for t, word in ((0.8, "high"), (0.5, "middling"), (0.2, "low")):
        color, style = trust_style(t)
        styled_line(surface, color, (x, y), (x + round(26 * s), y), max(2, round(3 * s)), style, 6)
        r = text(surface, word, f, C.TEXT, (x + round(30 * s), y), "midleft")
        x = r.right + round(12 * s)
    return x
