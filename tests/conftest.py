"""Fixtures every test folder may use: a real PostgreSQL server (tests/pg.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pg import PgServer, PostgresMissing, pg_server, stop_pg_server


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    """This worker's PostgreSQL server (started on first use, stopped at the end). A missing
    PostgreSQL fails the test with a sentence naming the package: it is never skipped."""
    missing = None
    try:
        srv = pg_server()
    except PostgresMissing as e:
        missing = str(e)
    if missing is not None:
        pytest.fail(missing, pytrace=False)
    yield srv
    stop_pg_server()


@pytest.fixture
def pg_url(pg: PgServer) -> Iterator[str]:
    """A fresh, empty database of the worker's PostgreSQL server, as a postgresql:// URL (dropped
    after the test)."""
    if not pg.running:  # a test stopped it and failed before starting it again
        pg.start()
    url = pg.new_database()
    yield url
    pg.drop_database(url)
