"""The migration runner: numbered .sql files, one transaction each, under an advisory lock.

Two processes migrating at once: the second waits on the lock, then finds everything applied and
does nothing. Views (db/views/*.sql, applied in name order) are re-applied after every run, so a
view change needs no migration; they must only ever add columns (consumers depend on the names).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import psycopg

from newswatch.errors import UserError

# Any constant unique to newswatch: pg_advisory_lock takes a bigint.
MIGRATION_LOCK_ID = 0x6E657773_77617463 & 0x7FFFFFFFFFFFFFFF

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str = field(repr=False)

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def path(self) -> str:
        return f"db/migrations/{self.number:04d}_{self.name}.sql"


def available_migrations() -> list[Migration]:
    found = []
    for entry in resources.files("db").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if len(numbers) != len(set(numbers)):
        raise UserError("two migrations share a number in db/migrations")
    return found


def view_sql() -> list[tuple[str, str]]:
    views = resources.files("db").joinpath("views")
    return sorted(
        (entry.name, entry.read_text(encoding="utf-8")) for entry in views.iterdir() if entry.name.endswith(".sql")
    )


_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    number      integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


def applied(conn: psycopg.Connection[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Applied migrations by number. `conn` must use dict rows (db.pool does)."""
    row = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").fetchone()
    if not row or not row["present"]:
        return {}
    rows = conn.execute("SELECT number, name, checksum, applied_at FROM schema_migrations ORDER BY number")
    return {r["number"]: r for r in rows}


def edited_since_applied(migrations: list[Migration], already: dict[int, dict[str, Any]]) -> list[Migration]:
    """Applied migrations whose file no longer matches the checksum recorded when it was applied."""
    return [m for m in migrations if m.number in already and already[m.number]["checksum"] != m.checksum]


def _refuse_edited(migrations: list[Migration], already: dict[int, dict[str, Any]]) -> None:
    edited = edited_since_applied(migrations, already)
    if edited:
        more = f" (and {len(edited) - 1} more)" if len(edited) > 1 else ""
        raise UserError(f"{edited[0].path}{more} was edited after it was applied; restore it and put the "
                        "change in a new migration")


def migrate(conn: psycopg.Connection[dict[str, Any]]) -> list[Migration]:
    """Apply what is pending; return what was applied. `conn` must be in autocommit mode.

    Refuses (UserError, nothing applied) when an applied migration's file was edited since: the
    database would silently lack the edit."""
    if not conn.autocommit:
        raise ValueError("migrate() needs an autocommit connection: each migration is its own transaction")
    done: list[Migration] = []
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_ID,))
    try:
        conn.execute(_CREATE_LEDGER)
        already = applied(conn)
        known = available_migrations()
        _refuse_edited(known, already)
        for migration in known:
            if migration.number in already:
                continue
            with conn.transaction():
                conn.execute(migration.sql.encode())  # bytes: psycopg runs it as a script, no params
                conn.execute(
                    "INSERT INTO schema_migrations (number, name, checksum) VALUES (%s, %s, %s)",
                    (migration.number, migration.name, migration.checksum),
                )
            done.append(migration)
        with conn.transaction():
            for _name, sql in view_sql():
                conn.execute(sql.encode())
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_ID,))
    return done


def status(conn: psycopg.Connection[dict[str, Any]]) -> list[tuple[Migration, Any]]:
    """Every known migration with when it was applied (None: pending)."""
    already = applied(conn)
    return [(m, already[m.number]["applied_at"] if m.number in already else None)
            for m in available_migrations()]
