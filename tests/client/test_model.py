"""The client's model folds the server's stream (views, numbered events, acks, errors, clock) into
what the scenes show: deals move through their life, replays are ignored, gaps ask for a sync,
errors keep what caused them."""

from __future__ import annotations

import copy
from typing import Any

from district.client.model import ClientModel

from tests.client.conftest import HUMAN, rec_frames


def test_deal_events_move_a_deal_through_its_life(recorded: dict[str, Any]) -> None:
    view = rec_frames(recorded, HUMAN)[-2]
    view["deals"] = []
    m = ClientModel()
    m.feed({"type": "view", "seq": 10, "view": view})
    parties = [HUMAN, "firm:meccanica-ferri"]
    m.feed(
        {
            "type": "event",
            "seq": 11,
            "event": {
                "kind": "deal_proposed",
                "deal": "deal-9",
                "deal_kind": "subcontract",
                "seat": HUMAN,
                "status": "proposed",
                "parties": parties,
                "terms": {"volume": 3.0},
                "proposer": HUMAN,
            },
        }
    )
    (d,) = m.view["deals"]
    assert (
        d["kind"] == "subcontract"
        and d["responses"] == {HUMAN: "accept"}
        and d["status"] == "proposed"
    )
    m.feed(
        {
            "type": "event",
            "seq": 12,
            "event": {
                "kind": "deal_accepted",
                "deal": "deal-9",
                "deal_kind": "subcontract",
                "seat": "firm:meccanica-ferri",
                "status": "proposed",
            },
        }
    )
    m.feed(
        {
            "type": "event",
            "seq": 13,
            "event": {
                "kind": "deal_signed",
                "deal": "deal-9",
                "deal_kind": "subcontract",
                "seat": HUMAN,
                "status": "active",
                "parties": parties,
            },
        }
    )
    (d,) = m.view["deals"]
    assert d["status"] == "active" and d["responses"]["firm:meccanica-ferri"] == "accept"
    assert d["terms"] == {"volume": 3.0}
    # a replayed event (after a reconnect) is not applied twice; a gap asks for a sync
    m.feed(
        {
            "type": "event",
            "seq": 12,
            "event": {"kind": "chat", "from": "union", "to": "public", "text": "again"},
        }
    )
    assert not any(c.get("text") == "again" for c in m.view["chat"])
    m.feed(
        {
            "type": "event",
            "seq": 20,
            "event": {"kind": "chat", "from": "union", "to": "public", "text": "later"},
        }
    )
    assert m.need_sync and not any(c.get("text") == "later" for c in m.view["chat"])
    m.feed({"type": "view", "seq": 21, "view": copy.deepcopy(view)})
    assert not m.need_sync and m.last_event_seq == 21


def test_commands_errors_and_the_clock(recorded: dict[str, Any]) -> None:
    m = ClientModel(rec_frames(recorded, HUMAN)[-2])
    cid = m.send({"type": "decide", "decisions": {"wage": 500.0}}, origin="decisions")
    (out,) = m.take_outbox()
    assert out.command["round"] == m.view["round"] and cid in m.pending
    m.feed(
        {
            "type": "error",
            "re": cid,
            "code": "out_of_range",
            "message": "500 is out of range (9 to 165)",
            "where": "decisions.wage",
        }
    )
    err = m.error_at("decisions", "wage")
    assert err is not None and err.command == "decide"
    assert err.readable() == "Decisions refused: wage: 500 is out of range (9 to 165)"
    assert m.error_at("decisions", "skill_pay") is None and cid not in m.pending
    m.send({"type": "decide", "decisions": {"wage": 35.0}}, origin="decisions")
    assert m.errors_for("decisions") == []  # a new attempt clears the old message
    m.feed(
        {
            "type": "clock",
            "status": "paused",
            "round": m.view["round"],
            "phase": "negotiation",
            "remaining": 95.0,
            "deadline": None,
        }
    )
    assert m.seconds_left() == 95.0 and m.session["status"] == "paused"
    m.feed(
        {
            "type": "clock",
            "status": "running",
            "round": m.view["round"],
            "phase": "negotiation",
            "remaining": 60.0,
        }
    )
    left = m.seconds_left()
    assert left is not None and 59.0 < left <= 60.0
    m.feed(
        {
            "type": "welcome",
            "seat": HUMAN,
            "code": "K7QM2P",
            "token": "t0k",
            "status": "running",
            "session": "s-1",
            "role": "firm",
        }
    )
    assert m.status == "connected" and m.session["token"] == "t0k" and m.code == "K7QM2P"


def test_trends_come_from_the_views_seen(recorded: dict[str, Any]) -> None:
    frames = rec_frames(recorded, HUMAN)
    m = ClientModel()
    for v in frames:
        m.set_view(v)
    cash = m.series("cash")
    assert len(cash) == 3 and cash[-1] == frames[-1]["me"]["cash"]
