"""The protocol's version, limits and the WebSocket close codes the server uses."""

from __future__ import annotations

PROTOCOL_VERSION = 1

# --- limits ---------------------------------------------------------------------------------

MAX_FRAME = 64 * 1024  # bytes, client -> server; bigger frames get error too_large
MAX_TRANSPORT_FRAME = 1024 * 1024  # the server closes the connection (1009) above this
MAX_SERVER_FRAME = 16 * 1024 * 1024  # clients should accept server frames up to this size
MAX_DEPTH = 16  # nesting of maps and arrays in one frame
MAX_STR = 4096  # characters in any one string
MAX_ARRAY = 1024  # items in any one array
MAX_MAP = 256  # keys in any one map
MAX_ID = 64  # characters of a string id / cid
MAX_NAME = 40  # characters of a display name
RATE_PER_SECOND = 20.0  # messages per second per connection, sustained
RATE_BURST = 60  # messages a connection may send at once
RATE_ABUSE = 200  # refused messages within 10 seconds after which the connection is closed
OUT_QUEUE = (
    256  # outgoing messages waiting for one client; a client that falls further behind is dropped
)
HELLO_TIMEOUT = 15.0  # seconds a connection may stay without a successful hello or create
SESSION_QUEUE = 1000  # commands waiting in one session; more get error busy
MAX_OPEN_PROPOSALS = 20  # proposals (and counters) one seat may have open at once
MAX_ROUND_PROPOSALS = 40  # proposals (and counters) one seat may make in one round
PREVIEW_RATE = 0.5  # previews a second per seat, sustained (one at a time)
PREVIEW_BURST = 4  # previews a seat may ask at once
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # join codes: no 0/O, 1/I/L
CODE_LENGTH = 6

# WebSocket close codes the server uses (besides 1000 normal, 1001 going away, 1009 too big).
CLOSE_POLICY = 1008  # rate abuse, no hello in time
CLOSE_REPLACED = 4000  # a newer connection took this seat
CLOSE_SLOW = 4001  # the client did not read its messages fast enough
CLOSE_RELEASED = 4002  # the facilitator released this seat
