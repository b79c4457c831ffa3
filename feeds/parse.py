"""Feed bodies to entries, with feedparser.

feedparser is lenient on purpose: an ill-formed feed (its "bozo" flag) still yields the entries
that parsed, and it works out the character encoding from the HTTP header, the XML prolog and the
bytes. A body that is no feed at all (an HTML error page, JSON, nothing) is `NotAFeed`.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from feeds.urls import url_key
from newswatch.errors import UserError

# Bozo reasons that say nothing about lost entries (the encoding was guessed and right).
_HARMLESS = ("CharacterEncodingOverride", "NonXMLContentType")
# A GUID is trusted across feeds only when it is globally unique by construction.
_GLOBAL_GUID = re.compile(r"^(?:https?://\S+|tag:\S+|urn:\S+|[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?"
                          r"[0-9a-f]{4}-?[0-9a-f]{12}|[0-9a-f]{32,})$", re.I)


class NotAFeed(Exception):
    """The body is not RSS or Atom."""


@dataclass(frozen=True)
class Entry:
    url: str
    url_key: str
    guid: str | None          # as stored: global GUIDs as given, others prefixed with the feed id
    title: str | None
    published: datetime | None
    updated: str | None       # the entry's own updated (or published) stamp, compared as text


@dataclass(frozen=True)
class ParsedFeed:
    entries: list[Entry]
    problem: str | None       # why the feed is ill-formed, when it is (entries may be missing)
    skipped: int              # entries without a link
    refused: list[str] = field(default_factory=list)  # per entry whose link is unusable: why


def guid_key(guid: str | None, feed_id: int) -> str | None:
    """The GUID as stored: URLs, tag:/urn: URIs and UUID-like ids are global; anything else
    ("123", "post-7") only means something inside its feed, so it is namespaced by feed id."""
    if not guid or not guid.strip():
        return None
    text = guid.strip()
    if len(text.encode()) > 1000:  # bytes: the unique index takes ~2,700 a row; a hash is unique enough
        text = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return text if _GLOBAL_GUID.match(text) else f"feed:{feed_id}:{text}"


def parse_feed(body: bytes, feed_url: str, feed_id: int, content_type: str | None = None) -> ParsedFeed:
    headers = {"content-type": content_type} if content_type else {}
    try:
        # A stream, never bytes: feedparser would fetch a body that looks like a URL.
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False,
                                  resolve_relative_uris=False)
    except Exception as exc:  # feedparser is lenient, but a parser bug must not crash the poller
        raise NotAFeed(f"unparseable ({type(exc).__name__}: {exc})") from None
    problem = None
    if parsed.get("bozo"):
        cause = parsed.get("bozo_exception")
        if type(cause).__name__ not in _HARMLESS:
            problem = f"ill-formed feed: {str(cause)[:300] or type(cause).__name__}"
    if not parsed.get("version") and not parsed.entries:
        raise NotAFeed(problem or "not an RSS or Atom feed")
    entries: list[Entry] = []
    refused: list[str] = []
    skipped = 0
    for raw in parsed.entries:
        try:
            entry = _entry(raw, feed_url, feed_id)
        except UserError as exc:
            refused.append(str(exc))
            continue
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    return ParsedFeed(entries, problem, skipped, refused)


def _clean(value: Any) -> str | None:
    """A feed's text as Postgres can store it (no NUL characters), or None."""
    text = str(value).replace("\x00", "").strip() if value is not None else ""
    return text or None


def _entry(raw: Any, feed_url: str, feed_id: int) -> Entry | None:
    """The entry to store; None when it has no link; UserError when its link cannot be fetched."""
    link = raw.get("link") or next((li.get("href") for li in raw.get("links", []) if li.get("href")), None)
    guid = _clean(raw.get("id"))
    if not link and guid and str(guid).startswith(("http://", "https://")):
        link = guid  # RSS: a permalink GUID is the link
    if not link:
        return None
    try:
        url = urljoin(feed_url, _clean(link) or "").strip()
    except ValueError as exc:  # e.g. a malformed IPv6 host
        raise UserError(f"not a URL ({exc}): {str(link)[:100]}") from None
    key = url_key(url)  # checks the URL too
    stamp = raw.get("updated") if "updated" in raw else raw.get("published")
    when = raw.get("published_parsed") or raw.get("updated_parsed")
    published = _timestamp(when) if when else None
    updated = _clean(stamp)
    return Entry(url, key, guid_key(guid, feed_id), _clean(raw.get("title")), published,
                 updated[:200] if updated else None)


def _timestamp(when: Any) -> datetime | None:
    """A feed's time tuple as a datetime; None for impossible dates ("0000-00-00", year 99999)."""
    try:
        return datetime.fromtimestamp(calendar.timegm(when), UTC)
    except (ValueError, OverflowError, OSError, TypeError):
        return None
