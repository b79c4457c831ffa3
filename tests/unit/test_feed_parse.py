"""Feed parsing: entries, links, GUIDs, ill-formed feeds and things that are no feed at all."""

import hashlib
import os
from pathlib import Path

import pytest

from feeds.parse import NotAFeed, guid_key, parse_feed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
HARBOUR = (FIXTURES / "harbour_rss.xml").read_bytes()


def test_entries_get_absolute_links_titles_and_dates():
    feed = parse_feed(HARBOUR, "https://gazette.example/rss.xml", 7)
    first, second = feed.entries
    assert first.url == "https://gazette.example/news/ferry-aground.html"
    assert first.title == "Ferry runs aground near the north pier"
    assert first.published is not None and first.published.isoformat() == "2026-03-03T07:15:00+00:00"
    assert second.url_key == "gazette.example/news/dock-road-fire.html"  # tracking parameter dropped
    assert feed.skipped == 1  # the item without a link cannot be fetched
    assert feed.problem is None


def test_a_url_guid_is_global_and_a_short_one_belongs_to_its_feed():
    feed = parse_feed(HARBOUR, "https://gazette.example/rss.xml", 7)
    assert feed.entries[0].guid == "feed:7:gazette-1001"
    assert feed.entries[1].guid == "https://gazette.example/news/dock-road-fire.html"
    assert guid_key("tag:example.com,2026:post-1", 3) == "tag:example.com,2026:post-1"
    assert guid_key("123", 3) == "feed:3:123"
    assert guid_key("  ", 3) is None


def test_an_entry_with_an_unusable_link_is_refused_with_its_reason_and_the_others_kept():
    items = "".join(f"<item><title>{i}</title><link>{link}</link></item>" for i, link in enumerate([
        "https://gazette.example/" + "z" * 3000, "https://gazette.example/ok", "https://bad..example/x"]))
    body = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    feed = parse_feed(body, "https://gazette.example/rss.xml", 7)
    assert [e.url for e in feed.entries] == ["https://gazette.example/ok"]
    assert [r.split(" (")[0] for r in feed.refused] == ["URL too long", "not a URL"]
    assert "empty label" in feed.refused[1]


def test_a_long_guid_is_hashed_by_its_size_in_bytes_not_in_characters():
    wide = "\u4e2d" * 400  # 400 characters, 1,200 bytes: over the index budget kept for a GUID
    assert guid_key(wide, 3) == "feed:3:sha256:" + hashlib.sha256(wide.encode()).hexdigest()
    assert guid_key("x" * 400, 3) == "feed:3:" + "x" * 400


def test_a_truncated_feed_keeps_the_entries_before_the_cut():
    cut = HARBOUR[: HARBOUR.index(b"</item>") + len(b"</item>")] + b"\n<item><title>Half an ite"
    feed = parse_feed(cut, "https://gazette.example/rss.xml", 7)
    assert [e.title for e in feed.entries] == ["Ferry runs aground near the north pier"]
    assert feed.problem and feed.problem.startswith("ill-formed feed")


@pytest.mark.parametrize("body", [b"", b"<html><body><h1>Welcome</h1></body></html>", b'{"items": []}',
                                  b"\x00\xff\xfe garbage", b"http://169.254.169.254/latest/meta-data/"])
def test_a_body_that_is_no_feed_is_refused_with_a_reason(body):
    with pytest.raises(NotAFeed):
        parse_feed(body, "https://gazette.example/rss.xml", 7)


def test_an_empty_but_valid_feed_has_no_entries_and_no_problem():
    feed = parse_feed(b'<rss version="2.0"><channel><title>quiet</title></channel></rss>', "https://x.example/", 1)
    assert feed.entries == [] and feed.problem is None


def test_odd_encodings_come_out_right(shared_dir):
    folder = shared_dir / "corpus" / "feeds" / "miniflux"
    expected = {"encoding_WINDOWS-1251.xml": "Цитата", "koi8r.xml": "Первая новость",
                "encoding_ISO-8859-1.xml": "Red Dead Redemption", "urdu_UTF8.xml": "امریکی",
                "rdf_UTF8.xml": "Vorsichtsmaßnahmen"}
    for name, text in expected.items():
        feed = parse_feed((folder / name).read_bytes(), "https://example.com/feed", 1)
        assert any(text in (e.title or "") for e in feed.entries), name


def test_every_ill_formed_feedparser_fixture_is_handled_without_an_exception(shared_dir):
    folder = shared_dir / "corpus" / "feeds" / "feedparser-tests" / "illformed"
    files = [Path(root) / f for root, _, names in os.walk(folder) for f in names if f != "LICENSE"]
    assert len(files) >= 10
    outcomes = {}
    for path in files:
        try:
            outcomes[path.name] = len(parse_feed(path.read_bytes(), "https://example.com/feed", 1).entries)
        except NotAFeed:
            outcomes[path.name] = "not a feed"
    assert outcomes["rss_item_link_corrupted_ampersands.xml"] == 1
    assert outcomes["rss_empty_document.xml"] == "not a feed"


def test_an_impossible_entry_date_loses_the_date_not_the_feed():
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
      <item><title>Zero date</title><link>https://gazette.example/a.html</link>
        <pubDate>0000-00-00T00:00:00Z</pubDate></item>
      <item><title>Good date</title><link>https://gazette.example/b.html</link>
        <pubDate>Tue, 03 Mar 2026 07:15:00 +0000</pubDate></item></channel></rss>"""
    feed = parse_feed(body, "https://gazette.example/rss.xml", 7)
    assert [(e.title, e.published is None) for e in feed.entries] == [("Zero date", True), ("Good date", False)]
