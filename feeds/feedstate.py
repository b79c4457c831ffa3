"""Claiming due feeds and writing what their polls found, a batch at a time. Postgres only.

A poller claims feeds with `FOR UPDATE SKIP LOCKED` and a lease (`claimed_until`): any number of
pollers on any number of machines never poll one feed at once, and a poller that dies only delays
its feeds until the lease runs out. Results are written with one UPDATE over `unnest` arrays per
batch, so an unchanged feed costs a share of one statement, not a transaction of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from feeds.parse import Entry

log = logging.getLogger(__name__)

Conn = psycopg.Connection[dict[str, Any]]


@dataclass(frozen=True)
class FeedClaim:
    id: int
    url: str
    url_key: str
    interval_s: int
    etag: str | None
    last_modified: str | None
    error_count: int


@dataclass
class FeedResult:
    feed_id: int
    status: str                   # ok, not_modified, partial (kept what it could), error
    http_status: int | None
    error: str | None
    error_count: int              # failures in a row after this poll
    delay_s: float                # until the next poll
    etag: str | None
    last_modified: str | None
    new_url: str | None = None    # a permanent redirect's target
    new_url_key: str | None = None
    entries: list[Entry] = field(default_factory=list)
    error_kind: str | None = None  # one short word for metrics: http, timeout, not_a_feed, ...
    started: float | None = None   # time.monotonic() when its request went out: `delay_s` counts from then

    def note_refused(self, reasons: list[str]) -> None:
        """Some entries could not be taken (an unusable link, a value PostgreSQL refuses): the
        others are kept, and the feed says 'partial' with the first reason until the next poll."""
        if not reasons or self.status == "error":
            return
        count = len(reasons)
        note = f"{count} {'entry' if count == 1 else 'entries'} not stored: {reasons[0]}"
        self.status = "partial"
        self.error = note if self.error is None else f"{self.error}; {note}"


def claim_feeds(conn: Conn, limit: int, lease_s: float, all_since: datetime | None = None) -> list[FeedClaim]:
    """Lease up to `limit` due feeds. With `all_since`: every active feed not polled since then, due or not."""
    rows = conn.execute(
        """UPDATE feeds f SET claimed_until = now() + make_interval(secs => %(lease)s)
           FROM (SELECT id FROM feeds
                 WHERE NOT paused AND (claimed_until IS NULL OR claimed_until < now())
                   AND (next_poll_at <= now()
                        OR (%(since)s::timestamptz IS NOT NULL
                            AND (last_polled_at IS NULL OR last_polled_at < %(since)s::timestamptz)))
                 ORDER BY next_poll_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED) due
           WHERE f.id = due.id
           RETURNING f.id, f.url, f.url_key, f.interval_s, f.etag, f.last_modified, f.error_count""",
        {"lease": lease_s, "limit": limit, "since": all_since}).fetchall()
    return [FeedClaim(**r) for r in rows]


def release_feeds(conn: Conn, feed_ids: list[int]) -> None:
    """Give back leases of feeds claimed but not polled (the poller is stopping)."""
    if feed_ids:
        conn.execute("UPDATE feeds SET claimed_until = NULL WHERE id = ANY(%s)", (feed_ids,))


def write_results(conn: Conn, results: list[FeedResult]) -> None:
    """Record a batch of polls in one statement, and move feeds that were permanently redirected."""
    if not results:
        return
    conn.execute(
        """UPDATE feeds f SET last_polled_at = now(), last_status = r.status, last_http_status = r.http,
                  error_count = r.errors, last_error = r.error, etag = r.etag, last_modified = r.modified,
                  next_poll_at = now() + make_interval(secs => r.delay), claimed_until = NULL,
                  updated_at = now()
           FROM unnest(%s::bigint[], %s::text[], %s::int[], %s::int[], %s::text[], %s::text[], %s::text[],
                       %s::float8[]) AS r(id, status, http, errors, error, etag, modified, delay)
           WHERE f.id = r.id""",
        ([r.feed_id for r in results], [r.status for r in results], [r.http_status for r in results],
         [r.error_count for r in results], [r.error[:500] if r.error else None for r in results],
         [r.etag for r in results], [r.last_modified for r in results], [r.delay_s for r in results]))
    for r in results:
        if r.new_url and r.new_url_key:
            _move(conn, r.feed_id, r.new_url, r.new_url_key)


def _move(conn: Conn, feed_id: int, url: str, key: str) -> None:
    """Store a feed's new permanent address, unless another registered feed already has it."""
    try:
        with conn.transaction():  # a savepoint: a unique violation (a racing poller) undoes only this
            moved = conn.execute(
                """UPDATE feeds SET url = %s, url_key = %s, updated_at = now()
                   WHERE id = %s AND url_key <> %s
                     AND NOT EXISTS (SELECT 1 FROM feeds WHERE url_key = %s AND id <> %s)""",
                (url, key, feed_id, key, key, feed_id)).rowcount
    except psycopg.errors.UniqueViolation:
        moved = 0
    if moved:
        log.info("feed #%s moved permanently to %s", feed_id, url)
    else:
        log.info("feed #%s redirects permanently to %s, kept (the same feed or another one has that URL)",
                 feed_id, url)


def seconds_until_due(conn: Conn) -> float | None:
    """How long until some feed is due (negative: overdue); None when no feed is active."""
    row = conn.execute(
        """SELECT extract(epoch FROM min(greatest(next_poll_at, coalesce(claimed_until, next_poll_at))) - now())
                  AS wait FROM feeds WHERE NOT paused"""
    ).fetchone()
    return None if row is None or row["wait"] is None else float(row["wait"])
