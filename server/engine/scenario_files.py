"""Scenario files: the shipped ones, and finding, reading and validating one by name or path.

A file is TOML read with tomllib and validated completely (`scenario_parse.parse_scenario`) before
anything starts.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

from district.server.engine.errors import ScenarioError
from district.server.engine.scenario import Scenario
from district.server.engine.scenario_parse import parse_scenario

# the shipped scenarios: package data of `district.scenarios`, wherever District is installed
SCENARIO_DIR = Path(str(files("district.scenarios")))


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(str(path), [f"cannot read the file: {e.strerror}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(str(path), [f"not valid TOML: {e}"]) from None
    return parse_scenario(data, str(path))


def list_scenarios(directory: Path = SCENARIO_DIR) -> list[Path]:
    return sorted(directory.glob("*.toml"))


def find_scenario(name_or_path: str, directory: Path = SCENARIO_DIR) -> Scenario:
    """A scenario by its name (a file in scenarios/) or by a path to a TOML file."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return load_scenario(p)
    candidate = directory / f"{name_or_path}.toml"
    if candidate.exists():
        return load_scenario(candidate)
    known = ", ".join(x.stem for x in list_scenarios(directory))
    raise ScenarioError(name_or_path, [f"no scenario named '{name_or_path}' (known: {known})"])
