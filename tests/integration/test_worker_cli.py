"""`newswatch worker` and `newswatch up` refuse bad input with one line and exit code 1."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_an_unknown_queue_is_named_in_one_line(newswatch):
    result = newswatch("worker", "--queues", "extract,bogus")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --queues: unknown queue 'bogus' (known: extract, resolve)"


def test_the_poll_queue_is_gone_since_the_poller_fetches_in_process(newswatch):
    # Nothing ever sent to a `poll` queue: a worker for it would wait forever on nothing.
    result = newswatch("worker", "--queues", "poll")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --queues: unknown queue 'poll' (known: extract, resolve)"


def test_an_empty_queue_list_is_refused(newswatch):
    result = newswatch("worker", "--queues", " , ")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --queues: give at least one of extract, resolve"


def test_a_worker_without_a_broker_says_what_to_set(newswatch, tmp_path):
    result = newswatch("worker", env={"REDIS_URL": "", "NEWSWATCH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: REDIS_URL is not set")


def test_a_zero_concurrency_is_a_usage_error(newswatch):
    result = newswatch("up", "--concurrency", "0")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "--concurrency" in result.stderr


def test_a_malformed_setting_stops_up_before_it_starts_anything(newswatch, tmp_path):
    result = newswatch("up", "--plain", env={"NEWSWATCH_LOG_FORMAT": "xml", "NEWSWATCH_DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip() == "error: NEWSWATCH_LOG_FORMAT: 'xml' is not a log format (text or json)"
    assert not (tmp_path / "services.json").exists()
