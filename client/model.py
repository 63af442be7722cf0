"""What the client knows: the latest view of its seat, the events since, its commands in flight,
the errors the server sent back (with what caused them) and the state of the connection.

The render loop owns the model; the network thread never touches it (it only fills a queue that
the render loop drains into `ClientModel.feed`). Nothing here blocks or does I/O.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

View = dict[str, Any]
BANNER_SECONDS = 15.0  # how long the banner stays up unless the player dismisses it
Command = dict[str, Any]


@dataclass(slots=True)
class ServerError:
    code: str
    message: str
    where: str = ""
    command: str = ""  # the command type that caused it ("decide", "propose", ...)
    cid: int | None = None
    origin: str = ""  # the widget or form that sent the command ("decisions", "composer", ...)
    at: float = field(default_factory=time.monotonic)

    def readable(self) -> str:
        """A message a person can act on: what was refused, where, and why."""
        what = {
            "decide": "Decisions",
            "propose": "Proposal",
            "respond": "Answer",
            "counter": "Counter-offer",
            "chat": "Message",
            "ready": "Ready",
            "preview": "Preview",
            "withdraw": "Withdrawal",
        }.get(self.command, "")
        place = humanise_where(self.where)
        head = f"{what} refused" if what else "Refused"
        return f"{head}: {place + ': ' if place else ''}{self.message}"


# a refused hello in words a student can act on (the server's own message for the others)
REFUSALS = {
    "locked": "the teacher has locked this session, so no new players can join. "
    "Ask the teacher to unlock it.",
    "refused": "the teacher did not let you into this game. Ask the teacher.",
    "session_full": "every seat in this session is taken. Ask the teacher.",
    "bad_code": "no game has this join code. Check it with the teacher.",
    "ended": "this game is over.",
}


def refusal(code: str | None, message: str) -> str:
    return REFUSALS.get(str(code or ""), message)


def humanise_where(where: str) -> str:
    if not where:
        return ""
    parts = where.replace("decisions.", "").replace("terms.", "").replace("_", " ")
    return parts


@dataclass
class Outgoing:
    """A command waiting to be sent (or sent and waiting for its ack)."""

    cid: int
    command: Command
    origin: str
    kind: str = "command"  # "command" (a game command) or "control" (a facilitator action)
    sent_at: float = field(default_factory=time.monotonic)


class ClientModel:
    """Latest view + events; commands in flight; errors; connection status; private previews."""

    def __init__(self, view: View | None = None) -> None:
        self.view: View | None = None
        self.status = (
            "offline"  # offline, connecting, connected, reconnecting, silent, moving, failed
        )
        self.status_detail = ""
        self.status_code = ""
        self.welcomes = 0  # how often a server welcomed this window: a reconnection is the second
        self.seat: str = ""
        self.code: str = ""
        self.session: dict[
            str, Any
        ] = {}  # what the server said about the session (timer, seats, ...)
        self.errors: list[ServerError] = []
        self.notices: list[tuple[float, str]] = []  # short messages for the toast line
        # a bar across the top of the player's screen: the teacher's broadcast, or the teacher
        # handing my seat to a bot; (monotonic time shown, kind, text) until it times out or the
        # player dismisses it
        self.banner: tuple[float, str, str] | None = None
        self.pending: dict[int, Outgoing] = {}
        self.outbox: list[Outgoing] = []
        self.previews: dict[str, Any] = {}  # key -> the private preview the server computed
        # the deal kinds and their terms, from the welcome: the deal forms are built from these
        self.deal_kinds: dict[str, Any] = {}
        self.last_event_seq = 0
        self.view_version = 0  # bumps on every new full view (scenes rebuild what depends on it)
        self.events_version = 0  # bumps on every event (chat, ready, deals, ...)
        self.join_requests: list[dict[str, Any]] = []  # console: late joiners waiting to come in
        self.timer: dict[
            str, Any
        ] = {}  # {"deadline": monotonic seconds, "paused": bool, "remaining": s}
        self.me_history: dict[int, dict[str, Any]] = {}
        # the server's debrief (its `debrief` message): the model, and the round and phase it was
        # made at; the request in flight, if any; sessions branched from this one (facilitator)
        self.debrief: dict[str, Any] | None = None
        self.debrief_at: tuple[int, str] | None = None
        self.debrief_asked: int | None = None
        self.branches: list[dict[str, Any]] = []
        self.need_sync = False  # resolved rounds -> my private numbers then
        self._cids = itertools.count(1)
        self.acked: list[int] = []
        if view is not None:
            self.set_view(view)

    # --- outgoing -------------------------------------------------------------------------------
    def send(self, command: Command, origin: str = "") -> int:
        """Queue a command for the network thread. Stamps the round it was made in."""
        cmd = dict(command)
        if (
            self.view is not None
            and "round" not in cmd
            and cmd.get("type")
            in ("decide", "ready", "propose", "respond", "counter", "withdraw", "preview")
        ):
            cmd["round"] = self.view.get("round")
        out = Outgoing(next(self._cids), cmd, origin)
        self.outbox.append(out)
        self.pending[out.cid] = out
        self.clear_errors(origin)
        return out.cid

    def control(self, action: str, origin: str = "console", **fields: Any) -> int:
        """Queue a facilitator control action (start, pause, resume, extend, advance, end, bot, ...)."""
        out = Outgoing(next(self._cids), {"action": action, **fields}, origin, kind="control")
        self.outbox.append(out)
        self.pending[out.cid] = out
        self.clear_errors(origin)
        return out.cid

    def ask_debrief(self) -> int:
        """Ask the server for the debrief (players once the game is over, the facilitator at any
        time); the answer comes as a `debrief` message."""
        out = Outgoing(next(self._cids), {}, "debrief", kind="debrief")
        self.outbox.append(out)
        self.pending[out.cid] = out
        self.debrief_asked = out.cid
        self.clear_errors("debrief")
        return out.cid

    def debrief_due(self) -> bool:
        """The debrief shown is not of where the game stands now, and none is on its way."""
        v = self.view or {}
        now = (int(v.get("round", 0) or 0), str(v.get("phase", "")))
        return self.debrief_asked is None and self.debrief_at != now

    def take_outbox(self) -> list[Outgoing]:
        out, self.outbox = self.outbox, []
        return out

    # --- incoming -------------------------------------------------------------------------------
    def feed(self, msg: dict[str, Any]) -> None:
        """One message from the server (see server/protocol/messages.py SERVER_MESSAGES)."""
        t = msg.get("type")
        if t == "welcome":
            self.seat = str(msg.get("seat", ""))
            self.code = str(msg.get("code", self.code))
            self.session.update(
                {
                    k: msg.get(k)
                    for k in (
                        "session",
                        "role",
                        "name",
                        "scenario",
                        "status",
                        "road",
                        "report_port",
                    )
                }
            )
            if msg.get("token"):
                self.session["token"] = msg["token"]
            kinds = msg.get("deal_kinds")
            if isinstance(kinds, dict) and kinds != self.deal_kinds:
                self.deal_kinds = kinds
                self.view_version += 1  # the deal forms are built from these: rebuild them
            self.status = "connected"
            self.welcomes += 1
        elif t == "view":
            v = msg.get("view")
            if isinstance(v, dict):
                self.set_view(v)
            if isinstance(msg.get("seq"), int):
                self.last_event_seq = msg["seq"]
                self.need_sync = False
        elif t == "event":
            ev = msg.get("event")
            seq = msg.get("seq") if isinstance(msg.get("seq"), int) else None
            if seq is not None and self.last_event_seq and seq <= self.last_event_seq:
                return  # already seen (a replay after reconnecting)
            if seq is not None and self.last_event_seq and seq > self.last_event_seq + 1:
                self.need_sync = True  # a gap: ask the server to catch us up
                return
            if isinstance(ev, dict):
                self.apply_event(ev, seq)
        elif t == "ack":
            self.ack(msg.get("re"), msg.get("result"))  # type: ignore[arg-type]
        elif t == "error":
            re = msg.get("re")
            err = self.error(
                re if isinstance(re, int) else None,
                str(msg.get("code", "")),
                str(msg.get("message", "")),
                str(msg.get("where", "")),
            )
            if re == "hello":
                err.origin = "connect"
                err.message = refusal(err.code, err.message)
                self.status_detail = err.message
        elif t == "clock":
            self.session["clock"] = msg
            self.session["status"] = msg.get("status", self.session.get("status"))
            self.set_timer(
                {"remaining": msg.get("remaining"), "paused": msg.get("status") == "paused"}
            )
            if (
                self.view is not None
                and msg.get("phase")
                and msg.get("round") == self.view.get("round")
            ):
                self.view["phase"] = msg["phase"]
        elif t == "roster":
            self.session["roster"] = msg.get("seats", [])
            self.session["facilitator_connected"] = msg.get("facilitator")
            self.session["observers"] = msg.get("observers")
            self.session["locked"] = bool(msg.get("locked"))
            self.events_version += 1
        elif t == "waiting":
            # a locked session: the teacher decides; the welcome (or a refusal) follows
            self.set_status("waiting", str(msg.get("message") or ""))
        elif t == "join_requests":
            reqs = msg.get("requests")
            self.join_requests = (
                [r for r in reqs if isinstance(r, dict)] if isinstance(reqs, list) else []
            )
            self.events_version += 1
        elif t == "bye":
            self.notice(
                f"Disconnected by the server: {msg.get('message') or msg.get('reason', '')}"
            )
        elif t == "created":
            self.session["created"] = msg
        elif t == "debrief":
            d = msg.get("debrief")
            re = msg.get("re")
            if isinstance(re, int):
                self.pending.pop(re, None)
            if re == self.debrief_asked:
                self.debrief_asked = None
            if isinstance(d, dict):
                self.debrief = d
                self.debrief_at = (int(msg.get("round", 0) or 0), str(msg.get("phase", "")))
                self.events_version += 1

    def set_status(self, status: str, detail: str = "", code: str = "") -> None:
        if status != "connected":
            self.debrief_asked = None  # a request on a lost connection gets no answer
        self.status = status
        self.status_detail = detail
        self.status_code = code  # a refused hello's code ("ended", "locked", ...)

    def set_view(self, view: View) -> None:
        self.view = view
        self.seat = str(view.get("seat", self.seat))
        self.view_version += 1
        me = view.get("me")
        if isinstance(me, dict):
            self.me_history[len(view.get("history", []))] = dict(me)
        t = view.get("timer")
        if isinstance(t, dict):
            self.set_timer(t)

    def set_timer(self, t: dict[str, Any]) -> None:
        remaining = t.get("remaining")
        paused = bool(t.get("paused", False))
        self.timer = {
            "paused": paused,
            "remaining": remaining,
            "deadline": (time.monotonic() + float(remaining)) if remaining is not None else None,
        }

    def seconds_left(self) -> float | None:
        if not self.timer or self.timer.get("remaining") is None:
            return None
        if self.timer.get("paused"):
            return float(self.timer["remaining"])
        return max(0.0, float(self.timer["deadline"]) - time.monotonic())

    def ack(self, cid: int, result: Any = None) -> None:
        self.pending.pop(cid, None)
        self.events_version += 1
        self.acked.append(cid)
        del self.acked[:-200]
        if result is not None:
            self.session.setdefault("results", {})[cid] = result
        if isinstance(result, dict) and result.get("kind") == "preview":
            self.take_preview(result)  # a preview is a query: its answer comes in the ack
        if isinstance(result, dict) and {"code", "token", "round", "hash"} <= set(result):
            # a session branched from this one: its join code and facilitator token
            self.branches.append(result)
            self.notice(
                f"A new session from the start of round {result['round']}: "
                f"join code {result['code']}"
            )
        if isinstance(result, dict) and isinstance(result.get("facilitator_token"), str):
            # a new facilitator token: the old one works no more (the app keeps the new one)
            self.session["facilitator_token"] = result["facilitator_token"]
            self.notice("A new facilitator token: the old one no longer works")

    def take_preview(self, preview: dict[str, Any]) -> None:
        """A private preview (deal_kind, deal, without, with, delta), kept by the deal it is about
        (or its kind, for a draft) and as the latest."""
        self.previews[str(preview.get("deal") or preview.get("deal_kind") or "")] = preview
        self.previews["latest"] = preview

    def error(self, cid: int | None, code: str, message: str, where: str = "") -> ServerError:
        out = self.pending.pop(cid, None) if cid is not None else None
        if cid is not None and cid == self.debrief_asked:
            self.debrief_asked = None
            v = self.view or {}  # asked, and refused: not again in this phase
            self.debrief_at = (int(v.get("round", 0) or 0), str(v.get("phase", "")))
        err = ServerError(
            code=code,
            message=message,
            where=where,
            command=str(out.command.get("type", "")) if out else "",
            cid=cid,
            origin=out.origin if out else "",
        )
        self.errors.append(err)
        del self.errors[:-50]
        self.events_version += 1
        return err

    def errors_for(self, origin: str) -> list[ServerError]:
        return [e for e in self.errors if e.origin == origin]

    def error_at(self, origin: str, field_name: str) -> ServerError | None:
        """The latest error of `origin` whose place names `field_name` (e.g. decisions.wage)."""
        for e in reversed(self.errors):
            if e.origin == origin and (
                e.where == field_name
                or e.where.endswith("." + field_name)
                or e.where.split("[")[0].endswith(field_name)
            ):
                return e
        return None

    def clear_errors(self, origin: str) -> None:
        if origin:
            self.errors = [e for e in self.errors if e.origin != origin]

    def notice(self, text: str) -> None:
        self.notices.append((time.monotonic(), text))
        del self.notices[:-20]

    def show_banner(self, kind: str, text: str) -> None:
        self.banner = (time.monotonic(), kind, text)

    def banner_now(self) -> tuple[str, str] | None:
        """(kind, text) of the banner to show now, or None (dismissed or shown long enough)."""
        if self.banner is None:
            return None
        at, kind, text = self.banner
        if time.monotonic() - at > BANNER_SECONDS:
            self.banner = None
            return None
        return kind, text

    def dismiss_banner(self) -> None:
        self.banner = None

    def help_requests(self) -> list[dict[str, Any]]:
        """The requests for help the seats sent the facilitator (in the facilitator's view)."""
        return [
            m
            for m in (self.view or {}).get("chat", [])
            if (m.get("help") or m.get("to") == "facilitator") and m.get("from") != "facilitator"
        ]

    def help_replied(self, msg: dict[str, Any]) -> bool:
        """Has the facilitator replied to the seat of help request `msg` since it was sent?"""
        chat = (self.view or {}).get("chat", [])
        after = False
        for m in chat:
            if m is msg or (m.get("id") is not None and m.get("id") == msg.get("id")):
                after = True
            elif after and m.get("from") == "facilitator" and m.get("to") == msg.get("from"):
                return True
        return False

    def apply_event(self, ev: dict[str, Any], seq: int | None = None) -> None:
        """Fold one pushed event into the view so the screen is current between full views."""
        if seq is not None:
            self.last_event_seq = max(self.last_event_seq, seq)
        self.events_version += 1
        v = self.view
        kind = ev.get("kind")
        if (
            kind == "preview"
        ):  # servers that answer a preview with an event (before it became a query)
            self.take_preview(ev)
            return
        if kind == "timer":
            self.set_timer(ev)
            return
        if v is None:
            return
        if kind == "chat":
            v.setdefault("chat", []).append(
                {k: x for k, x in ev.items() if k not in ("kind", "audience")}
            )
            del v["chat"][:-200]
            if (
                ev.get("from") == "facilitator"
                and ev.get("to") == "public"
                and self.seat != "facilitator"
            ):
                self.show_banner("broadcast", f"The teacher says: {ev.get('text', '')}")
        elif kind == "seat_taken_by_bot" and ev.get("seat") == self.seat:
            self.show_banner(
                "bot",
                "The teacher has handed your seat to a bot: it plays for you until the "
                "teacher gives the seat back.",
            )
        elif kind == "ready":
            ready = set(v.get("ready", []))
            (ready.add if ev.get("ready") else ready.discard)(ev.get("seat"))
            v["ready"] = sorted(ready)
        elif kind == "decided" and ev.get("seat") == v.get("seat") and "me" in v:
            v["me"].setdefault("decisions", {}).update(ev.get("decisions", {}))
        elif kind == "news":
            v.setdefault("news", []).append(
                {k: x for k, x in ev.items() if k not in ("kind", "audience")}
            )
        elif kind == "chat_muted":
            v["chat_muted"] = bool(ev.get("muted"))
        elif kind == "phase":
            v["phase"] = ev.get("phase", v.get("phase"))
            v["round"] = ev.get("round", v.get("round"))
        elif isinstance(kind, str) and kind.startswith("deal_") and isinstance(ev.get("deal"), str):
            self._deal_event(kind[5:], ev)
        elif kind == "broadcast":
            self.notice(f"Facilitator: {ev.get('text', '')}")

    def _deal_event(self, what: str, ev: dict[str, Any]) -> None:
        """deal_proposed / accepted / rejected / countered / withdrawn / signed / failed / ..."""
        assert self.view is not None
        did = ev["deal"]
        deal: dict[str, Any] = {"id": did, "status": ev.get("status", what)}
        if ev.get("deal_kind"):
            deal["kind"] = ev["deal_kind"]
        for k in ("parties", "terms", "proposer", "counter_of"):
            if k in ev:
                deal[k] = ev[k]
        old = next((d for d in self.view.get("deals", []) if d.get("id") == did), None)
        responses = dict((old or {}).get("responses", {}))
        if what == "proposed":
            responses = {ev.get("proposer", ev.get("seat")): "accept"}
            deal.setdefault("round_proposed", self.view.get("round"))
        elif what in ("accepted", "rejected"):
            responses[ev.get("seat")] = "accept" if what == "accepted" else "reject"
        elif what == "countered" and ev.get("by"):
            deal["countered_by"] = ev["by"]
        elif what == "failed":
            deal["why"] = ev.get("why", "")
        deal["responses"] = responses
        self._upsert_deal(deal)

    def _upsert_deal(self, deal: dict[str, Any]) -> None:
        assert self.view is not None
        deals = self.view.setdefault("deals", [])
        for i, d in enumerate(deals):
            if d.get("id") == deal.get("id"):
                deals[i] = {**d, **deal}
                return
        deals.append(deal)

    # --- convenience ----------------------------------------------------------------------------
    @property
    def role(self) -> str:
        return str((self.view or {}).get("role", ""))

    @property
    def me(self) -> dict[str, Any]:
        return dict((self.view or {}).get("me") or {})

    def my_firm(self) -> int | None:
        f = self.me.get("firm")
        return int(f) if isinstance(f, int) else None

    def series(self, key: str) -> list[float]:
        """My private number `key` after each resolved round this client has seen (for trends)."""
        out = []
        for r in sorted(self.me_history):
            v = self.me_history[r].get(key)
            if isinstance(v, int | float) and not isinstance(v, bool) and r > 0:
                out.append(float(v))
        return out

    def is_ready(self) -> bool:
        return self.seat in (self.view or {}).get("ready", [])
