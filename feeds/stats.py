"""What a poller pass did, counted for its log line and `poller --once`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PassStats:
    polled: int = 0
    not_modified: int = 0
    failed: int = 0
    new_articles: int = 0
    changed_entries: int = 0
    capped_feeds: int = 0  # feeds with more entries than their share: the rest waits for later polls
    pages_stored: int = 0
    pages_unchanged: int = 0
    pages_failed: int = 0
    enqueued: int = 0

    def feeds_line(self) -> str:
        capped = f" ({self.capped_feeds} feeds with more to come)" if self.capped_feeds else ""
        return (f"polled {self.polled} feeds ({self.not_modified} unchanged, {self.failed} failed), "
                f"{self.new_articles} new articles{capped}, {self.changed_entries} changed")

    def pages_line(self) -> str:
        return (f"{self.pages_stored} pages stored ({self.pages_unchanged} unchanged, "
                f"{self.pages_failed} failed), {self.enqueued} enqueued")

    def line(self) -> str:
        return f"{self.feeds_line()}, {self.pages_line()}"
