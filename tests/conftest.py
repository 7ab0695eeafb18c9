"""Fixtures shared by every layer of the suite."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

PG_ENV = "PYAPI_TEST_PG_URL"


def _psql(url: str, sql: str) -> None:
    subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the real PostgreSQL server that `.ci/run` starts.

    Yields a libpq URL (``postgresql://user@host:port/dbname``); a generated project turns it into
    its driver's scheme itself. Under CI a missing server is a failure, never a skip.
    """
    base = os.environ.get(PG_ENV)
    if not base:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set: .ci/run must start PostgreSQL before the tests")
        pytest.skip(f"no PostgreSQL: set {PG_ENV} (bash .ci/run starts one)")
    name = f"t_{uuid.uuid4().hex[:16]}"
    _psql(base, f'CREATE DATABASE "{name}"')
    parts = urlsplit(base)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        _psql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


REDIS_ENV = "PYAPI_TEST_REDIS_URL"


@pytest.fixture
def redis_url() -> str:
    """The real Redis server that `.ci/run` starts (scripts/redis-test-server).

    Shared by every test: pub/sub channels ignore the database number, so tests keep apart by
    channel names (each generated project's channels carry its package name).
    Under CI a missing server is a failure, never a skip.
    """
    url = os.environ.get(REDIS_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{REDIS_ENV} is not set: .ci/run must start Redis before the tests")
        pytest.skip(f"no Redis: set {REDIS_ENV} (bash .ci/run starts one)")
    return url
