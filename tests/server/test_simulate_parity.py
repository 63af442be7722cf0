"""`district simulate --seed N` is the server's bots-only game of that seed: every shipped scenario
played by the server's bots through real websockets ends with the state hash of `run_game`."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from district.server.engine.scenario_files import list_scenarios, load_scenario
from district.server.net import Server
from district.server.simulate import run_game

from tests.server.conftest import SeatClient, create, until

SEED = 1


def simulated_hash(name: str, seed: int) -> str:
    path = next(p for p in list_scenarios() if p.stem == name)
    game, _events = run_game(load_scenario(path), seed)
    assert game.state.phase == "ended"
    return game.hash()


async def test_every_scenario_played_by_the_servers_bots_ends_as_simulate_does(
    server: Server,
) -> None:
    names = [p.stem for p in list_scenarios()]
    assert len(names) == 8
    t0 = time.perf_counter()
    loop = asyncio.get_running_loop()
    # the reference games run in another process meanwhile (on the machine's other core)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        expected = [loop.run_in_executor(pool, simulated_hash, n, SEED) for n in names]
        # every game at once, in one server: the facilitator's `start` gives every seat to a bot
        facs = []
        for name in names:
            created, maker = await create(server.url, name, seed=SEED, report_seconds=0.05)
            await maker.close()
            fac = SeatClient(server.url, token=created["facilitator_token"])
            await fac.connect()
            assert (await fac.control("start"))["type"] == "ack"
            facs.append(fac)
        await until(lambda: all(f.ended.is_set() for f in facs), timeout=240)
        served = time.perf_counter() - t0
        infos = [(await f.control("info"))["result"] for f in facs]
        hashes = await asyncio.gather(*expected)
    for name, info, h in zip(names, infos, hashes, strict=True):
        assert (info["scenario"], info["status"], info["phase"]) == (name, "ended", "ended")
        assert info["hash"] == h, f"{name}: the server's game is not simulate's"
    for f in facs:
        await f.close()
    print(f"8 bots-only games: served in {served:.1f} s, {time.perf_counter() - t0:.1f} s in all")
