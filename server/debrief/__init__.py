"""The debrief: what happened in a session, why, and what bots alone would have done; and the
research export (docs/export.md)."""

from district.server.debrief.log import LogError, SessionLog, replay
from district.server.debrief.model import Debrief, build_debrief

__all__ = ["Debrief", "LogError", "SessionLog", "build_debrief", "replay"]
