"""The session's decisions, as pure functions of its state.

Each function looks at a `SessionCore` (and the inputs it is given: the message, the current time,
a fresh token) and returns the outputs of server/session/outputs.py: entries to record, replies,
acknowledgements, tokens to store, connections to close, timers. It changes nothing: the actor
carries the outputs out, and the fold (`SessionCore.apply`) is the only thing that changes a
session. A refusal is a list holding one error `Reply`, so a refused message changes nothing.

The rules of the game's clock:

- negotiation ends at its deadline, when every played seat is ready (a bot once it has acted)
  and no bot's turn is queued, or on the facilitator's `advance`; report ends at its deadline or on
  `advance`; then the next round's negotiation begins, or after the last round the game ends;
- `pause` keeps the time that was left, `resume` starts the clock again with it, `extend` moves
  the deadline (never before now) or the time left;
- after a restart, a deadline closer than the grace period is moved to the end of it.

Dropouts: a player whose connection went (`away`: seat -> when, kept by the actor with the
connections, not in the state) and who is not back within `core.standin_seconds` gets a stand-in
(entry `standin`): a bot turn that only says ready, so the round no longer waits for them, and
their standing decisions carry on. Their token coming back hands the seat back (entry `back`).
After a restart every player counts as away from the restart on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from district.server.engine import EngineError
from district.server.engine.preview import preview
from district.server.engine.state import State
from district.server.protocol import (
    CLOSE_RELEASED,
    MAX_OPEN_PROPOSALS,
    MAX_ROUND_PROPOSALS,
    impersonates,
    name_key,
    unsafe_char,
    unsafe_text,
    valid_name,
)
from district.server.session.branch import refusal as branch_refusal
from district.server.session.jobs import Command, Control, Hello
from district.server.session.messages import hash_token
from district.server.session.outputs import (
    Ack,
    AddToken,
    Admit,
    Announce,
    Arm,
    Attempt,
    Branch,
    Bye,
    DropToken,
    Entry,
    Flush,
    Output,
    Question,
    Record,
    Reply,
    TakeSnapshot,
    Unwait,
    Wait,
    error,
)
from district.server.session.state import FACILITATOR, LIVE, OBSERVER, SessionCore, Waiting

if TYPE_CHECKING:
    from district.server.session.audience import Conn

# --- hello -----------------------------------------------------------------------------------


def name_problem(core: SessionCore, raw: str) -> tuple[str, str]:
    """A player's display name, cleaned, and "" or why it is refused: control or
    direction-changing characters, empty or too long, passing for the facilitator, or the name of
    a player already in the session."""
    bad = unsafe_char(raw)
    if bad is not None:
        return "", (
            f"a name may not contain control or text-direction characters (U+{ord(bad):04X})"
        )
    name = valid_name(raw)
    if name is None:
        return "", "a name is 1-40 printable characters"
    if (who := impersonates(name)) is not None:
        return "", f"{name!r} could pass for {who}; choose another name"
    key = name_key(name)
    for s in core.seats.values():
        if key and s.player is not None and name_key(s.player) == key:
            return "", f"{s.player!r} is already playing in this session; choose another name"
    return name, ""


def admit_hello(core: SessionCore, job: Hello, new_token: str) -> list[Output]:
    """A token comes back to its seat; an observer joins; a new player takes the first free seat
    (with `new_token` as its token)."""
    re = job.msg.get("id")
    if job.via == "token":
        who = job.who
        ok = (
            core.info.facilitator_hash == job.token_hash
            if who == FACILITATOR
            else who in core.seats and core.seats[who].token_hash == job.token_hash
        )
        if not ok or who is None:
            return [
                Reply(
                    job.conn,
                    error(re, "bad_token", "no seat or facilitator holds this token", "token"),
                )
            ]
        out: list[Output] = [Admit(job.conn, who, re, last_event=job.msg.get("last_event"))]
        if who != FACILITATOR and core.seats[who].standin:
            # after the welcome and catch-up, so the new connection sees `seat_back` arrive
            out += [Record({"k": "back", "seat": who}), Announce(roster=True)]
        return out
    if job.via == "observer":
        return [Admit(job.conn, OBSERVER, re, last_event=job.msg.get("last_event"))]
    name, why = name_problem(core, job.msg.get("name") or "")
    if why:
        return [Reply(job.conn, error(re, "bad_message", f"joining needs a name: {why}", "name"))]
    role = job.msg.get("role")
    refusal = join_refusal(core, re, role)
    if refusal:
        return [Reply(job.conn, refusal)]
    if core.locked:
        # the facilitator decides: the joiner waits for `admit` or `refuse`
        return [Wait(job.conn, re, name, role, last_event=job.msg.get("last_event"))]
    return seat_joiner(core, job.conn, re, name, role, new_token, job.msg.get("last_event"))


def join_refusal(core: SessionCore, re: Any, role: str | None) -> dict[str, Any] | None:
    """The error a new player gets when no seat can be had now (the game is over, or every seat
    they asked for is taken), or None."""
    if core.status == "ended":
        return error(re, "ended", "this game is over", "code")
    if core.free_seat(role) is None:
        return error(
            re,
            "session_full",
            f"every {role + ' ' if role else ''}seat of this session is taken",
            "role" if role else "code",
        )
    return None


def seat_joiner(
    core: SessionCore,
    conn: Conn,
    re: Any,
    name: str,
    role: str | None,
    new_token: str,
    last_event: int | None,
) -> list[Output]:
    """A new player `name` takes the first free seat (of `role`), with `new_token` as its token.
    The caller checked that there is one (`join_refusal`)."""
    seat = core.free_seat(role)
    if seat is None:  # pragma: no cover - checked by the caller
        raise ValueError("no free seat")
    h = hash_token(new_token)
    return [
        Record({"k": "join", "seat": seat, "name": name, "token": h}),
        AddToken(h, seat),
        Admit(conn, seat, re, token=new_token, last_event=last_event),
    ]


def answer_joiner(
    core: SessionCore,
    action: str,
    waiting: Waiting,
    new_token: str | None,
) -> tuple[list[Output], str, str]:
    """The facilitator admits or refuses a waiting joiner: (outputs, "" or an error code, why).
    Admitted, they take a seat as a normal join would (the lock stays on for the others); refused,
    or if no seat can be had any more, they get an error and the request is gone."""
    out: list[Output] = [Unwait(waiting.id)]
    if action == "refuse":
        msg = error(waiting.re, "refused", "the teacher did not let you into this session", "code")
        return [*out, Reply(waiting.conn, msg)], "", ""
    name, why = name_problem(core, waiting.name)
    if why:
        return [], "bad_message", f"{waiting.name} cannot join: {why}; refuse the request"
    refusal = join_refusal(core, waiting.re, waiting.role)
    if refusal:
        return [], refusal["code"], f"{waiting.name} cannot join: {refusal['message']}"
    if new_token is None:
        raise ValueError("admit needs a new token")
    joins = seat_joiner(
        core, waiting.conn, waiting.re, name, waiting.role, new_token, waiting.last_event
    )
    return [*out, *joins, Announce(roster=True)], "", ""


# --- game commands ---------------------------------------------------------------------------


def admit_command(core: SessionCore, job: Command) -> list[Output]:
    """A game command of the connection's own seat (or the facilitator's). A `preview` is a
    question: answered from the state, never recorded."""
    conn, msg = job.conn, job.msg
    seat = conn.recipient
    re = msg.get("id")
    if seat is None:
        return []
    if seat == OBSERVER:
        return [
            Reply(conn, error(re, "forbidden", "observers watch; they cannot send game commands"))
        ]
    if core.status == "ended":
        return [Reply(conn, error(re, "ended", "the game is over"))]
    if seat != FACILITATOR:
        if core.status == "lobby":
            return [
                Reply(
                    conn, error(re, "not_started", "the facilitator has not started the game yet")
                )
            ]
        if core.status == "paused":
            return [Reply(conn, error(re, "paused", "the game is paused"))]
        if core.seats[seat].bot:
            return [
                Reply(
                    conn,
                    error(
                        re,
                        "bot_playing",
                        f"a bot is playing {seat}; ask the facilitator to give the seat back",
                    ),
                )
            ]
    cmd = msg["command"]
    bad = unsafe_text(cmd)
    if bad is not None:
        where, ch = bad
        return [
            Reply(
                conn,
                error(
                    re,
                    "bad_value",
                    f"text may not contain control or text-direction characters (U+{ord(ch):04X})",
                    where,
                ),
            )
        ]
    if cmd.get("type") == "preview":
        return [Question(conn, re, seat, cmd, core.streams[seat].seq)]
    if cmd.get("type") in ("propose", "counter"):
        why = proposals_refusal(core, seat)
        if why:
            return [Reply(conn, error(re, "too_many", why))]
    cid = msg.get("cid")
    if core.seen_cid(seat, cid):
        ack = {"type": "ack", "re": re, "seq": core.streams[seat].seq, "duplicate": True}
        return [Reply(conn, ack)]
    entry: Entry = {"k": "cmd", "seat": seat, "cmd": cmd}
    if cid is not None:
        entry["cid"] = cid
    return [Attempt(entry, conn, re), Ack(conn, re, seat)]


def preview_outcome(state: State, seat: str, request: dict[str, Any]) -> tuple[Any, ...]:
    """The answer to a preview, as plain data: ("ack", result) or ("error", code, message,
    where). `state` is a copy made when the question was asked (this runs in a worker process);
    only what the asking seat may know enters it (server/engine/preview.py)."""
    try:
        return ("ack", preview(state, seat, request))
    except EngineError as e:
        return ("error", e.code, e.message, e.where)


def preview_reply(q: Question, outcome: tuple[Any, ...]) -> Reply:
    """The message that answers `q`: an `ack` with the result, or the engine's refusal."""
    if outcome[0] == "ack":
        return Reply(q.conn, {"type": "ack", "re": q.re, "seq": q.seq, "result": outcome[1]})
    _, code, message, where = outcome
    return Reply(q.conn, error(q.re, code, message, where))


def answer_preview(state: State, q: Question) -> Reply:
    """`q` answered from `state` (here and now; the actor has it done in a worker process)."""
    return preview_reply(q, preview_outcome(state, q.seat, q.request))


def proposals_refusal(core: SessionCore, seat: str) -> str:
    """Why `seat` may not propose (or counter) now, or "": at most MAX_OPEN_PROPOSALS open at
    once and MAX_ROUND_PROPOSALS in a round, so that nobody floods another seat's view."""
    st = core.game.state
    mine = [d for d in st.deals.values() if d.proposer == seat]
    open_ = sum(1 for d in mine if d.status == "proposed")
    if open_ >= MAX_OPEN_PROPOSALS:
        return (
            f"you have {open_} proposals open (at most {MAX_OPEN_PROPOSALS}); withdraw one or "
            "wait for answers"
        )
    made = sum(1 for d in mine if d.round_proposed == st.round)
    if made >= MAX_ROUND_PROPOSALS:
        return f"you have made {made} proposals this round, the most a round allows"
    return ""


def debrief_refusal(core: SessionCore, recipient: str | None, re: Any) -> dict[str, Any] | None:
    """The error a `debrief` request gets, or None: the facilitator may open the debrief at any
    time, players and observers once the game is over (before, it would tell a player what the
    others did)."""
    if recipient is None:
        return error(re, "need_hello", "say hello before asking for the debrief")
    if recipient != FACILITATOR and core.status != "ended":
        return error(
            re,
            "wrong_phase",
            "the debrief opens when the game is over (the facilitator can open it at any time)",
        )
    return None


# --- the clock and the phases ----------------------------------------------------------------


def phase_due(core: SessionCore, now: float) -> bool:
    """The current phase is over: its time is up, or (negotiation) everyone is done."""
    if core.status != "running":
        return False
    due = core.deadline is not None and now >= core.deadline
    if core.phase == "negotiation":
        return due or core.negotiation_done()
    return core.phase == "report" and due


def end_phase(core: SessionCore, now: float) -> list[Output]:
    """Negotiation -> report (resolve), report -> the next round or the end (advance). Paused, the
    next phase starts paused with its whole length left."""
    nxt = core.report_seconds if core.phase == "negotiation" else core.negotiation_seconds
    e: Entry = {"k": "resolve" if core.phase == "negotiation" else "advance"}
    if core.status == "running":
        e["deadline"] = now + nxt
    out: list[Output] = [Record(e)]
    if core.status == "paused":
        out.append(Record({"k": "deadline", "deadline": None, "remaining": nxt}))
    if e["k"] == "advance":
        out.append(TakeSnapshot())
    out.append(Announce(clock=True, roster=True))
    return out


def timer(core: SessionCore, away: Mapping[str, float] | None = None) -> Arm | None:
    """When the session must next look at its clock (None: no clock is running): the phase's
    deadline, or the end of an away player's grace period, whichever comes first."""
    times = [core.deadline] if core.status == "running" and core.deadline is not None else []
    if core.status in LIVE:
        times += [t + core.standin_seconds for s, t in (away or {}).items() if core.awaited(s)]
    return Arm(min(times)) if times else None


def standins_due(core: SessionCore, away: Mapping[str, float], now: float) -> list[Output]:
    """Players away for `core.standin_seconds` or more, in a game under way, get a stand-in."""
    if core.status not in LIVE:
        return []
    due = sorted(s for s, t in away.items() if core.awaited(s) and now >= t + core.standin_seconds)
    if not due:
        return []
    return [*(Record({"k": "standin", "seat": s}) for s in due), Announce(roster=True)]


def standin_commands(core: SessionCore, seat: str) -> list[dict[str, Any]]:
    """A stand-in's turn: it says ready, and nothing else. It proposes and answers no deals and
    makes no decisions: the player's standing decisions (kept from round to round by the game)
    are the ones that count, so it never goes beyond what the player set."""
    if core.phase != "negotiation" or seat in core.game.state.ready:
        return []
    return [{"type": "ready"}]


def recovered(core: SessionCore, now: float, grace: float) -> list[Output]:
    """After a restart: a deadline that passed while the server was down (or is closer than
    `grace` seconds) moves to `grace` seconds from now, so that players have time to come back."""
    if core.status == "running" and core.deadline is not None and core.deadline < now + grace:
        return [Record({"k": "deadline", "deadline": now + grace})]
    return []


# --- bots ------------------------------------------------------------------------------------


def next_bot(core: SessionCore) -> str | None:
    """The bot seat whose turn it is, if the negotiation is running (see bots/turns.py)."""
    if core.status != "running" or core.phase != "negotiation":
        return None
    return core.turns.next()


def bot_turn(core: SessionCore, seat: str, commands: list[dict[str, Any]]) -> list[Output]:
    """A bot's turn: its commands (each applied if the engine accepts it), then its turn is done."""
    out: list[Output] = [
        Attempt({"k": "cmd", "seat": seat, "cmd": cmd, "bot": True}) for cmd in commands
    ]
    out.append(Record({"k": "bot_done", "seat": seat}))
    return out


# --- the facilitator's controls --------------------------------------------------------------


def control(
    core: SessionCore,
    job: Control,
    now: float,
    new_token: str | None = None,
    server: dict[str, Any] | None = None,
    waiting: Mapping[str, Waiting] | None = None,
) -> list[Output]:
    """A facilitator action. `new_token`: the token `assign` (or `admit`) hands out; `server`:
    the figures of the server process that `info` reports; `waiting`: the late joiners waiting
    for `admit` or `refuse`, by request id."""
    conn, msg = job.conn, job.msg
    re = msg.get("id")
    action = msg["action"]

    def refuse(code: str, message: str, where: str = "") -> list[Output]:
        return [Reply(conn, error(re, code, message, where))]

    if conn.recipient != FACILITATOR:
        return refuse("forbidden", f"only the facilitator can {action}")
    seat: str = msg.get("seat") or ""  # the actions that name a seat must (protocol/messages.py)
    if "seat" in msg and seat not in core.seats:
        return refuse(
            "unknown_seat", f"there is no seat {seat!r} (seats: {', '.join(core.seats)})", "seat"
        )
    if core.status == "ended" and action not in ("info", "new_token", "branch"):
        return refuse("ended", "the game is over")
    out: list[Output] = []
    result: dict[str, Any] | None = None
    if action == "start":
        if core.status != "lobby":
            return refuse("wrong_phase", f"the game has already started (status {core.status})")
        out += [
            Record(
                {
                    "k": "start",
                    "deadline": now + core.negotiation_seconds,
                    "fill": msg.get("fill_bots", True),
                }
            ),
            Announce(clock=True, roster=True),
        ]
    elif action == "pause":
        if core.status != "running":
            return refuse(
                "wrong_phase", f"only a running game can be paused (status {core.status})"
            )
        left = max(0.0, core.deadline - now) if core.deadline is not None else None
        out += [Record({"k": "pause", "remaining": left}), Announce(clock=True)]
    elif action == "resume":
        if core.status != "paused":
            return refuse(
                "wrong_phase", f"only a paused game can be resumed (status {core.status})"
            )
        left = core.remaining if core.remaining is not None else core.phase_length()
        out += [Record({"k": "resume", "deadline": now + left}), Announce(clock=True)]
    elif action == "extend":
        secs = float(msg["seconds"])
        if core.status == "running" and core.deadline is not None:
            e: Entry = {"k": "deadline", "deadline": max(now, core.deadline + secs)}
        elif core.status == "paused" and core.remaining is not None:
            e = {"k": "deadline", "deadline": None, "remaining": max(0.0, core.remaining + secs)}
        else:
            return refuse("wrong_phase", f"there is no clock to extend (status {core.status})")
        out += [Record(e), Announce(clock=True)]
    elif action == "advance":
        if core.status == "lobby":
            return refuse("wrong_phase", "start the game first")
        out += end_phase(core, now)
    elif action == "end":
        out += [Record({"k": "end"}), Announce(clock=True)]
    elif action == "bot":
        out += [Record({"k": "bot", "seat": seat}), Announce(roster=True)]
    elif action == "unbot":
        out += [Record({"k": "unbot", "seat": seat}), Announce(roster=True)]
    elif action == "assign":
        name, why = name_problem(core, msg["name"])
        if why:
            return refuse("bad_message", why, "name")
        holder = core.seats[seat].player
        if holder is not None:
            return refuse("forbidden", f"{seat} is held by {holder}; release it first", "seat")
        if new_token is None:
            raise ValueError("assign needs a new token")
        h = hash_token(new_token)
        out += [
            Record({"k": "join", "seat": seat, "name": name, "token": h}),
            AddToken(h, seat),
            Announce(roster=True),
        ]
        result = {"seat": seat, "token": new_token}
    elif action == "new_token":
        if new_token is None:
            raise ValueError("new_token needs a new token")
        h = hash_token(new_token)
        out += [
            Record({"k": "facilitator_token", "hash": h}),
            DropToken(core.info.facilitator_hash),
            AddToken(h, FACILITATOR),
        ]
        result = {"facilitator_token": new_token}
    elif action == "release":
        s = core.seats[seat]
        if s.player is not None:
            out.append(Record({"k": "release", "seat": seat}))
            if s.token_hash is not None:
                out.append(DropToken(s.token_hash))
            out += [
                Bye(seat, "released", f"the facilitator released {seat}", CLOSE_RELEASED),
                Announce(roster=True),
            ]
    elif action in ("lock", "unlock"):
        locked = action == "lock"
        if core.locked != locked:
            out += [Record({"k": "lock", "locked": locked}), Announce(roster=True)]
    elif action in ("admit", "refuse"):
        rid = msg["request"]
        w = (waiting or {}).get(rid)
        if w is None:
            return refuse(
                "unknown_request",
                "nobody is waiting with that request (they may have left, or been answered)",
                "request",
            )
        answer, code, why = answer_joiner(core, action, w, new_token)
        if code:
            return refuse(code, why, "request")
        out += answer
    elif action == "timers":
        e = {"k": "timers"}
        for k in ("negotiation_seconds", "report_seconds", "standin_seconds"):
            if k in msg:
                e[k] = float(msg[k])
        out += [Record(e), Announce(clock=True)]
    elif action == "branch":
        refused = branch_refusal(core.status, core.round, msg["round"])
        if refused is not None:
            return refuse(refused.code, refused.message, refused.where)
        return [Branch(conn, re, msg["round"])]  # the actor has the server make it, then acks
    elif action == "info":
        result = {
            "status": core.status,
            "round": core.round,
            "phase": core.phase,
            "hash": core.game.hash(),
            "entries": core.entries,
            "commands": core.commands,
            "seed": core.info.seed,
            "scenario": core.info.scenario,
            "locked": core.locked,
            "server": server or {},
        }
    else:
        return refuse("bad_message", f"unknown action {action!r}", "action")
    out.append(Ack(conn, re, FACILITATOR, result))
    if action in ("advance", "end"):
        out.append(Flush())
    return out
