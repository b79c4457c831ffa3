"""Labelled reports for linking: the corpora in ../shared, extracted once and cached, as reports.

Used by the linking benchmark (ops.bench.linking) and the training command (ops.train_linking).

- Extraction runs `newswatch extract` on a corpus file once; its output is cached under
  $NEWSWATCH_CACHE (default ~/.cache/newswatch) keyed by the corpus file and the extraction code, so
  changing either extracts again.
- Who is the same incident: in the dev corpus, the labels' incident facts (event type, country, first
  place), since the labels give the Croydon tram crash three cluster names; in the GVA sets, the same
  street address and day (an article whose label has no address is its own incident, and left out of
  pairs, since what it matches is unknown).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ops.bench import corpus

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("NEWSWATCH_CACHE") or Path.home() / ".cache" / "newswatch")


def published(value: str | None) -> datetime | None:
    if not value or value == "None":
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def extracted(name: str, source: Path | None = None) -> dict[str, list[dict[str, Any]]]:
    """Article id -> incidents, from `newswatch extract` on corpus file `name` (or on `source`; cached)."""
    source = source or corpus.ARTICLES / name
    code = sorted((ROOT / "workers" / "extraction").glob("*.py"))
    cached = CACHE / f"extract-{source.stem}-{_digest([source, *code])}.jsonl"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        print(f"extracting {source.name} once (cached in {cached})", file=sys.stderr)
        partial = cached.with_suffix(".partial")
        with source.open("rb") as stdin, partial.open("wb") as stdout:
            subprocess.run([sys.executable, "-m", "ops", "extract", "-"], stdin=stdin, stdout=stdout,
                           check=True, cwd=ROOT)
        partial.rename(cached)
    found: dict[str, list[dict[str, Any]]] = {}
    with cached.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("id") is not None:
                found[str(row["id"])] = row.get("incidents") or []
    return found


@dataclass(frozen=True)
class Labelled:
    """One article with what extraction found in it and which incident it is really about."""

    article: dict[str, Any]
    incidents: list[dict[str, Any]]      # as extracted
    truth: str | None                    # the real incident's key; None: the article reports none
    label: dict[str, Any]
    pairable: bool = True                # False: its incident's identity is unknown (no GVA address)


def dev_truth(labels: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Article id -> event key from the labels' facts (type, country, first place), by cluster."""
    from collections import Counter, defaultdict

    signature: dict[str, Counter[tuple[str, str, str]]] = defaultdict(Counter)
    for label in labels.values():
        incident = label["incident"]
        if incident:
            place = (incident.get("location") or ["?"])[0]
            signature[str(label["cluster"])][(incident["event_type"], incident["country_code"], place)] += 1
    event_of_cluster = {cluster: "/".join(c.most_common(1)[0][0]) for cluster, c in signature.items()}
    return {aid: event_of_cluster[str(label["cluster"])] for aid, label in labels.items() if label["incident"]}


def load(kind: str) -> list[Labelled]:
    """`dev`, `gva_train` or `gva_val`: every article, extracted, with its truth, by publication."""
    articles = corpus._load(f"{kind}_articles.jsonl")
    labels = {str(lab["id"]): lab for lab in corpus._load(f"{kind}_labels.jsonl")}
    found = extracted(f"{kind}_articles.jsonl")
    out = []
    truth_of = dev_truth(labels) if kind == "dev" else {}
    for article in articles:
        aid = str(article["id"])
        label = labels[aid]
        incident = label.get("incident")
        if kind == "dev":
            truth, pairable = truth_of.get(aid), True
        elif incident is None:
            truth, pairable = None, True
        else:
            address = (incident.get("gva_address") or "").strip().lower()
            pairable = bool(address)
            truth = f"{address}@{incident.get('occurred_on')}" if pairable else f"unknown:{aid}"
        out.append(Labelled(article, found.get(aid, []), truth, label, pairable))
    out.sort(key=lambda x: (published(x.article.get("published")) or datetime.min.replace(tzinfo=UTC),
                            str(x.article["id"])))
    return out


def report_row(article_id: int, incident: dict[str, Any], when: datetime | None, ordinal: int = 0) -> dict[str, Any]:
    """A `reports` row (as the extract task writes it) from one INCIDENT of the extract contract."""
    day = incident.get("occurred_on")
    return {
        "article_id": article_id, "ordinal": ordinal, "is_primary": bool(incident.get("primary", ordinal == 0)),
        "category": incident["category"], "event_type": incident["event_type"],
        "location": incident.get("location"), "country_code": incident.get("country_code"),
        "occurred_on": date.fromisoformat(day) if day else None, "killed": incident.get("killed"),
        "killed_qualifier": incident.get("killed_qualifier"), "injured": incident.get("injured"),
        "injured_qualifier": incident.get("injured_qualifier"), "perpetrator": incident.get("perpetrator"),
        "claimed_by": incident.get("claimed_by"), "historical": bool(incident.get("historical")),
        "published_at": when, "facts": incident,
    }


def primary_reports(items: list[Labelled]) -> Iterator[tuple[int, Labelled, dict[str, Any]]]:
    """(index, item, report row) of each article's main extracted incident."""
    for index, item in enumerate(items):
        if item.incidents:
            yield index, item, report_row(index, item.incidents[0], published(item.article.get("published")))


def halves(kind: str) -> list[tuple[Labelled, Labelled]]:
    """Each long enough article of `kind` told twice: its first half and its second, cut at the
    sentence nearest the middle, each extracted on its own; both about the article's incident.

    Only for training (ops.train_linking): the GVA sets hold almost no two articles of one shooting,
    and a second half (the victims named, the police's appeal, the aftermath) is how a follow-up by
    another outlet tells the same event, with another toll, day or place, or none. Never measured."""
    import re

    labelled = [item for item in load(kind) if item.truth and item.pairable and item.incidents]
    parts: list[dict[str, Any]] = []
    for item in labelled:
        text = item.article.get("text") or ""
        cuts = [m.end() for m in re.finditer(r"[.!?][\"’”]?\s+(?=[A-Z])", text)]
        if len(text) < 600 or not cuts:
            continue
        cut = min(cuts, key=lambda c: abs(c - len(text) / 2))
        if min(cut, len(text) - cut) < 250:
            continue
        for n, part in enumerate((text[:cut], text[cut:])):
            parts.append({**item.article, "id": f"{item.article['id']}#{n}", "title": item.article.get("title")
                          if n == 0 else "", "text": part})
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{kind}_halves.jsonl"
    text = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in parts)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    found = extracted(f"{kind}_halves.jsonl", path)
    by_id = {str(item.article["id"]): item for item in labelled}
    out = []
    for first, second in zip(parts[::2], parts[1::2], strict=True):
        original = by_id[first["id"].rsplit("#", 1)[0]]
        if found.get(first["id"]) and found.get(second["id"]):
            out.append((Labelled(first, found[first["id"]], original.truth, original.label),
                        Labelled(second, found[second["id"]], original.truth, original.label)))
    return out
