"""Backoff, jitter and Retry-After: when a feed or page is tried next."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from feeds.schedule import feed_delay, page_delay, parse_retry_after

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def test_retry_after_in_seconds_is_read_as_seconds():
    assert parse_retry_after("120", NOW) == 120.0


def test_retry_after_as_an_http_date_is_the_time_until_that_date():
    later = format_datetime(NOW + timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(later, NOW) == 300.0


def test_retry_after_in_the_past_means_now_and_junk_means_nothing():
    earlier = format_datetime(NOW - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(earlier, NOW) == 0.0
    assert parse_retry_after("soon, maybe", NOW) is None
    assert parse_retry_after("", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_a_healthy_feed_is_polled_within_its_interval_and_feeds_drift_apart():
    rng = random.Random(3)
    delays = [feed_delay(300, 0, 3600, rng=rng) for _ in range(20)]
    assert all(270 <= d <= 300 for d in delays)
    assert len({round(d) for d in delays}) > 10  # twenty feeds polled together are not due together again


def test_failures_back_off_exponentially_within_the_jitter():
    rng = random.Random(7)
    delays = [feed_delay(60, n, 10**9, rng=rng) for n in range(1, 6)]
    for n, delay in enumerate(delays):
        assert 60 * 2**n * 0.8 <= delay <= 60 * 2**n * 1.2


def test_a_feed_failing_for_ever_is_retried_at_the_cap_and_never_abandoned():
    delay = feed_delay(300, 100_000, 21600)
    assert delay == 21600


def test_jitter_spreads_feeds_that_failed_together():
    rng = random.Random(1)
    delays = {round(feed_delay(300, 3, 10**6, rng=rng)) for _ in range(20)}
    assert len(delays) > 10


def test_retry_after_longer_than_the_backoff_is_honoured_but_capped():
    assert feed_delay(60, 1, 3600, retry_after=900) == 900
    assert feed_delay(60, 1, 3600, retry_after=86400) == 3600


def test_page_retries_grow_and_follow_retry_after():
    rng = random.Random(3)
    first, third = page_delay(1, 10**6, rng=rng), page_delay(3, 10**6, rng=rng)
    assert third > first
    assert page_delay(1, 10**6, retry_after=500) == 500
    assert page_delay(50, 600) == 600
