"""Errors are values with a stable code and a message a person can act on."""

from __future__ import annotations


class EngineError(Exception):
    """A command or input the engine refused. Nothing in the state was changed."""

    def __init__(self, code: str, message: str, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.code = code
        self.message = message
        self.where = where

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "where": self.where}


class ScenarioError(Exception):
    """A scenario file with problems; every problem is listed with its place in the file."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"scenario {source}: {len(problems)} problem(s)\n{lines}")
