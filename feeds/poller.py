"""The poller: claims due feeds, polls them politely, stores new entries, fetches and cleans their
pages, and hands each new article revision to `enqueue` after it is committed.

One asyncio loop per process, two kinds of work sharing one Fetcher (its caps on requests in flight
per host and in total):
- feeds: due feeds are leased in batches and polled (conditional GET, feedparser), up to
  `poll_concurrency` at once and `per_host_concurrency` per host; results are written a batch at a
  time (one UPDATE, one INSERT of new entries), so 10,000 unchanged feeds cost a few dozen
  statements, not 10,000 transactions. A feed gives at most `max_entries_per_feed` pages to the
  queue; the rest of a long feed comes on its next polls;
- pages: the page queue, worked through with a rolling window (feeds/pages.py).
`run_forever` runs the two side by side: feeds keep being polled while a backlog of pages is
fetched, and storing new entries wakes the page loop at once. `run_once` (`poller --once`) polls
the due feeds, then fetches the due pages.

Database calls are short and synchronous (the shared psycopg pool), run in a thread so the network
keeps moving meanwhile. Nothing a server sends can stop the loop: every failure is recorded on its
feed or article.

`feeds` knows nothing of Celery: `enqueue(article_id, revision)` (new page texts) and
`enqueue_report(report_id)` (the sweep's lost resolutions) are given by the caller (ops/cli/poller.py
wires them to Celery).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import psycopg

from db.pool import connection
from feeds import articles, feedstate, sweep
from feeds.feedstate import FeedClaim, FeedResult
from feeds.http import Fetcher, FetchError, Skipped, request_deadline
from feeds.pages import PageFetcher
from feeds.parse import NotAFeed, parse_feed
from feeds.schedule import feed_delay
from feeds.stats import PassStats
from feeds.urls import url_key
from newswatch import metrics
from newswatch.errors import TransientError, UserError
from newswatch.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
EnqueueArticle = Callable[[int, int], None]
EnqueueReport = Callable[[int], None]

SWEEP_EVERY_S = 300.0
IDLE_SLEEP_S = 5.0     # longest nap between passes (new feeds are noticed this fast)
MIN_SLEEP_S = 0.05     # shortest: a feed overdue but leased by another poller must not make us spin,
                       # and short, as feeds drift apart: the next one is often due just after a pass
FLUSH_EVERY_S = 1.0    # results wait at most this long for their batch to fill
FLUSH_ENTRIES_EVERY_S = 0.1  # ...but a result with entries is written this soon (new articles wait on it)
CAPPED_REPOLL_S = 10.0  # a feed with entries left over is polled again this soon (or at its interval)


def _db_now(conn: feedstate.Conn) -> datetime:
    row = conn.execute("SELECT now() AS t").fetchone()
    if row is None:  # a check that `python -O` keeps: passing None on would poll no feed at all
        raise RuntimeError("the database returned no row for SELECT now()")
    moment: datetime = row["t"]
    return moment


class Poller:
    def __init__(self, settings: Settings, enqueue: EnqueueArticle, enqueue_report: EnqueueReport | None = None,
                 *, batch_size: int = 200):
        self.settings = settings
        self.enqueue = enqueue
        self.enqueue_report = enqueue_report or (lambda _report_id: None)
        self.batch_size = batch_size
        # A lease must outlive the wait of the last claimed feed in the queue: up to two batches
        # drained by `poll_concurrency` workers, each request bounded by its overall deadline.
        deadline = request_deadline(settings)
        self.lease_s = max(300.0, deadline * (2 * batch_size / max(1, settings.poll_concurrency) + 2))
        self.stopping = asyncio.Event()
        self.pages_due = asyncio.Event()  # set when stored entries may have made pages due
        self._last_sweep = 0.0

    def stop(self) -> None:
        """Finish the work in hand, claim nothing new, and return from run_once/run_forever."""
        log.info("stopping: finishing the work in hand")
        self.stopping.set()

    # -- entry points ----------------------------------------------------------------------------------

    async def run_once(self, all_feeds: bool = False) -> PassStats:
        """One pass: the due feeds (every active one with `all_feeds`), then the due pages."""
        async with Fetcher(self.settings) as fetcher:
            stats = PassStats()
            since = await self._db(_db_now) if all_feeds else None
            await self._feeds_phase(fetcher, stats, since)
            await self._pages(fetcher).drain(stats)
            return stats

    async def run_forever(self) -> None:
        """Poll feeds and fetch pages side by side until `stop()`."""
        async with Fetcher(self.settings) as fetcher:
            pages = asyncio.create_task(self._page_loop(self._pages(fetcher)))
            try:
                await self._feed_loop(fetcher)
            finally:
                self.stopping.set()  # also when cancelled: the page loop finishes what it has in hand
                await pages

    async def _feed_loop(self, fetcher: Fetcher) -> None:
        while not self.stopping.is_set():
            wait = IDLE_SLEEP_S
            try:
                stats = PassStats()
                await self._feeds_phase(fetcher, stats, None)
                if stats.polled:
                    log.info("feeds: %s", stats.feeds_line())
                if time.monotonic() - self._last_sweep > min(SWEEP_EVERY_S, self.settings.pending_timeout / 2):
                    await self.run_sweep()
                due = await self._db(feedstate.seconds_until_due)
                if due is not None:
                    wait = min(IDLE_SLEEP_S, max(MIN_SLEEP_S, due))
            except TransientError as exc:  # the database went away: wait and try again
                log.warning("feed pass interrupted: %s", exc)
            except Exception:  # a bug; the next pass may well succeed, and leases expire on their own
                log.exception("feed pass failed; trying again shortly")
            await self._nap(wait)

    async def _page_loop(self, pages: PageFetcher) -> None:
        while not self.stopping.is_set():
            wait = IDLE_SLEEP_S
            try:
                stats = PassStats()
                await pages.drain(stats, more=self.pages_due)
                if stats.pages_stored or stats.pages_failed:
                    log.info("pages: %s", stats.pages_line())
                due = await self._db(articles.seconds_until_page_due)
                if due is not None:
                    wait = min(IDLE_SLEEP_S, max(MIN_SLEEP_S, due))
            except TransientError as exc:
                log.warning("page fetching interrupted: %s", exc)
            except Exception:
                log.exception("page fetching failed; trying again shortly")
            await self._nap(wait, self.pages_due)

    async def _nap(self, seconds: float, early: asyncio.Event | None = None) -> None:
        """Sleep `seconds`, or less when stopping (or `early`) is set."""
        events = [self.stopping, *([early] if early else [])]
        waiters = [asyncio.create_task(e.wait()) for e in events]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def _pages(self, fetcher: Fetcher) -> PageFetcher:
        return PageFetcher(self.settings, fetcher, self._db, self._send_article, self.stopping, self.lease_s)

    async def run_sweep(self) -> sweep.SweepCounts:
        self._last_sweep = time.monotonic()
        # The raw senders: a refused send stops the sweep at once (see sweep.sweep).
        return await self._db(sweep.sweep, self.settings.pending_timeout, self.enqueue, self.enqueue_report)

    # -- feeds ---------------------------------------------------------------------------------------

    async def _feeds_phase(self, fetcher: Fetcher, stats: PassStats, since: datetime | None) -> None:
        # One task per claimed feed; the fetcher's per-host and total slots decide what runs, so
        # feeds queued behind a slow host never hold up the others. At most two batches are
        # claimed and unfinished at once (the lease is sized for that).
        room = asyncio.Semaphore(2 * self.batch_size)
        tasks: set[asyncio.Task[None]] = set()
        pending: list[FeedResult] = []
        unpolled: list[int] = []
        failures: list[Exception] = []
        flush_lock = asyncio.Lock()
        last_flush = time.monotonic()  # the phase's start counts as one: unchanged feeds wait to batch up
        last_write = float("-inf")     # the last write itself: entries are written this soon after one

        def entries_due() -> bool:
            return (time.monotonic() - last_write >= FLUSH_ENTRIES_EVERY_S
                    and any(r.entries for r in pending))

        async def flush(force: bool = False) -> None:
            nonlocal last_flush, last_write
            async with flush_lock:
                if not pending or (not force and len(pending) < self.batch_size
                                   and time.monotonic() - last_flush < FLUSH_EVERY_S and not entries_due()):
                    return
                batch = pending[:]
                pending.clear()
                last_flush = last_write = time.monotonic()
                try:
                    await self._write_results(batch, stats)
                except Exception as exc:  # keep polling; these feeds come round again when their leases end
                    log.error("could not record %d polls: %s: %s", len(batch), type(exc).__name__, exc)
                    failures.append(exc)

        async def poll(claim: FeedClaim) -> None:
            try:
                started = time.monotonic()
                result = await self._poll_feed(fetcher, claim)
                if result is None:
                    unpolled.append(claim.id)
                else:
                    result.started = started
                    pending.append(result)
                    await flush()
                    if result.entries and any(r is result for r in pending):
                        # Too soon after the last write: write it once the spacing has passed, not
                        # when another poll happens to finish (the rest may be slow) or the phase ends.
                        await asyncio.sleep(max(0.0, last_write + FLUSH_ENTRIES_EVERY_S - time.monotonic()))
                        await flush()
            finally:
                room.release()

        try:
            while not self.stopping.is_set():
                claims = await self._db(feedstate.claim_feeds, self.batch_size, self.lease_s, since)
                if not claims:
                    break
                for claim in claims:
                    await room.acquire()
                    task = asyncio.create_task(poll(claim))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        except Exception as exc:  # e.g. the database went away: finish what was claimed, then report
            failures.append(exc)
        await asyncio.gather(*tasks)
        await flush(force=True)
        if unpolled:
            await self._db(feedstate.release_feeds, unpolled)
        if failures:
            raise failures[0]

    async def _write_results(self, batch: list[FeedResult], stats: PassStats) -> None:
        found = [(r.feed_id, e) for r in batch for e in r.entries]

        def write(conn: feedstate.Conn) -> articles.EntryCounts:
            counts = articles.store_entries(conn, found, self.settings.max_entries_per_feed)
            by_feed = {r.feed_id: r for r in batch}
            for refused in counts.refused:
                log.warning("feed #%s: entry not stored: %s (%s)", refused.feed_id, refused.reason, refused.url[:200])
                by_feed[refused.feed_id].note_refused([f"{refused.reason} ({refused.url[:100]})"])
            for feed_id in counts.capped:
                # The rest of its entries come with its next polls: the body again, not a 304.
                result = by_feed[feed_id]
                result.etag = result.last_modified = None
                result.delay_s = min(result.delay_s, CAPPED_REPOLL_S)
            for result in batch:  # an interval runs from the poll, not from when its batch was written
                if result.started is not None:
                    result.delay_s = max(0.0, result.delay_s - (time.monotonic() - result.started))
            feedstate.write_results(conn, batch)
            return counts

        counts = await self._db(write, retries=3)
        stats.new_articles += counts.new
        stats.changed_entries += counts.changed
        stats.capped_feeds += len(counts.capped)
        if counts.new or counts.changed:
            self.pages_due.set()
        for r in batch:
            metrics.FEED_POLLS.labels(status=r.status).inc()
            if r.error_kind:
                metrics.FEED_ERRORS.labels(kind=r.error_kind).inc()
            stats.polled += 1
            stats.not_modified += r.status == "not_modified"
            stats.failed += r.status == "error"

    async def _poll_feed(self, fetcher: Fetcher, claim: FeedClaim) -> FeedResult | None:
        """Poll one feed; None when the poller stopped before its request went out.

        Never raises: every failure becomes an error result on the feed.
        """
        s = self.settings
        try:
            response = await fetcher.get(claim.url, max_bytes=s.max_feed_bytes, etag=claim.etag,
                                         last_modified=claim.last_modified,
                                         proceed=lambda: not self.stopping.is_set())
        except Skipped:
            return None
        except FetchError as exc:
            return self._failed(claim, exc.kind, exc.reason, exc.status, exc.retry_after)
        except Exception as exc:  # a bug, not the feed's fault; still never stop the loop
            log.exception("feed #%s: unexpected error", claim.id)
            return self._failed(claim, "internal", f"internal error: {type(exc).__name__}: {exc}", None, None)
        new_url, new_key = None, None
        if response.permanent_url:
            try:
                key = url_key(response.permanent_url)
                if key != claim.url_key:
                    new_url, new_key = response.permanent_url, key
            except UserError:
                pass
        etag = response.headers.get("etag") or claim.etag
        modified = response.headers.get("last-modified") or claim.last_modified
        base = FeedResult(claim.id, "not_modified", response.status, None, 0, feed_delay(claim.interval_s, 0, 0),
                          etag, modified, new_url, new_key)
        if response.status == 304:
            return base
        try:
            parsed = await asyncio.to_thread(parse_feed, response.body, response.url, claim.id,
                                             response.headers.get("content-type"))
        except NotAFeed as exc:
            return self._failed(claim, "not_a_feed", f"not a feed: {exc}", response.status, None, new_url, new_key)
        except Exception as exc:  # a parser bug on hostile input: an error on this feed, never a stuck lease
            log.exception("feed %s: parsing failed", claim.url)
            return self._failed(claim, "internal", f"could not parse: {type(exc).__name__}: {exc}"[:500],
                                response.status, None, new_url, new_key)
        base.entries = parsed.entries
        if parsed.problem:
            # Keep what parsed, and forget the validators so the next poll gets the whole feed
            # even if the server would call this broken copy current.
            base.status, base.error, base.etag, base.last_modified = "partial", parsed.problem, None, None
        else:
            base.status = "ok"
        base.note_refused(parsed.refused)
        return base

    def _failed(self, claim: FeedClaim, kind: str, reason: str, http_status: int | None,
                retry_after: float | None, new_url: str | None = None, new_key: str | None = None) -> FeedResult:
        errors = claim.error_count + 1
        delay = feed_delay(claim.interval_s, errors, self.settings.max_backoff, retry_after)
        return FeedResult(claim.id, "error", http_status, reason, errors, delay, claim.etag, claim.last_modified,
                          new_url, new_key, error_kind=kind)

    # -- plumbing --------------------------------------------------------------------------------------

    def _send_article(self, article_id: int, revision: int) -> bool:
        try:
            self.enqueue(article_id, revision)
            return True
        except Exception as exc:  # the broker is down: the sweep re-sends it once it is back
            log.warning("could not enqueue article #%s: %s (the sweep will retry)", article_id, exc)
            return False

    async def _db(self, fn: Callable[..., T], *args: Any, retries: int = 1, **kwargs: Any) -> T:
        """Run `fn(conn, *args)` in one transaction on a pooled connection, in a worker thread."""

        def run() -> T:
            attempt = 1
            while True:
                try:
                    with connection() as conn:
                        return fn(conn, *args, **kwargs)
                except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                    if attempt >= retries:
                        raise
                    time.sleep(0.05 * attempt)
                    attempt += 1

        return await asyncio.to_thread(run)
