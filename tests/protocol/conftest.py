"""A real server on 127.0.0.1 with a real SQLite file, in the test's event loop (as the server
tests have it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from district.server.net import Server

from tests.server.conftest import make_config


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    srv = Server(make_config(tmp_path))
    await srv.start()
    yield srv
    await srv.stop()
