"""GAME.md section 7, statements 1, 2, 6, 7 and 8: joint bids, training and the floor, factor
stock, conditional credit, brokers and the trust ladder. Each compares controlled runs."""

from __future__ import annotations

from tests.helpers import district, firm, game, play, seat

A, B, C = seat("Alpha"), seat("Beta"), seat("Gamma")


def _tender(tid: str, rnd: int, **kw) -> dict:
    t = {
        "id": tid,
        "round": rnd,
        "operations": {"machining": 0.5, "welding": 0.5},
        "volume": 18.0,
        "price": 95.0,
        "min_quality": 0.45,
    }
    t.update(kw)
    return t


def _three(
    stock: float = 0.6, trust: float = 0.8, tenders: list | None = None, rounds: int = 8
) -> dict:
    """Alpha machines, Beta welds, Gamma machines; none has both operations or the capacity."""
    firms = [
        firm("Alpha", capabilities={"machining": 0.7}),
        firm("Beta", capabilities={"welding": 0.7}),
        firm("Gamma", capabilities={"machining": 0.7}),
    ]
    data = district(
        firms,
        trust={"firms": trust, "network": trust},
        tenders=tenders or [_tender("t1", 1)],
        seats=[{"role": "government"}, {"role": "union"}],
    )
    data["scenario"]["rounds"] = rounds
    if stock > 0:
        data["networks"] = [
            {
                "name": "Hub",
                "members": ["Alpha", "Beta", "Gamma"],
                "stock": {"training": stock, "intelligence": stock, "quality": stock},
                "dues": 12.0,
            }
        ]  # funded: factor stock decays unless paid for (004 S.II)
    return data


def _joint_bid(g, members: list[str], tender: str, price: float = 90.0) -> str:
    shares = {m: round(1.0 / len(members), 6) for m in members}
    shares[members[0]] = round(1.0 - sum(v for k, v in shares.items() if k != members[0]), 6)
    ev = g.apply(
        members[0],
        {
            "type": "propose",
            "kind": "joint_bid",
            "parties": members,
            "terms": {"tender": tender, "lead": members[0], "shares": shares, "price": price},
        },
    )
    did = ev[0]["deal"]
    for m in members[1:]:
        g.apply(m, {"type": "respond", "deal": did, "answer": "accept"})
    return did


# --- statement 1 ----------------------------------------------------------------------------


def test_a_tender_no_firm_can_serve_is_won_only_by_a_joint_bid_covering_it() -> None:
    """003 I-2.2 (farming out), 004 S.II (FSM's network of suppliers)."""
    alone = game(_three())
    for s in (A, B, C):
        alone.apply(s, {"type": "decide", "decisions": {"bids": [{"tender": "t1", "price": 90.0}]}})
    alone.resolve()
    assert alone.state.tenders[0].status == "unawarded", "no single firm is eligible"

    partial = game(_three())
    _joint_bid(partial, [A, C], "t1")  # two machinists: nobody welds
    partial.resolve()
    assert partial.state.tenders[0].status == "unawarded"

    joint = game(_three())
    did = _joint_bid(joint, [A, B], "t1")
    joint.resolve()
    t = joint.state.tenders[0]
    assert t.status in ("awarded", "done") and t.winner_deal == did
    assert sorted(t.winner) == [0, 1]
    assert joint.state.firms.revenue[0] > alone.state.firms.revenue[0], (
        "the members earn from the tender"
    )


# --- statement 2 ----------------------------------------------------------------------------


def _training_run(union: bool):
    data = district(
        [firm("Alpha", workers=20), firm("Beta", workers=20)],
        institutions={"union_power": 0.7 if union else 0.0, "union_density": 0.5 if union else 0.0},
        seats=[{"role": "union"}] if union else [],
    )
    g = game(data, 1)
    pay_before = float(g.state.firms.wage[0])

    def each(g):
        for s in (A, B):
            g.apply(s, {"type": "decide", "decisions": {"training": 40.0, "wage": 32.0}})

    play(g, 6, each)
    return g, pay_before


def test_training_raises_skill_but_not_the_floor_without_union_or_clause() -> None:
    """000 III.1: OPEC trainees were promoted and earned about 15% more; industry wages did not rise."""
    plain, pay_before = _training_run(union=False)
    h = plain.state.history
    assert h[-1]["mean_skill"] > h[0]["mean_skill"] + 0.1, "training raises skill"
    assert all(x["wage_floor"] == h[0]["wage_floor"] for x in h), (
        "no union, no clause: the floor stays put"
    )
    f = plain.state.firms
    trained_pay = float(f.wage[0] * (1 + f.skill_pay[0]))
    assert 1.10 <= trained_pay / pay_before <= 1.20, (
        "a trained worker earns about 15% more (000 III.1 L159)"
    )

    with_union, _ = _training_run(union=True)
    hu = with_union.state.history
    assert hu[-1]["wage_floor"] > hu[0]["wage_floor"] * 1.03, (
        "with a union the floor rises with productivity"
    )


# --- statement 6 ----------------------------------------------------------------------------


def test_joint_bids_without_factor_stock_win_hardly_more_than_members_alone() -> None:
    """004 S.II: production networks only work on top of factor-creating ones."""
    tenders = [_tender(f"t{r}", r, min_quality=0.5) for r in range(1, 7)]

    def wins(stock: float, joint: bool) -> int:
        g = game(_three(stock=stock, tenders=tenders))

        def each(g):
            t = next(t for t in g.state.tenders if t.status == "open")
            if joint:
                _joint_bid(g, [A, B], t.id)
            else:
                for s in (A, B):
                    g.apply(
                        s,
                        {
                            "type": "decide",
                            "decisions": {"bids": [{"tender": t.id, "price": 90.0}]},
                        },
                    )

        play(g, 6, each)
        return sum(1 for t in g.state.tenders if t.winner and 0 in t.winner)

    alone_thin, joint_thin, joint_rich = wins(0.0, False), wins(0.0, True), wins(0.6, True)
    assert joint_thin <= alone_thin + 1, (
        "with little factor stock a joint bid wins hardly more than alone"
    )
    assert joint_rich >= joint_thin + 3, "with a stock of shared factors the same joint bids win"


# --- statement 7 ----------------------------------------------------------------------------


def _credit(audit_rate: float, wage: float):
    g = game(district(seats=[{"role": "government"}]), 2)
    ev = g.apply(
        "government",
        {
            "type": "propose",
            "kind": "conditional_credit",
            "parties": ["government", A],
            "terms": {
                "amount": 100.0,
                "term": 4,
                "purpose": "working_capital",
                "conditions": ["compliance"],
                "audit_rate": audit_rate,
                "remedy": "clawback",
            },
        },
    )
    g.apply(A, {"type": "respond", "deal": ev[0]["deal"], "answer": "accept"})
    play(g, 2, lambda g: g.apply(A, {"type": "decide", "decisions": {"wage": wage}}))
    return g, g.state.deals[ev[0]["deal"]]


def test_a_breached_credit_condition_triggers_its_remedy_only_when_audited() -> None:
    """000 III.4: public credit conditional on compliance contractors must 'meet and sustain'."""
    audited, d1 = _credit(1.0, wage=24.0)
    unaudited, d2 = _credit(0.0, wage=24.0)
    kept, d3 = _credit(1.0, wage=31.0)
    assert d1.status == "breached" and d1.ledger["outstanding"] == 0.0, "audited breach: clawback"
    assert audited.state.firms.public_debt[0] == 0.0
    assert audited.state.firms.credit[0] < unaudited.state.firms.credit[0], "credit standing falls"
    assert d2.status == "active" and d2.ledger["breached_rounds"] == 2, (
        "unaudited, the breach goes unremedied"
    )
    assert unaudited.state.firms.public_debt[0] > 0
    assert d3.status == "active" and not d3.breaches, "a kept condition is never remedied"


# --- statement 8 ----------------------------------------------------------------------------


def test_broker_events_raise_trust_among_attendees() -> None:
    data = district(
        [firm("Alpha"), firm("Beta"), firm("Gamma"), firm("Delta")],
        trust={"firms": 0.2},
        seats=[{"role": "broker", "id": "broker:b"}],
    )
    g = game(data)
    g.apply("broker:b", {"type": "decide", "decisions": {"events": [[0, 1, 2]]}})
    g.resolve()
    t = g.state.trust
    assert min(t[0, 1], t[1, 2], t[0, 2]) > 0.28, "attendees trust each other more"
    assert abs(t[0, 3] - 0.2) < 0.01 and abs(t[3, 1] - 0.2) < 0.01, (
        "the firm that stayed away does not"
    )


def test_forced_deals_fail_more_often_than_deals_after_the_trust_ladder() -> None:
    """004 S.III: trust is climbed step by step; forcing 'marriages (even with money)' fails."""

    def breach_rate(climb: bool) -> float:
        broken = 0
        seeds = range(12)
        for seed in seeds:
            data = district(
                [firm("Alpha"), firm("Beta"), firm("Gamma")],
                trust={"firms": 0.2},
                seats=[{"role": "broker", "id": "broker:b"}],
            )
            g = game(data, seed)
            if (
                climb
            ):  # three rounds of events first (social events -> interest group -> sub-network)
                play(
                    g,
                    3,
                    lambda g: g.apply(
                        "broker:b", {"type": "decide", "decisions": {"events": [[0, 1, 2]]}}
                    ),
                )
            ev = g.apply(
                A,
                {
                    "type": "propose",
                    "kind": "network_charter",
                    "parties": [A, B, C],
                    "terms": {"dues": 2.0, "services": ["training"], "rounds": 3},
                },
            )
            for s in (B, C):
                g.apply(s, {"type": "respond", "deal": ev[0]["deal"], "answer": "accept"})
            d = g.state.deals[ev[0]["deal"]]
            assert d.forced is not climb
            play(g, 3)
            broken += d.status == "breached"
        return broken / len(seeds)

    forced, climbed = breach_rate(False), breach_rate(True)
    assert forced >= 0.5 and climbed <= 0.1 and forced > climbed + 0.4, (forced, climbed)
