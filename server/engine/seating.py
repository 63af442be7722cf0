"""Who sits where: a scenario's [players] table and the seats people take for a class of a size.

A class has 1 to `max` people. Seats are the scenario's seats (firm seats "firm:<slug>", "union",
"government", brokers "broker:<x>"); people take seats in the scenario's *seating order* and bots
take the rest. When there are more people than seats, people share seats as teams (at most
`max_team` people at one seat), the first seats in the order getting a second person first.

The [players] table (every key optional)::

    [players]
    min = 4                  # fewest people the scenario plays well with
    max = 40                 # most people (may exceed the seats: the rest play in teams)
    max_team = 3             # most people sharing one seat
    humans_first = ["government", "firm:fsm-robotica"]   # seats people take first, in order
    bots_first = ["broker:impannatore"]                   # seats bots take first (people last)
    advice = "In a class of 6 the teacher may play the broker."   # for the teacher's page

    [players.classes]        # explicit seating for some class sizes (a seat listed twice = a team)
    6 = ["government", "union", "firm:fsm-robotica", ...]

The seating order is `humans_first`, then the seats named in neither list (in the scenario's
order), then `bots_first` reversed, so the first seat in `bots_first` is the last one people take.
`parse_players` resolves the defaults for the standard class sizes 6, 12, 24 and 40 (those within
[min, max]) and `seats_for(scenario, n)` answers for any size.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

STANDARD_CLASSES = (6, 12, 24, 40)
KEYS = ("min", "max", "max_team", "humans_first", "bots_first", "classes", "advice")
DEFAULT_MAX_TEAM = 3


def _int(raw: dict[str, Any], key: str, default: int, lo: int, hi: int, problems: list[str]) -> int:
    if key not in raw:
        return default
    v = raw[key]
    if isinstance(v, bool) or not isinstance(v, int):
        problems.append(f"players.{key}: expected a whole number, got {v!r}")
        return default
    if not lo <= v <= hi:
        problems.append(f"players.{key}: {v} is out of range (expected {lo} to {hi})")
        return min(max(v, lo), hi)
    return v


def _seat_list(
    raw: dict[str, Any],
    key: str,
    seat_ids: list[str],
    problems: list[str],
    allow_repeats: bool = False,
    where: str = "",
) -> list[str]:
    where = where or f"players.{key}"
    v = raw.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        problems.append(f"{where}: expected a list of seat ids (text)")
        return []
    known = set(seat_ids)
    out: list[str] = []
    for j, s in enumerate(v):
        if s not in known:
            problems.append(f"{where}[{j}]: no seat '{s}' (seats: {_seat_names(seat_ids)})")
            continue
        if s in out and not allow_repeats:
            problems.append(f"{where}[{j}]: seat '{s}' is listed twice")
            continue
        out.append(s)
    return out


def _seat_names(seat_ids: list[str], most: int = 8) -> str:
    shown = ", ".join(seat_ids[:most])
    return shown + (f", ... ({len(seat_ids)} in all)" if len(seat_ids) > most else "")


def seating_order(seat_ids: list[str], humans_first: list[str], bots_first: list[str]) -> list[str]:
    """Every seat once, in the order people take them."""
    named = set(humans_first) | set(bots_first)
    middle = [s for s in seat_ids if s not in named]
    return list(humans_first) + middle + list(reversed(bots_first))


def fill(order: list[str], n: int, max_team: int, start: list[str] | None = None) -> list[str]:
    """Seats for n people: `start` (kept as given), then free seats in `order`, then team places
    cycling through `order` (a seat at most `max_team` times). Raises ValueError if n do not fit."""
    out = list(start or [])[:n]
    taken = Counter(out)
    for s in order:
        if len(out) >= n:
            break
        if taken[s] == 0:
            out.append(s)
            taken[s] += 1
    size = 1
    while len(out) < n:
        size += 1
        if size > max_team:
            raise ValueError(
                f"{n} people do not fit: {len(order)} seats with at most "
                f"{max_team} people at a seat hold {len(order) * max_team}"
            )
        for s in order:
            if len(out) >= n:
                break
            if taken[s] < size:
                out.append(s)
                taken[s] += 1
    return out


def parse_players(raw: dict[str, Any], seat_ids: list[str], problems: list[str]) -> dict[str, Any]:
    """Validate a scenario's [players] table against its seats; append "players.<key>: message"
    problems; return the resolved table: min, max, max_team, order (the seating order, every seat
    once), bots_first (the order bots take seats: the seating order reversed), classes (size ->
    seat list for the given sizes and the standard sizes 6, 12, 24, 40 within [min, max]),
    explicit (the sizes the file gave) and advice."""
    for k in raw:
        if k not in KEYS:
            problems.append(f"players.{k}: unknown key '{k}' (known: {', '.join(sorted(KEYS))})")
    n_seats = len(seat_ids)
    max_team = _int(raw, "max_team", DEFAULT_MAX_TEAM, 1, 10, problems)
    capacity = max(1, n_seats * max_team)
    lo = _int(raw, "min", 1, 1, 1000, problems)
    hi = _int(raw, "max", min(40, capacity), 1, 1000, problems)
    if lo > hi:
        problems.append(f"players.min: {lo} is more than players.max {hi}")
    if hi > capacity:
        problems.append(
            f"players.max: {hi} people do not fit in {n_seats} seats with at most "
            f"{max_team} at a seat ({capacity}); add seats or raise players.max_team"
        )
    humans_first = _seat_list(raw, "humans_first", seat_ids, problems)
    bots_first = _seat_list(raw, "bots_first", seat_ids, problems)
    for s in sorted(set(humans_first) & set(bots_first)):
        problems.append(f"players.bots_first: seat '{s}' is also in players.humans_first")
    bots_first = [s for s in bots_first if s not in humans_first]
    order = seating_order(seat_ids, humans_first, bots_first)
    advice = raw.get("advice", "")
    if not isinstance(advice, str):
        problems.append(f"players.advice: expected text, got {advice!r}")
        advice = ""

    explicit: dict[int, list[str]] = {}
    cl = raw.get("classes", {})
    if not isinstance(cl, dict):
        problems.append("players.classes: expected a table of class size = [seat ids]")
        cl = {}
    for key in cl:
        where = f"classes.{key}"
        if not key.isdigit() or int(key) < 1:
            problems.append(
                f"players.{where}: a class size is a whole number of people, got '{key}'"
            )
            continue
        size = int(key)
        if not lo <= size <= hi:
            problems.append(
                f"players.{where}: a class of {size} is outside players.min to "
                f"players.max ({lo} to {hi})"
            )
        n_before = len(problems)
        seats = _seat_list(
            cl, key, seat_ids, problems, allow_repeats=True, where=f"players.{where}"
        )
        if len(problems) == n_before and len(seats) != size:
            problems.append(
                f"players.{where}: a class of {size} needs {size} seats, got {len(seats)}"
            )
        for s, count in Counter(seats).items():
            if count > max_team:
                problems.append(
                    f"players.{where}: {count} people at seat '{s}' (players.max_team is {max_team})"
                )
        explicit[size] = seats

    classes: dict[int, list[str]] = {}
    for size in sorted(set(STANDARD_CLASSES) | set(explicit)):
        if size in explicit:
            classes[size] = explicit[size]
        elif lo <= size <= hi and size <= capacity:
            classes[size] = _derive(size, explicit, order, max_team)
    return {
        "min": lo,
        "max": hi,
        "max_team": max_team,
        "order": order,
        "bots_first": list(reversed(order)),
        "classes": classes,
        "explicit": sorted(explicit),
        "advice": advice.strip(),
    }


def _derive(n: int, explicit: dict[int, list[str]], order: list[str], max_team: int) -> list[str]:
    """Seats for n people from the nearest explicit class below n (kept) or above it (its first
    n places), else from the seating order alone."""
    below = [k for k in explicit if k < n]
    above = [k for k in explicit if k > n]
    if below:
        return fill(order, n, max_team, start=explicit[max(below)])
    if above:
        return list(explicit[min(above)][:n])
    return fill(order, n, max_team)


def players_of(scenario: Any) -> dict[str, Any]:
    """The resolved [players] table of a parsed scenario (defaults if it had none)."""
    pl = scenario.extra.get("players") if getattr(scenario, "extra", None) else None
    if not pl or "order" not in pl:
        pl = parse_players({}, [s.id for s in scenario.seats], [])
    return pl


def seats_for(scenario: Any, n_players: int) -> list[str]:
    """The seats people take in a class of `n_players`, one entry per person in joining order.
    A seat id that appears k times is shared by a team of k. Seats not in the list are played by
    bots. Raises ValueError when the class is smaller than 1 or larger than the scenario's max."""
    pl = players_of(scenario)
    if isinstance(n_players, bool) or not isinstance(n_players, int) or n_players < 1:
        raise ValueError(f"a class has at least one person, got {n_players!r}")
    if n_players > pl["max"]:
        raise ValueError(f"{scenario.name} plays with at most {pl['max']} people, not {n_players}")
    if n_players in pl["classes"]:
        return list(pl["classes"][n_players])
    explicit = {k: v for k, v in pl["classes"].items() if k in pl["explicit"]}
    return _derive(n_players, explicit, pl["order"], pl["max_team"])


def bot_seats(scenario: Any, n_players: int) -> list[str]:
    """The seats bots play in a class of `n_players`, in the order bots take seats."""
    taken = set(seats_for(scenario, n_players))
    return [s for s in players_of(scenario)["bots_first"] if s not in taken]
