"""Decisions are validated with clear errors that change nothing."""

from __future__ import annotations

import math

import pytest
from district.server.engine import EngineError

from tests.helpers import district, game, seat

A = seat("Alpha")


def refused(g, who: str, cmd: dict, code: str, where: str = "") -> EngineError:
    before = g.hash()
    with pytest.raises(EngineError) as e:
        g.apply(who, cmd)
    assert e.value.code == code, e.value
    if where:
        assert e.value.where == where
    assert g.hash() == before, "a refused command must change nothing"
    assert e.value.message
    return e.value


def test_out_of_range_and_unknown_decisions() -> None:
    g = game(district())
    refused(g, A, {"type": "decide", "decisions": {"wage": -5}}, "out_of_range", "decisions.wage")
    refused(g, A, {"type": "decide", "decisions": {"price": 3}}, "out_of_range", "decisions.price")
    refused(
        g, A, {"type": "decide", "decisions": {"focus": "luxury"}}, "bad_value", "decisions.focus"
    )
    e = refused(g, A, {"type": "decide", "decisions": {"wages": 30}}, "unknown_decision")
    assert "known:" in e.message
    refused(g, A, {"type": "decide", "decisions": {"wage": 31, "training": 1e6}}, "cannot_afford")
    refused(
        g,
        A,
        {"type": "decide", "decisions": {"bids": [{"tender": "nope", "price": 5}]}},
        "tender_not_open",
    )
    refused(g, A, {"type": "decide", "decisions": {"wage": float("nan")}}, "bad_value")


def test_wrong_role_wrong_phase_stale_and_unknown() -> None:
    data = district(seats=[{"role": "union"}, {"role": "government"}])
    g = game(data)
    refused(g, "union", {"type": "decide", "decisions": {"wage": 30}}, "unknown_decision")
    refused(g, "government", {"type": "decide", "decisions": {"strike": None}}, "unknown_decision")
    refused(g, "nobody", {"type": "ready"}, "unknown_seat")
    refused(g, A, {"type": "fly"}, "unknown_command")
    refused(g, A, {"type": "ready", "round": 7}, "stale")
    refused(g, "facilitator", {"type": "decide", "decisions": {"wage": 30}}, "forbidden")
    g.resolve()
    refused(g, A, {"type": "decide", "decisions": {"wage": 31}}, "wrong_phase")


def test_accepted_decision_is_used_in_resolution() -> None:
    g = game(district())
    g.apply(A, {"type": "decide", "decisions": {"wage": 40.0, "training": 12.0}})
    assert g.state.decisions[A]["wage"] == 40.0
    g.resolve()
    i = g.state.firm_of(A)
    assert g.state.firms.wage[i] == 40.0
    assert g.state.firms.pipeline[i].sum() > 0, "training spend enrolled trainees"
    assert "training" not in g.state.decisions[A], "training is a one-round decision"


def test_facilitator_injects_an_event() -> None:
    g = game(district())
    ev = g.apply(
        "facilitator",
        {
            "type": "inject_event",
            "event": {"kind": "import_pressure", "value": 0.3, "headline": "Imports!"},
        },
    )
    assert ev[0]["kind"] == "news" and g.state.markets.import_pressure == 0.3
    refused(g, A, {"type": "inject_event", "event": {"kind": "message"}}, "forbidden")
    refused(
        g,
        "facilitator",
        {"type": "inject_event", "event": {"kind": "volcano"}},
        "bad_value",
        "event.kind",
    )


def test_the_view_shows_the_limits_the_validators_check() -> None:
    data = district(
        seats=[{"role": "union"}, {"role": "government"}, {"role": "broker", "id": "broker:b"}]
    )
    g = game(data)
    for who in (A, "union", "government", "broker:b"):
        limits = g.view(who)["limits"]
        assert limits, who
        for name, lim in limits.items():
            assert lim["type"] in ("float", "int", "bool", "choice", "list", "map"), name
            assert lim["help"], name
            if lim["type"] not in ("float", "int"):
                continue
            lo, hi = lim["min"], lim["max"]
            step = 1 if lim["type"] == "int" else 0.5
            for bad in (math.floor(lo) - step, math.ceil(hi) + step):
                refused(g, who, {"type": "decide", "decisions": {name: bad}}, "out_of_range")
            for good in (lo, hi):
                value = int(good) if lim["type"] == "int" and good == int(good) else good
                try:
                    g.apply(who, {"type": "decide", "decisions": {name: value}})
                except EngineError as e:  # a cross-field check, not the range
                    assert e.code == "cannot_afford", (who, name, e)
    firm_limits = g.view(A)["limits"]
    floor, ref = g.state.institutions.wage_floor, g.state.institutions.reference_wage
    assert firm_limits["wage"]["min"] == max(1.0, 0.3 * floor)
    assert firm_limits["wage"]["max"] == 5 * ref
    assert firm_limits["hire"]["min"] == -float(g.state.firms.workers[g.state.firm_of(A)])
    assert firm_limits["focus"]["choices"] == ["commodity", "niche"]
    assert "limits" not in g.view("facilitator") and "limits" not in g.view("observer")
