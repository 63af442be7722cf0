"""The shipped scenarios, one TOML file each (package data: read them with importlib.resources)."""
