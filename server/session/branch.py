"""Branching: a new session from the start of a past round of a finished one.

A class that played a game can go back to round R and try the other road. The branch is a new
session made from the original's creation record (scenario text, seed, phase lengths) and the part
of its log that made the game what it was at the start of round R: the game's commands, the
round resolutions and the round advances before that point, each stripped of the original's
clock times. Nothing about people is copied: no joins, no tokens, no lock, no bots; the branch
starts in the lobby at round R with fresh seats, a new join code and a new facilitator token, and
the facilitator starts it as any other game. The original is only read.

The start of round 1 is the session's creation; the start of round R > 1 is the entry that
advanced the game into round R. The branch's state hash at its creation equals the original's at
that point (a test replays both and compares).

These are pure functions of the stored log; `server/net.py` (a running server, the `branch`
control) and `district branch` (offline, on the SQLite file) store what they return.
"""

from __future__ import annotations

import secrets
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from district.server.engine import EngineError, Game, Scenario
from district.server.engine.scenario_parse import parse_scenario
from district.server.protocol import CODE_ALPHABET, CODE_LENGTH, normalise_code
from district.server.session.messages import hash_token, new_token
from district.server.session.state import (
    SessionCore,
    SessionInfo,
    build_core,
    replay_entries,
)
from district.server.store import INFO_FIELDS, AppendEntry, NewSession, Write
from district.server.store.sqlite import SQLiteStore

Entry = dict[str, Any]


class BranchRefused(Exception):
    """Why a branch cannot be made: `code` (protocol error code), `message` (for a person),
    `where` (the field at fault)."""

    def __init__(self, code: str, message: str, where: str = "round") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.where = where


@dataclass(frozen=True, slots=True)
class Cut:
    """The part of a log a branch starts from."""

    round: int  # the round the branch starts at (its negotiation phase)
    entries: list[Entry]  # the game's entries before that point, without clock times
    hash: str  # the game's state hash at that point


def refusal(status: str, last: int, round_: Any) -> BranchRefused | None:
    """Why branching a session of `status` whose game last began round `last` at `round_` is
    refused, or None: only a finished game is branched, and only from a round it began."""
    if status != "ended":
        return BranchRefused(
            "wrong_phase",
            "only a finished game can be branched: end it first, or wait for its last round",
            "",
        )
    if isinstance(round_, bool) or not isinstance(round_, int):
        return BranchRefused("bad_value", f"the round is a whole number from 1 to {last}")
    if not 1 <= round_ <= last:
        return BranchRefused(
            "bad_value",
            f"round {round_} is not a round this game began: choose a round from 1 to {last}",
        )
    return None


def cut(scenario: Scenario, seed: int, entries: list[Entry], round_: int) -> Cut:
    """The log of a branch from the start of `round_` (checked by `refusal`): the game entries of
    `entries` before the entry that began that round, replayed to get the hash there. A stored
    command the engine refuses is left out (recovery skips it the same way)."""
    game = Game(scenario, seed)
    kept: list[Entry] = []
    if game.state.round == round_:
        return Cut(round_, kept, game.hash())
    for e in entries:
        k = e.get("k")
        if k == "cmd":
            try:
                game.apply(e["seat"], e["cmd"])
            except EngineError:
                continue
            c: Entry = {"k": "cmd", "seat": e["seat"], "cmd": e["cmd"]}
            if e.get("bot"):
                c["bot"] = True
            kept.append(c)
        elif k == "resolve":
            game.resolve()
            kept.append({"k": "resolve"})
        elif k == "advance":
            game.advance()
            kept.append({"k": "advance"})
            if game.state.round == round_ and game.state.phase == "negotiation":
                return Cut(round_, kept, game.hash())
    raise BranchRefused("bad_value", f"the game never began round {round_}")


def make_branch(
    original: SessionCore,
    entries: list[Entry],
    round_: int,
    sid: str,
    code: str,
    token: str,
    now: float,
) -> tuple[SessionCore, list[Entry], str]:
    """A new session (`sid`, join `code`, facilitator `token`) branched from `original` (whose
    whole log is `entries`) at the start of `round_`: its state, the entries to store as its log,
    and the hash at the start of that round. Raises BranchRefused."""
    why = refusal(original.status, original.round, round_)
    if why is not None:
        raise why
    c = cut(original.scenario, original.info.seed, entries, round_)
    info = SessionInfo(
        id=sid,
        code=code,
        scenario=original.info.scenario,
        seed=original.info.seed,
        facilitator_hash=hash_token(token),
        created=now,
        negotiation_seconds=original.negotiation_seconds,
        report_seconds=original.report_seconds,
    )
    core = SessionCore(info, original.scenario)
    replay_entries(core, c.entries)
    if core.game.hash() != c.hash:  # pragma: no cover - the same fold as `cut`
        raise RuntimeError("the branch does not rebuild the state it was cut at")
    return core, c.entries, c.hash


def store_branch(core: SessionCore, entries: list[Entry], scenario_text: str) -> list[Write]:
    """The store writes that create the branch `core` with its log `entries`."""
    info = {k: getattr(core.info, k) for k in INFO_FIELDS}
    return [
        NewSession(info, scenario_text),
        *(AppendEntry(core.info.id, n, e) for n, e in enumerate(entries, 1)),
    ]


async def branch_stored(db: Path, code: str, round_: int) -> dict[str, Any]:
    """`district branch`: branch the session with join code `code` in the SQLite file `db` (the
    server must not be running on it: the store's lock says so). Returns what `branch` acks
    with. Raises BranchRefused (and StoreLocked)."""
    store = SQLiteStore(db)
    store.start()
    try:
        sid = await store.lookup_code(normalise_code(code))
        stored = await store.load(sid, full=True) if sid is not None else None
        if stored is None:
            raise BranchRefused(
                "bad_code", f"no session in {db} has the code {code[:16]!r}", "session"
            )
        if stored.quarantined is not None:
            raise BranchRefused("damaged", "this session's saved data is damaged", "session")
        text = stored.scenario_text
        scenario = parse_scenario(tomllib.loads(text), f"{stored.info['scenario']} (stored)")
        original = build_core(stored, scenario)
        token = new_token()
        for _ in range(100):
            new_code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if await store.lookup_code(new_code) is None:
                break
        core, log, h = make_branch(
            original,
            stored.entries,
            round_,
            "s-" + secrets.token_hex(6),
            new_code,
            token,
            time.time(),
        )
        await store.write(store_branch(core, log, text))
    finally:
        await store.close()
    return {
        "session": core.info.id,
        "code": core.info.code,
        "token": token,
        "round": round_,
        "hash": h,
    }
