"""The session's rules, tested directly: no sockets, no store, no clock (time is an argument).

Each decision is a list of typed outputs; `Pilot.carry` does with them what the actor does with
the state (apply the entries, work out the acks' numbers), so a test can take a session through
its life in microseconds and look at every decision on the way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from district.server.bots.turns import MAX_WAKES
from district.server.engine import EngineError
from district.server.engine.scenario_files import load_scenario
from district.server.engine.snapshot import copy_state
from district.server.protocol import CLOSE_RELEASED
from district.server.session import rules
from district.server.session.jobs import Command, Control, Hello
from district.server.session.messages import hash_token
from district.server.session.outputs import (
    Ack,
    AddToken,
    Admit,
    Announce,
    Arm,
    Attempt,
    Bye,
    DropToken,
    Flush,
    Output,
    Question,
    Record,
    Reply,
    TakeSnapshot,
    Unwait,
    Wait,
)
from district.server.session.state import SessionCore, SessionInfo, Waiting, plain

from tests.server.conftest import SCENARIOS

SCENARIO = load_scenario(SCENARIOS / "server-test.toml")
FIRMS = [
    "firm:alpha-meccanica",
    "firm:beta-saldature",
    "firm:gamma-assemblaggi",
    "firm:delta-finiture",
]
SEATS = [*FIRMS, "union", "government", "broker:agency"]
T0 = 1_000_000.0


@dataclass(eq=False)
class FakeConn:
    recipient: str | None = None
    closed: bool = False


class Pilot:
    """A session's state and the facilitator's connection; carries decisions out like the actor."""

    def __init__(self, negotiation: float = 480.0, report: float = 120.0) -> None:
        info = SessionInfo(
            id="s-rules",
            code="ABCDEF",
            scenario="server-test",
            seed=3,
            facilitator_hash=hash_token("fac-token"),
            created=T0,
            negotiation_seconds=negotiation,
            report_seconds=report,
        )
        self.core = SessionCore(info, SCENARIO)
        self.now = T0
        self.fac = FakeConn("facilitator")
        self.n = 0
        self.last_conn = FakeConn()  # of the latest command or join

    def carry(self, outs: list[Output]) -> list[dict[str, Any]]:
        """Apply the entries; returns the messages the connections would get (acks with their
        numbers), in order."""
        sent: list[dict[str, Any]] = []
        for o in outs:
            if isinstance(o, Record):
                self.core.apply(plain(o.entry))
            elif isinstance(o, Attempt):
                try:
                    self.core.apply(plain(o.entry))
                except EngineError as e:
                    if o.conn is not None:
                        sent.append({"type": "error", "re": o.re, "code": e.code})
                        break
            elif isinstance(o, Ack):
                ack = {"type": "ack", "re": o.re, "seq": self.core.streams[o.recipient].seq}
                if o.result is not None:
                    ack["result"] = o.result
                sent.append(ack)
            elif isinstance(o, Reply):
                sent.append(o.msg)
        return sent

    def control(self, action: str, conn: FakeConn | None = None, **fields: Any) -> list[Output]:
        self.n += 1
        msg = {"type": "control", "id": self.n, "action": action, **fields}
        token = "new-token" if action == "assign" else None
        return rules.control(
            self.core, Control(conn or self.fac, msg), self.now, token, {"connections": 1}
        )

    def do(self, action: str, **fields: Any) -> dict[str, Any]:
        """A control carried out; its reply."""
        return self.carry(self.control(action, **fields))[-1]

    def command(self, seat: str, cmd: dict[str, Any], cid: str | None = None) -> list[Output]:
        self.n += 1
        msg: dict[str, Any] = {"type": "command", "id": self.n, "command": cmd}
        if cid is not None:
            msg["cid"] = cid
        self.last_conn = FakeConn(seat)
        return rules.admit_command(self.core, Command(self.last_conn, msg))

    def join(self, name: str = "Ada", role: str | None = None, token: str = "tok") -> list[Output]:
        msg: dict[str, Any] = {
            "type": "hello",
            "id": 1,
            "version": 1,
            "code": "ABCDEF",
            "name": name,
        }
        if role:
            msg["role"] = role
        self.last_conn = FakeConn()
        return rules.admit_hello(self.core, Hello(self.last_conn, msg, "join"), token)

    def seat(self, name: str, role: str | None = None) -> str:
        """A player takes a seat; its id."""
        outs = self.join(name, role, token=f"tok-{name}")
        self.carry(outs)
        admit = outs[-1]
        assert isinstance(admit, Admit)
        return admit.recipient

    def bot_turns(self, limit: int = 1000) -> list[str]:
        """Every queued bot turn, each with no command; the seats in the order they acted."""
        order = []
        while (s := rules.next_bot(self.core)) is not None and len(order) < limit:
            self.carry(rules.bot_turn(self.core, s, []))
            order.append(s)
        return order


def error_code(outs: list[Output]) -> str:
    assert len(outs) == 1 and isinstance(outs[0], Reply), outs
    assert outs[0].msg["type"] == "error" and outs[0].msg["message"], outs
    return str(outs[0].msg["code"])


def running(**kw: Any) -> Pilot:
    """A started session: one human firm (Ada, alpha), bots in every other seat."""
    p = Pilot(**kw)
    p.seat("Ada")
    assert p.do("start")["type"] == "ack"
    return p


# --- hello -----------------------------------------------------------------------------------


def test_a_token_is_admitted_to_its_seat_and_a_wrong_one_is_not() -> None:
    p = Pilot()
    fac = FakeConn()
    good = Hello(fac, {"id": 7, "last_event": 1}, "token", "facilitator", hash_token("fac-token"))
    assert rules.admit_hello(p.core, good, "") == [Admit(fac, "facilitator", 7, last_event=1)]
    for who, h in [("facilitator", hash_token("nope")), ("union", hash_token("fac-token"))]:
        before = p.core.fingerprint()
        outs = rules.admit_hello(p.core, Hello(fac, {"id": 8}, "token", who, h), "")
        assert error_code(outs) == "bad_token"
        assert p.core.fingerprint() == before
    seat = p.seat("Ada")
    back = Hello(fac, {"id": 9}, "token", seat, hash_token("tok-Ada"))
    assert rules.admit_hello(p.core, back, "") == [Admit(fac, seat, 9)]
    obs = Hello(fac, {"id": 10}, "observer")
    assert rules.admit_hello(p.core, obs, "") == [Admit(fac, "observer", 10)]


def test_new_players_take_seats_in_order_with_a_stored_token() -> None:
    p = Pilot()
    outs = p.join("Ada", token="secret")
    assert outs == [
        Record({"k": "join", "seat": FIRMS[0], "name": "Ada", "token": hash_token("secret")}),
        AddToken(hash_token("secret"), FIRMS[0]),
        Admit(p.last_conn, FIRMS[0], 1, token="secret"),
    ]
    p.carry(outs)
    assert p.core.seats[FIRMS[0]].player == "Ada"
    assert p.seat("Bo") == FIRMS[1]
    assert p.seat("Una", role="union") == "union"
    before = p.core.fingerprint()
    assert error_code(p.join("Uma", role="union")) == "session_full"
    assert error_code(p.join("   ")) == "bad_message"
    assert error_code(p.join("x" * 41)) == "bad_message"
    assert p.core.fingerprint() == before


def test_joining_prefers_open_seats_then_takes_a_seat_from_its_bot() -> None:
    p = Pilot()
    p.carry(p.control("bot", seat=FIRMS[0]))
    assert p.seat("Ada") == FIRMS[1]  # the open seat before the bot's
    p.do("start")  # bots everywhere else
    assert p.core.turns.next() is not None
    queued = set(p.core.turns.queue)
    assert FIRMS[0] in queued and FIRMS[1] not in queued
    assert p.seat("Bo", role="firm") == FIRMS[0]  # every firm seat is played: Bo takes a bot's
    s = p.core.seats[FIRMS[0]]
    assert (s.player, s.bot, s.controller) == ("Bo", False, "human")
    assert FIRMS[0] not in p.core.turns.queue  # a person took the seat back: its turns go


BAD_NAMES = [
    "Facilitator",
    "the facilitator",
    "FACILITATOR (real)",
    "Fac-ilitator",
    "Teacher",
    "t e a c h e r",
    "Teacher2",
    "Te4cher",
    "Admin",
    "Ada\u202eevil",  # right-to-left override
    "\u2066Ada",  # left-to-right isolate
    "Ada\x00",
    "Ada\nBo",
    "Ada\tBo",
    "Ada\x1fBo",  # a C0 control str.split() would have turned into a space
    "Ada\x85Bo",  # C1 (next line)
    "Ada\x9bBo",  # C1 (control sequence introducer)
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_that_pass_for_the_facilitator_or_hide_characters_are_refused(name: str) -> None:
    p = Pilot()
    p.seat("Ada")
    before = p.core.fingerprint()
    for outs in (p.join(name, token="t2"), p.control("assign", seat="union", name=name)):
        assert error_code(outs) == "bad_message"
        assert outs[0].msg["where"] == "name"  # type: ignore[union-attr]
    assert p.core.fingerprint() == before


def test_a_name_already_playing_in_the_session_is_refused() -> None:
    p = Pilot()
    p.seat("Ada Rossi")
    before = p.core.fingerprint()
    for name in ("Ada Rossi", "ada rossi", "  ADA   ROSSI ", "Ada-Rossi", "4da R0ssi"):
        outs = p.join(name, token="t2")
        assert error_code(outs) == "bad_message"
        assert "already playing" in outs[0].msg["message"]  # type: ignore[union-attr]
        assert error_code(p.control("assign", seat="union", name=name)) == "bad_message"
    assert p.core.fingerprint() == before
    # another name is fine, and so is the name again once its seat is released
    assert p.seat("Ada Bianchi") == FIRMS[1]
    p.do("release", seat=FIRMS[0])
    assert p.seat("Ada Rossi") == FIRMS[0]
    # ordinary names that merely contain letters of a reserved word are fine
    for name in ("Hostetler", "Tea", "Facundo", "Théo", "Zoë 3"):
        p.seat(name)


def test_chat_with_control_or_direction_characters_is_refused() -> None:
    p = running()
    before = p.core.fingerprint()
    for text in ("hi\u202eereht", "a\x00b", "line\nbreak", "\u2067x", "bell\x07", "c1\x9b"):
        for seat in (FIRMS[0], "facilitator"):
            outs = p.command(seat, {"type": "chat", "text": text, "to": "public"})
            assert p.carry(outs)[-1]["code"] == "bad_value"
    assert p.core.fingerprint() == before
    assert not p.core.game.state.chat
    sent = p.carry(
        p.command(FIRMS[0], {"type": "chat", "text": "ciao, è tutto ok? ✓", "to": "union"})
    )
    assert sent[-1]["type"] == "ack"


@pytest.mark.parametrize("status", ["lobby", "running", "paused", "ended"])
def test_hellos_in_every_status(status: str) -> None:
    p = Pilot()
    p.seat("Ada")
    if status != "lobby":
        p.do("start", fill_bots=False)
    if status == "paused":
        p.do("pause")
    if status == "ended":
        p.do("end")
    assert p.core.status == status
    conn = FakeConn()
    back = Hello(conn, {"id": 2}, "token", FIRMS[0], hash_token("tok-Ada"))
    assert rules.admit_hello(p.core, back, "") == [Admit(conn, FIRMS[0], 2)]
    if status == "ended":
        assert error_code(p.join("Bo")) == "ended"
    else:
        assert isinstance(p.join("Bo")[-1], Admit)


# --- commands --------------------------------------------------------------------------------

READY = {"type": "ready", "round": 1, "ready": True}


@pytest.mark.parametrize(
    "status, seat_code, facilitator_code",
    [
        ("lobby", "not_started", None),
        ("running", None, None),
        ("paused", "paused", None),
        ("ended", "ended", "ended"),
    ],
)
def test_commands_in_every_status(
    status: str, seat_code: str | None, facilitator_code: str | None
) -> None:
    p = Pilot()
    seat = p.seat("Ada")
    if status != "lobby":
        p.do("start", fill_bots=False)
    if status == "paused":
        p.do("pause")
    if status == "ended":
        p.do("end")
    chat = {"type": "chat", "text": "hello", "to": "public"}
    for who, code in [(seat, seat_code), ("facilitator", facilitator_code)]:
        before = p.core.fingerprint()
        outs = p.command(who, chat)
        if code is None:
            assert [type(o) for o in outs] == [Attempt, Ack]
            assert p.carry(outs)[-1]["type"] == "ack"
            assert p.core.fingerprint() != before
        else:
            assert error_code(outs) == code
            assert p.core.fingerprint() == before
    assert error_code(p.command("observer", chat)) == "forbidden"


def test_observers_cannot_act() -> None:
    p = running()
    assert error_code(p.command("observer", READY)) == "forbidden"


def test_a_bots_seat_refuses_its_players_commands() -> None:
    p = running()
    p.carry(p.control("bot", seat=FIRMS[0]))
    before = p.core.fingerprint()
    assert error_code(p.command(FIRMS[0], READY)) == "bot_playing"
    assert p.core.fingerprint() == before
    p.carry(p.control("unbot", seat=FIRMS[0]))
    assert [type(o) for o in p.command(FIRMS[0], READY)] == [Attempt, Ack]


def test_an_accepted_command_is_acked_after_its_events_and_remembered_by_cid() -> None:
    p = running()
    outs = p.command(FIRMS[0], READY, cid="c1")
    assert outs[0] == Attempt(
        {"k": "cmd", "seat": FIRMS[0], "cmd": READY, "cid": "c1"},
        p.last_conn,
        p.n,
    )
    before = p.core.streams[FIRMS[0]].seq
    (ack,) = p.carry(outs)
    assert ack["seq"] == p.core.streams[FIRMS[0]].seq == before + 1  # its `ready` event
    assert FIRMS[0] in p.core.game.state.ready and p.core.commands == 1
    # the same cid again: acknowledged as a duplicate, not applied
    fp = p.core.fingerprint()
    again = p.command(FIRMS[0], READY, cid="c1")
    assert len(again) == 1 and isinstance(again[0], Reply)
    assert again[0].msg == {"type": "ack", "re": p.n, "seq": before + 1, "duplicate": True}
    assert p.core.fingerprint() == fp


def test_a_command_the_engine_refuses_changes_nothing() -> None:
    p = running()
    for cmd, code in [
        ({"type": "decide", "round": 2, "decisions": {"wage": 33}}, "stale"),
        ({"type": "decide", "round": 1, "decisions": {"skill_pay": 5}}, "out_of_range"),
        ({"type": "fly"}, "unknown_command"),
    ]:
        before = p.core.fingerprint()
        sent = p.carry(p.command(FIRMS[0], cmd, cid=f"c-{code}"))
        assert sent == [{"type": "error", "re": p.n, "code": code}]
        assert p.core.fingerprint() == before  # not even its cid is remembered
        assert not p.core.seen_cid(FIRMS[0], f"c-{code}")


STANDARDS = {
    "type": "propose",
    "kind": "standards_agreement",
    "parties": ["union", *FIRMS],
    "terms": {"wage_floor": 30.9, "compliance": True, "no_strike": True, "rounds": 4},
}


def test_a_preview_is_answered_in_the_ack_and_recorded_nowhere() -> None:
    p = Pilot()
    p.seat("Una", role="union")
    p.do("start")
    before = p.core.fingerprint()
    ask = {**STANDARDS, "type": "preview"}
    for _ in range(2):  # with the same cid twice: a question is answered every time
        outs = p.command("union", ask, cid="q1")
        # a question to answer off the loop, from a copy of the state, recorded nowhere
        assert len(outs) == 1 and isinstance(outs[0], Question), outs
        assert outs[0].seq == p.core.streams["union"].seq
        answer = rules.answer_preview(copy_state(p.core.game.state), outs[0])
        assert isinstance(answer, Reply) and not answer.ack
        ack = answer.msg
        assert ack["type"] == "ack" and ack["seq"] == p.core.streams["union"].seq
        assert "duplicate" not in ack
        r = ack["result"]
        assert r["kind"] == "preview" and r["deal_kind"] == "standards_agreement"
        assert set(r["delta"]) == set(r["with"]) == set(r["without"]) and "audience" not in r
        assert p.core.fingerprint() == before
    assert not p.core.seen_cid("union", "q1")
    (q,) = p.command("union", {"type": "preview", "deal": "d-99"})
    assert isinstance(q, Question)
    assert error_code([rules.answer_preview(p.core.game.state, q)]) == "unknown_deal"
    assert p.core.fingerprint() == before


# --- the facilitator's controls --------------------------------------------------------------


def test_only_the_facilitator_controls_and_seats_must_exist() -> None:
    p = Pilot()
    seat = p.seat("Ada")
    before = p.core.fingerprint()
    for action in rules_actions():
        assert error_code(p.control(action, FakeConn(seat), seat="union")) == "forbidden"
    for action in ("bot", "unbot", "release"):
        assert error_code(p.control(action, seat="firm:nobody")) == "unknown_seat"
    assert error_code(p.control("assign", seat="firm:nobody", name="Gus")) == "unknown_seat"
    assert p.core.fingerprint() == before


def rules_actions() -> list[str]:
    from district.server.protocol import CONTROL_ACTIONS

    return list(CONTROL_ACTIONS)


def test_start_fills_the_seats_nobody_took_with_bots_once() -> None:
    p = Pilot()
    seat = p.seat("Ada")
    outs = p.control("start")
    assert outs[0] == Record({"k": "start", "deadline": T0 + 480.0, "fill": True})
    assert Announce(clock=True, roster=True) in outs
    p.carry(outs)
    assert p.core.status == "running" and p.core.deadline == T0 + 480.0
    assert [s for s in SEATS if p.core.seats[s].bot] == [s for s in SEATS if s != seat]
    assert p.carry(p.control("start"))[-1]["code"] == "wrong_phase"
    q = Pilot()
    q.seat("Ada")
    q.do("start", fill_bots=False)
    assert q.core.bots() == [] and q.core.turns.next() is None


def test_pause_keeps_the_time_left_and_resume_rearms_the_clock() -> None:
    p = running()
    assert rules.timer(p.core) == Arm(T0 + 480.0)
    p.now = T0 + 100.0
    assert p.control("pause")[0] == Record({"k": "pause", "remaining": 380.0})
    p.do("pause")
    assert (p.core.status, p.core.deadline, p.core.remaining) == ("paused", None, 380.0)
    assert rules.timer(p.core) is None and not rules.phase_due(p.core, T0 + 10_000)
    assert p.core.clock(p.now)["remaining"] == 380.0
    assert p.do("pause")["code"] == "wrong_phase"
    p.now = T0 + 5000.0  # the pause lasted long: no time was lost
    p.do("resume")
    assert (p.core.status, p.core.deadline, p.core.remaining) == ("running", T0 + 5380.0, None)
    assert rules.timer(p.core) == Arm(T0 + 5380.0)
    assert p.do("resume")["code"] == "wrong_phase"


def test_extend_moves_the_deadline_or_the_time_left_never_into_the_past() -> None:
    p = running()
    p.do("extend", seconds=60)
    assert p.core.deadline == T0 + 540.0
    p.now = T0 + 10.0
    p.do("extend", seconds=-10_000)
    assert p.core.deadline == T0 + 10.0 and rules.phase_due(p.core, p.now)
    p.do("pause")
    assert p.core.remaining == 0.0
    p.do("extend", seconds=30)
    assert p.core.remaining == 30.0 and p.core.deadline is None
    p.do("extend", seconds=-100)
    assert p.core.remaining == 0.0
    q = Pilot()
    assert q.do("extend", seconds=5)["code"] == "wrong_phase"  # no clock in the lobby


def test_advance_ends_the_phase_and_the_last_one_ends_the_game() -> None:
    p = Pilot(report=30.0)
    assert p.do("advance")["code"] == "wrong_phase"  # not started
    p.seat("Ada")
    p.do("start", fill_bots=False)
    outs = p.control("advance")
    assert outs[0] == Record({"k": "resolve", "deadline": T0 + 30.0})
    assert isinstance(outs[-1], Flush) and TakeSnapshot() not in outs
    p.carry(outs)
    assert (p.core.phase, p.core.round) == ("report", 1)
    outs = p.control("advance")
    assert outs[0] == Record({"k": "advance", "deadline": T0 + 480.0}) and TakeSnapshot() in outs
    p.carry(outs)
    assert (p.core.phase, p.core.round, p.core.status) == ("negotiation", 2, "running")
    for _ in range(3):
        p.do("advance")
    assert (p.core.phase, p.core.round) == ("report", 3)
    p.do("advance")
    assert (p.core.status, p.core.phase, p.core.deadline) == ("ended", "ended", None)
    assert p.do("advance")["code"] == "ended"


def test_advance_while_paused_starts_the_next_phase_paused_with_its_whole_length() -> None:
    p = running(report=30.0)
    p.do("pause")
    outs = p.control("advance")
    assert outs[:2] == [
        Record({"k": "resolve"}),
        Record({"k": "deadline", "deadline": None, "remaining": 30.0}),
    ]
    p.carry(outs)
    assert (p.core.phase, p.core.status, p.core.remaining) == ("report", "paused", 30.0)


def test_end_ends_the_game_and_leaves_only_info() -> None:
    p = running()
    outs = p.control("end")
    assert outs[0] == Record({"k": "end"}) and isinstance(outs[-1], Flush)
    p.carry(outs)
    assert (p.core.status, p.core.deadline, p.core.phase) == (
        "ended",
        None,
        "ended",
    )  # the game ends too
    assert p.core.turns.next() is None
    before = p.core.fingerprint()
    for action, fields in [
        ("start", {}),
        ("pause", {}),
        ("resume", {}),
        ("extend", {"seconds": 5}),
        ("advance", {}),
        ("end", {}),
        ("bot", {"seat": "union"}),
        ("unbot", {"seat": "union"}),
        ("assign", {"seat": "union", "name": "Una"}),
        ("release", {"seat": FIRMS[0]}),
        ("timers", {"report_seconds": 5}),
    ]:
        assert error_code(p.control(action, **fields)) == "ended", action
    assert p.core.fingerprint() == before
    info = p.do("info")["result"]
    assert (info["status"], info["round"], info["hash"]) == ("ended", 1, p.core.game.hash())


def test_assign_reserves_a_seat_and_release_frees_it() -> None:
    p = Pilot()
    assert error_code(p.control("assign", seat="union", name="  ")) == "bad_message"
    outs = p.control("assign", seat="union", name="Una")
    h = hash_token("new-token")
    assert outs[:3] == [
        Record({"k": "join", "seat": "union", "name": "Una", "token": h}),
        AddToken(h, "union"),
        Announce(roster=True),
    ]
    assert p.carry(outs)[-1]["result"] == {"seat": "union", "token": "new-token"}
    before = p.core.fingerprint()
    assert error_code(p.control("assign", seat="union", name="Gus")) == "forbidden"
    assert p.core.fingerprint() == before
    with pytest.raises(ValueError):
        rules.control(
            p.core, Control(p.fac, {"action": "assign", "seat": "government", "name": "G"}), T0
        )
    # released in the lobby: the seat is open
    outs = p.control("release", seat="union")
    assert outs[:3] == [
        Record({"k": "release", "seat": "union"}),
        DropToken(h),
        Bye("union", "released", "the facilitator released union", CLOSE_RELEASED),
    ]
    p.carry(outs)
    assert p.core.seats["union"].controller == "open"
    # releasing an open seat does nothing (but is acknowledged)
    outs = p.control("release", seat="union")
    assert [type(o) for o in outs] == [Ack]


def test_a_locked_session_has_new_players_wait_but_not_tokens_or_observers() -> None:
    p = Pilot()
    seat = p.seat("Ada")
    reply = p.do("lock")
    assert reply["type"] == "ack" and p.core.locked
    assert p.do("info")["result"]["locked"] is True
    before = p.core.fingerprint()
    outs = p.join("Bo", token="t2")
    assert outs == [Wait(p.last_conn, 1, "Bo", None, None)]
    assert p.core.fingerprint() == before
    # a bad name is refused at once, not put before the teacher
    assert error_code(p.join("Ada", token="t3")) == "bad_message"
    conn = FakeConn()
    back = Hello(conn, {"id": 3}, "token", seat, hash_token("tok-Ada"))
    assert rules.admit_hello(p.core, back, "") == [Admit(conn, seat, 3)]
    assert rules.admit_hello(p.core, Hello(conn, {"id": 4}, "observer"), "") == [
        Admit(conn, "observer", 4)
    ]
    # locking again changes nothing; the facilitator can still assign seats
    assert [type(o) for o in p.control("lock")] == [Ack]
    assert p.do("assign", seat="union", name="Una")["type"] == "ack"
    # the lock is an entry: a snapshot and a replay keep it
    blob, _ = p.core.snapshot()
    copy = Pilot()
    copy.core.restore(blob)
    assert copy.core.locked and copy.core.fingerprint() == p.core.fingerprint()
    assert p.do("unlock")["type"] == "ack" and not p.core.locked
    assert p.seat("Bo") == FIRMS[1]
    assert p.do("lock", conn=FakeConn(seat))["code"] == "forbidden"


def test_the_facilitator_admits_or_refuses_a_waiting_joiner() -> None:
    p = Pilot()
    p.seat("Ada")
    p.do("lock")
    waits = {}
    for i, name in enumerate(("Bo", "Cy"), 1):
        w = p.join(name)[0]
        assert isinstance(w, Wait)
        waits[f"r{i}"] = Waiting(f"r{i}", w.conn, w.name, w.role, w.re, w.last_event, T0)

    def answer(action: str, rid: str, conn: FakeConn | None = None) -> list[Output]:
        p.n += 1
        msg = {"type": "control", "id": p.n, "action": action, "request": rid}
        return rules.control(
            p.core, Control(conn or p.fac, msg), p.now, "tok-new", None, waiting=waits
        )

    # only the facilitator answers, and only requests that are waiting
    assert error_code(answer("admit", "r1", FakeConn(FIRMS[0]))) == "forbidden"
    assert error_code(answer("admit", "r9")) == "unknown_request"
    before = p.core.fingerprint()
    # admit: Bo takes the next free seat as a normal join would; the lock stays on
    outs = answer("admit", "r1")
    h = hash_token("tok-new")
    assert outs[:4] == [
        Unwait("r1"),
        Record({"k": "join", "seat": FIRMS[1], "name": "Bo", "token": h}),
        AddToken(h, FIRMS[1]),
        Admit(waits["r1"].conn, FIRMS[1], 1, token="tok-new"),
    ]
    assert [type(o) for o in outs[4:]] == [Announce, Ack]
    p.carry(outs)
    assert p.core.seats[FIRMS[1]].player == "Bo" and p.core.locked
    # refuse: Cy gets a clear error, nothing changes in the session
    before = p.core.fingerprint()
    outs = answer("refuse", "r2")
    assert outs[0] == Unwait("r2")
    refusal = outs[1]
    assert isinstance(refusal, Reply) and refusal.conn is waits["r2"].conn
    assert refusal.msg["code"] == "refused" and "teacher" in refusal.msg["message"]
    assert isinstance(outs[2], Ack)
    p.carry(outs)
    assert p.core.fingerprint() == before


def test_a_seat_released_during_the_game_goes_to_a_bot_that_acts() -> None:
    p = Pilot()
    p.seat("Ada")
    p.seat("Bo")
    p.do("start")
    p.bot_turns()
    assert rules.next_bot(p.core) is None
    p.do("release", seat=FIRMS[1])
    assert p.core.seats[FIRMS[1]].controller == "bot"
    assert p.bot_turns() == [FIRMS[1]]  # one turn, as a bot taking over mid-phase


def test_timers_change_later_phases_and_info_reports() -> None:
    p = running()
    p.do("timers", negotiation_seconds=60, report_seconds=5)
    assert (p.core.negotiation_seconds, p.core.report_seconds) == (60.0, 5.0)
    assert p.core.deadline == T0 + 480.0  # this phase's clock is not moved
    p.do("advance")
    assert p.core.deadline == T0 + 5.0
    info = p.do("info")["result"]
    assert info == {
        "status": "running",
        "round": 1,
        "phase": "report",
        "hash": p.core.game.hash(),
        "entries": p.core.entries,
        "commands": p.core.commands,
        "seed": 3,
        "scenario": "server-test",
        "locked": False,
        "server": {"connections": 1},
    }


# --- deadlines -------------------------------------------------------------------------------


def test_phases_end_at_their_deadlines() -> None:
    p = Pilot(negotiation=100.0, report=10.0)
    p.seat("Ada")
    assert not rules.phase_due(p.core, T0 + 10_000)  # the lobby has no clock
    p.do("start", fill_bots=False)
    assert not rules.phase_due(p.core, T0 + 99.9)
    assert rules.phase_due(p.core, T0 + 100.0)
    p.carry(rules.end_phase(p.core, T0 + 100.5))
    assert (p.core.phase, p.core.deadline) == ("report", T0 + 110.5)
    assert not rules.phase_due(p.core, T0 + 110.0) and rules.phase_due(p.core, T0 + 110.5)
    p.carry(rules.end_phase(p.core, T0 + 111.0))
    assert (p.core.round, p.core.phase, p.core.deadline) == (2, "negotiation", T0 + 211.0)


def test_negotiation_ends_when_every_played_seat_is_ready() -> None:
    p = Pilot()
    a, b = p.seat("Ada"), p.seat("Bo")
    p.do("start", fill_bots=False)
    p.carry(p.command(a, READY))
    assert not rules.phase_due(p.core, T0)
    p.carry(p.command(b, READY))
    assert rules.phase_due(p.core, T0)


def test_a_recovered_deadline_gets_a_grace_period() -> None:
    p = running()
    assert rules.recovered(p.core, T0 + 100.0, 15.0) == []  # far enough
    assert rules.recovered(p.core, T0 + 470.0, 15.0) == [
        Record({"k": "deadline", "deadline": T0 + 485.0})
    ]
    assert rules.recovered(p.core, T0 + 9999.0, 15.0) == [
        Record({"k": "deadline", "deadline": T0 + 10_014.0})
    ]
    p.do("pause")
    assert rules.recovered(p.core, T0 + 9999.0, 15.0) == []  # paused: the time left is kept
    assert rules.recovered(Pilot().core, T0, 15.0) == []


# --- bots ------------------------------------------------------------------------------------


def test_bots_take_three_passes_in_seat_id_order_then_the_phase_is_done() -> None:
    p = Pilot()
    p.do("start")  # all bots
    order = p.bot_turns()
    assert order == sorted(SEATS) * 3
    assert rules.phase_due(p.core, T0)  # every bot acted, none is owed a turn
    p.carry(rules.end_phase(p.core, T0))
    assert rules.next_bot(p.core) is None  # the report: no turns
    p.carry(rules.end_phase(p.core, T0 + 120.0))
    assert p.bot_turns() == sorted(SEATS) * 3  # a new negotiation phase, new passes


def test_the_phase_waits_for_queued_bot_turns_and_ready_humans() -> None:
    p = running()
    assert not rules.phase_due(p.core, T0)
    p.carry(p.command(FIRMS[0], READY))
    assert not rules.phase_due(p.core, T0)  # bots still owe their turns
    p.bot_turns()
    assert rules.phase_due(p.core, T0)
    p.do("pause")
    assert rules.next_bot(p.core) is None and not rules.phase_due(p.core, T0)


def test_bot_turns_record_their_commands_and_tolerate_refusals() -> None:
    p = Pilot()
    p.do("start")
    seat = rules.next_bot(p.core)
    assert seat == sorted(SEATS)[0]
    good = {"type": "ready", "round": 1, "ready": True}
    outs = rules.bot_turn(p.core, seat, [{"type": "fly"}, good])
    assert outs == [
        Attempt({"k": "cmd", "seat": seat, "cmd": {"type": "fly"}, "bot": True}),
        Attempt({"k": "cmd", "seat": seat, "cmd": good, "bot": True}),
        Record({"k": "bot_done", "seat": seat}),
    ]
    p.carry(outs)  # the refused one is skipped, the rest is applied
    assert seat in p.core.game.state.ready and p.core.commands == 1
    assert p.core.turns.taken[seat] == 1 and rules.next_bot(p.core) == sorted(SEATS)[1]


def test_a_persons_deal_wakes_the_bots_it_is_put_to() -> None:
    p = Pilot()
    p.seat("Una", role="union")
    p.do("start")
    p.bot_turns()
    assert rules.next_bot(p.core) is None
    p.carry(p.command("union", STANDARDS))
    assert sorted(p.core.turns.queue) == sorted(FIRMS)  # the firms the deal is put to
    assert sorted(p.bot_turns()) == sorted(FIRMS)
    assert p.core.turns.wakes == {f: 1 for f in FIRMS}
    # at most MAX_WAKES times a phase: nobody can keep a bot busy for ever
    for _ in range(MAX_WAKES + 3):
        (ack,) = p.carry(p.command("union", STANDARDS))
        assert ack["type"] == "ack", ack
        p.bot_turns()
    assert p.core.turns.wakes == {f: MAX_WAKES for f in FIRMS}
    assert rules.next_bot(p.core) is None
    # a bot's own deals wake nobody: the passes take care of them
    q = Pilot()
    q.do("start")
    q.carry(rules.bot_turn(q.core, "union", [{**STANDARDS, "round": 1}]))
    assert q.core.turns.wakes == {}


def test_a_bot_taking_a_seat_mid_phase_gets_one_turn_and_unbot_drops_it() -> None:
    p = Pilot()
    a = p.seat("Ada")
    p.do("start")
    p.bot_turns()
    p.do("bot", seat=a)
    assert p.core.turns.queue == [a]
    p.do("unbot", seat=a)
    assert p.core.turns.queue == []
    p.do("bot", seat=a)
    assert p.bot_turns() == [a]
    p.do("unbot", seat=a)
    p.do("bot", seat=a)  # it has had its turn in this phase
    assert p.bot_turns() == []


def test_snapshots_keep_the_bots_turns() -> None:
    p = Pilot()
    p.seat("Una", role="union")
    p.do("start")
    p.bot_turns(limit=5)
    p.carry(p.command("union", STANDARDS))
    blob, h = p.core.snapshot()
    assert h == p.core.game.hash()
    copy = Pilot()
    copy.core.restore(blob)
    assert copy.core.fingerprint() == p.core.fingerprint()
    assert copy.core.turns == p.core.turns
    assert copy.bot_turns() == p.bot_turns()


def test_a_help_request_reaches_only_the_facilitator_and_its_sender() -> None:
    from district.server.engine.views import view

    p = running()
    seq = {r: s.seq for r, s in p.core.streams.items()}
    outs = p.command(FIRMS[0], {"type": "chat", "text": "how do I bid?", "to": "facilitator"})
    assert p.carry(outs)[-1]["type"] == "ack"
    grew = {r for r, s in p.core.streams.items() if s.seq != seq[r]}
    assert grew == {FIRMS[0], "facilitator"}
    state = p.core.game.state
    (m,) = [m for m in view(state, "facilitator")["chat"] if m.get("help")]
    assert m["from"] == FIRMS[0] and m["channel"] == "help" and m["text"] == "how do I bid?"
    assert [m["text"] for m in view(state, FIRMS[0])["chat"]] == ["how do I bid?"]
    for other in ("union", FIRMS[1], "observer"):
        assert not view(state, other)["chat"]
    # it works while the chat is muted; the facilitator cannot ask itself
    p.carry(p.command("facilitator", {"type": "mute_chat", "muted": True}))
    outs = p.command(FIRMS[0], {"type": "chat", "text": "still there?", "to": "facilitator"})
    assert p.carry(outs)[-1]["type"] == "ack"
    outs = p.command("facilitator", {"type": "chat", "text": "me", "to": "facilitator"})
    assert p.carry(outs)[-1]["code"] == "bad_value"


def test_a_player_is_told_when_the_facilitator_hands_their_seat_to_a_bot() -> None:
    p = running()
    seat = FIRMS[0]
    before = p.core.streams[seat].seq
    p.do("bot", seat=seat)
    st = p.core.streams[seat]
    assert st.seq == before + 1
    from district.server.protocol import decode

    assert decode(st.items[-1][1]) == {
        "kind": "seat_taken_by_bot",
        "seat": seat,
        "by": "facilitator",
    }
    # a seat nobody holds, or one a bot already plays, tells nobody
    quiet = {r: s.seq for r, s in p.core.streams.items()}
    p.do("bot", seat=seat)
    p.do("bot", seat="union")
    assert {r: s.seq for r, s in p.core.streams.items()} == quiet


# --- dropouts: stand-ins ---------------------------------------------------------------------


def stood_in(p: Pilot, away: dict[str, float], now: float) -> list[str]:
    """The seats `standins_due` stands in at `now` (carried out)."""
    outs = rules.standins_due(p.core, away, now)
    p.carry(outs)
    return [o.entry["seat"] for o in outs if isinstance(o, Record)]


def test_a_player_away_past_the_grace_is_stood_in_and_the_phase_ends_without_them() -> None:
    p = running()
    a = FIRMS[0]
    p.carry(p.command(a, {"type": "decide", "round": 1, "decisions": {"wage": 34}}))
    mine = dict(p.core.game.state.decisions[a])
    p.bot_turns()
    assert not rules.phase_due(p.core, T0 + 1)  # the round waits for Ada
    away = {a: T0 + 10.0}
    grace = p.core.standin_seconds
    assert grace == 60.0
    assert rules.timer(p.core, away) == Arm(T0 + 10.0 + grace)  # before the deadline
    assert stood_in(p, away, T0 + 10.0 + grace - 1) == []
    assert stood_in(p, away, T0 + 10.0 + grace) == [a]
    assert p.core.seats[a].standin and p.core.seats[a].player == "Ada"
    assert p.core.seats[a].controller == "human" and not p.core.is_bot(a)
    assert rules.timer(p.core, away) == Arm(p.core.deadline or 0)  # nothing more to wait for
    assert stood_in(p, away, T0 + 1000) == []  # once
    # its turn: it says ready, nothing else; the player's decisions stand
    assert rules.next_bot(p.core) == a
    cmds = rules.standin_commands(p.core, a)
    assert cmds == [{"type": "ready"}]
    p.carry(rules.bot_turn(p.core, a, cmds))
    assert rules.phase_due(p.core, T0 + 71)
    assert p.core.game.state.decisions[a] == mine
    # the next round: the stand-in gets its passes with the bots, and never proposes a deal
    p.carry(rules.end_phase(p.core, T0 + 71))
    p.carry(rules.end_phase(p.core, T0 + 200))
    assert p.core.phase == "negotiation" and a in p.core.turns.queue
    while (s := rules.next_bot(p.core)) is not None:
        cmds = rules.standin_commands(p.core, s) if s == a else []
        assert all(c["type"] == "ready" for c in cmds)
        p.carry(rules.bot_turn(p.core, s, cmds))
    assert rules.phase_due(p.core, T0 + 201)
    persisting = {k: v for k, v in mine.items() if k not in ("training", "technology", "hire")}
    assert p.core.game.state.decisions[a] == persisting


def test_a_player_back_within_the_grace_is_not_stood_in() -> None:
    p = running()
    a = FIRMS[0]
    p.do("timers", standin_seconds=5.0)
    assert p.core.standin_seconds == 5.0
    assert stood_in(p, {a: T0}, T0 + 4.9) == []
    assert stood_in(p, {}, T0 + 100) == []  # back: no longer away
    # not before the game starts, nor for a seat a bot plays, nor after the end
    q = Pilot()
    b = q.seat("Bo")
    assert rules.timer(q.core, {b: T0}) is None and stood_in(q, {b: T0}, T0 + 999) == []
    q.do("start")
    q.do("bot", seat=b)
    assert stood_in(q, {b: T0}, T0 + 999) == []
    q.do("unbot", seat=b)
    q.do("end")
    assert stood_in(q, {b: T0}, T0 + 999) == []


def test_coming_back_hands_the_seat_back_and_tells_the_player() -> None:
    from district.server.protocol import decode

    p = running()
    a = FIRMS[0]
    p.bot_turns()
    stood_in(p, {a: T0}, T0 + 60)
    assert p.core.turns.queue == [a]
    conn = FakeConn()
    outs = rules.admit_hello(
        p.core, Hello(conn, {"id": 3, "last_event": 2}, "token", a, hash_token("tok-Ada")), ""
    )
    assert outs == [
        Admit(conn, a, 3, last_event=2),
        Record({"k": "back", "seat": a}),
        Announce(roster=True),
    ]
    p.carry(outs)
    assert not p.core.seats[a].standin and p.core.turns.queue == []
    assert decode(p.core.streams[a].items[-1][1]) == {"kind": "seat_back", "seat": a}
    assert not rules.phase_due(p.core, T0 + 61)  # the round waits for Ada again
    (ack,) = p.carry(p.command(a, READY))
    assert ack["type"] == "ack"
    assert rules.phase_due(p.core, T0 + 61)
    # a hello of a seat that was never stood in records nothing
    again = rules.admit_hello(p.core, Hello(conn, {"id": 4}, "token", a, hash_token("tok-Ada")), "")
    assert again == [Admit(conn, a, 4)]


def test_stand_ins_are_replayed_and_kept_in_snapshots() -> None:
    p = running()
    a = FIRMS[0]
    entries: list[dict[str, Any]] = []
    apply = p.core.apply

    def logged(e: dict[str, Any]) -> Any:
        entries.append(e)
        return apply(e)

    p.core.apply = logged  # type: ignore[method-assign]
    p.do("timers", standin_seconds=30.0)
    p.bot_turns()
    stood_in(p, {a: T0}, T0 + 30)
    blob, _ = p.core.snapshot()
    copy = Pilot()
    copy.core.restore(blob)
    assert copy.core.fingerprint() == p.core.fingerprint()
    assert copy.core.seats[a].standin and copy.core.standin_seconds == 30.0
    # an old snapshot, without the new fields, loads with none stood in and the default grace
    from district.server.engine.snapshot import from_data, to_data

    data = from_data(blob)
    del data["meta"]["standins"], data["meta"]["standin_seconds"]
    old = Pilot()
    old.core.restore(to_data(data))
    assert not old.core.seats[a].standin and old.core.standin_seconds == 60.0
    # replaying the entries gives the same state
    p.carry(rules.bot_turn(p.core, a, rules.standin_commands(p.core, a)))
    replayed = Pilot()
    replayed.seat("Ada")
    replayed.do("start")
    for e in entries:
        replayed.core.apply(plain(e))
    assert replayed.core.fingerprint() == p.core.fingerprint()
