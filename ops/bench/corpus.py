"""Article mixes for benchmarks, built from ../shared/corpus (read in place, never copied).

- realistic: the BBC 2005 set (almost no incidents) with the labelled dev articles mixed in;
- incident_heavy: only the dev articles whose label has an incident, repeated to the size asked.

Copies get fresh ids (so nothing is deduplicated away) and publication times one second apart in
the order given, so a newsroom releasing "in publication order" releases them in this order.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from workers.extraction.corpora import ARTICLES, SHARED, load_jsonl

__all__ = ["ARTICLES", "SHARED", "incident_heavy", "load_jsonl", "realistic", "shared_available", "write_jsonl"]


def shared_available() -> bool:
    return (ARTICLES / "dev_articles.jsonl").is_file()


def incident_ids() -> set[str]:
    return {str(label["id"]) for label in load_jsonl("dev_labels.jsonl") if label.get("incident")}


def realistic(limit: int = 0, seed: int = 7) -> list[dict[str, Any]]:
    mix = load_jsonl("bbc_2005.jsonl") + load_jsonl("dev_articles.jsonl")
    random.Random(seed).shuffle(mix)
    return _stamp(mix[:limit] if limit else mix, "r")


def incident_heavy(size: int = 290) -> list[dict[str, Any]]:
    keep = incident_ids()
    base = [a for a in load_jsonl("dev_articles.jsonl") if str(a["id"]) in keep]
    return _stamp([base[i % len(base)] for i in range(size)], "h")


def _stamp(articles: list[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for index, article in enumerate(articles):
        copy = dict(article)
        copy["source_id"] = str(article["id"])
        copy["id"] = f"{tag}{index:06d}-{article['id']}"
        copy["published"] = (start + timedelta(seconds=index)).isoformat()
        copy.pop("source_domain", None)  # the newsroom splits feeds by --feeds instead
        copy.pop("publisher", None)
        out.append(copy)
    return out


def write_jsonl(articles: list[dict[str, Any]], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for article in articles:
            handle.write(json.dumps(article, ensure_ascii=False) + "\n")
    return path
