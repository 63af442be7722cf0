"""Three `district serve --store postgresql://...` processes on loopback, one real PostgreSQL, 30
sessions played by network bots in every seat; one process is killed with SIGKILL in the middle of
round 2 (issue 14).

Each session is created on one process; some of its bots say hello to another one (and are
redirected to the owner), some to the owner itself, and one through a round-robin address in front
of all three (a TCP balancer, as nginx's `stream` or HAProxy would be: the one address of a
deployment, docs/deploy.md). A bot's home is never the process killed, or it is that address.
After the kill, the dead process's sessions are taken over by the two others (once its leases run
out), their bots come back to their seats through their home, and every session finishes. Then,
for every session: its final hash equals the hash of its stored commands run through a fresh
engine (an uninterrupted run of the same scenario, seed and commands), no acknowledged command is
missing from the store and none is stored twice; the takeover time (the kill to the first welcome
a bot of the session gets from its new owner) is under 5 s."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from district.benchmarks.server_harness import scenario_toml
from district.server.botclient import BotPlayer
from district.server.engine import Game
from district.server.engine.scenario_files import load_scenario
from district.server.protocol_client import ProtocolClient
from district.server.store import open_store

from tests.server.conftest import ServerProcess, create, free_port, until

PROCESSES = 3
SESSIONS = 30
ROUNDS = 3
VICTIM = 0  # the process killed
TAKEOVER_BOUND = 5.0  # seconds


def cid_round(cid: str) -> int:
    return int(cid.rsplit(":", 3)[1])


def homes(creator: int, seats: int) -> list[int]:
    """Where each bot of a session created on `creator` says hello first (its home): the last
    seat through the round-robin address (PROCESSES), the others a single process, every other
    one not the owner (redirected), the rest the owner itself; never the process to be killed."""
    others = [p for p in range(PROCESSES) if p not in (creator, VICTIM)]
    out = []
    for k in range(seats):
        if k == seats - 1:
            out.append(PROCESSES)
        elif k % 2 == 0 or creator == VICTIM:
            out.append(others[k // 2 % len(others)])
        else:
            out.append(creator)
    return out


class RoundRobin:
    """One address in front of the processes, as a TCP balancer: each connection goes to the
    next process that accepts it (a dead one is skipped)."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.n = 0
        self.url = ""
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in self.ports:
            port = self.ports[self.n % len(self.ports)]
            self.n += 1
            try:
                up_r, up_w = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        else:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_w), self._pipe(up_r, writer))

    @staticmethod
    async def _pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        try:
            while data := await r.read(65536):
                w.write(data)
                await w.drain()
        except OSError:
            pass
        finally:
            w.close()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()


async def test_three_processes_survive_a_kill_9_and_lose_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    t_start = time.monotonic()
    scen = tmp_path / "scenarios"
    scen.mkdir()
    toml = scen / "chaos.toml"
    toml.write_text(scenario_toml("chaos", 2, 0, background=4, rounds=ROUNDS))
    seats = len(load_scenario(toml).seats)
    ports = [free_port() for _ in range(PROCESSES)]
    procs = [
        ServerProcess(
            tmp_path / f"p{i}.sqlite3",
            ports[i],
            "--scenarios",
            str(scen),
            "--store",
            pg_url,
            "--name",
            f"p{i}",
            "--advertise",
            f"ws://127.0.0.1:{ports[i]}",
        )
        for i in range(PROCESSES)
    ]
    store = open_store(pg_url, tmp_path / "unused.sqlite3")
    balancer = RoundRobin(ports)
    try:
        await asyncio.gather(*(asyncio.to_thread(p.start) for p in procs))
        await balancer.start()
        urls = [p.url for p in procs] + [balancer.url]
        made: list[tuple[int, dict[str, Any], ProtocolClient]] = []
        for i, (created, fac) in enumerate(
            await asyncio.gather(
                *(
                    create(
                        urls[i % PROCESSES],
                        "chaos",
                        seed=100 + i,
                        negotiation_seconds=20,
                        report_seconds=0,
                    )
                    for i in range(SESSIONS)
                )
            )
        ):
            made.append((i % PROCESSES, created, fac))
        bots: dict[str, list[BotPlayer]] = {}
        welcomes: dict[str, list[float]] = {}  # session -> when its bots were welcomed
        for creator, created, _fac in made:
            sid = created["session"]
            welcomes[sid] = []
            group = []
            for k, home in enumerate(homes(creator, seats)):
                # a round's commands spread over a second or so: a kill lands inside one
                b = BotPlayer(urls[home], created["code"], f"Bot {k + 1}", think=0.2 + 0.3 * k)
                hook = b.client.on_message

                def seen(m: dict[str, Any], hook: Any = hook, sid: str = sid) -> None:
                    if m.get("type") == "welcome":
                        welcomes[sid].append(time.monotonic())
                    hook(m)

                b.client.on_message = seen
                group.append(b)
            bots[sid] = group
        everyone = [b for g in bots.values() for b in g]
        tasks = [asyncio.create_task(b.play()) for b in everyone]
        await until(lambda: all(b.client.seat for b in everyone), timeout=60)
        redirected = sum(b.client.redirects for b in everyone)
        assert redirected >= SESSIONS * seats // 2  # the bots said hello to another process
        for _creator, _created, fac in made:
            r = await fac.control("start", fill_bots=False)
            assert r["type"] == "ack", r
            await fac.close()

        # the victim's sessions in the middle of round 2: most have commands of it acknowledged
        victims = [c["session"] for p, c, _ in made if p == VICTIM]

        def mid_round_2(sid: str) -> bool:
            """A command of round 2 acknowledged, and round 3 not begun yet (as the bots saw)."""
            return any(
                cid_round(cid) == 2 for b in bots[sid] for cid in b.client.acked_cids
            ) and all(b.client.view is None or b.client.view["round"] < 3 for b in bots[sid])

        await until(lambda: sum(map(mid_round_2, victims)) >= 0.6 * len(victims), timeout=60)
        procs[VICTIM].kill9()
        killed = time.monotonic()
        acked_before = {sid: [c for b in bots[sid] for c in b.client.acked_cids] for sid in bots}

        # mid-round: many of its sessions had begun round 2 and not finished it when it died;
        # none had ended; everything acknowledged was stored
        middle = 0
        for sid in victims:
            stored = await store.all_entries(sid)
            kinds = [e["k"] for e in stored]
            middle += kinds.count("resolve") == 1 and any(
                cid_round(e["cid"]) == 2 for e in stored if "cid" in e
            )
            assert kinds.count("resolve") < ROUNDS, (sid, kinds)
            assert set(acked_before[sid]) <= {e.get("cid") for e in stored}
        assert middle >= 3, middle

        await asyncio.wait_for(asyncio.gather(*tasks), 90)
        played = time.monotonic()

        # the dead process's sessions now live on the two others
        for sid in victims:
            lease = await store.lease(sid)
            assert lease is not None and lease.owner != f"p{VICTIM}", lease
        takeover = {sid: min(t for t in welcomes[sid] if t > killed) - killed for sid in victims}
        worst = max(takeover.values())
        print(
            f"\nchaos: {SESSIONS} sessions, {len(everyone)} bots, {redirected} redirects; "
            f"{middle} of {len(victims)} killed mid-round 2; "
            f"takeover median {statistics.median(takeover.values()):.2f} s, max {worst:.2f} s; "
            f"played in {played - t_start:.1f} s"
        )
        assert worst < TAKEOVER_BOUND, takeover

        scenario = load_scenario(toml)
        live = [i for i in range(PROCESSES) if i != VICTIM]
        for n, (_creator, created, _fac) in enumerate(made):
            sid = created["session"]
            fac = ProtocolClient(urls[live[n % len(live)]], token=created["facilitator_token"])
            await fac.connect()
            info = (await fac.control("info"))["result"]
            await fac.close()
            assert (info["status"], info["round"]) == ("ended", ROUNDS), info
            game = Game(scenario, 100 + n)
            cids = []
            for e in await store.all_entries(sid):
                if e["k"] == "cmd":
                    game.apply(e["seat"], e["cmd"])
                    if "cid" in e:
                        cids.append(e["cid"])
                elif e["k"] in ("resolve", "advance"):
                    game.step((e["k"],))
            assert game.hash() == info["hash"], sid
            acked = [c for b in bots[sid] for c in b.client.acked_cids]
            assert set(acked) <= set(cids), set(acked) - set(cids)  # no acknowledged one lost
            assert len(cids) == len(set(cids))  # and none applied twice
            for b in bots[sid]:
                assert sorted(b.acted) == list(range(1, ROUNDS + 1)) and b.client.gaps == 0
        moved = sum(b.client.redirects for sid in victims for b in bots[sid])
        assert moved > len(victims) * seats  # the victims' bots were redirected again after
    finally:
        for p in procs:
            p.stop()
        await balancer.stop()
        await store.close()
