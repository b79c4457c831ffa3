"""Turn an article page into clean text and metadata with trafilatura.

Options were picked by measuring on ../shared/corpus/html/trafilatura-eval-en (132 real pages; text
that must and must not appear, comments counted as must-not): without comments, tables kept and no
precision/recall bias scored best (F1 0.930: precision 0.905, recall 0.957), against 0.926 for the
defaults, 0.918 with favor_precision, 0.925 without tables. tests/integration/test_poll_clean.py
re-measures this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import trafilatura

HTML_TYPES = ("text/html", "application/xhtml+xml", "")  # no Content-Type at all: sniff the body
# Less than this is a stub (a paywall notice, "page moved"), not an article.
MIN_TEXT_CHARS = 20

# htmldate returns the time too with this format (midnight when the page only gives a day).
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
DATE_PARAMS = {"original_date": True, "extensive_search": True, "outputformat": DATE_FORMAT}

_HTML_LANG = re.compile(rb"<html[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?", re.I)
_LOOKS_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)", re.I | re.S)


class PageRejected(Exception):
    """A page that yields no article: not HTML, empty, or no main text."""


@dataclass(frozen=True)
class CleanPage:
    title: str | None
    text: str
    published: datetime | None
    language: str | None


def clean_page(body: bytes, url: str, content_type: str = "text/html",
               feed_published: datetime | None = None) -> CleanPage:
    """Main text, title, publish time and language of one page; PageRejected when it has none."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind not in HTML_TYPES and not (kind.startswith("text/") and _LOOKS_HTML.match(body[:4096])):
        raise PageRejected(f"not an HTML page ({kind})")
    if not body.strip():
        raise PageRejected("empty page")
    try:
        doc = trafilatura.bare_extraction(body, url=url, with_metadata=True,
                                          date_extraction_params=DATE_PARAMS, include_comments=False,
                                          include_tables=True, favor_precision=False)
    except Exception as exc:  # trafilatura/lxml raise assorted errors on garbage; the page is at fault
        raise PageRejected(f"unreadable HTML ({type(exc).__name__}: {exc})") from None
    text = (getattr(doc, "text", None) or "").replace("\x00", "").strip() if doc is not None else ""
    if len(text) < MIN_TEXT_CHARS:
        raise PageRejected("no main text found in the page")
    title = (getattr(doc, "title", None) or "").replace("\x00", "").strip() or None
    match = _HTML_LANG.search(body[:8192])
    language = match.group(1).decode().lower() if match else None
    return CleanPage(title, text, pick_published(getattr(doc, "date", None), feed_published), language)


def pick_published(page_date: str | None, feed_published: datetime | None) -> datetime | None:
    """The page's own date first; the feed's when the page has none, or gives only the same day."""
    page = _parse_page_date(page_date)
    if page is None:
        return feed_published
    day_only = (page.hour, page.minute, page.second) == (0, 0, 0)
    if day_only and feed_published is not None and feed_published.astimezone(UTC).date() == page.date():
        return feed_published
    return page


def _parse_page_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.strptime(text, DATE_FORMAT)
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
