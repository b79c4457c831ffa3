"""Does a report belong to an incident? A probability from named features, weighted by a model.

Pure functions. The rules, in order:
1. Another revision of an article the incident holds, or a near-duplicate text (MinHash Jaccard >=
   SYNDICATED) of one: the same incident (a copy counts as one source with its original).
2. Otherwise the named features below, each in [0, 1], go through a logistic regression whose
   weights are fitted on labelled pairs (`python -m ops.train_linking`, shipped as
   linking_model.json beside this file). What two reports share (places, names, perpetrator, text,
   figures, day) raises the probability; what disagrees (another city, another country neither text
   names, another perpetrator, a far day, a toll that cannot be the same) lowers it. Nothing vetoes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from workers.resolution.material import Material, place_country
from workers.resolution.regions import INSIDE, related

SYNDICATED = 0.6          # estimated Jaccard of word 3-shingles: same wire copy, lightly edited
WINDOW_DAYS = 120         # candidates are sought this far either side of the report's day
MIN_NAMES = 3             # fewer informative names than this: their share says little

# Types a report of one event may be given by different outlets or by the extractor: every type of
# its category, and these confusions across categories.
CATEGORIES = {
    "attack": ("bombing", "shooting", "stabbing", "vehicle_ramming", "arson", "armed_assault", "airstrike",
               "kidnapping"),
    "accident": ("air_crash", "rail_crash", "road_crash", "maritime", "explosion", "fire",
                 "structural_collapse", "stampede", "other_accident"),
    "disaster": ("earthquake", "flood", "storm", "landslide", "wildfire", "volcano", "tsunami", "extreme_weather"),
}
CONFUSED = (
    ("vehicle_ramming", "road_crash"), ("bombing", "explosion"), ("airstrike", "explosion"),
    ("arson", "fire"), ("arson", "wildfire"), ("fire", "wildfire"), ("explosion", "fire"),
    ("structural_collapse", "earthquake"), ("landslide", "flood"), ("maritime", "flood"),
    ("maritime", "storm"), ("air_crash", "airstrike"), ("shooting", "kidnapping"),
    ("structural_collapse", "explosion"), ("stampede", "structural_collapse"),
)
FEATURES = (
    "text", "names_share", "names_many", "names_distinct", "site_agree", "site_conflict", "place_agree",
    "place_conflict", "country_agree", "country_conflict", "type_same", "type_related", "day_close", "day_gap",
    "perp_agree", "perp_conflict", "toll_equal", "toll_conflict",
)
TOLL_TELLING = 5          # equal tolls this high identify an event; equal ones of 0 or 1 say little


def related_types(event_type: str) -> tuple[str, ...]:
    """Every type a report of an event of `event_type` may carry (the type itself included)."""
    family = next((types for types in CATEGORIES.values() if event_type in types), (event_type,))
    confused = [b if a == event_type else a for a, b in CONFUSED if event_type in (a, b)]
    return tuple(dict.fromkeys((*family, *confused)))


@dataclass(frozen=True)
class Match:
    score: float
    copy_of_article: int | None = None   # set when the report's text is a syndicated copy


@dataclass(frozen=True)
class Model:
    intercept: float
    weights: dict[str, float]

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-z))


@lru_cache(maxsize=1)
def _fitted() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files(__package__).joinpath("linking_model.json").read_text())
    return data


@lru_cache(maxsize=1)
def model() -> Model:
    """The fitted weights shipped with the package."""
    data = _fitted()
    return Model(float(data["intercept"]), {k: float(v) for k, v in data["weights"].items()})


# The fit weighs both classes the same, so its probabilities run high. The operating points are
# fitted with the weights (python -m ops.train_linking): a report joins the best candidate at MATCH,
# where at most one in a hundred held-out pairs of different incidents score; a report this likely
# of two incidents (MERGE) shows they are one.
MATCH = float(_fitted()["match"])
MERGE = float(_fitted()["merge"])


# -- features --------------------------------------------------------------------------------------
def day_distance(a: Material, b: Material) -> int | None:
    """Days between the two sides' days (event days, or the first publish day); None when unknown.

    A side that only has a publish day published on or after the event: a gap the right way round
    counts for less (an aftermath story days later is normal)."""
    if a.day is None or b.day is None:
        return None
    gap = (a.day - b.day).days
    if not a.day_is_event and gap > 0:
        return max(0, gap - 2)
    if not b.day_is_event and gap < 0:
        return max(0, -gap - 2)
    return abs(gap)


def place_agreement(a: Material, b: Material) -> float | None:
    """1.0 when the places agree, 0.0 when they are known to differ, None when either is unknown.

    Two different cities disagree ("Hilla" and "Baghdad"), even when one text names the other
    as a reference point ("south of Baghdad"). A province, district or site may contain the other
    place ("Hebei" and "Baoding", "German consulate" and "Mazar-i-Sharif"): likely agreement when
    one side's text names the other's place, unknown otherwise. A country and a place in it agree.
    """
    mine = {p for p in a.places if place_country(p)[0] != "country"}
    theirs = {q for q in b.places if place_country(q)[0] != "country"}
    if not mine or not theirs:
        return _country_level_agreement(a, b)
    best = max(fuzz.token_set_ratio(p, q) for p in mine for q in theirs) / 100
    if best >= 0.85:
        return 1.0
    a_named_by_b = any(_named(p, b.names) for p in mine)
    b_named_by_a = any(_named(q, a.names) for q in theirs)
    if a_named_by_b and b_named_by_a:
        return 1.0
    # A city and its province or state ("Baoding", "Hebei"), or a city and another country's region.
    nested = [r for p in mine for q in theirs if (r := related(p, q)) is not None]
    if nested and max(nested) == INSIDE:
        return 1.0
    if nested and max(nested) > 0:
        return max(max(nested), 0.75 if a_named_by_b or b_named_by_a else 0.0)
    if nested or all(place_country(p)[0] == "city" for p in mine | theirs):
        return 0.0
    return 0.75 if a_named_by_b or b_named_by_a else 0.5


def _country_level_agreement(a: Material, b: Material) -> float | None:
    """One side only knows a country: its places agree with the other's when they lie in it."""
    if not a.places or not b.places:
        return None
    countries_a = {place_country(p)[1] for p in a.places} - {None}
    countries_b = {place_country(q)[1] for q in b.places} - {None}
    if countries_a and countries_b:
        return 0.75 if countries_a & countries_b else 0.0
    return None


def _named(place: str, names: frozenset[str]) -> bool:
    """Does a text with these names mention `place` ("mazar i sharif" in "afghan city of mazar e sharif")?"""
    if place in names:
        return True
    padded = f" {place} "
    return any(padded in f" {n} " or fuzz.ratio(place, n) >= 90 for n in names)


def informative_names(a: Material, b: Material) -> tuple[frozenset[str], frozenset[str]]:
    """Both sides' names without the places (scored on their own; every story from one city names
    it) and without country names and demonyms (every story from one country names those)."""
    places = a.places | b.places
    return a.names_not_countries - places, b.names_not_countries - places


def name_overlap(a: Material, b: Material, informative: tuple[frozenset[str], frozenset[str]] | None = None) -> float:
    """Share of the smaller side's informative names the other side also mentions (damped when
    that side has only a name or two)."""
    mine, theirs = informative or informative_names(a, b)
    smaller = min(len(mine), len(theirs))
    if not smaller:
        return 0.0
    return len(mine & theirs) / smaller * min(1.0, smaller / MIN_NAMES)


def shared_names(a: Material, b: Material, informative: tuple[frozenset[str], frozenset[str]] | None = None) -> int:
    """How many informative names both sides mention: a page that wanders (a photo roundup, a live
    blog) has so many names that its share is small, yet five victims' or officials' names in
    common say it is the same story."""
    mine, theirs = informative or informative_names(a, b)
    return len(mine & theirs)


# Words of institutions and outlets: a name holding one heads many unrelated stories of a city.
_INSTITUTIONAL = frozenset([
    "police", "department", "office", "sheriff", "sheriff's", "county", "city", "news", "times", "post",
    "daily", "tribune", "herald", "press", "journal", "gazette", "channel", "tv", "radio", "ministry",
    "council", "court", "hospital", "center", "centre", "university", "school", "service", "services",
    "agency", "bureau", "association", "party", "government", "state", "street", "avenue", "road",
    "fire", "rescue", "emergency", "medical", "health", "district", "attorney", "crimestoppers",
    "crime", "stoppers", "line", "hotline", "tips", "copyright", "rights", "reserved", "media", "network",
])


def distinct_names(a: Material, b: Material, informative: tuple[frozenset[str], frozenset[str]] | None = None) -> int:
    """How many names of people or particular things both sides mention: informative names of two
    or more words none of which names an institution, an outlet or a street (victims, suspects,
    officials, venues)."""
    mine, theirs = informative or informative_names(a, b)
    return sum(1 for n in mine & theirs
               if len(words := n.split()) >= 2 and not any(w in _INSTITUTIONAL for w in words))


# Last words of a street or a named site: two reports naming one street or venue tell one event; two
# local shootings in one city and week rarely share one, and each report names its own.
_STREET_OR_SITE = frozenset([
    "street", "st", "avenue", "ave", "road", "rd", "drive", "boulevard", "blvd", "lane", "court", "way",
    "parkway", "highway", "terrace", "circle", "trail", "pike", "plaza", "apartments", "complex", "mall",
    "market", "school", "church", "mosque", "temple", "synagogue", "bar", "club", "lounge", "nightclub",
    "restaurant", "hotel", "motel", "station", "stadium", "arena", "store", "consulate", "embassy", "airport",
    "bridge", "college", "park", "souk", "bazaar",
])
_GENERIC = frozenset(["the", "high", "middle", "elementary", "north", "south", "east", "west", "new", "old",
                      "main", "gas", "bus", "train", "police", "fire", "city", "state", "county"])


def sites(m: Material) -> frozenset[str]:
    """Streets and named sites among a side's places and names ("halsted street", "souk al khadra")."""
    found = set()
    for name in m.names | m.places:
        words = name.split()
        if words and words[0] == "the":
            words = words[1:]
        if (len(words) >= 2 and words[-1] in _STREET_OR_SITE
                and not all(w in _GENERIC or w in _INSTITUTIONAL for w in words[:-1])):
            found.add(" ".join(words))
    return frozenset(found)


def _sites_of(m: Material) -> frozenset[str]:
    """sites(m), worked out once per material (a report is compared with many incidents)."""
    cached = m.__dict__.get("_sites")
    if cached is None:
        cached = m.__dict__["_sites"] = sites(m)
    return cached


def site_agreement(a: Material, b: Material) -> float | None:
    """1.0 when both name one street or site, 0.0 when both name some and none in common, else None."""
    mine, theirs = _sites_of(a), _sites_of(b)
    if not mine or not theirs:
        return None
    if mine & theirs or any(fuzz.token_set_ratio(p, q) >= 90 for p in mine for q in theirs):
        return 1.0
    return 0.0


def text_similarity(a: Material, b: Material) -> tuple[float, int | None]:
    """Best MinHash Jaccard between a text of `a` and a text of `b` from another article."""
    pairs = [(a_hash, b_id, b_hash) for a_id, a_hash in a.texts for b_id, b_hash in b.texts
             if a_id != b_id and len(a_hash) == len(b_hash) and a_hash]
    if not pairs:
        return 0.0, None
    mine = np.array([p[0] for p in pairs], dtype=np.uint64)
    theirs = np.array([p[2] for p in pairs], dtype=np.uint64)
    shares = (mine == theirs).mean(axis=1)
    best = int(shares.argmax())
    return float(shares[best]), pairs[best][1]


def _tolls_conflict(report: tuple[int, int], incident: tuple[int, int], report_is_later: bool | None) -> bool:
    """A toll that cannot be the same event's: the later side counts far fewer than the earlier one
    saw (tolls rise; a revision down is by a fraction, not to a third)."""
    low, high = (report[0], incident[1]) if report_is_later is not False else (incident[0], report[1])
    later_low, earlier_high = low, high
    return later_low * 3 + 2 < earlier_high


def features(report: Material, incident: Material, text: float | None = None) -> dict[str, float]:
    """The named features of one (report, incident) pair, each in [0, 1]: what identifies one event
    (text, names, sites, perpetrator), what corroborates it (place, country, type, day, toll), and
    what conflicts. An incident is compared source by source (material.source_views); the features
    of the source that makes the pair most likely are returned."""
    if text is None:
        text, _ = text_similarity(report, incident)
    best: tuple[float, dict[str, float]] | None = None
    fitted = model()
    for mine in report.views:
        for theirs in incident.views:
            found = _pair_features(mine, theirs, text)
            likely = fitted.probability(found)
            if best is None or likely > best[0]:
                best = (likely, found)
    assert best is not None  # source_views gives at least one view of each side
    return best[1]


def _pair_features(report: Material, incident: Material, text: float) -> dict[str, float]:
    place = place_agreement(report, incident)
    site = site_agreement(report, incident)
    informative = informative_names(report, incident)
    countries_known = report.country_code is not None and incident.country_code is not None
    same_country = countries_known and report.country_code == incident.country_code
    # Another country the other side's text names (victims from abroad, where it fell) is no conflict.
    named_across = bool(report.countries & incident.countries)
    distance = day_distance(report, incident)
    type_related = incident.event_type in related_types(report.event_type)
    perp_known = bool(report.perpetrators and incident.perpetrators)
    perp_agree = perp_known and any(fuzz.token_set_ratio(p, q) >= 85 for p in report.perpetrators
                                    for q in incident.perpetrators)
    toll_equal = toll_conflict = 0.0
    r, i = report.figures, incident.figures
    later = None if r.as_of is None or i.as_of is None else r.as_of >= i.as_of
    for mine, theirs in ((r.killed, i.killed), (r.injured, i.injured)):
        if mine is None or theirs is None:
            continue
        if theirs[0] <= mine[0] <= theirs[1] or theirs[0] <= mine[1] <= theirs[1]:
            toll_equal = max(toll_equal, min(1.0, max(mine[0], theirs[0]) / TOLL_TELLING))
        elif _tolls_conflict(mine, theirs, later):
            toll_conflict = 1.0
    identity = {
        "text": min(1.0, text * 4),  # same-event articles by different outlets share few shingles
        "names_share": name_overlap(report, incident, informative),
        "names_many": min(1.0, shared_names(report, incident, informative) / 5),
        "names_distinct": min(1.0, distinct_names(report, incident, informative) / 2),
        "perp_agree": 1.0 if perp_agree else 0.0,
        "site_agree": 1.0 if site == 1.0 else 0.0,
    }
    corroboration = {
        # Only a known agreement: "one may contain the other" (0.5) is no evidence either way.
        "place_agree": 0.0 if place is None or place < 0.75 else place,
        "country_agree": 1.0 if same_country else 0.0,
        "type_same": 1.0 if report.event_type == incident.event_type else 0.0,
        "type_related": 1.0 if type_related and report.event_type != incident.event_type else 0.0,
        "day_close": 0.0 if distance is None else max(0.0, 1.0 - distance / 4),
        "toll_equal": toll_equal,
    }
    conflicts = {
        "place_conflict": 1.0 if place == 0.0 else 0.0,
        "country_conflict": 1.0 if countries_known and not same_country and not named_across else 0.0,
        "day_gap": 0.0 if distance is None else min(1.0, distance / WINDOW_DAYS),
        "perp_conflict": 1.0 if perp_known and not perp_agree else 0.0,
        "toll_conflict": toll_conflict,
        "site_conflict": 1.0 if site == 0.0 else 0.0,
    }
    return {**identity, **corroboration, **conflicts}


def score(report: Material, incident: Material) -> Match:
    """How likely `report` is about `incident` (see the module docstring for the rules)."""
    if report.article_ids & incident.article_ids:
        # Another revision of an article the incident already holds.
        return Match(1.0)
    text, copied = text_similarity(report, incident)
    if text >= SYNDICATED:
        return Match(1.0, copied)
    return Match(round(model().probability(features(report, incident, text)), 4))


def ranked(report: Material, candidates: dict[int, Material]) -> list[tuple[int, Match]]:
    """Candidates at least MATCH likely, most likely first; ties go to the oldest incident."""
    scored = [(incident_id, match) for incident_id, candidate in candidates.items()
              if (match := score(report, candidate)).score >= MATCH]
    return sorted(scored, key=lambda pair: (-pair[1].score, pair[0]))


def best_match(report: Material, candidates: dict[int, Material]) -> tuple[int, Match] | None:
    """The candidate incident `report` belongs to, or None."""
    found = ranked(report, candidates)
    return found[0] if found else None
