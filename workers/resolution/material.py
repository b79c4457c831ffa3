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
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property, lru_cache
from typing import Any

from datasketch import MinHash
from spacy.lang.en.stop_words import STOP_WORDS

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


# Newsroom boilerplate: every story of an outlet carries it, so names and shingles in it would make
# different events of one outlet look alike ("Copyright 2018 by WJXT News4Jax - All rights reserved",
# "Stay with News 3 for updates", "Follow her on Twitter @...", "Contact Jane Doe at 555-0100").
_BOILERPLATE = re.compile(
    r"(?:Image\s+)?(?i:copyright)\b.{0,120}?All rights reserved\.?"
    r"|(?:Image\s+)?(?:(?i:copyright)|©)\s+(?:©\s*)?(?:\d{4}\s+)?(?:by\s+)?(?:[A-Z0-9][\w&'’.-]*,?\s*){1,3}"
    r"|Image caption\b"
    r"|(?:(?<=^)|(?<=[.!?\n]\s)|(?<=[.!?\n]))\s*(?:Stay with|Follow|Contact|Email|Reach|Read or Share|Share this)\b"
    r"[^.\n]{0,120}(?:\.|$)",
    re.MULTILINE)


def without_boilerplate(text: str) -> str:
    """`text` without copyright lines, bylines' contact details and "stay with us" tails."""
    return _BOILERPLATE.sub(" ", text)


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Lower case, accents and punctuation folded: 'Mazar-e-Sharif' -> 'mazar e sharif'."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_WORD.findall(folded.lower().replace("-", " ")))


def names_in(text: str) -> set[str]:
    """Proper-noun phrases in the lead of `text`, normalised, without the uninformative ones."""
    return set(names_in_order(text))


def names_in_order(text: str) -> list[str]:
    """`names_in`, each name once, in the order the text first mentions it. A single capitalised
    word the text also writes in lower case ("Officers said", "Anyone with information") is a
    sentence start, not a name."""
    found: dict[str, None] = {}
    lead = text[:NAME_WINDOW]
    lower_words = set(_WORD.findall(lead)) & set(_WORD.findall(lead.lower()))
    for match in _NAME.finditer(lead):
        phrase = normalise(match.group(0))
        words = phrase.split()
        while words and (words[0] in _NOT_NAMES or words[0] in STOP_WORDS):
            words = words[1:]
        if not words or (len(words) == 1 and (words[0] in _NOT_NAMES or words[0] in STOP_WORDS
                                              or len(words[0]) < 3 or words[0] in lower_words)):
            continue
        found[" ".join(words)] = None
        if len(found) >= MAX_NAMES:
            break
    return list(found)


@lru_cache(maxsize=65536)
def country_code_of(name: str) -> str | None:
    """'iraq', 'afghan', 'chinese' -> the country's ISO code; None for anything else."""
    from workers.extraction.places import demonym_country, resolve

    code = demonym_country(name)
    if code is None:
        place = resolve(name)
        code = place.country_code if place.kind == "country" else None
    return code


@lru_cache(maxsize=65536)
def place_country(name: str) -> tuple[str, str | None]:
    """What kind of place a (normalised) name is, and its country: ('city', 'GB'), ('unknown', None)."""
    from workers.extraction.places import resolve

    place = resolve(name)
    return place.kind, place.country_code


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


KEYS_PER_REPORT = 32      # the first informative names of a text: its lead's places, people, groups, sites
MAX_KEYS = 160            # an incident's retrieval keys, the earliest (defining) ones kept
# Names that head many unrelated local stories: no evidence of which event a text is about.
_NOT_KEYS = frozenset([
    "police department", "sheriff's office", "sheriffs office", "sheriff’s office", "associated press",
    "facebook", "twitter", "instagram", "youtube", "close", "more", "getty", "getty images", "reuters",
    "bbc", "cnn", "fox news", "read or share", "click", "advertisement", "copyright", "news",
    "fire department", "police", "emergency", "hospital", "medical center", "county", "city",
])


@dataclass(frozen=True)
class Figures:
    """A side's killed and injured: a report's values, or an incident's range seen, and as of when."""

    killed: tuple[int, int] | None = None     # (lowest, highest) seen
    injured: tuple[int, int] | None = None
    as_of: datetime | None = None


SOURCE_NAMES = 64        # names kept per source: its lead's, where the event's places and people are named


@dataclass(frozen=True)
class Source:
    """What one article said that identifies its event: the names of its lead and its places.

    An incident is compared source by source, not by the union of everything its sources named:
    a union grows with every report linked until any story of the city matches it."""

    article_id: int
    names: frozenset[str]       # the first SOURCE_NAMES names of its lead, countries and demonyms left out
    places: frozenset[str]


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
    countries: frozenset[str] = frozenset()      # its own country and every country its texts name
    perpetrators: frozenset[str] = frozenset()   # named perpetrator or claiming group, normalised
    figures: Figures = Figures()
    keys: tuple[str, ...] = ()                   # retrieval keys: informative places and names, in order
    # Per source (a report: itself; an incident: its latest reports'); empty for an incident made
    # before sources were kept, which is then compared by its signature's union.
    sources: tuple[Source, ...] = ()
    location: str | None = None                  # the current place, normalised

    @cached_property
    def views(self) -> list[Material]:
        """source_views(self), made once."""
        return source_views(self)

    @cached_property
    def names_not_countries(self) -> frozenset[str]:
        """Its names without country names and demonyms (every story from one country names those)."""
        return frozenset(n for n in self.names if country_code_of(n) is None)


def source_views(material: Material) -> list[Material]:
    """The material as each of its sources tells it (its own places, names and location): what a
    report is compared with. Material without sources is its own one view."""
    if not material.sources:
        return [material]
    current = frozenset({material.location}) if material.location else frozenset()
    views = []
    for source in material.sources:
        view = replace(material, names=source.names, places=source.places | current, sources=())
        view.__dict__["names_not_countries"] = source.names  # a source keeps no country names
        views.append(view)
    return views


def retrieval_keys(places: Iterable[str], names: Iterable[str], limit: int = KEYS_PER_REPORT) -> list[str]:
    """The keys a candidate search looks incidents up by: places first, then names, without
    countries (every story from a country names it) and newsroom boilerplate."""
    keys: dict[str, None] = {}
    for name in (*places, *names):
        if (len(name) < 4 or name in _NOT_KEYS or country_code_of(name) is not None
                or name.isdigit()):
            continue
        keys[name] = None
        if len(keys) >= limit:
            break
    return list(keys)


def _strings(value: Any) -> list[str]:
    """A facts value that should be a string or a list of strings, read defensively."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def report_material(report: Mapping[str, Any], title: str | None, text: str | None,
                    minhash: tuple[int, ...] | None = None) -> Material:
    """Material of one `reports` row (typed columns + facts) and its article's title and text."""
    facts = report.get("facts") or {}
    facts = facts if isinstance(facts, Mapping) else {}
    full_text = without_boilerplate(f"{title or ''}\n{text or ''}")
    places = {normalise(p) for p in _places(report, facts) if p and normalise(p)}
    # People and the venue, when the extractor names them, lead the names; then the text's own.
    named = [normalise(n) for key in ("people", "venue", "victims", "suspects") for n in _strings(facts.get(key))]
    ordered = [n for n in named if n] + names_in_order(full_text)
    published = report.get("published_at")
    occurred = report.get("occurred_on")
    day = occurred or (published.date() if published is not None else None)
    # An event day equal to the publish day is often the extractor's fallback ("at 6am", no day
    # named), so it says no more than the publish date: a later aftermath story may still match.
    day_is_event = occurred is not None and (published is None or occurred != published.date())
    sketch = minhash if minhash is not None else text_minhash(full_text)
    article_id = int(report["article_id"])
    countries = {c for c in (country_code_of(n) for n in (*places, *ordered)) if c}
    if report.get("country_code"):
        countries.add(report["country_code"])
    perpetrators = {normalise(p) for p in (report.get("perpetrator"), report.get("claimed_by")) if p}
    killed, injured = report.get("killed"), report.get("injured")
    return Material(
        category=report["category"], event_type=report["event_type"],
        country_code=report.get("country_code"), day=day,
        day_is_event=day_is_event,
        places=frozenset(places), names=frozenset(ordered),
        texts=((article_id, sketch),) if sketch else (),
        article_ids=frozenset({article_id}),
        countries=frozenset(countries), perpetrators=frozenset(p for p in perpetrators if p),
        figures=Figures(None if killed is None else (killed, killed),
                        None if injured is None else (injured, injured), report.get("as_of") or published),
        keys=tuple(retrieval_keys(sorted(places), ordered)),
        sources=(Source(article_id, frozenset([n for n in dict.fromkeys(ordered) if country_code_of(n) is None]
                                              [:SOURCE_NAMES]), frozenset(places)),),
        location=normalise(report["location"]) if report.get("location") else None,
    )


def _places(report: Mapping[str, Any], facts: Mapping[str, Any]) -> Iterable[str]:
    yield report.get("location") or ""
    yield from _strings(facts.get("places"))  # the extractor's other names for the place


def _range(row: Mapping[str, Any], name: str) -> tuple[int, int] | None:
    low, high = row.get(f"{name}_min"), row.get(f"{name}_max")
    if low is None or high is None:
        value = row.get(name)
        return None if value is None else (value, value)
    return int(low), int(high)


def incident_material(incident: Mapping[str, Any], texts: Iterable[tuple[int, Sequence[int]]],
                      sources: Iterable[Source] = ()) -> Material:
    """Material of one `incidents` row: its signature, the MinHashes of its reports' texts, and what
    each of its latest reports named."""
    signature = incident.get("signature") or {}
    day = incident.get("occurred_on")
    if day is None and incident.get("first_reported_at") is not None:
        day = incident["first_reported_at"].date()
    places = set(signature.get("places", []))
    if incident.get("location"):
        places.add(normalise(incident["location"]))
    countries = set(signature.get("countries", []))
    if incident.get("country_code"):
        countries.add(incident["country_code"])
    perpetrators = set(signature.get("perpetrators", []))
    perpetrators |= {normalise(p) for p in (incident.get("perpetrator"), incident.get("claimed_by")) if p}
    kept = tuple((int(a), tuple(h)) for a, h in texts if h)  # bigint[] comes back as ints
    as_of = max((t for t in (incident.get("killed_as_of"), incident.get("injured_as_of")) if t), default=None)
    return Material(
        category=incident["category"], event_type=incident["event_type"],
        country_code=incident.get("country_code"), day=day,
        day_is_event=incident.get("occurred_on") is not None,
        places=frozenset(places), names=frozenset(signature.get("names", [])),
        texts=kept, article_ids=frozenset(a for a, _ in kept),
        countries=frozenset(countries), perpetrators=frozenset(p for p in perpetrators if p),
        figures=Figures(_range(incident, "killed"), _range(incident, "injured"), as_of),
        keys=tuple(incident.get("match_keys") or ()),
        sources=tuple(sources),
        location=normalise(incident["location"]) if incident.get("location") else None,
    )


def merged_signature(signature: Mapping[str, Any], material: Material) -> dict[str, Any]:
    """The incident's stored signature with one more report's places, names, countries and perpetrators."""
    return union_signatures(signature, {"places": material.places, "names": material.names,
                                        "countries": material.countries, "perpetrators": material.perpetrators})


def union_signatures(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """`first` with the places, names, countries and perpetrators of `second` added (a new report,
    or a merged incident)."""
    merged = {**first}
    for name in ("places", "countries", "perpetrators"):
        merged[name] = sorted(set(first.get(name, [])) | set(second.get(name, [])))
    # Bounded, so a long-running incident's row stays small; the earliest names are the defining ones.
    kept_names = list(first.get("names", []))
    kept_names += sorted(set(second.get("names", [])) - set(kept_names))
    merged["names"] = kept_names[: MAX_NAMES * 2]
    return merged


def union_keys(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """An incident's retrieval keys with another report's (or incident's) added, the earliest kept."""
    keys = dict.fromkeys(first)
    keys.update(dict.fromkeys(second))
    return list(keys)[:MAX_KEYS]
