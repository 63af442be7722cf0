"""A session played on a real server on loopback, stored in a real SQLite file: a person in one
firm seat (who asks a preview, chats and decides, then hands the seat to a bot), bots in the rest.
Played once a test process, for every module that asks for it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from district.server.net import Server

from tests.server.conftest import create, join, make_config, until


async def play_session(tmp: Path) -> dict[str, Any]:
    server = Server(make_config(tmp))
    await server.start()
    try:
        created, fac = await create(server.url, seed=3, report_seconds=0.05)
        ada = await join(server.url, created["code"], "Ada", role="firm")
        assert (await fac.control("start"))["type"] == "ack"
        await until(lambda: ada.view is not None and ada.view.get("phase") == "negotiation")
        assert ada.view is not None and ada.seat is not None
        seat = ada.seat
        other = next(f for f in ada.view["firms"] if f["seat"] and f["seat"] != seat)
        preview = {
            "type": "preview",
            "kind": "subcontract",
            "parties": [seat, other["seat"]],
            "terms": {"buyer": seat, "supplier": other["seat"],
                      "operation": other["operations"][0], "volume": 1, "unit_price": 1},
        }  # fmt: skip
        assert (await ada.command(preview))["type"] == "ack"
        chat = {"type": "chat", "text": "Shall we train together?"}
        assert (await ada.command(chat))["type"] == "ack"
        decide = {"type": "decide", "decisions": {"wage": 40}}
        assert (await ada.command(decide))["type"] == "ack"
        assert (await ada.command({"type": "ready"}))["type"] == "ack"
        await until(lambda: ada.view is not None and ada.view.get("round", 1) >= 2, timeout=60)
        assert (await fac.control("bot", seat=seat))["type"] == "ack"
        await until(lambda: fac.ended.is_set(), timeout=120)
        info = (await fac.control("info"))["result"]
        sid = created["session"]
        history = await server.sessions[sid].call(lambda s: list(s.core.game.state.history))
        start = await server.sessions[sid].call(lambda s: dict(s.core.game.state.start))
        for c in (ada, fac):
            await c.close()
    finally:
        await server.stop()
    return {
        "db": tmp / "district.sqlite3",
        "code": created["code"],
        "seat": seat,
        "hash": info["hash"],
        "entries": info["entries"],
        "history": history,
        "start": start,
        "chat": chat["text"],
    }


@pytest.fixture(scope="session")
def stored_session(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return asyncio.run(play_session(tmp_path_factory.mktemp("played")))
