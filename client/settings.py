"""What the connect screen remembers between runs: server, join code, name, and seat tokens
(so a player who closes the window comes back to the same seat).

Two files: the preferences (server, code, name, role, a CA file to trust) in the user's config
directory, and the secrets (seat tokens, the facilitator's token, the creation key) in the user's
data directory, readable and writable by the user only (mode 0600), written so that they are never
readable by others, not even for a moment."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SERVER = "ws://127.0.0.1:8765"
PREFERENCES = ("server", "code", "name", "role", "ca")
SECRETS = ("facilitator", "create_key")
# text sizes a player can choose: every font (drawn and in the widgets) is multiplied by this
FONT_SIZES = {"normal": 1.0, "large": 1.15, "larger": 1.3}
PALETTES = ("standard", "colour-blind")


def settings_path() -> Path:
    env = os.environ.get("DISTRICT_CLIENT_CONFIG")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "district" / "client.json"


def data_dir() -> Path:
    """The user's data directory: $DISTRICT_DATA, else the platform's usual place."""
    env = os.environ.get("DISTRICT_DATA")
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "district"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "district"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "district"


def secrets_path(settings: Path | None = None) -> Path:
    """The private file of tokens: beside a settings file given explicitly (tests, a portable
    copy), else in the user's data directory."""
    given = settings or (
        Path(os.environ["DISTRICT_CLIENT_CONFIG"])
        if os.environ.get("DISTRICT_CLIENT_CONFIG")
        else None
    )
    if given is not None:
        return given.with_name(given.stem + "-tokens.json")
    return data_dir() / "client-tokens.json"


def write_private(p: Path, text: str) -> None:
    """Write a file only its owner can read (0600), replacing it at once."""
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o600)  # whatever the umask
    tmp.replace(p)


def _read(p: Path) -> dict[str, Any]:
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


@dataclass
class Settings:
    server: str = DEFAULT_SERVER
    code: str = ""
    name: str = ""
    role: str = ""
    ca: str = ""  # a CA certificate file to trust for wss:// (a self-signed server)
    facilitator: str = ""  # the token of the last session this computer created (the teacher's)
    create_key: str = ""  # the server's creation key, once given
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
        prefs, secret = _read(p), _read(secrets_path(path))
        s = cls()
        for k in PREFERENCES:
            if isinstance(prefs.get(k), str):
                setattr(s, k, prefs[k])
        # secrets from the private file; an older client kept them with the preferences
        for src in (prefs, secret):
            for k in SECRETS:
                if isinstance(src.get(k), str):
                    setattr(s, k, src[k])
            if isinstance(src.get("tokens"), dict):
                s.tokens = {str(k): str(v) for k, v in src["tokens"].items()}
        if prefs.get("font_size") in FONT_SIZES:
            s.font_size = prefs["font_size"]
        if prefs.get("palette") in PALETTES:
            s.palette = prefs["palette"]
        return s

    def save(self, path: Path | None = None) -> None:
        p = path or settings_path()
        prefs = {k: getattr(self, k) for k in (*PREFERENCES, "font_size", "palette")}
        secret = {**{k: getattr(self, k) for k in SECRETS}, "tokens": self.tokens}
        try:
            write_private(secrets_path(path), json.dumps(secret, indent=1))
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_suffix(".tmp")
            tmp.write_text(json.dumps(prefs, indent=1), encoding="utf-8")
            tmp.replace(p)
        except OSError:
            pass  # remembering is a convenience; never fail the game for it
