"""Live incidents pages: one LISTEN connection per web process, fanned out as server-sent events.

PostgreSQL announces every new version on channel `incident_changed` (a trigger, delivered at
commit). The hub collects the incident ids announced, and at most every `batch_s` seconds reads
them once per distinct filter set among the open pages, renders each changed row once, and queues
for every open page one chunk of encoded events: an `upsert` (the row's HTML, to put on top) or a
`remove` (no longer live or no longer matching) per incident. So the database sees one LISTEN and a
few reads per batch however many pages are open, each page costs one write per batch, and the
workers that write versions never wait for the web.

A page that falls behind (its queue full) is dropped; its EventSource reconnects with
Last-Event-ID and is sent what changed since.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool
from sse_starlette import ServerSentEvent

from ops.web import db, queries
from ops.web.queries import Filters

log = logging.getLogger("newswatch.web.live")

QUEUE_SIZE = 500
RECONNECT_S = (1, 2, 5, 10, 30)


@dataclass(eq=False)
class Subscriber:
    filters: Filters
    queue: asyncio.Queue[bytes | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, event: bytes | None) -> bool:
        """Queue encoded events (None: end the stream); False if the page is too far behind (it is
        then told to reconnect)."""
        try:
            self.queue.put_nowait(event)
            return True
        except asyncio.QueueFull:
            return False


def upsert_event(row: dict[str, Any], html: str) -> bytes:
    data = json.dumps({"id": row["incident_id"], "version": row["version"], "html": html})
    return ServerSentEvent(data, event="upsert", id=row["updated_at"].isoformat()).encode()


def remove_event(incident_id: int) -> bytes:
    return ServerSentEvent(json.dumps({"id": incident_id}), event="remove").encode()


class Hub:
    """Listens for changed incidents and feeds the open pages."""

    def __init__(self, url: str, pool: AsyncConnectionPool, render_row: Callable[[dict[str, Any]], str],
                 batch_s: float = 0.5) -> None:
        self.url, self.pool, self.render_row, self.batch_s = url, pool, render_row, batch_s
        self.subscribers: set[Subscriber] = set()
        self.listening = asyncio.Event()
        self._pending: set[int] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.batches = 0  # dispatched so far (tests, benchmarks)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._listen(), name="web-listen"),
                       asyncio.create_task(self._dispatch_loop(), name="web-dispatch")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for sub in list(self.subscribers):
            sub.offer(None)

    def subscribe(self, filters: Filters) -> Subscriber:
        sub = Subscriber(filters)
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    def announce(self, payload: str) -> None:
        """One notification of channel incident_changed: {"incident_id", "version"|"merged_into", ...}."""
        try:
            incident_id = int(json.loads(payload)["incident_id"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed incident_changed payload: %.200s", payload)
            return
        self._pending.add(incident_id)
        self._wake.set()

    async def _listen(self) -> None:
        attempt = 0
        while True:
            try:
                conn = await db.listener(self.url)
                async with conn:
                    attempt = 0
                    self.listening.set()
                    async for notify in conn.notifies():
                        self.announce(notify.payload)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError) as exc:
                self.listening.clear()
                pause = RECONNECT_S[min(attempt, len(RECONNECT_S) - 1)]
                attempt += 1
                log.warning("live updates paused, listening again in %ss: %s", pause,
                            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
                await asyncio.sleep(pause)

    async def _dispatch_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            ids, self._pending = sorted(self._pending), set()
            if self.subscribers and ids:
                try:
                    await self.dispatch(ids)
                except psycopg.Error as exc:
                    log.warning("live update of %d incidents failed: %s", len(ids), exc)
                except Exception:  # a bug must cost one batch, never the live updates for good
                    log.exception("live update of %d incidents failed", len(ids))
            await asyncio.sleep(self.batch_s)  # at most one batch per interval, however busy the workers

    async def dispatch(self, ids: list[int]) -> None:
        self.batches += 1
        by_filters: dict[Filters, list[Subscriber]] = {}
        for sub in self.subscribers:
            by_filters.setdefault(sub.filters, []).append(sub)
        rendered: dict[tuple[int, int], bytes] = {}
        async with self.pool.connection() as conn:
            for filters, subs in by_filters.items():
                rows = await queries.matching(conn, filters, ids)
                events = []
                for row in rows:
                    key = (row["incident_id"], row["version"])
                    if key not in rendered:
                        rendered[key] = upsert_event(row, self.render_row(row))
                    events.append(rendered[key])
                shown = {row["incident_id"] for row in rows}
                events += [remove_event(i) for i in ids if i not in shown]
                chunk = b"".join(events)  # encoded once, one write per page
                for sub in subs:
                    if not sub.offer(chunk):
                        self._drop(sub)

    def _drop(self, sub: Subscriber) -> None:
        self.unsubscribe(sub)
        with contextlib.suppress(asyncio.QueueEmpty):
            while True:
                sub.queue.get_nowait()
        sub.offer(None)  # ends its stream; the browser reconnects with Last-Event-ID
