"""The client keeps its tokens privately (mode 0600, in the user's data directory, never beside
the preferences), and the connect screen sends the creation key a server asks for."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import pygame
import pytest
from district.client.settings import Settings, data_dir, secrets_path, settings_path
from district.server.net import Server, ServerConfig

from tests.client.conftest import click, type_into


def test_tokens_are_kept_private_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISTRICT_CLIENT_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("DISTRICT_DATA", str(tmp_path / "data"))
    os.umask(0o022)  # the usual umask: files are world-readable unless made otherwise
    s = Settings(name="Ada", code="K7QM2P")
    s.remember_token("ws://h:1", "K7QM2P", "seat-secret")
    s.facilitator = "fac-secret"
    s.create_key = "key-secret"
    s.save()
    prefs, secret = settings_path(), secrets_path()
    assert secret.parent == data_dir() == tmp_path / "data"
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    body = prefs.read_text()
    for word in ("seat-secret", "fac-secret", "key-secret"):
        assert word not in body and word in secret.read_text()
    back = Settings.load()
    assert back.token_for("ws://h:1", "k7qm2p") == "seat-secret"
    assert (back.facilitator, back.create_key, back.name) == ("fac-secret", "key-secret", "Ada")
    # an older client kept tokens with the preferences: read once, then kept privately
    prefs.write_text(json.dumps({"server": "ws://x:2", "tokens": {"ws://x:2|AAAAAA": "old"}}))
    secret.unlink()
    old = Settings.load()
    assert old.token_for("ws://x:2", "AAAAAA") == "old"
    old.save()
    assert "old" not in prefs.read_text() and "old" in secret.read_text()
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600


async def _serve(tmp_path: Path) -> Server:
    srv = Server(
        ServerConfig(db=tmp_path / "d.sqlite3", port=0, create_key="sesame", ping_interval=None)
    )
    await srv.start()
    return srv


def test_the_connect_screen_sends_the_creation_key(tmp_path: Path) -> None:
    import asyncio
    import threading

    from district.client.app import App

    loop = asyncio.new_event_loop()
    srv = loop.run_until_complete(_serve(tmp_path))
    t = threading.Thread(target=loop.run_forever, daemon=True)
    t.start()
    try:
        for size in ((1024, 768), (1920, 1080)):
            app = App(size=size, settings=Settings.load())
            app.frame([])
            pygame.image.save(app.surface, str(tmp_path / f"connect-{size[0]}.png"))
        sc = app.scene
        type_into(app, sc.server_entry, f"ws://127.0.0.1:{srv.port}")
        type_into(app, sc.scenario_entry, "emilia-romagna")

        def created() -> str:
            end = time.monotonic() + 20
            while time.monotonic() < end:
                app.frame([])
                if "created" in sc.message or "Could not" in sc.message:
                    return sc.message
                if app.connection is not None:
                    return "created"
                time.sleep(0.02)
            return sc.message

        click(app, sc.create_button)  # no key: the server says what is missing
        said = created()
        assert "Could not create" in said and "creation key" in said, said
        type_into(app, sc.key_entry, "sesame")
        click(app, sc.create_button)
        assert created() == "created" or "created" in sc.message
        assert Settings.load().create_key == "sesame"
        assert len(srv.sessions) == 1
        if app.connection is not None:
            app.connection.close()
    finally:
        asyncio.run_coroutine_threadsafe(srv.stop(), loop).result(20)
        loop.call_soon_threadsafe(loop.stop)
        t.join(5)


def test_the_console_asks_for_a_new_token_shows_it_and_keeps_it(
    make_app: Any, tmp_path: Path
) -> None:
    from district.client.ui.theme import C

    from tests.client.conftest import text_drawn

    for size in ((1024, 768), (1920, 1080)):
        app = make_app("facilitator", size=size)
        scene = app.scene
        assert scene.name == "facilitator"
        click(app, scene.buttons["new_token"])
        sent = [o for o in app.model.take_outbox()]
        assert [o.command for o in sent] == [{"action": "new_token"}]
        app.model.ack(sent[0].cid, {"facilitator_token": "Xq3_9vTz-1aB2cD3eF4gH5iJ6kL7mN8o"})
        app.frame([])
        pygame.image.save(app.surface, str(tmp_path / f"console-token-{size[0]}.png"))
        assert text_drawn(
            app.surface,
            "Token: Xq3_9vTz-1aB2cD3eF4gH5iJ6kL7mN8o",
            scene.fonts.get(12),
            C.MUTED,
            C.PANEL,
            scene.ctrl_r,
        )
        assert Settings.load().facilitator == "Xq3_9vTz-1aB2cD3eF4gH5iJ6kL7mN8o"
