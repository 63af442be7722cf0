"""Where things are in a TOML file: the line and end-of-line comment of every table and key, by
the path a scenario problem names ("firms[3].workers"), and the comments in and just above each
array-of-tables block. tomllib keeps no positions; this reads the text line by line."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Place:
    line: int
    comment: str = ""


@dataclass
class TomlIndex:
    """Line numbers and end-of-line comments of the tables and keys of a TOML file, by path
    ("institutions.wage_floor", "firms[3]", "firms[3].workers", "players.classes.6")."""

    places: dict[str, Place] = field(default_factory=dict)
    # for each array-of-tables block: its lines (first, last) and the comments in and just above it
    blocks: dict[str, tuple[int, int, list[str]]] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        """The line of the deepest known prefix of a problem's path."""
        p = path
        while p:
            if p in self.places:
                return self.places[p].line
            cut = max(p.rfind("."), p.rfind("["))
            if cut <= 0:
                break
            p = p[:cut]
        return None


def _split_comment(line: str, state: dict[str, object]) -> tuple[str, str]:
    """Code and comment of one line, keeping track of multi-line strings and arrays in `state`."""
    code: list[str] = []
    i = 0
    quote = state.get("quote")  # None, '"', "'", '"""' or "'''"
    while i < len(line):
        ch = line[i]
        if quote:
            if quote in ('"""', "'''"):
                if line.startswith(quote, i):
                    code.append(quote)
                    i += 3
                    quote = None
                    continue
            elif ch == "\\" and quote == '"':
                code.append(line[i : i + 2])
                i += 2
                continue
            elif ch == quote:
                quote = None
            code.append(ch)
            i += 1
            continue
        if line.startswith('"""', i) or line.startswith("'''", i):
            quote = line[i : i + 3]
            code.append(quote)
            i += 3
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "#":
            state["quote"] = quote
            return "".join(code), line[i + 1 :].strip()
        elif ch in "[{":
            state["depth"] = int(state.get("depth", 0)) + 1  # type: ignore[call-overload]
        elif ch in "]}":
            state["depth"] = int(state.get("depth", 0)) - 1  # type: ignore[call-overload]
        code.append(ch)
        i += 1
    state["quote"] = quote
    return "".join(code), ""


KEY = re.compile(r'^\s*("[^"]*"|\'[^\']*\'|[A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=')
HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*$")


def index_toml(text: str) -> TomlIndex:
    idx = TomlIndex()
    counts: Counter[str] = Counter()
    table = ""
    block = ""
    pending: list[str] = []  # comment lines just above the next header
    state: dict[str, object] = {"quote": None, "depth": 0}
    for n, raw in enumerate(text.splitlines(), start=1):
        inside = bool(state.get("quote")) or int(state.get("depth", 0)) > 0  # type: ignore[call-overload]
        code, comment = _split_comment(raw, state)
        is_header = not inside and bool(HEADER.match(code)) and not KEY.match(code)
        if block and block in idx.blocks and comment and not is_header:
            idx.blocks[block][2].append(comment)
        if inside:
            if block in idx.blocks:
                first, _last, comments = idx.blocks[block]
                idx.blocks[block] = (first, n, comments)
            continue
        stripped = code.strip()
        if not stripped:
            if comment:
                pending.append(comment)
            else:
                pending = []
            continue
        m = HEADER.match(code)
        if m and is_header:
            name = m.group(2).replace(" ", "")
            if m.group(1) == "[[":
                table = f"{name}[{counts[name]}]"
                counts[name] += 1
                block = table
                idx.blocks[block] = (n, n, list(pending) + ([comment] if comment else []))
            else:
                table = name
                block = ""
            idx.places[table] = Place(n, comment)
            pending = []
            continue
        pending = []
        km = KEY.match(code)
        if km:
            key = km.group(1).strip().strip("\"'").replace(" ", "")
            path = f"{table}.{key}" if table else key
            idx.places[path] = Place(n, comment)
        if block in idx.blocks:
            first, _last, comments = idx.blocks[block]
            idx.blocks[block] = (first, n, comments)
    return idx
