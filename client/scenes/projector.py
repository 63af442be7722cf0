"""Placeholder."""

from __future__ import annotations

from client.scenes.base import Scene


class ProjectorScene(Scene):
    name = "projector"
