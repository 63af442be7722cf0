"""One running session: its state and fold (state.py), the pure decisions over it (rules.py), the
typed outputs and jobs they exchange (outputs.py, jobs.py), the messages built from the state
(messages.py), and the async actor that carries the decisions out (actor.py)."""

from district.server.session.actor import Session, SessionLog
from district.server.session.audience import Audience, Conn
from district.server.session.jobs import (
    Ask,
    Call,
    Command,
    Control,
    Gone,
    Hello,
    Job,
    Stop,
    Sync,
    Tick,
)
from district.server.session.ledger import Hub, Ledger, load_core
from district.server.session.messages import deal_kinds, event_frame, hash_token, new_token
from district.server.session.state import (
    FACILITATOR,
    OBSERVER,
    SeatInfo,
    SessionCore,
    SessionInfo,
    Stream,
    build_core,
    plain,
    replay_entries,
    seat_order,
)

__all__ = [
    "FACILITATOR",
    "OBSERVER",
    "Ask",
    "Audience",
    "Call",
    "Command",
    "Conn",
    "Control",
    "Gone",
    "Hello",
    "Hub",
    "Job",
    "Ledger",
    "SeatInfo",
    "Session",
    "SessionCore",
    "SessionInfo",
    "SessionLog",
    "Stop",
    "Stream",
    "Sync",
    "Tick",
    "build_core",
    "deal_kinds",
    "event_frame",
    "hash_token",
    "load_core",
    "new_token",
    "plain",
    "replay_entries",
    "seat_order",
]
