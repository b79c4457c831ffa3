"""Does a report belong to an incident? A score in [0, 1] from place, names, text, type and day.

Pure functions. The rules, in order:
1. A near-duplicate text (MinHash Jaccard >= SYNDICATED) of an article the incident already holds
   is a syndicated copy: the same incident, counted as one source with the original.
2. Another category (attack / accident / disaster) or a day outside the window: not the same.
3. Otherwise a weighted score of place agreement (rapidfuzz on names, or the place being named in the
   other side's text), shared proper names, text similarity, type agreement and day distance.
   A place known on both sides that disagrees caps the score: two shootings the same day in one
   country but different cities are two incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from workers.resolution.material import Material, estimated_jaccard

SYNDICATED = 0.6          # estimated Jaccard of word 3-shingles: same wire copy, lightly edited
MATCH = 0.55              # a report joins the best candidate scoring at least this
MERGE = 0.7               # two incidents are one when they score at least this against each other
# Two event days, or an event day and a later publish day, may be this far apart and still match:
# aftermath stories come days later, and an extracted event day is wrong often enough (one in
# seven on the dev corpus) that a gap alone must not split an event. The day part of the score
# falls with the gap, so a far day needs more agreement elsewhere.
AFTERMATH_DAYS = 7
PLACE_MISMATCH_CAP = 0.4  # the most a pair whose known places disagree can score

WEIGHTS = {"place": 0.30, "names": 0.25, "text": 0.15, "type": 0.15, "day": 0.15}
DAY_DECAY = 4             # the day part falls to 0 at this many days apart


@dataclass(frozen=True)
class Match:
    score: float
    copy_of_article: int | None = None   # set when the report's text is a syndicated copy


def day_distance(a: Material, b: Material) -> int | None:
    """Days between two events, allowing aftermath reports; None when outside the window."""
    if a.day is None or b.day is None:
        return 0
    gap = (a.day - b.day).days
    if a.day_is_event and b.day_is_event:
        return abs(gap) if abs(gap) <= AFTERMATH_DAYS else None
    # One side only has a publish date, which falls on or after the event day.
    later_is_publish = (not a.day_is_event and gap >= 0) or (not b.day_is_event and gap <= 0)
    if later_is_publish:
        return abs(gap) if abs(gap) <= AFTERMATH_DAYS else None
    return abs(gap) if abs(gap) <= 1 else None


def place_agreement(a: Material, b: Material) -> float | None:
    """1.0 when the places agree, 0.0 when they are known to differ, None when either is unknown.

    Two different cities disagree ("Hilla" and "Baghdad"), even when one text names the other
    as a reference point ("south of Baghdad"). A province, district or site may contain the other
    place ("Hebei" and "Baoding", "German consulate" and "Mazar-i-Sharif"): likely agreement when
    one side's text names the other's place, unknown otherwise.
    """
    if not a.places or not b.places:
        return None
    best = max(fuzz.token_set_ratio(p, q) for p in a.places for q in b.places) / 100
    if best >= 0.85:
        return 1.0
    a_named_by_b = any(_named(p, b.names) for p in a.places)
    b_named_by_a = any(_named(q, a.names) for q in b.places)
    if a_named_by_b and b_named_by_a:
        return 1.0
    if all(is_city(p) for p in a.places | b.places):
        return 0.0
    return 0.75 if a_named_by_b or b_named_by_a else 0.5


def _named(place: str, names: frozenset[str]) -> bool:
    """Does a text with these names mention `place` ("mazar i sharif" in "afghan city of mazar e sharif")?"""
    if place in names:
        return True
    padded = f" {place} "
    return any(padded in f" {n} " or fuzz.ratio(place, n) >= 90 for n in names)


@lru_cache(maxsize=65536)
def is_country(name: str) -> bool:
    """'iraq', 'afghan', 'chinese': a country's name or demonym."""
    from workers.extraction.places import demonym_country, resolve

    return demonym_country(name) is not None or resolve(name).kind == "country"


@lru_cache(maxsize=4096)
def is_city(place: str) -> bool:
    """Is this (normalised) place name a city in the gazetteer the extraction uses?"""
    from workers.extraction.places import resolve

    return bool(resolve(place).kind == "city")


MIN_NAMES = 3             # fewer informative names than this: their share says little


def informative_names(a: Material, b: Material) -> tuple[frozenset[str], frozenset[str]]:
    """Both sides' names without the places (scored on their own; every story from one city names
    it) and without country names and demonyms (every story from one country names those)."""
    places = a.places | b.places
    return (frozenset(n for n in a.names - places if not is_country(n)),
            frozenset(n for n in b.names - places if not is_country(n)))


def name_overlap(a: Material, b: Material) -> float:
    """Share of the smaller side's informative names the other side also mentions (damped when
    that side has only a name or two)."""
    mine, theirs = informative_names(a, b)
    smaller = min(len(mine), len(theirs))
    if not smaller:
        return 0.0
    return len(mine & theirs) / smaller * min(1.0, smaller / MIN_NAMES)


def shared_names(a: Material, b: Material) -> int:
    """How many informative names both sides mention: a page that wanders (a photo roundup, a live
    blog) has so many names that its share is small, yet five victims' or officials' names in
    common say it is the same story."""
    mine, theirs = informative_names(a, b)
    return len(mine & theirs)


def text_similarity(a: Material, b: Material) -> tuple[float, int | None]:
    """Best MinHash Jaccard between a text of `a` and a text of `b` from another article."""
    best, article = 0.0, None
    for a_id, a_hash in a.texts:
        for b_id, b_hash in b.texts:
            if a_id == b_id:
                continue
            similarity = estimated_jaccard(a_hash, b_hash)
            if similarity > best:
                best, article = similarity, b_id
    return best, article


def score(report: Material, incident: Material) -> Match:
    """How likely `report` is about `incident` (see the module docstring for the rules)."""
    if report.article_ids & incident.article_ids:
        # Another revision of an article the incident already holds.
        return Match(1.0)
    text, copied = text_similarity(report, incident)
    if text >= SYNDICATED:
        return Match(1.0, copied)
    if report.category != incident.category:
        return Match(0.0)
    if report.country_code and incident.country_code and report.country_code != incident.country_code:
        return Match(0.0)
    distance = day_distance(report, incident)
    if distance is None:
        return Match(0.0)
    place = place_agreement(report, incident)
    parts = {
        "place": 0.5 if place is None else place,
        # Half the names shared, or five names, is as much agreement as names give.
        "names": min(1.0, max(name_overlap(report, incident) * 2, shared_names(report, incident) / 5)),
        "text": min(1.0, text * 4),  # same-event articles by different outlets share few shingles
        "type": 1.0 if report.event_type == incident.event_type else 0.4,
        "day": max(0.0, 1.0 - distance / DAY_DECAY),
    }
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    if place == 0.0:
        total = min(total, PLACE_MISMATCH_CAP)
    return Match(round(total, 4))


def best_match(report: Material, candidates: dict[int, Material]) -> tuple[int, Match] | None:
    """The candidate incident `report` belongs to, or None; ties go to the oldest incident."""
    scored = [(match.score, -incident_id, incident_id, match)
              for incident_id, candidate in candidates.items()
              if (match := score(report, candidate)).score >= MATCH]
    if not scored:
        return None
    _, _, incident_id, match = max(scored)
    return incident_id, match

