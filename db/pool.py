"""One psycopg 3 connection pool per process, opened on first use.

A worker process that forks must call `close_pool()` in the child (Celery's worker_process_init
does) so that connections are never shared across processes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from newswatch.errors import ConfigError, TransientError
from newswatch.settings import get_settings

# Every connection newswatch makes returns rows as dicts.
DictConnection = psycopg.Connection[dict[str, Any]]

_pool: ConnectionPool | None = None
_lock = threading.Lock()
_configure: Callable[[psycopg.Connection[Any]], None] | None = None


def configure_new_connections(fn: Callable[[psycopg.Connection[Any]], None] | None) -> None:
    """Run `fn` on every connection the pool opens from now on (the poll benchmark counts statements
    this way). Closes the current pool so that no connection escapes it."""
    global _configure
    close_pool()
    _configure = fn


def database_url() -> str:
    url = get_settings().database_url
    if not url:
        raise ConfigError("DATABASE_URL is not set (run `newswatch up`, or set it to a PostgreSQL URL)")
    return url


def get_pool() -> ConnectionPool:
    global _pool
    with _lock:
        if _pool is None:
            settings = get_settings()
            _pool = ConnectionPool(
                database_url(),
                min_size=1,
                max_size=max(1, settings.db_pool_max),
                kwargs={"row_factory": dict_row, "autocommit": False},
                open=False,
                name="newswatch",
                # A connection that died while Postgres restarted is found and replaced on checkout.
                check=ConnectionPool.check_connection,
                reconnect_timeout=300,
                configure=_configure,
            )
            _pool.open(wait=False)
        return _pool


def close_pool() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.close()
            _pool = None


@contextmanager
def connection(timeout: float = 30.0) -> Iterator[DictConnection]:
    """A pooled connection; the block is one transaction, committed on success.

    A database that cannot be reached becomes `TransientError`, which tasks retry. A statement
    PostgreSQL will never take (SQLSTATE class 54, e.g. a value too large for its index) is
    psycopg's OperationalError too, but no retry helps it: it is raised as it is.
    """
    try:
        with get_pool().connection(timeout=timeout) as conn:
            yield cast(DictConnection, conn)
    except (psycopg.OperationalError, PoolTimeout) as exc:
        if is_program_limit(exc):
            raise
        raise TransientError(f"database unavailable: {_first_line(exc)}") from exc


def is_program_limit(exc: BaseException) -> bool:
    """A statement over one of PostgreSQL's limits (index row, statement, columns, arguments)."""
    return isinstance(exc, psycopg.Error) and (exc.sqlstate or "").startswith("54")


def connect(autocommit: bool = False) -> DictConnection:
    """A plain connection outside the pool (migrations, LISTEN, the CLI's one-off reads)."""
    try:
        return psycopg.connect(database_url(), autocommit=autocommit, row_factory=dict_row)
    except psycopg.OperationalError as exc:
        raise TransientError(f"cannot connect to the database: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
