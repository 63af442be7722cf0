"""Fonts, icons and the pygame_gui theme (package data: read them with importlib.resources)."""
