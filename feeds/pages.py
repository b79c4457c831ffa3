"""Fetching article pages: the page queue worked through with a rolling window.

A due page (new, flagged for refetch, or retried) is claimed (its `next_attempt_at` becomes a lease),
fetched, cleaned with trafilatura, stored as a revision, committed, then handed to `send` for
extraction. Up to `2 x poll_concurrency` pages are in hand at once and another is claimed as soon as
one finishes, so one slow page never holds back the pages claimed with it. A host holds at most
`HOST_SHARE x per_host_concurrency` of them: claims pass over the pages of a host that has its
share, so one slow host, or one feed of 10,000 items, cannot fill the window while other hosts'
pages wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from feeds import articles
from feeds.clean import PageRejected, clean_page
from feeds.http import PAGE_ACCEPT, Fetcher, FetchError, Skipped
from feeds.stats import PassStats
from newswatch.errors import TransientError
from newswatch.settings import Settings

log = logging.getLogger(__name__)

HOST_SHARE = 2  # pages in hand per host, in units of its request slots

RunInDb = Callable[..., Awaitable[Any]]  # Poller._db: run fn(conn, *args) in a transaction, in a thread


class PageFetcher:
    def __init__(self, settings: Settings, fetcher: Fetcher, db: RunInDb, send: Callable[[int, int], bool],
                 stopping: asyncio.Event, lease_s: float):
        self.settings = settings
        self.fetcher = fetcher
        self.db = db
        self.send = send  # enqueue (article id, revision); False when the broker refused (the sweep resends)
        self.stopping = stopping
        self.lease_s = lease_s
        self.window = max(1, 2 * settings.poll_concurrency)
        self.host_share = max(1, HOST_SHARE * settings.per_host_concurrency)

    async def drain(self, stats: PassStats, more: asyncio.Event | None = None) -> None:
        """Fetch due pages until none is due and none is in hand (or the poller stops).

        `more` is set when new pages may have become due (the feed loop stored entries): the window
        is topped up at once instead of when a page in hand finishes.
        """
        in_hand: dict[asyncio.Task[None], str] = {}
        per_host: Counter[str] = Counter()
        unfetched: list[int] = []
        failure: BaseException | None = None
        woken: asyncio.Task[Any] | None = None
        try:
            while not self.stopping.is_set() and failure is None:
                if more is not None:
                    more.clear()  # before claiming: entries stored from now on wake the wait below
                wanted = self.window - len(in_hand)
                full = sorted(host for host, n in per_host.items() if n >= self.host_share)
                claims = await self.db(articles.claim_pages, wanted, self.lease_s, full) if wanted else []
                over: list[int] = []  # one claim can bring more of a host than its share: back they go
                for claim in claims:
                    if per_host[claim.host] >= self.host_share:
                        over.append(claim.id)
                        continue
                    per_host[claim.host] += 1
                    in_hand[asyncio.create_task(self._fetch(claim, stats, unfetched))] = claim.host
                if over:  # due at once, and passed over by the next claims while their host is full
                    await self.db(articles.release_pages, over)
                if not in_hand:
                    return  # nothing due (a page given back means its host has pages in hand)
                if wanted and len(claims) == wanted:
                    continue  # the window has room and the queue may hold more
                if more is not None and woken is None:
                    woken = asyncio.create_task(more.wait())
                waiting: set[asyncio.Future[Any]] = {*in_hand, *([woken] if woken else [])}
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if woken in done:
                    woken = None
                for task in [t for t in in_hand if t in done]:
                    per_host[in_hand.pop(task)] -= 1
                    failure = failure or task.exception()
        finally:
            if woken is not None:
                woken.cancel()
            if in_hand:  # they finish what they started; those not yet sent are given back below
                results = await asyncio.gather(*in_hand, return_exceptions=True)
                failure = failure or next((r for r in results if isinstance(r, BaseException)), None)
            if unfetched:
                await self.db(articles.release_pages, unfetched)
        if failure is not None:
            raise failure

    async def _fetch(self, claim: articles.PageClaim, stats: PassStats, unfetched: list[int]) -> None:
        s = self.settings
        try:
            response = await self.fetcher.get(claim.url, max_bytes=s.max_page_bytes, accept=PAGE_ACCEPT,
                                              proceed=lambda: not self.stopping.is_set())
            if response.status == 304:  # we sent no validators; a server that says so anyway is wrong
                raise FetchError("HTTP 304 to an unconditional request", status=304)
            page = await asyncio.to_thread(clean_page, response.body, response.url, response.content_type,
                                           claim.published_at)
        except Skipped:
            unfetched.append(claim.id)
            return
        except (FetchError, PageRejected) as exc:
            reason = exc.reason if isinstance(exc, FetchError) else str(exc)
            retry_after = exc.retry_after if isinstance(exc, FetchError) else None
            outcome = await self.db(articles.record_page_failure, claim, reason, max_attempts=s.fetch_attempts,
                                    max_backoff=s.max_backoff, retry_after=retry_after)
            stats.pages_failed += 1
            log.debug("article #%s %s: %s (%s)", claim.id, claim.url, reason, outcome)
            return
        except Exception as exc:  # a bug; record it on the article and carry on
            log.exception("article #%s: unexpected error", claim.id)
            await self.db(articles.record_page_failure, claim, f"internal error: {type(exc).__name__}: {exc}",
                          max_attempts=s.fetch_attempts, max_backoff=s.max_backoff)
            stats.pages_failed += 1
            return
        try:
            revision = await self.db(articles.store_page, claim, page)  # committed when this returns
        except TransientError:
            raise
        except Exception as exc:  # e.g. text Postgres refuses; record it on the article, carry on
            log.exception("article #%s: could not store the page", claim.id)
            await self.db(articles.record_page_failure, claim, f"cannot store: {type(exc).__name__}: {exc}",
                          max_attempts=s.fetch_attempts, max_backoff=s.max_backoff)
            stats.pages_failed += 1
            return
        if revision is None:
            stats.pages_unchanged += 1
            return
        stats.pages_stored += 1
        # In a thread: a broker that is slow to refuse must not stall every request in flight.
        if await asyncio.to_thread(self.send, claim.id, revision):
            stats.enqueued += 1
