"""What the connect screen remembers between runs: server, join code, name, and seat tokens
(so a player who closes the window comes back to the same seat)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_SERVER = "ws://127.0.0.1:8765"
# text sizes a player can choose: every font (drawn and in the widgets) is multiplied by this
FONT_SIZES = {"normal": 1.0, "large": 1.15, "larger": 1.3}
PALETTES = ("standard", "colour-blind")


def settings_path() -> Path:
    env = os.environ.get("DISTRICT_CLIENT_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "district" / "client.json"


@dataclass
class Settings:
    server: str = DEFAULT_SERVER
    code: str = ""
    name: str = ""
    role: str = ""
    facilitator: str = ""  # the token of the last session this computer created (the teacher's)
    tokens: dict[str, str] = field(default_factory=dict)  # "server|code" -> seat token
    font_size: str = "normal"  # a key of FONT_SIZES
    palette: str = "standard"  # one of PALETTES

    @property
    def font_scale(self) -> float:
        return FONT_SIZES.get(self.font_size, 1.0)

    def token_for(self, server: str, code: str) -> str | None:
        return self.tokens.get(f"{server}|{code.upper()}")

    def remember_token(self, server: str, code: str, token: str) -> None:
        self.tokens[f"{server}|{code.upper()}"] = token
        if len(self.tokens) > 20:
            for k in list(self.tokens)[:-20]:
                del self.tokens[k]

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        p = path or settings_path()
        try:
            raw = json.loads(p.read_text())
        except (OSError, ValueError):
            return cls()
        s = cls()
        for k in ("server", "code", "name", "role", "facilitator"):
            if isinstance(raw.get(k), str):
                setattr(s, k, raw[k])
        if raw.get("font_size") in FONT_SIZES:
            s.font_size = raw["font_size"]
        if raw.get("palette") in PALETTES:
            s.palette = raw["palette"]
        if isinstance(raw.get("tokens"), dict):
            s.tokens = {str(k): str(v) for k, v in raw["tokens"].items()}
        return s

    def save(self, path: Path | None = None) -> None:
        p = path or settings_path()
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(self), indent=1))
            tmp.replace(p)
        except OSError:
            pass  # remembering is a convenience; never fail the game for it
