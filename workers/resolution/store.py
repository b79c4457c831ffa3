"""Writing the register: incident rows and their versions, with column lists derived from `State`.

The incident's headline fields and figure bookkeeping are one typed record (versions.State); the
statements here are built from its fields, so a field added there is written everywhere at once.
`incident_history` keeps every State field except the `*_as_of` stamps (a version's own time is
its `valid_from`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from workers.resolution.versions import State

Conn = psycopg.Connection[Any]

STATE_COLUMNS = tuple(f.name for f in fields(State))
HISTORY_COLUMNS = tuple(name for name in STATE_COLUMNS if not name.endswith("_as_of"))


@dataclass(frozen=True)
class VersionNote:
    """What caused a version: the reason, the fields it changed, and the report and sentence behind it."""

    reason: str
    changed_fields: tuple[str, ...] = ()
    report_id: int | None = None
    article_id: int | None = None
    quote: str | None = None
    merged_from: int | None = None
    split_from: int | None = None


def _columns(names: tuple[str, ...]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _placeholders(names: tuple[str, ...]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Placeholder(n) for n in names)


def _assignments(names: tuple[str, ...]) -> sql.Composed:
    return sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(n), sql.Placeholder(n)) for n in names)


def insert_incident(conn: Conn, state: State, *, historical: bool, signature: dict[str, Any],
                    keys: list[str], first_reported_at: datetime | None) -> dict[str, Any]:
    """A new incident at version 1 in `state`; returns its row."""
    extra = ("version", "historical", "signature", "match_keys")
    values = {**asdict(state), "version": 1, "historical": historical, "signature": Jsonb(signature),
              "match_keys": keys, "first_reported_at": first_reported_at}
    statement = sql.SQL("INSERT INTO incidents ({}, first_reported_at) VALUES ({}, COALESCE({}, now())) "
                        "RETURNING *").format(_columns(STATE_COLUMNS + extra),
                                              _placeholders(STATE_COLUMNS + extra),
                                              sql.Placeholder("first_reported_at"))
    row = conn.execute(statement, values).fetchone()
    if row is None:
        raise LookupError("INSERT ... RETURNING gave no row")
    return dict(row)


def update_incident(conn: Conn, incident_id: int, state: State, *, version: int, signature: dict[str, Any],
                    keys: list[str], reported_at: datetime | None, touched: bool) -> None:
    """Store the incident's new state; `reported_at` may only move first_reported_at earlier, and
    `touched` (a new version) moves updated_at."""
    extra = ("version", "signature", "match_keys")
    values = {**asdict(state), "version": version, "signature": Jsonb(signature), "match_keys": keys,
              "reported_at": reported_at, "touched": touched, "id": incident_id}
    statement = sql.SQL(
        "UPDATE incidents SET {}, "
        "first_reported_at = LEAST(first_reported_at, COALESCE(%(reported_at)s, first_reported_at)), "
        "updated_at = CASE WHEN %(touched)s THEN now() ELSE updated_at END WHERE id = %(id)s"
    ).format(_assignments(STATE_COLUMNS + extra))
    conn.execute(statement, values)


def write_version(conn: Conn, incident_id: int, version: int, state: State, note: VersionNote) -> None:
    """One row of incident_history: the state at this version and what caused it."""
    extra = ("incident_id", "version", "changed_fields", "reason", "report_id", "article_id", "quote",
             "merged_from", "split_from")
    values = {**{n: getattr(state, n) for n in HISTORY_COLUMNS}, "incident_id": incident_id,
              "version": version, "changed_fields": list(note.changed_fields), "reason": note.reason,
              "report_id": note.report_id, "article_id": note.article_id, "quote": note.quote,
              "merged_from": note.merged_from, "split_from": note.split_from}
    statement = sql.SQL("INSERT INTO incident_history ({}) VALUES ({})").format(
        _columns(HISTORY_COLUMNS + extra), _placeholders(HISTORY_COLUMNS + extra))
    conn.execute(statement, values)
