"""The feed registry: adding, listing, pausing and removing feeds. No network here."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
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


IMPORT_CHUNK = 5000  # feeds per INSERT: one statement per chunk keeps memory flat for any file size


@dataclass
class ImportCounts:
    added: int = 0
    existing: int = 0  # already registered before the import
    skipped: list[str] = field(default_factory=list)  # why each invalid outline was left out
    listed: int = 0    # outlines with a feed URL in the file, duplicates and invalid ones included


def import_feeds(conn: Conn, outlines: Iterable[Outline], seconds: int, skip_invalid: bool = False) -> ImportCounts:
    """Add every outline not yet registered, a chunk at a time, in the caller's transaction.

    An invalid URL fails the whole import (the caller commits nothing) unless skip_invalid is set.
    """
    counts = ImportCounts()
    seen: set[str] = set()  # keys already in this file: a duplicate is neither added nor existing
    chunk: list[NewFeed] = []
    for outline in outlines:
        counts.listed += 1
        try:
            feed = prepare(outline.url, outline.name)
        except UserError as exc:
            if not skip_invalid:
                raise UserError(f"{exc} (in the OPML file; --skip-invalid imports the rest)") from None
            counts.skipped.append(str(exc))  # names the URL, shortened and without control characters
            continue
        if feed.key in seen:
            continue
        seen.add(feed.key)
        chunk.append(feed)
        if len(chunk) >= IMPORT_CHUNK:
            counts.added += _insert_new_feeds(conn, chunk, seconds)
            chunk.clear()
    if chunk:
        counts.added += _insert_new_feeds(conn, chunk, seconds)
    counts.existing = len(seen) - counts.added
    return counts


def _insert_new_feeds(conn: Conn, feeds: list[NewFeed], seconds: int) -> int:
    return conn.execute(
        """INSERT INTO feeds (url, url_key, name, interval_s)
           SELECT u, k, n, %s FROM unnest(%s::text[], %s::text[], %s::text[]) AS t(u, k, n)
           ON CONFLICT (url_key) DO NOTHING""",
        (seconds, [f.url for f in feeds], [f.key for f in feeds], [f.name for f in feeds]),
    ).rowcount


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
