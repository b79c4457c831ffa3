"""When to poll a feed next, and when to try an article page again. Pure functions, no I/O.

A healthy feed is polled again within its interval, up to 10% sooner at random: feeds added
together (an OPML import, feeds of one site) drift apart instead of reaching their hosts in the same
instant every interval. Bursts of connections to one host are what overflow a small server's accept
queue, and each connection dropped there waits a full second for the handshake to be retried.

A failing feed backs off exponentially from its own interval, with jitter so that feeds failing
together (one host down) do not come back together, up to NEWSWATCH_MAX_BACKOFF; it is never
given up on. A server's Retry-After is honoured (within the same cap).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# First retry of an article page; doubled after every failed attempt, capped like feeds.
PAGE_RETRY_BASE = 30.0
JITTER = 0.2  # +-20%
SPREAD = 0.1  # a healthy feed's next poll: up to 10% sooner than its interval


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from `now`: either delta-seconds or an HTTP-date; None when absent or junk."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _jittered(seconds: float, rng: random.Random | None) -> float:
    return seconds * (1 + JITTER * (2 * (rng or random).random() - 1))


def feed_delay(interval: float, error_count: int, max_backoff: float,
               retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Seconds until the next poll. `error_count`: failures in a row, including this one (0: success)."""
    if error_count <= 0:
        return float(interval) * (1 - SPREAD * (rng or random).random())
    # min() on the exponent first: 2**10000 would overflow a float.
    delay = _jittered(interval * 2 ** min(error_count - 1, 40), rng)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return max(1.0, min(delay, max_backoff))


def page_delay(attempts: int, max_backoff: float, retry_after: float | None = None,
               rng: random.Random | None = None) -> float:
    """Seconds until an article page that failed `attempts` times is tried again."""
    delay = _jittered(PAGE_RETRY_BASE * 2 ** min(max(attempts - 1, 0), 40), rng)
    if retry_after is not None:
        delay = max(retry_after, min(delay, max_backoff))  # the server's wish wins over a short backoff
    return max(1.0, min(delay, max_backoff))
