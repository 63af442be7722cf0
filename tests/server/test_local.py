"""server/local.py: a server in a background thread and the synchronous helpers scripts use, with
in-process bots holding the seats nobody took."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import msgpack
from district.server.local import LocalServer, control, create_session, fill_with_bots
from district.server.protocol import encode
from websockets.sync.client import connect

from tests.server.conftest import SCENARIOS


class Player:
    """A minimal synchronous client, written from docs/protocol.md."""

    def __init__(self, url: str, **hello: Any) -> None:
        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(connect(url, max_queue=None))
        self.n = 0
        self.view: dict[str, Any] | None = None
        self.clock: dict[str, Any] | None = None
        self.roster: dict[str, Any] | None = None
        self.welcome = self.ask({"type": "hello", "version": 1, **hello})

    def _take(self, m: dict[str, Any]) -> None:
        if m["type"] == "view":
            self.view = m["view"]
        elif m["type"] == "clock":
            self.clock = m
        elif m["type"] == "roster":
            self.roster = m

    def ask(self, msg: dict[str, Any]) -> dict[str, Any]:
        self.n += 1
        self.ws.send(encode({**msg, "id": self.n}))
        while True:
            m = msgpack.unpackb(self.ws.recv(timeout=10), raw=False)
            self._take(m)
            if m.get("re") == self.n and m["type"] in ("ack", "error", "welcome"):
                return m

    def wait(self, cond: Any, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while not cond(self):
            left = end - time.monotonic()
            assert left > 0, "timed out"
            with contextlib.suppress(TimeoutError):
                self._take(msgpack.unpackb(self.ws.recv(timeout=left), raw=False))

    def close(self) -> None:
        self.stack.close()


def test_local_server_with_bots_in_the_other_seats(tmp_path) -> None:
    db = tmp_path / "local.sqlite3"
    with LocalServer(db, scenario_dirs=(SCENARIOS,)) as url:
        assert url.startswith("ws://127.0.0.1:")
        code, token = create_session(
            url, "server-test", seed=1, negotiation_seconds=600, report_seconds=0
        )
        botted = fill_with_bots(url, token, keep=["firm"])
        assert len(botted) == 6 and "firm:alpha-meccanica" not in botted
        ada = Player(url, code=code, name="Ada", role="firm")
        assert ada.welcome["seat"] == "firm:alpha-meccanica"  # the seat that was kept
        assert control(url, token, "start") == {}
        for r in (1, 2, 3):
            ada.wait(
                lambda p, r=r: (
                    p.view is not None
                    and p.view["round"] == r
                    and p.view["phase"] == "negotiation"
                    and p.clock is not None
                    and p.clock["status"] == "running"
                )
            )
            # the bots have played their seats already
            ada.wait(
                lambda p: (
                    p.roster is not None
                    and all(s["ready"] for s in p.roster["seats"] if s["controller"] == "bot")
                )
            )
            assert (
                ada.ask(
                    {"type": "command", "command": {"type": "ready", "round": r, "ready": True}}
                )["type"]
                == "ack"
            )
        ada.wait(lambda p: p.clock is not None and p.clock["status"] == "ended")
        info = control(url, token, "info")
        assert (info["status"], info["round"]) == ("ended", 3)
        assert info["commands"] > 3 * 6  # every bot seat decided and said ready, every round
        # a late player takes over a bot seat
        code2, token2 = create_session(
            url, "server-test", seed=2, negotiation_seconds=600, report_seconds=600
        )
        control(url, token2, "start")
        bo = Player(url, code=code2, name="Bo", role="union")
        assert bo.welcome["seat"] == "union"
        bo.wait(
            lambda p: (
                p.roster is not None
                and {s["id"]: s for s in p.roster["seats"]}["union"]["controller"] == "human"
            )
        )
        ada.close()
        bo.close()
    assert db.exists()


def test_local_server_stops_and_removes_its_temporary_database() -> None:
    srv = LocalServer()
    url = srv.start()
    code, _token = create_session(url, "emilia-romagna", seed=3)
    assert len(code) == 6
    path = srv.db_path
    assert path.exists()
    srv.stop()
    assert not path.exists()
