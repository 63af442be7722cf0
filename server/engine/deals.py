"""Deals (filled in by the deals issue): hooks called by resolution."""

from __future__ import annotations

from typing import Any

import numpy as np

from server.engine.state import State


def take_effect(state: State, report: dict[str, Any]) -> None:
    return None


def consortium_bids(state: State, cap: np.ndarray) -> list[dict[str, Any]]:
    return []


def enforce(state: State, report: dict[str, Any]) -> None:
    return None


def visible_deals(state: State, seat: str) -> list[dict[str, Any]]:
    return []
