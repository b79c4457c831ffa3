import io

import pytest

from feeds.opml import Outline, iter_opml, parse_opml, write_opml
from feeds.urls import check_url, url_key
from newswatch.errors import UserError


@pytest.mark.parametrize("variant", [
    "http://127.0.0.1:9/x.xml/",
    "HTTP://127.0.0.1:9/x.xml",
    "http://127.0.0.1:9/x.xml#top",
    "http://127.0.0.1:9/a/../x.xml",
])
def test_spellings_of_one_feed_share_a_key(variant):
    assert url_key(variant) == url_key("http://127.0.0.1:9/x.xml")


def test_case_of_the_host_does_not_matter_but_case_of_the_path_does():
    assert url_key("http://Example.COM/Feed") == url_key("http://example.com/Feed")
    assert url_key("http://example.com/Feed") != url_key("http://example.com/feed")


def test_default_ports_and_www_are_ignored_and_other_ports_kept():
    assert url_key("https://www.example.com:443/rss") == url_key("https://example.com/rss")
    assert url_key("http://example.com:8080/rss") != url_key("http://example.com/rss")


def test_tracking_parameters_are_dropped_and_the_query_order_ignored():
    assert url_key("http://example.com/a?b=1&a=2&utm_source=x") == url_key("http://example.com/a?a=2&b=1")


@pytest.mark.parametrize("bad, reason", [
    ("", "empty"),
    ("example.com/rss", "no http"),
    ("ftp://example.com/rss", "scheme"),
    ("http:///rss", "no host"),
    ("http://exa mple.com/", "white space"),
    ("http://example.com:99999/", "Port"),
    ("http://example.com/" + "x" * 4000, "URL too long"),
    ("http://example.com/\x1b[31mred", "control character U\\+001B"),
    ("http://example.com/\u202egnp.exe", "control character U\\+202E"),
    ("http://" + "a" * 300 + ".com/feed", "label of 300 characters, the limit is 63"),
    ("http://" + ".".join(["a" * 60] * 5) + "/feed", "host name of 304 characters, the limit is 253"),
    ("http://ex!ample.com/feed", "bad host name label 'ex!ample'"),
    ("http://-example.com/feed", "bad host name label '-example'"),
    ("http://example..com/feed", "empty label"),
    ("http://ex%41mple.com/feed", "bad host name label"),
    ("http://xn--ls8h\u2764.example/feed", "bad host name"),
])
def test_bad_urls_are_refused_with_the_reason(bad, reason):
    with pytest.raises(UserError, match=reason):
        check_url(bad)


@pytest.mark.parametrize("good", [
    "http://m\u00fcnchen.example/rss", "http://xn--mnchen-3ya.example/rss", "https://example.com./rss",
    "http://my_blog.example.com/rss", "http://[2001:db8::1]:8080/rss", "http://192.0.2.7/rss",
    "http://" + "a" * 63 + ".example/rss", "http://example.com/" + "p" * 2000,
])
def test_unusual_but_valid_urls_are_accepted(good):
    assert check_url(good) == good
    assert url_key(good)


def test_a_refused_url_is_quoted_short_and_on_one_line():
    with pytest.raises(UserError) as info:
        check_url("http://example.com/" + "\u00e9" * 3000)
    assert len(str(info.value)) < 200 and "\n" not in str(info.value)


def test_a_url_whose_key_would_outgrow_the_index_is_refused():
    # Normalising percent-encodes non-ASCII (one character, six bytes of key): the key is checked too.
    url = "http://example.com/" + "\u00e9" * 900
    check_url(url)
    with pytest.raises(UserError, match="too long once normalised"):
        url_key(url)


def test_opml_outlines_are_read_from_nested_categories():
    data = b"""<?xml version="1.0"?><opml version="2.0"><head/><body>
      <outline text="World"><outline text="A" xmlUrl="http://a.example/rss"/>
      <outline title="B" text="b" xmlUrl=" http://b.example/atom "/></outline>
      <outline text="a folder with no feed"/></body></opml>"""
    assert parse_opml(data) == [Outline("http://a.example/rss", "A"), Outline("http://b.example/atom", "B")]


@pytest.mark.parametrize("data, message", [
    (b"<opml><body><outline", "not well-formed"),
    (b"<rss><channel/></rss>", "not OPML"),
    (b"<opml version='2.0'><head/></opml>", "no <body>"),
])
def test_malformed_opml_is_refused(data, message):
    with pytest.raises(UserError, match=message):
        parse_opml(data)


class _BrokenAfter(io.RawIOBase):
    """A file that gives `head`, then fails, as a file cut off by a failing disk would."""

    def __init__(self, head: bytes):
        self.head = head

    def readable(self):
        return True

    def readinto(self, buffer):
        if not self.head:
            raise OSError("read error")
        n = min(len(buffer), len(self.head))
        buffer[:n], self.head = self.head[:n], self.head[n:]
        return n


def test_opml_is_read_as_a_stream_outline_by_outline():
    head = (b"<?xml version='1.0'?><opml version='2.0'><head/><body>"
            + b"".join(b"<outline xmlUrl='http://f%d.example/rss'/>" % i for i in range(3000)))
    outlines = iter_opml(_BrokenAfter(head))
    assert next(outlines) == Outline("http://f0.example/rss", None)  # before the end of the file was read
    with pytest.raises(OSError):
        list(outlines)


def test_only_outlines_under_body_are_feeds():
    data = b"""<opml version="2.0"><head><outline xmlUrl="http://head.example/rss"/></head><body>
      <outline text="a" xmlUrl="http://a.example/rss"><outline xmlUrl="http://b.example/rss"/></outline>
      </body><outline xmlUrl="http://after.example/rss"/></opml>"""
    assert [o.url for o in parse_opml(data)] == ["http://a.example/rss", "http://b.example/rss"]


def test_exported_opml_reads_back_the_same_feeds():
    feeds = [Outline("http://a.example/rss?x=1&y=2", "A & B"), Outline("http://b.example/atom", None)]
    back = parse_opml(write_opml(feeds).encode())
    assert [o.url for o in back] == [f.url for f in feeds]
    assert back[0].name == "A & B"
