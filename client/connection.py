"""Glue between the network thread and the model, run once per frame by the render loop."""

from __future__ import annotations

from district.client.model import ClientModel
from district.client.net import NetClient


class Connection:
    def __init__(self, net: NetClient, model: ClientModel) -> None:
        self.net = net
        self.model = model

    def pump(self) -> None:
        """Fold what arrived into the model and hand what the scenes queued to the network thread."""
        for item in self.net.poll():
            if item.kind == "status":
                self.model.set_status(item.status, item.detail, item.code)
            else:
                self.model.feed(item.message)
        if self.model.need_sync and self.model.status == "connected":
            self.model.need_sync = False
            self.net.send({"type": "sync", "id": "sync", "last_event": self.model.last_event_seq})
        for out in self.model.take_outbox():
            if out.kind == "debrief":
                self.net.send({"type": "debrief", "id": out.cid})
            elif out.kind == "control":
                fields = {k: v for k, v in out.command.items() if k != "action"}
                self.net.control(str(out.command["action"]), out.cid, **fields)
            else:
                self.net.command(out.command, out.cid)

    @property
    def token(self) -> str | None:
        return self.net.token

    def close(self) -> None:
        self.net.stop()
