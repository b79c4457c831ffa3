"""Page cleaning: the article's text without the page around it, its date and language."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.clean import PageRejected, clean_page, pick_published

PAGE = (Path(__file__).resolve().parent.parent / "fixtures" / "feeds" / "harbour_article.html").read_bytes()
URL = "https://gazette.example/news/ferry-aground.html"


def test_the_article_text_is_kept_and_navigation_ads_related_links_and_comments_are_not():
    page = clean_page(PAGE, URL)
    assert "ran aground near the north pier of Port Ellery" in page.text
    assert "navigation records." in page.text
    for junk in ("Tide tables", "weekend cruise", "harbour walks", "lifeboat volunteers are heroes",
                 "cookie preferences"):
        assert junk not in page.text


def test_title_language_and_the_page_date_come_from_the_page():
    page = clean_page(PAGE, URL, feed_published=datetime(2026, 3, 3, 7, 15, tzinfo=UTC))
    assert page.title == "Ferry runs aground near the north pier"
    assert page.language == "en"
    assert page.published == datetime(2026, 3, 3, 7, 5, tzinfo=UTC)


def test_the_feed_date_is_used_when_the_page_has_none_or_only_the_same_day():
    feed_time = datetime(2026, 3, 3, 7, 15, tzinfo=UTC)
    assert pick_published(None, feed_time) == feed_time
    assert pick_published("2026-03-03T00:00:00+0000", feed_time) == feed_time
    assert pick_published("2026-03-01T00:00:00+0000", feed_time) == datetime(2026, 3, 1, tzinfo=UTC)
    assert pick_published("not a date", None) is None


@pytest.mark.parametrize("body, kind, reason", [
    (b"%PDF-1.7 binary", "application/pdf", "not an HTML page"),
    (b"", "text/html", "empty page"),
    (b"<html><body><nav>Home</nav></body></html>", "text/html", "no main text"),
    (b'{"title": "json"}', "application/json", "not an HTML page"),
])
def test_pages_without_an_article_are_refused_with_the_reason(body, kind, reason):
    with pytest.raises(PageRejected, match=reason):
        clean_page(body, URL, kind)


def test_garbage_bytes_labelled_html_are_refused_not_crashed_on():
    with pytest.raises(PageRejected):
        clean_page(bytes(range(256)) * 50, URL, "text/html")
