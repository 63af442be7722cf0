"""Issue 10: a broker lowers the trust gate only between firms it has actually worked with (004
S.III L3334-3355: the trust ladder - social events, then introductions, then joint projects; a
signature used to remove the gate, so the ladder could be skipped)."""

from __future__ import annotations

from district.server.engine.deals import trust_gate

from tests.helpers import district, firm, game, seat

A, B, C = seat("Alpha"), seat("Beta"), seat("Gamma")
BROKER = "broker:b"


def _world():
    return game(
        district(
            [firm("Alpha"), firm("Beta"), firm("Gamma")],
            trust={"firms": 0.3},
            seats=[{"role": "broker", "id": BROKER}],
        )
    )


def test_a_broker_party_lowers_the_gate_only_between_firms_it_worked_with() -> None:
    g = _world()
    plain, _ = trust_gate(g.state, "network_charter", [A, B, C])
    drafted, _ = trust_gate(g.state, "network_charter", [A, B, C], drafted_by=BROKER)
    party, _ = trust_gate(g.state, "network_charter", [A, B, C, BROKER])
    assert drafted == plain and party == plain, "a broker who never met them lowers nothing"

    g.apply(BROKER, {"type": "decide", "decisions": {"events": [[0, 1]]}})
    g.resolve()
    g.advance()
    two, _ = trust_gate(g.state, "subcontract", [A, B], drafted_by=BROKER)
    three, _ = trust_gate(g.state, "network_charter", [A, B, C], drafted_by=BROKER)
    assert two < trust_gate(g.state, "subcontract", [A, B])[0], "Alpha and Beta came to its event"
    assert three == plain, "Gamma stayed away: no lower gate for a deal that includes it"


def test_signed_across_the_gate_without_the_ladder_a_charter_is_forced() -> None:
    """A broker-drafted charter among firms it never met is signed forced (and may fail)."""
    g = _world()
    ev = g.apply(
        BROKER,
        {
            "type": "propose",
            "kind": "network_charter",
            "parties": [A, B, C],
            "terms": {"dues": 2.0, "services": ["training"]},
        },
    )
    for s in (A, B, C):
        g.apply(s, {"type": "respond", "deal": ev[0]["deal"], "answer": "accept"})
    assert g.state.deals[ev[0]["deal"]].forced


def _engaged(scope: str):
    g = _world()
    ev = g.apply(
        BROKER,
        {
            "type": "propose",
            "kind": "broker_engagement",
            "parties": [BROKER, A, B],
            "terms": {"fee": 2.0, "rounds": 3, "scope": scope},
        },
    )
    for s in (A, B):
        g.apply(s, {"type": "respond", "deal": ev[0]["deal"], "answer": "accept"})
    g.resolve()
    g.advance()
    gate, trust = trust_gate(g.state, "joint_bid", [A, B])
    known = g.view(A)["me"]["known_capabilities"]
    return gate, trust, known


def test_broker_engagement_scope_decides_what_the_fee_buys() -> None:
    """Broker engagement `scope` (004 S.III: events, introductions, drafting are the ladder's
    rungs; 004 S.II: Danish brokers were paid to do them)."""
    g_ev, t_ev, k_ev = _engaged("events")
    g_in, t_in, k_in = _engaged("intros")
    g_dr, t_dr, k_dr = _engaged("drafting")
    g_all, t_all, _ = _engaged("all")
    assert t_ev > t_dr + 0.05 and t_in > t_dr + 0.05, "events and introductions build trust"
    assert "1" in k_in and "1" not in k_ev, "introductions reveal the partner's capabilities"
    assert g_all < g_ev and g_all < g_dr, "facilitation lowers the gate once the broker has worked"
    assert g_dr == g_ev, "drafting alone, for firms it never met, lowers nothing"
