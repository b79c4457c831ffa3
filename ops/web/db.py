"""The web's connections: async, read-only, and acting as newswatch_reader.

SET ROLE makes PostgreSQL itself keep the web to what the reader role may read (the views and
incidents_as_of); the migration grants that role to the user that migrated. A statement timeout
keeps one expensive free-text search from holding a connection for long.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from newswatch.errors import ConfigError

READER_ROLE = "newswatch_reader"
STATEMENT_TIMEOUT_MS = 10_000


async def become_reader(conn: psycopg.AsyncConnection[Any]) -> None:
    try:
        await conn.execute(f"SET ROLE {READER_ROLE}")
    except psycopg.errors.InsufficientPrivilege:
        user = conn.info.user
        raise ConfigError(f"the database user {user!r} may not act as {READER_ROLE}: run "
                          f"`newswatch db migrate`, or GRANT {READER_ROLE} TO \"{user}\"") from None
    except psycopg.errors.UndefinedObject:
        raise ConfigError(f"no role {READER_ROLE} in the database: run `newswatch db migrate`") from None
    await conn.execute("SET default_transaction_read_only = on")
    await conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")


async def check_reader(url: str) -> None:
    """Fail with one line now, rather than on every request, if the web cannot read as the reader."""
    try:
        conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    except psycopg.OperationalError as exc:
        raise ConfigError(f"cannot connect to the database: {str(exc).strip().splitlines()[0]}") from None
    async with conn:
        await become_reader(conn)


def reader_pool(url: str, max_size: int) -> AsyncConnectionPool:
    return AsyncConnectionPool(
        url, min_size=1, max_size=max(2, max_size), open=False, name="newswatch-web",
        kwargs={"autocommit": True, "row_factory": dict_row}, configure=become_reader,
        check=AsyncConnectionPool.check_connection, reconnect_timeout=300)


async def listener(url: str) -> psycopg.AsyncConnection[Any]:
    """A connection of its own for LISTEN (it waits on notifications, so it is never pooled)."""
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row)
    await become_reader(conn)
    await conn.execute("LISTEN incident_changed")
    return conn
