"""Same scenario, seed and commands give the same state bit for bit; the log replays it."""

from __future__ import annotations

from district.server.engine import find_scenario
from district.server.engine.game import replay
from district.server.engine.snapshot import restore, snapshot, state_hash
from district.server.simulate import run_game


def test_same_seed_same_hash_every_round() -> None:
    sc = find_scenario("oregon-plastics")
    a, _ = run_game(sc, seed=11, rounds=4)
    b, _ = run_game(sc, seed=11, rounds=4)
    c, _ = run_game(sc, seed=12, rounds=4)
    assert a.hash() == b.hash()
    assert a.hash() != c.hash(), "a different seed gives a different game"
    assert [r["indicators"] for r in a.state.reports] == [r["indicators"] for r in b.state.reports]


def test_replay_of_the_log_gives_the_same_hash() -> None:
    sc = find_scenario("emilia-romagna")
    g, _ = run_game(sc, seed=5, rounds=3)
    again = replay(sc, 5, g.log)
    assert again.hash() == g.hash()
    assert len(g.log) > 10 and any(e[0] == "cmd" and e[2]["type"] == "propose" for e in g.log)


def test_snapshot_restores_identical_state_that_plays_on_identically() -> None:
    sc = find_scenario("emilia-romagna")
    g, _ = run_game(sc, seed=6, rounds=2)
    blob = snapshot(g.state)
    st = restore(blob, sc)
    assert state_hash(st) == g.hash()
    g.advance()
    h1 = g.hash()
    from district.server.engine.events import begin_round

    begin_round(st)
    assert state_hash(st) == h1
