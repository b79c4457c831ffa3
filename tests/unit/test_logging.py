"""Structured logs: JSON on request, and secrets never written."""

from __future__ import annotations

import io
import json
import logging

import pytest

from newswatch.logging import configure_logging, redact
from newswatch.settings import Settings


@pytest.fixture()
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


def test_a_password_inside_a_database_url_is_masked():
    assert redact("cannot reach postgresql://app:hunter2@db:5432/news") == \
        "cannot reach postgresql://app:***@db:5432/news"


def test_a_redis_url_with_only_a_password_is_masked():
    assert redact("broker redis://:s3cret@cache:6379/0 is down") == "broker redis://:***@cache:6379/0 is down"


def test_password_key_value_pairs_are_masked():
    assert redact("host=db password=hunter2 user=app") == "host=db password=*** user=app"


def test_a_url_without_a_password_is_left_alone():
    text = "polling https://news.example.org/rss and postgresql://postgres:@/newswatch?host=/tmp/x"
    assert redact(text) == text


def test_json_format_writes_one_object_a_line_with_extra_fields(restore_root_logger):
    out = io.StringIO()
    configure_logging(Settings(log_format="json", log_level="DEBUG"), stream=out)
    logging.getLogger("newswatch.test").info("fetched %s", "postgresql://u:pw@h/d", extra={"article_id": 7})
    record = json.loads(out.getvalue().strip())
    assert record["level"] == "INFO"
    assert record["logger"] == "newswatch.test"
    assert record["message"] == "fetched postgresql://u:***@h/d"
    assert record["article_id"] == 7


def test_a_traceback_that_quotes_a_secret_is_masked(restore_root_logger):
    out = io.StringIO()
    configure_logging(Settings(log_format="text"), stream=out)
    try:
        raise ConnectionError("redis://:topsecret@cache:6379 refused")
    except ConnectionError:
        logging.getLogger("newswatch.test").exception("broker down")
    assert "topsecret" not in out.getvalue()
    assert "redis://:***@cache:6379 refused" in out.getvalue()


def test_the_level_setting_hides_debug_lines(restore_root_logger):
    out = io.StringIO()
    configure_logging(Settings(log_level="WARNING"), stream=out)
    logging.getLogger("newswatch.test").info("quiet")
    logging.getLogger("newswatch.test").warning("loud")
    assert "quiet" not in out.getvalue()
    assert "loud" in out.getvalue()
