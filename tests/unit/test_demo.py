"""The demo newsroom: what it releases, when, and how it serves it."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from ops.demo.server import OUTLETS, DemoServer, Newsroom, load_articles


@pytest.fixture()
def newsroom() -> Newsroom:
    return Newsroom(load_articles(), interval=10, first_after=0, started=1_700_000_000)  # a Tuesday


def test_the_sample_tells_an_incident_whose_toll_rises_and_is_claimed_among_other_news():
    articles = load_articles()
    incident = [a for a in articles if "bus station" in " ".join(a.paragraphs) and a.outlet in
                ("harbour-daily", "coast-wire")]
    assert len(incident) >= 4
    first, *later = incident
    assert "At least 12 people were killed and 30 others injured" in first.paragraphs[0]
    assert any("risen to 17, with 41 people injured" in " ".join(a.paragraphs) for a in later)
    assert any("claimed responsibility" in " ".join(a.paragraphs) for a in later)
    assert any(a.outlet.startswith("courier-") for a in articles), "non-incident news is mixed in"
    assert {a.outlet for a in articles} == set(OUTLETS)


def test_nothing_is_released_before_the_start_and_one_more_every_interval(newsroom):
    start = newsroom.started
    assert newsroom.released(start - 1) == []
    assert len(newsroom.released(start)) == 1
    assert len(newsroom.released(start + 25)) == 3
    assert len(newsroom.released(newsroom.finished_at())) == len(newsroom.articles)


def test_the_weekday_placeholder_becomes_the_day_of_release(newsroom):
    text = " ".join(newsroom.paragraphs(1))
    assert "{weekday}" not in text
    assert "on Tuesday morning" in text


def test_a_feed_lists_only_its_outlets_released_items_newest_first(newsroom):
    base = "http://127.0.0.1:1"
    document, etag = newsroom.feed_xml("harbour-daily", base, now=newsroom.finished_at())
    titles = re.findall(r"<item><title>(.*?)</title>", document)
    assert titles[0] == "Death toll in Mombasa bus station bombing rises to 19"
    assert titles[-1] == "Bomb at Mombasa bus station kills at least 12"
    assert "Harbour United" not in document
    early, early_etag = newsroom.feed_xml("harbour-daily", base, now=newsroom.started)
    assert "<item>" not in early and early_etag != etag


def test_an_article_page_is_served_only_once_released(newsroom):
    slug = "group-claims-mombasa-bombing"
    assert newsroom.page_html("coast-wire", slug, now=newsroom.started) is None
    page = newsroom.page_html("coast-wire", slug, now=newsroom.finished_at())
    assert page is not None and "Coastal Freedom Brigade" in page
    assert 'property="article:published_time"' in page


def test_the_server_answers_feeds_with_etags_and_unknown_paths_with_404():
    server = DemoServer(interval=0.2, first_after=0).start()
    try:
        time.sleep(0.5)
        url = dict(server.feeds())[OUTLETS["courier-sport"]]
        first = httpx.get(url)
        assert first.status_code == 200 and "<rss" in first.text
        again = httpx.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert httpx.get(server.base_url + "/nothing/here").status_code == 404
        opml = httpx.get(server.base_url + "/feeds.opml").text
        assert opml.count("<outline") == len(OUTLETS)
    finally:
        server.stop()
