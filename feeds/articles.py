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
    host: str = ""  # as `_HOST` reads it from the URL: what `claim_pages(skip_hosts=...)` compares


# The host of an article URL (lower case, an IPv6 literal with its brackets), read in SQL so that
# claims can pass over the pages of hosts that already have their share in hand.
_HOST = r"coalesce(lower(substring(url from '://(?:[^/?#@]*@)?(\[[^]/?#]*\]|[^/?#:]*)')), '')"


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
    capped: frozenset[int] = frozenset()  # feeds that had more to give than their share: the rest waits


def store_entries(conn: Conn, found: list[tuple[int, Entry]], max_per_feed: int | None = None) -> EntryCounts:
    """Insert the entries not yet stored; flag for refetch those whose `updated` stamp changed.

    `found` is (feed id, entry) for every entry of a batch of feeds, each feed's in its own order
    (newest first, in most feeds). Only the feed an article was first seen in may flag it for
    refetch: two feeds giving one article different stamps must not make it ping-pong. With
    `max_per_feed`, a feed never has more than that many pages waiting to be fetched: its first
    entries are taken up to that, the others left for a later poll (the feed is named in `capped`),
    so one feed of 10,000 items cannot fill the page queue ahead of every other feed. An entry
    PostgreSQL refuses is left out and named in `refused`; the others are stored all the same.
    """
    unique: dict[str, tuple[int, Entry]] = {}
    for feed_id, entry in found:
        unique.setdefault(entry.url_key, (feed_id, entry))
    if not unique:
        return EntryCounts()
    keys = list(unique)
    guids = [e.guid for _, e in unique.values() if e.guid]
    rows = conn.execute(
        "SELECT id, url_key, guid, feed_id, entry_updated FROM articles WHERE url_key = ANY(%s) OR guid = ANY(%s)",
        (keys, guids)).fetchall()
    by_key = {r["url_key"]: r for r in rows}
    by_guid = {r["guid"]: r for r in rows if r["guid"]}
    wanted: list[tuple[int, Entry, int | None]] = []  # (feed, entry, known article id), in feed order
    for feed_id, entry in unique.values():
        known = by_key.get(entry.url_key) or (by_guid.get(entry.guid) if entry.guid else None)
        if known is None:
            wanted.append((feed_id, entry, None))
        elif (entry.updated and known["feed_id"] == feed_id and known["entry_updated"] is not None
              and entry.updated != known["entry_updated"]):
            wanted.append((feed_id, entry, known["id"]))
    capped: set[int] = set()
    if max_per_feed is not None and wanted:
        wanted, capped = _share(conn, wanted, max_per_feed)
    wanted.sort(key=lambda item: item[1].url_key)  # one lock order for every poller
    fresh = [(feed_id, entry) for feed_id, entry, known_id in wanted if known_id is None]
    changed = {known_id: entry.updated for _, entry, known_id in wanted if known_id is not None and entry.updated}
    inserted, refused = _insert_new(conn, fresh) if fresh else (0, [])
    if changed:
        conn.execute(
            # A page already queued or leased to a poller keeps its turn: resetting it would let a
            # second poller fetch it at the same time.
            """UPDATE articles a SET entry_updated = u.stamp, refetch = true, attempts = 0, updated_at = now(),
                      next_attempt_at = CASE WHEN a.status = 'new' OR a.refetch THEN a.next_attempt_at ELSE now() END
               FROM unnest(%s::bigint[], %s::text[]) AS u(id, stamp) WHERE a.id = u.id""",
            (list(changed), list(changed.values())))
    return EntryCounts(inserted, len(changed), tuple(refused), frozenset(capped))


def _share(conn: Conn, wanted: list[tuple[int, Entry, int | None]],
           max_per_feed: int) -> tuple[list[tuple[int, Entry, int | None]], set[int]]:
    """Each feed's first entries, so that its pages waiting to be fetched stay within `max_per_feed`."""
    feeds = list({feed_id for feed_id, _, _ in wanted})
    rows = conn.execute(
        """SELECT feed_id, count(*) AS n FROM articles
           WHERE feed_id = ANY(%s) AND (status = 'new' OR refetch) GROUP BY feed_id""", (feeds,)).fetchall()
    room = {feed_id: max_per_feed for feed_id in feeds}
    for row in rows:
        room[row["feed_id"]] -= row["n"]
    taken: list[tuple[int, Entry, int | None]] = []
    capped: set[int] = set()
    for item in wanted:
        if room[item[0]] > 0:
            room[item[0]] -= 1
            taken.append(item)
        else:
            capped.add(item[0])
    return taken, capped


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


def claim_pages(conn: Conn, limit: int, lease_s: float, skip_hosts: list[str] | None = None) -> list[PageClaim]:
    """Take up to `limit` due pages, oldest first, none of `skip_hosts`; another poller skips them
    until the lease ends."""
    skip = f"AND {_HOST} <> ALL(%(skip)s)" if skip_hosts else ""
    rows = conn.execute(
        f"""UPDATE articles a SET next_attempt_at = now() + make_interval(secs => %(lease)s)
            FROM (SELECT id, {_HOST} AS host FROM articles
                  WHERE (status = 'new' OR refetch) AND next_attempt_at <= now() {skip}
                  ORDER BY next_attempt_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED) due
            WHERE a.id = due.id
            RETURNING a.id, a.url, a.published_at, a.content_hash, a.revision, a.attempts, due.host""",
        {"lease": lease_s, "limit": limit, "skip": skip_hosts}).fetchall()
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


def release_pages(conn: Conn, article_ids: list[int], delay_s: float = 0.0) -> None:
    """Give back claimed pages that were not fetched (the poller is stopping, or their host is busy),
    due again in `delay_s`."""
    if article_ids:
        conn.execute("UPDATE articles SET next_attempt_at = now() + make_interval(secs => %s) WHERE id = ANY(%s)",
                     (delay_s, article_ids))


def seconds_until_page_due(conn: Conn) -> float | None:
    """How long until some page is due (negative: overdue); None when the page queue is empty."""
    row = conn.execute(
        "SELECT extract(epoch FROM min(next_attempt_at) - now()) AS wait FROM articles WHERE status = 'new' OR refetch"
    ).fetchone()
    return None if row is None or row["wait"] is None else float(row["wait"])
