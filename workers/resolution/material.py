"""Matching material: what a report (or an incident) offers to be compared with another.

Pure functions, no services. A report's material comes from its extracted facts and its article's
text: the place it names, the names (proper-noun phrases) its text mentions, and a MinHash of the
text's word shingles (datasketch) for the near-duplicate check. An incident's material is the union
of its reports' material, kept in `incidents.signature` and `reports.text_minhash`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from datasketch import MinHash

NUM_PERM = 128
SHINGLE = 3
# Names are read from the start of the article: the lead names the event's places and actors; the
# tail of a long page is mostly background, related stories and captions.
NAME_WINDOW = 4000
MAX_NAMES = 400

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
# A run of capitalised words, allowing the small joiners of place and group names
# ("Mazar-i-Sharif", "Islamic State of Iraq", "Third Avenue and Pine Street").
# A possessive ends a name ("Hebei's Baoding" is two).
_NAME = re.compile(
    r"[A-Z][\w’'-]*?(?=['’]s\b|[^\w’'-]|$)"
    r"(?:[ \t]+(?:(?:of|de|del|al|el|and|bin)[ \t]+)?[A-Z][\w’'-]*?(?=['’]s\b|[^\w’'-]|$))*"
)
# Capitalised words that say nothing about which event an article is about.
_NOT_NAMES = frozenset([
    "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i",
    "you", "his", "her", "their", "our", "there", "here", "in", "on", "at", "by", "for", "from", "with",
    "after", "before", "during", "as", "but", "and", "or", "if", "when", "while", "where", "what",
    "who", "why", "how", "mr", "mrs", "ms", "dr", "sir", "police", "officials", "official", "people",
    "authorities", "government", "state", "report", "reports", "said", "says", "according", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "today",
    "yesterday", "tomorrow", "read", "more", "share", "photo", "image", "video", "getty", "images",
    "ap", "afp", "reuters", "pa",
])


def normalise(text: str) -> str:
    """Lower case, accents and punctuation folded: 'Mazar-e-Sharif' -> 'mazar e sharif'."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_WORD.findall(folded.lower().replace("-", " ")))


def names_in(text: str) -> set[str]:
    """Proper-noun phrases in the lead of `text`, normalised, without the uninformative ones."""
    found: set[str] = set()
    for match in _NAME.finditer(text[:NAME_WINDOW]):
        phrase = normalise(match.group(0))
        words = phrase.split()
        while words and words[0] in _NOT_NAMES:
            words = words[1:]
        if not words or (len(words) == 1 and (words[0] in _NOT_NAMES or len(words[0]) < 3)):
            continue
        found.add(" ".join(words))
        if len(found) >= MAX_NAMES:
            break
    return found


def text_minhash(text: str) -> tuple[int, ...]:
    """MinHash signature of the text's word 3-shingles (empty tuple for an empty text)."""
    words = normalise(text).split()
    if not words:
        return ()
    shingles = {" ".join(words[i:i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    sketch = MinHash(num_perm=NUM_PERM)
    sketch.update_batch(s.encode("utf-8") for s in shingles)
    return tuple(int(v) for v in sketch.hashvalues)


def estimated_jaccard(a: Sequence[int], b: Sequence[int]) -> float:
    """Share of equal MinHash slots: an estimate of the two texts' shingle Jaccard similarity."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


@dataclass(frozen=True)
class Material:
    """Everything matching looks at, for one report or one incident."""

    category: str
    event_type: str
    country_code: str | None
    day: date | None            # the event day, or failing that the first publish day
    day_is_event: bool          # True: `day` is an occurred_on; False: only a publish date
    places: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    # (article_id, MinHash) per text; a report has one, an incident one per article it holds.
    texts: tuple[tuple[int, tuple[int, ...]], ...] = ()
    article_ids: frozenset[int] = field(default_factory=frozenset)


def report_material(report: Mapping[str, Any], title: str | None, text: str | None,
                    minhash: tuple[int, ...] | None = None) -> Material:
    """Material of one `reports` row (typed columns + facts) and its article's title and text."""
    facts = report.get("facts") or {}
    full_text = f"{title or ''}\n{text or ''}"
    places = {normalise(p) for p in _places(report, facts) if p and normalise(p)}
    names = names_in(full_text)
    published = report.get("published_at")
    occurred = report.get("occurred_on")
    day = occurred or (published.date() if published is not None else None)
    # An event day equal to the publish day is often the extractor's fallback ("at 6am", no day
    # named), so it says no more than the publish date: a later aftermath story may still match.
    day_is_event = occurred is not None and (published is None or occurred != published.date())
    sketch = minhash if minhash is not None else text_minhash(full_text)
    article_id = int(report["article_id"])
    return Material(
        category=report["category"], event_type=report["event_type"],
        country_code=report.get("country_code"), day=day,
        day_is_event=day_is_event,
        places=frozenset(places), names=frozenset(names),
        texts=((article_id, sketch),) if sketch else (),
        article_ids=frozenset({article_id}),
    )


def _places(report: Mapping[str, Any], facts: Any) -> Iterable[str]:
    yield report.get("location") or ""
    if isinstance(facts, Mapping):
        aliases = facts.get("places") or []  # the extractor's other names for the place
        if isinstance(aliases, list):
            yield from (str(a) for a in aliases)


def incident_material(incident: Mapping[str, Any],
                      texts: Iterable[tuple[int, Sequence[int]]]) -> Material:
    """Material of one `incidents` row: its signature plus the MinHashes of its reports' texts."""
    signature = incident.get("signature") or {}
    day = incident.get("occurred_on")
    if day is None and incident.get("first_reported_at") is not None:
        day = incident["first_reported_at"].date()
    places = set(signature.get("places", []))
    if incident.get("location"):
        places.add(normalise(incident["location"]))
    kept = tuple((int(a), tuple(int(v) for v in h)) for a, h in texts if h)
    return Material(
        category=incident["category"], event_type=incident["event_type"],
        country_code=incident.get("country_code"), day=day,
        day_is_event=incident.get("occurred_on") is not None,
        places=frozenset(places), names=frozenset(signature.get("names", [])),
        texts=kept, article_ids=frozenset(a for a, _ in kept),
    )


def merged_signature(signature: Mapping[str, Any], material: Material) -> dict[str, Any]:
    """The incident's stored signature with one more report's places and names added."""
    return union_signatures(signature, {"places": material.places, "names": material.names})


def union_signatures(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """`first` with the places and names of `second` added (a new report, or a merged incident)."""
    places = sorted(set(first.get("places", [])) | set(second.get("places", [])))
    # Bounded, so a long-running incident's row stays small; the earliest names are the defining ones.
    kept_names = list(first.get("names", []))
    kept_names += sorted(set(second.get("names", [])) - set(kept_names))
    return {**first, "places": places, "names": kept_names[: MAX_NAMES * 2]}
