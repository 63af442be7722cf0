"""The facilitator token can be rotated: the new one works, the old one is refused from then on,
also after the server restarts (from a snapshot or from the entries)."""

from __future__ import annotations

from pathlib import Path

import pytest
from district.server.net import Server
from district.server.protocol_client import ProtocolClient, Refused

from tests.server.conftest import create, make_config


async def test_a_new_facilitator_token_replaces_the_old_one(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    srv = Server(config)
    await srv.start()
    try:
        created, fac = await create(srv.url, seed=3)
        old = created["facilitator_token"]
        ack = await fac.control("new_token")
        assert ack["type"] == "ack", ack
        new = ack["result"]["facilitator_token"]
        assert isinstance(new, str) and len(new) >= 16 and new != old
        # the console that asked goes on, and comes back with the new token after a drop
        assert (await fac.control("info"))["type"] == "ack"
        assert fac.token == new
        await fac.reconnect()
        assert fac.seat == "facilitator"
        await fac.close()
        with pytest.raises(Refused) as refused:
            await ProtocolClient(srv.url, token=old).connect()
        assert refused.value.msg["code"] == "bad_token"
        back = ProtocolClient(srv.url, token=new)
        await back.connect()
        assert back.seat == "facilitator"
        await back.control("start")
        await back.control("advance")
        await back.control("advance")  # a snapshot, which must carry the new token's hash
        await back.close()
    finally:
        await srv.stop()
    again = Server(config)
    await again.start()
    try:
        with pytest.raises(Refused) as refused:
            await ProtocolClient(again.url, token=old).connect()
        assert refused.value.msg["code"] == "bad_token"
        fac2 = ProtocolClient(again.url, token=new)
        await fac2.connect()
        assert fac2.seat == "facilitator"
        # a player cannot do it
        ada = ProtocolClient(again.url, code=created["code"], name="Ada")
        await ada.connect()
        no = await ada.control("new_token")
        assert no["type"] == "error" and no["code"] == "forbidden"
        await ada.close()
        await fac2.close()
    finally:
        await again.stop()
