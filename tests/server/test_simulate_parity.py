"""`district simulate --seed N` is the server's bots-only game of that seed: every shipped scenario
played by the server's bots through real websockets ends with the state hash of `run_game`."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import msgpack
from district.server.engine.scenario import list_scenarios, load_scenario
from district.server.net import Server
from district.server.protocol import MAX_SERVER_FRAME, encode
from district.server.simulate import run_game
from websockets.asyncio.client import ClientConnection, connect

from tests.server.conftest import create, until

SEED = 1


def simulated_hash(name: str, seed: int) -> str:
    path = next(p for p in list_scenarios() if p.stem == name)
    game, _events = run_game(load_scenario(path), seed)
    assert game.state.phase == "ended"
    return game.hash()


class Facilitator:
    """A bare facilitator connection: it reads every frame, keeps the clock, answers by id.
    (Bare, and lenient about map keys, because it is here to compare hashes.)"""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.clock: dict[str, Any] | None = None
        self.replies: dict[int, dict[str, Any]] = {}
        self.n = 0
        self.reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def join(cls, url: str, token: str) -> Facilitator:
        ws = await connect(url, max_size=MAX_SERVER_FRAME, compression=None, ping_interval=None)
        f = cls(ws)
        assert (await f.ask({"type": "hello", "version": 1, "token": token}))["type"] == "welcome"
        return f

    async def _read(self) -> None:
        async for frame in self.ws:
            m = msgpack.unpackb(frame, raw=False, strict_map_key=False)
            if m["type"] == "clock":
                self.clock = m
            elif "re" in m and m["type"] in ("ack", "error", "welcome"):
                self.replies[m["re"]] = m

    async def ask(self, msg: dict[str, Any]) -> dict[str, Any]:
        self.n += 1
        n = self.n
        await self.ws.send(encode({**msg, "id": n}))
        await until(lambda: n in self.replies, timeout=30)
        return self.replies.pop(n)

    @property
    def ended(self) -> bool:
        return self.clock is not None and self.clock["status"] == "ended"


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
            fac = await Facilitator.join(server.url, created["facilitator_token"])
            assert (await fac.ask({"type": "control", "action": "start"}))["type"] == "ack"
            facs.append(fac)
        await until(lambda: all(f.ended for f in facs), timeout=240)
        served = time.perf_counter() - t0
        infos = [(await f.ask({"type": "control", "action": "info"}))["result"] for f in facs]
        hashes = await asyncio.gather(*expected)
    for name, info, h in zip(names, infos, hashes, strict=True):
        assert (info["scenario"], info["status"], info["phase"]) == (name, "ended", "ended")
        assert info["hash"] == h, f"{name}: the server's game is not simulate's"
    for f in facs:
        await f.ws.close()
    print(f"8 bots-only games: served in {served:.1f} s, {time.perf_counter() - t0:.1f} s in all")
