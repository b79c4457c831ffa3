"""What the web reads: the consumers' views and incidents_as_of, nothing else.

Every connection runs as newswatch_reader (see db.py), so a query that strayed to a base table
would fail in the database, not just in review. Filters come from the query string; a bad value is
`BadRequest` with one line saying what is wrong.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from psycopg import AsyncConnection, sql

from newswatch.errors import NewswatchError

MAX_LIMIT = 200
PAGE_SIZE = 50
MAX_TEXT = 200
MERGE_HOPS = 20  # a merge chain longer than this is a bug, not data


# What free text is searched in: the same expression as the trigram index of migration 0016, so
# that the planner can use it (through the view, these are the incidents table's columns).
SEARCHED_TEXT = sql.SQL(
    "(coalesce(location, '') || ' ' || coalesce(country_code, '') || ' ' || category || ' ' || "
    "event_type || ' ' || coalesce(perpetrator, '') || ' ' || coalesce(claimed_by, ''))")


class BadRequest(NewswatchError):
    """A query-string value that cannot be used (HTTP 400)."""


class NotKnown(NewswatchError):
    """No such incident (or not yet known at the moment asked about): HTTP 404."""


def parse_moment(text: str, name: str = "as_of") -> datetime:
    """'2026-11-29T18:00Z', '2026-11-29 18:00:00+01:00' or '2026-11-29' (midnight UTC)."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise BadRequest(f"{name}={text!r}: give a time like 2026-11-29T18:00Z or a date like 2026-11-29") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(f"{name}={text!r}: give a day like 2026-11-29") from None


@dataclass(frozen=True)
class Filters:
    """The filters of the incidents page and /api/incidents (all optional)."""

    category: str | None = None
    type: str | None = None
    country: str | None = None
    since: date | None = None   # occurred on or after
    until: date | None = None   # occurred on or before
    q: str | None = None        # free text: place, type, perpetrator, claim

    @classmethod
    def from_query(cls, params: Any) -> Filters:
        def text(name: str) -> str | None:
            value = (params.get(name) or "").strip()
            if len(value) > MAX_TEXT:
                raise BadRequest(f"{name}: at most {MAX_TEXT} characters")
            return value or None

        country = text("country")
        if country is not None and not re.fullmatch(r"[A-Za-z]{2}", country):
            raise BadRequest(f"country={country!r}: give a two-letter ISO 3166-1 code like KE")
        for name in ("category", "type"):
            value = text(name)
            if value is not None and not re.fullmatch(r"[a-z_]+", value):
                raise BadRequest(f"{name}={value!r}: a name like attack or bombing")
        since, until = text("since"), text("until")
        return cls(category=text("category"), type=text("type"), country=country.upper() if country else None,
                   since=_parse_day(since, "since") if since else None,
                   until=_parse_day(until, "until") if until else None, q=text("q"))

    def as_query(self) -> dict[str, str]:
        """The filters as query-string values (for links that keep them)."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}

    def where(self) -> sql.Composed:
        """The filters as one SQL condition on a row of incidents_current (values as literals)."""
        parts: list[sql.Composable] = [sql.SQL("TRUE")]
        for value, column in ((self.category, "category"), (self.type, "event_type"), (self.country, "country_code")):
            if value is not None:
                parts.append(sql.SQL("{} = {}").format(sql.Identifier(column), sql.Literal(value)))
        if self.since is not None:
            parts.append(sql.SQL("occurred_on >= {}").format(sql.Literal(self.since)))
        if self.until is not None:
            parts.append(sql.SQL("occurred_on <= {}").format(sql.Literal(self.until)))
        if self.q is not None:
            pattern = "%" + re.sub(r"([\\%_])", r"\\\1", self.q) + "%"
            parts.append(sql.SQL("{} ILIKE {}").format(SEARCHED_TEXT, sql.Literal(pattern)))
        return sql.SQL(" AND ").join(parts)


def encode_cursor(row: dict[str, Any]) -> str:
    raw = f"{row['updated_at'].isoformat()}|{row['incident_id']}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        moment, incident = raw.split("|")
        return datetime.fromisoformat(moment), int(incident)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("cursor: not one this server gave out (start again from the first page)") from None


def _source(as_of: datetime | None) -> sql.Composable:
    if as_of is None:
        return sql.SQL("incidents_current")
    return sql.SQL("incidents_as_of({})").format(sql.Literal(as_of))


async def list_incidents(conn: AsyncConnection[Any], filters: Filters, *, as_of: datetime | None = None,
                         cursor: str | None = None, limit: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], str | None]:
    """One page of incidents, newest change first, and the cursor of the next page (None: last)."""
    conditions = [filters.where()]
    if cursor:
        moment, incident = decode_cursor(cursor)
        conditions.append(sql.SQL("(updated_at, incident_id) < ({}, {})").format(
            sql.Literal(moment), sql.Literal(incident)))
    query = sql.SQL("SELECT * FROM {} c WHERE {} ORDER BY updated_at DESC, incident_id DESC LIMIT {}").format(
        _source(as_of), sql.SQL(" AND ").join(conditions), sql.Literal(limit + 1))
    rows = await (await conn.execute(query)).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1]) if more and rows else None


async def changed_since(conn: AsyncConnection[Any], filters: Filters, since: datetime,
                        limit: int = 100) -> list[dict[str, Any]]:
    """Incidents matching `filters` that changed after `since`, oldest change first (live replay)."""
    query = sql.SQL("SELECT * FROM (SELECT * FROM incidents_current WHERE {} AND updated_at > {} "
                    "ORDER BY updated_at DESC, incident_id DESC LIMIT {}) recent "
                    "ORDER BY updated_at, incident_id").format(filters.where(), sql.Literal(since), sql.Literal(limit))
    return list(await (await conn.execute(query)).fetchall())


async def matching(conn: AsyncConnection[Any], filters: Filters, ids: list[int]) -> list[dict[str, Any]]:
    """Those of `ids` that are live and match `filters`, oldest change first."""
    query = sql.SQL("SELECT * FROM incidents_current WHERE incident_id = ANY({}) AND {} "
                    "ORDER BY updated_at, incident_id").format(sql.Literal(ids), filters.where())
    return list(await (await conn.execute(query)).fetchall())


async def live_id(conn: AsyncConnection[Any], incident_id: int, as_of: datetime | None) -> int | None:
    """The incident `incident_id` is (or was at `as_of`): itself, or the one it was merged into; None
    if there is no such incident (then)."""
    current = incident_id
    for _ in range(MERGE_HOPS):
        found = await (await conn.execute(
            sql.SQL("SELECT 1 FROM {} c WHERE incident_id = %s").format(_source(as_of)), (current,))).fetchone()
        if found:
            return current
        # Merged: the survivor's 'merge' version names it (known by as_of, if given).
        survivor = await (await conn.execute(
            """SELECT incident_id FROM incident_versions
               WHERE merged_from = %s AND (%s::timestamptz IS NULL OR valid_from <= %s)
               ORDER BY valid_from LIMIT 1""", (current, as_of, as_of))).fetchone()
        if survivor is None:
            return None
        current = survivor["incident_id"]
    return None


_VERSIONS = """
SELECT v.*, a.published_at AS published, f.name AS outlet
FROM incident_versions v
LEFT JOIN articles_current a ON a.article_id = v.article_id
LEFT JOIN feed_health f ON f.feed_id = a.feed_id
WHERE v.incident_id = %(id)s AND (%(as_of)s::timestamptz IS NULL OR v.valid_from <= %(as_of)s)
ORDER BY v.version
"""
_SOURCES = """
SELECT s.*, f.name AS outlet
FROM incident_articles s
LEFT JOIN articles_current a ON a.article_id = s.article_id
LEFT JOIN feed_health f ON f.feed_id = a.feed_id
WHERE s.incident_id = %(id)s AND (%(as_of)s::timestamptz IS NULL OR s.linked_at <= %(as_of)s)
ORDER BY s.published_at NULLS LAST, s.article_id
"""


async def load_incident(conn: AsyncConnection[Any], incident_id: int,
                        as_of: datetime | None = None) -> dict[str, Any]:
    """The incident as it stands (or stood at `as_of`), its versions and its sources. The caller
    resolves merged ids first (live_id)."""
    incident = await (await conn.execute(
        sql.SQL("SELECT * FROM {} c WHERE incident_id = %s").format(_source(as_of)), (incident_id,))).fetchone()
    if incident is None:
        raise NotKnown(f"no incident #{incident_id}" + (f" known at {as_of.isoformat()}" if as_of else ""))
    params = {"id": incident_id, "as_of": as_of}
    versions = await (await conn.execute(_VERSIONS, params)).fetchall()
    sources = await (await conn.execute(_SOURCES, params)).fetchall()
    for row in (*versions, *sources):
        row["outlet"] = row["outlet"] or host_of(row.get("article_url"))
    return {"incident": incident, "versions": versions, "sources": sources}


async def feeds(conn: AsyncConnection[Any]) -> list[dict[str, Any]]:
    return list(await (await conn.execute("SELECT * FROM feed_health ORDER BY name NULLS LAST, feed_id")).fetchall())


async def view_columns(conn: AsyncConnection[Any], views: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    """(column, type) of each view, in order (for the OpenAPI description)."""
    rows = await (await conn.execute(
        """SELECT table_name, column_name, data_type FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = ANY(%s)
           ORDER BY table_name, ordinal_position""", (list(views),))).fetchall()
    found: dict[str, list[tuple[str, str]]] = {v: [] for v in views}
    for r in rows:
        found[r["table_name"]].append((r["column_name"], r["data_type"]))
    return found


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None
