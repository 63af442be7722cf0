"""Timing scripts (not tests): engine, server, client. `district bench` runs the engine's."""
