"""Engine benchmark (not a test): prints the time to resolve one round for districts of 100 and
1,000 firms, and the time of a whole 8-round bots-only game with 20 seats, deals in play.

Targets (docs ARCHITECTURE.md): one round of a 1,000-firm district < 50 ms; a full 8-round
bots-only game with 20 seats < 5 s.   Run: .venv/bin/python benchmarks/engine_bench.py
"""

from __future__ import annotations

import statistics
import time

from district.server.engine import Game, find_scenario
from district.server.engine.scenario_parse import parse_scenario
from district.server.simulate import play_bots_round, run_game


def district(n_firms: int, n_seat_firms: int = 16) -> dict:
    firms = [
        {
            "name": f"Seat firm {i}",
            "seat": True,
            "workers": 15,
            "skilled": 3,
            "capabilities": {
                ["design", "machining", "welding", "assembly", "electronics"][i % 5]: 0.7
            },
        }
        for i in range(n_seat_firms)
    ]
    return {
        "scenario": {"name": "bench", "title": "Benchmark district", "rounds": 8},
        "institutions": {
            "labour_surplus": 0.1,
            "enforcement": 0.4,
            "union_power": 0.4,
            "government_budget": 5000,
        },
        "markets": {
            "commodity_demand": 9.0 * n_firms,
            "niche_demand": 3.0 * n_firms,
            "export_demand": 1.5 * n_firms,
        },
        "firms": firms,
        "background": {"count": n_firms - n_seat_firms, "high_road_share": 0.5, "niche_share": 0.4},
        "seats": [
            {"role": "union"},
            {"role": "government"},
            {"role": "broker", "id": "broker:a"},
            {"role": "broker", "id": "broker:b"},
        ],
        "networks": [
            {
                "name": "Hub",
                "members": [f"Seat firm {i}" for i in range(6)],
                "stock": {"training": 0.5, "quality": 0.5, "intelligence": 0.5},
                "dues": 8,
            }
        ],
        "tenders": [
            {
                "id": f"t{r}",
                "round": r,
                "operations": {"machining": 0.5, "welding": 0.5},
                "volume": 40,
                "price": 95,
                "min_quality": 0.4,
            }
            for r in range(1, 9)
        ],
    }


def time_rounds(n_firms: int, repeats: int = 8) -> list[float]:
    sc = parse_scenario(district(n_firms), "bench")
    game = Game(sc, 1)
    times = []
    for _ in range(repeats):
        play_bots_round(game)  # bots decide and bargain (not timed: the round's resolution is)
        t0 = time.perf_counter()
        game.resolve()
        times.append((time.perf_counter() - t0) * 1000)
        if game.state.round >= sc.rounds:
            break
        game.advance()
    return times


def main() -> None:
    print("District engine benchmark")
    for n in (100, 1000):
        ts = time_rounds(n)
        print(
            f"  resolve one round, {n:>5} firms: median {statistics.median(ts):6.1f} ms, "
            f"max {max(ts):6.1f} ms   (target < 50 ms for 1,000)"
        )
    sc = parse_scenario(district(100, n_seat_firms=16), "bench")  # 16 firm seats + 4 = 20 seats
    t0 = time.perf_counter()
    game, _ = run_game(sc, 1)
    dt = time.perf_counter() - t0
    signed = sum(1 for d in game.state.deals.values() if d.signed_round)
    print(
        f"  full 8-round bots-only game, {len(sc.seats)} seats, {len(sc.firms) + sc.background.count} firms: "
        f"{dt:5.2f} s, {signed} deals signed   (target < 5 s)"
    )
    for name in ("emilia-romagna", "oregon-plastics"):
        t0 = time.perf_counter()
        run_game(find_scenario(name), 1)
        print(f"  full bots-only game of {name}: {time.perf_counter() - t0:5.2f} s")


if __name__ == "__main__":
    main()
