"""Scenes: connect/lobby, district, report, debrief, facilitator console, projector."""
