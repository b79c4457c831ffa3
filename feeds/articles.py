"""Storing feed entries as articles, and article pages as revisions. Postgres only, no network.

An article is one page, however many feeds list it: new entries are inserted with
`ON CONFLICT DO NOTHING` on the normalised URL (and on the GUID when it is a global one), so an
article syndicated in two feeds, or seen by two pollers at once, is stored and fetched once.

The page queue is `articles` itself: status 'new' (never fetched) or `refetch` (its entry changed),
due by `next_attempt_at`, which a poller pushes forward when it claims a page (its lease).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from db.pool import is_program_limit
from feeds.clean import CleanPage
from feeds.parse import Entry
from feeds.schedule import page_delay

Conn = psycopg.Connection[dict[str, Any]]


@dataclass(frozen=True)
class PageClaim:
    id: int
    url: str
    published_at: datetime | None
    content_hash: str | None
    revision: int
    attempts: int


@dataclass(frozen=True)
class RefusedEntry:
    """A new entry PostgreSQL would not store (a value over an index's size limit, say)."""
    feed_id: int
    url: str
    reason: str


@dataclass(frozen=True)
class EntryCounts:
    new: int = 0
    changed: int = 0
    refused: tuple[RefusedEntry, ...] = ()


def store_entries(conn: Conn, found: list[tuple[int, Entry]]) -> EntryCounts:
    """Insert the entries not yet stored; flag for refetch those whose `updated` stamp changed.

    `found` is (feed id, entry) for every entry of a batch of feeds. Only the feed an article was
    first seen in may flag it for refetch: two feeds giving one article different stamps must not
    make it ping-pong. An entry PostgreSQL refuses is left out and named in `refused`; the others
    are stored all the same.
    """
    unique: dict[str, tuple[int, Entry]] = {}
    for feed_id, entry in found:
        unique.setdefault(entry.url_key, (feed_id, entry))
    if not unique:
        return EntryCounts()
    items = sorted(unique.values(), key=lambda item: item[1].url_key)  # one lock order for every poller
    keys = [e.url_key for _, e in items]
    guids = [e.guid for _, e in items if e.guid]
    rows = conn.execute(
        "SELECT id, url_key, guid, feed_id, entry_updated FROM articles WHERE url_key = ANY(%s) OR guid = ANY(%s)",
        (keys, guids)).fetchall()
    by_key = {r["url_key"]: r for r in rows}
    by_guid = {r["guid"]: r for r in rows if r["guid"]}
    fresh: list[tuple[int, Entry]] = []
    changed: dict[int, str] = {}
    for feed_id, entry in items:
        known = by_key.get(entry.url_key) or (by_guid.get(entry.guid) if entry.guid else None)
        if known is None:
            fresh.append((feed_id, entry))
        elif (entry.updated and known["feed_id"] == feed_id and known["entry_updated"] is not None
              and entry.updated != known["entry_updated"]):
            changed[known["id"]] = entry.updated
    inserted, refused = _insert_new(conn, fresh) if fresh else (0, [])
    if changed:
        conn.execute(
            # A page already queued or leased to a poller keeps its turn: resetting it would let a
            # second poller fetch it at the same time.
            """UPDATE articles a SET entry_updated = u.stamp, refetch = true, attempts = 0, updated_at = now(),
                      next_attempt_at = CASE WHEN a.status = 'new' OR a.refetch THEN a.next_attempt_at ELSE now() END
               FROM unnest(%s::bigint[], %s::text[]) AS u(id, stamp) WHERE a.id = u.id""",
            (list(changed), list(changed.values())))
    return EntryCounts(inserted, len(changed), tuple(refused))


def _insert_new(conn: Conn, fresh: list[tuple[int, Entry]]) -> tuple[int, list[RefusedEntry]]:
    """Insert in one statement; when PostgreSQL refuses it for some entry, insert one at a time,
    each under its own savepoint, and name the entries refused. Returns (inserted, refused)."""
    try:
        with conn.transaction():  # a savepoint: a refusal undoes this statement, not the batch
            return _insert(conn, fresh), []
    except Exception as exc:
        if not _entry_at_fault(exc):
            raise
    inserted, refused = 0, []
    for feed_id, entry in fresh:
        try:
            with conn.transaction():
                inserted += _insert(conn, [(feed_id, entry)])
        except Exception as exc:
            if not _entry_at_fault(exc):
                raise
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            refused.append(RefusedEntry(feed_id, entry.url, f"{type(exc).__name__}: {detail}"[:300]))
    return inserted, refused


def _entry_at_fault(exc: Exception) -> bool:
    """Errors a row's values cause (too large for an index, refused data, text psycopg cannot send),
    as opposed to the database failing, which must fail the batch so that it is tried again."""
    return (isinstance(exc, psycopg.DataError | psycopg.IntegrityError | ValueError)
            or is_program_limit(exc))


def _insert(conn: Conn, fresh: list[tuple[int, Entry]]) -> int:
    return len(conn.execute(
        """INSERT INTO articles (url, url_key, guid, feed_id, title, published_at, entry_updated)
           SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], %s::text[],
                                %s::timestamptz[], %s::text[])
           ON CONFLICT DO NOTHING RETURNING id""",
        ([e.url for _, e in fresh], [e.url_key for _, e in fresh], [e.guid for _, e in fresh],
         [f for f, _ in fresh], [e.title for _, e in fresh], [e.published for _, e in fresh],
         [e.updated for _, e in fresh])).fetchall())


def claim_pages(conn: Conn, limit: int, lease_s: float) -> list[PageClaim]:
    """Take up to `limit` due pages for this poller; another poller skips them until the lease ends."""
    rows = conn.execute(
        """UPDATE articles a SET next_attempt_at = now() + make_interval(secs => %s)
           FROM (SELECT id FROM articles
                 WHERE (status = 'new' OR refetch) AND next_attempt_at <= now()
                 ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED) due
           WHERE a.id = due.id
           RETURNING a.id, a.url, a.published_at, a.content_hash, a.revision, a.attempts""",
        (lease_s, limit)).fetchall()
    return [PageClaim(**r) for r in rows]


def store_page(conn: Conn, claim: PageClaim, page: CleanPage) -> int | None:
    """Store a fetched page. Returns the new revision to extract, or None when the text is unchanged."""
    digest = hashlib.sha256(page.text.encode()).hexdigest()
    if digest == claim.content_hash:
        conn.execute(
            """UPDATE articles SET fetched_at = now(), refetch = false, attempts = 0, failure_reason = NULL,
                      updated_at = now() WHERE id = %s AND revision = %s""", (claim.id, claim.revision))
        return None
    row = conn.execute(
        """UPDATE articles SET revision = revision + 1, title = coalesce(%s, title), text = %s,
                  content_hash = %s, published_at = coalesce(%s, published_at), language = %s,
                  fetched_at = now(), status = 'pending', enqueued_at = now(), refetch = false,
                  attempts = 0, failure_reason = NULL, updated_at = now()
           WHERE id = %s AND revision = %s RETURNING revision, title, published_at""",
        (page.title, page.text, digest, page.published, page.language, claim.id, claim.revision)).fetchone()
    if row is None:  # deleted meanwhile, or another poller stored a newer text since this page was claimed
        return None
    conn.execute(
        """INSERT INTO article_revisions (article_id, revision, title, text, content_hash, published_at)
           VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
        (claim.id, row["revision"], row["title"], page.text, digest, row["published_at"]))
    return int(row["revision"])


def record_page_failure(conn: Conn, claim: PageClaim, reason: str, *, max_attempts: int,
                        max_backoff: float, retry_after: float | None = None) -> str:
    """Count a failed fetch; retry later with backoff, or give up after `max_attempts`.

    Giving up on a refetch keeps the text and status already stored; giving up on a page never
    fetched marks the article 'failed'. Returns what happened: 'retry', 'failed' or 'kept'.
    """
    attempts = claim.attempts + 1
    if attempts < max_attempts:
        delay = page_delay(attempts, max_backoff, retry_after)
        conn.execute(
            """UPDATE articles SET attempts = %s, failure_reason = %s, updated_at = now(),
                      next_attempt_at = now() + make_interval(secs => %s) WHERE id = %s""",
            (attempts, reason[:500], delay, claim.id))
        return "retry"
    if claim.revision > 0:
        conn.execute(
            """UPDATE articles SET attempts = %s, failure_reason = %s, refetch = false, updated_at = now()
               WHERE id = %s""", (attempts, f"refetch gave up: {reason}"[:500], claim.id))
        return "kept"
    conn.execute(
        """UPDATE articles SET attempts = %s, failure_reason = %s, status = 'failed', refetch = false,
                  updated_at = now() WHERE id = %s""", (attempts, reason[:500], claim.id))
    return "failed"


def release_pages(conn: Conn, article_ids: list[int]) -> None:
    """Give back claimed pages that were not fetched (the poller is stopping)."""
    if article_ids:
        conn.execute("UPDATE articles SET next_attempt_at = now() WHERE id = ANY(%s)", (article_ids,))
