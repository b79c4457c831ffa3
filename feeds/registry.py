"""The feed registry: adding, listing, pausing and removing feeds. No network here."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import psycopg

from feeds.opml import Outline
from feeds.urls import check_url, url_key
from newswatch.errors import NotFound, UserError
from newswatch.settings import get_settings, parse_duration

FEED_COLUMNS = """id, url, name, interval_s, paused, next_poll_at, last_polled_at, last_status,
    last_http_status, error_count, last_error, etag, last_modified, created_at"""

Conn = psycopg.Connection[dict[str, Any]]


def parse_interval(text: str | None) -> int:
    """'5m' -> 300 seconds; the default interval when None; refuses intervals below the minimum."""
    settings = get_settings()
    if text is None:
        return int(settings.default_interval)
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise UserError(f"bad --interval: {exc}") from None
    if seconds < settings.min_interval:
        raise UserError(f"bad --interval {text!r}: the shortest allowed is {int(settings.min_interval)}s "
                        "(NEWSWATCH_MIN_INTERVAL)")
    if seconds > 30 * 86400:
        raise UserError(f"bad --interval {text!r}: the longest allowed is 30d")
    return int(seconds)


@dataclass(frozen=True)
class NewFeed:
    url: str
    key: str
    name: str | None


def prepare(url: str, name: str | None) -> NewFeed:
    """Check a feed's URL and name before anything is written; UserError says what is wrong."""
    clean = check_url(url)
    if name is not None:
        name = " ".join(name.split()) or None  # line breaks and tabs in a name only garble listings
        if name and len(name) > 500:
            raise UserError(f"the name of {clean} is longer than 500 characters")
        if name and any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in name):
            # e.g. ESC: `feeds list` would pass it to the terminal
            raise UserError(f"the name of {clean} contains a control character: {name[:100]!r}")
    return NewFeed(clean, url_key(clean), name)


def add_feed(conn: Conn, feed: NewFeed, seconds: int) -> dict[str, Any]:
    """Register a checked feed (`prepare`) polled every `seconds` (`parse_interval`)."""
    row = conn.execute(
        f"""INSERT INTO feeds (url, url_key, name, interval_s) VALUES (%s, %s, %s, %s)
            ON CONFLICT (url_key) DO NOTHING RETURNING {FEED_COLUMNS}""",
        (feed.url, feed.key, feed.name, seconds),
    ).fetchone()
    if row is None:
        existing = conn.execute("SELECT id, url FROM feeds WHERE url_key = %s", (feed.key,)).fetchone()
        assert existing is not None
        raise UserError(f"feed already registered as #{existing['id']}: {existing['url']}")
    return row


def import_feeds(conn: Conn, outlines: list[Outline], seconds: int,
                 skip_invalid: bool = False) -> tuple[list[dict[str, Any]], int, list[str]]:
    """Add every outline not yet registered, in one statement. Returns (added, already there, skipped).

    An invalid URL fails the whole import (nothing written) unless skip_invalid is set.
    """
    prepared: dict[str, NewFeed] = {}
    skipped: list[str] = []
    for outline in outlines:
        try:
            feed = prepare(outline.url, outline.name)
        except UserError as exc:
            if not skip_invalid:
                raise UserError(f"{exc} (in the OPML file; --skip-invalid imports the rest)") from None
            skipped.append(str(exc))  # names the URL, shortened and without control characters
            continue
        prepared.setdefault(feed.key, feed)
    if not prepared:
        return [], 0, skipped
    feeds = list(prepared.values())
    rows = conn.execute(
        f"""INSERT INTO feeds (url, url_key, name, interval_s)
            SELECT u, k, n, %s FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(u, k, n)
            ON CONFLICT (url_key) DO NOTHING RETURNING {FEED_COLUMNS}""",
        (seconds, [f.url for f in feeds], [f.key for f in feeds], [f.name for f in feeds]),
    ).fetchall()
    return rows, len(feeds) - len(rows), skipped


def list_feeds(conn: Conn) -> list[dict[str, Any]]:
    return conn.execute(f"SELECT {FEED_COLUMNS} FROM feeds ORDER BY id").fetchall()


def find_feed(conn: Conn, ref: str) -> dict[str, Any]:
    """A feed by id (`12`, `#12`) or by URL (any spelling that normalises to it)."""
    text = ref.strip().lstrip("#")
    if text.isdigit():
        row = conn.execute(f"SELECT {FEED_COLUMNS} FROM feeds WHERE id = %s", (int(text),)).fetchone()
    else:
        row = conn.execute(f"SELECT {FEED_COLUMNS} FROM feeds WHERE url_key = %s", (url_key(text),)).fetchone()
    if row is None:
        raise NotFound(f"no feed {ref!r} (see `newswatch feeds list`)")
    return row


def set_paused(conn: Conn, ref: str, paused: bool) -> dict[str, Any]:
    feed = find_feed(conn, ref)
    row = conn.execute(
        f"""UPDATE feeds SET paused = %s, updated_at = now(),
                   next_poll_at = CASE WHEN %s THEN next_poll_at ELSE least(next_poll_at, now()) END
            WHERE id = %s RETURNING {FEED_COLUMNS}""",
        (paused, paused, feed["id"]),
    ).fetchone()
    assert row is not None
    return row


def remove_feed(conn: Conn, ref: str) -> dict[str, Any]:
    """Delete a feed. Its articles and incidents stay (they no longer name a feed)."""
    feed = find_feed(conn, ref)
    conn.execute("DELETE FROM feeds WHERE id = %s", (feed["id"],))
    return feed


def feed_stats(conn: Conn, feed_id: int) -> dict[str, int]:
    rows = conn.execute("SELECT status, count(*) AS n FROM articles WHERE feed_id = %s GROUP BY status",
                        (feed_id,)).fetchall()
    return {r["status"]: r["n"] for r in rows}
