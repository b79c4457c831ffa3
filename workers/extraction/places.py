"""Where an incident happened: its country, then the most specific place it names there.

Place names come from spaCy's entities (GPE, LOC, FAC, and ORG or PERSON the gazetteer knows),
datelines ("KALAMAZOO, Mich. --"), "Town, State" pairs, country names and named sites found by
pattern. Each is read with the gazetteer (a name may be a town in two countries) and described by
named features of where and how it is written: in the headline or a dateline, after "in" or
"at", after "from" (where someone lives), after "told reporters in" (where something was said
later), after "40 km from" (a point of reference), in a sentence about another incident.

Two learned rankers (`learned.Ranker`, weights in models/places.country.json and
models/places.location.json, hand weights below as fallback) choose: first the country, from the
evidence every mention gives each country it may be in; then the place, among the mentions, with
whether it lies in that country as one of its features. A sub-national place gives its country.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from workers.extraction import gazetteer
from workers.extraction.gazetteer import Reading, norm
from workers.extraction.learned import Candidate, Ranker
from workers.extraction.text import Sentence

__all__ = ["Located", "Place", "PlaceMention", "demonym_country", "locate", "norm", "resolve"]


def _phrases(words: Iterable[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    words = gazetteer.lexicon()["words"]
    cues = gazetteer.lexicon()["cues"]
    return {
        "street": re.compile(rf"\s(?:{_phrases(w.title() for w in words['streets'])})\.?$"),
        "site": re.compile(rf"\b((?:[A-Z][\w'’-]+\s+){{1,3}}(?:{_phrases(words['sites'])}))\b"),
        "region": re.compile(rf"\b(?:{_phrases(words['regions'])})\b", re.IGNORECASE),
        "compass": re.compile(rf"^(?:the\s+)?(?:{_phrases(words['compass'])})\s+", re.IGNORECASE),
        "lower_compass": re.compile(rf"^(?:the\s+)?(?:{_phrases(words['compass'])})\s+"),
        "demonym_thing": re.compile(rf"^\s+(?:{_phrases(words['demonym_things'])})\b", re.IGNORECASE),
        "origin": re.compile(rf"(?:{_phrases(cues['origin'])})\s+(?:the\s+)?$", re.IGNORECASE),
        "statement": re.compile(rf"\b(?:{_phrases(cues['statement'])})\s+(?:the\s+)?$", re.IGNORECASE),
        "reference": re.compile(rf"\b(?:{_phrases(cues['reference'])})\s+(?:the\s+)?$", re.IGNORECASE),
        "event": re.compile(rf"\b(?:(?:{_phrases(cues['event'])})\s+(?:the\s+)?"
                            rf"(?:(?:{_phrases(words['compass'])})\s+)?|"
                            rf"(?:in|at|near)\s+the\s+(?:[a-z-]+\s+)?(?:town|city|village|district|province|"
                            rf"state|region|county|suburb|capital|port|resort|township|neighbou?rhood|area)"
                            rf"\s+of\s+)$", re.IGNORECASE),
        "reference_after": re.compile(r"^\s+(?:border|frontier)\b", re.IGNORECASE),
        "named_as_place": re.compile(r"\b(?:city|town|village|district|province|state|region|county|suburb|"
                                     r"township|port|capital)\s+of\s+$", re.IGNORECASE),
    }


@cache
def _clock_fallback() -> dict[str, re.Pattern[str]]:
    """Per country, how its local news writes the clock (lexicon [clock_fallback]): the last resort."""
    return {code: re.compile("|".join(patterns)) for code, patterns in gazetteer.lexicon()["clock_fallback"].items()}


@cache
def _register() -> dict[str, re.Pattern[str]]:
    """Per country, the phrases of its local news (lexicon [register])."""
    return {code: re.compile(rf"(?<![\w-])(?:{_phrases(cues)})(?![\w-])")
            for code, cues in gazetteer.lexicon()["register"].items()}


# ---------------------------------------------------------------------------------------------
# Reading one name


@dataclass(frozen=True)
class Place:
    name: str
    kind: str                  # "country", "state", "county", "city", "region", "site", "street" or "unknown"
    country_code: str | None
    population: int = 0
    within: str | None = None  # for a site or street named after its town ("Manchester Arena"): the town


def warm_up() -> None:
    """Build the gazetteer and compile the patterns now (a worker does it before it forks)."""
    gazetteer.tables()
    _patterns()
    _register()
    _clock_fallback()
    _country_pattern()


def demonym_country(word: str) -> str | None:
    return gazetteer.demonym(word)


def _clean(name: str) -> str:
    name = re.sub(r"\s*['’]s$", "", name.strip(" ,.;:\"'“”‘’()"))  # "Kashmir's", wire text's "Kashmir 's"
    return re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)


_STATE_SIZE = 5_000_000


def _best(options: Sequence[Reading], prefer: set[str] | None) -> Reading:
    if prefer:
        preferred = [r for r in options if r.country in prefer]
        if preferred:
            options = preferred
    order = {"country": 3, "state": 2, "county": 1, "city": 0}
    # A US state has no population in the gazetteer, yet "Florida" is the state before a Colombian
    # town: it ranks as a city of five million would (New York City still beats New York State).
    # Other countries' subdivisions are too many and too small to be read first by name alone.
    # A tie between namesake regions (Montana, a US state and a Bulgarian province) goes to the one
    # English-language news names most.
    def rank(r: Reading) -> tuple[bool, int, int, bool]:
        size = r.population or (_STATE_SIZE if r.kind == "state" and r.country == "US" else 0)
        return (r.kind == "country", size, order[r.kind], r.country == "US")

    return max(options, key=rank)


# "Indian Ocean", "Persian Gulf": a demonym before these names no part of a country
_WATERS = re.compile(r"\b(?:Ocean|Sea|Gulf|Channel|Strait|Straits|Bay|Peninsula|Desert|Mountains|Alps)\b")


@lru_cache(maxsize=65536)
def readings_of(name: str) -> tuple[str, tuple[Reading, ...]]:
    """(kind, readings) of one place name: "west London" reads as London, "Hebei province" as a
    region of China, "Verbena Street" as a street (no country of its own)."""
    patterns = _patterns()
    name = _clean(name)
    if patterns["street"].search(name):
        return "street", ()
    found = gazetteer.readings(name)
    if found:
        return found[0].kind, found
    stripped = patterns["compass"].sub("", name)
    if stripped != name and stripped:
        inner = gazetteer.readings(stripped)
        # "West Side" is a name of its own; "west London", "Northern Iraq" are parts of a place.
        if inner and (patterns["lower_compass"].match(name) or inner[0].kind != "city"
                      or inner[0].population >= 50_000):
            return inner[0].kind, inner
    if patterns["region"].search(name):
        inner = gazetteer.readings(patterns["region"].sub("", name).strip(" ,"))
        states = tuple(r for r in inner if r.kind in ("state", "county")) or tuple(
            Reading("state", r.country) for r in inner if r.kind == "city")
        return "region", states
    if patterns["site"].fullmatch(name):
        words = name.split()
        for size in range(len(words) - 1, 0, -1):
            inner = gazetteer.readings(" ".join(words[:size]))
            if inner:
                return "site", inner
        return "site", ()
    return "unknown", ()


def resolve(name: str, prefer: set[str] | None = None) -> Place:
    """What a place name is and which country it is in; namesakes by `prefer`red country, then size."""
    kind, options = readings_of(name)
    if not options:
        return Place(name, kind, None)
    best = _best(options, prefer)
    within = None
    if kind == "site":
        within = next((" ".join(name.split()[:n]) for n in range(len(name.split()) - 1, 0, -1)
                       if gazetteer.readings(" ".join(name.split()[:n]))), None)
    return Place(name, kind if kind in ("region", "site") else best.kind, best.country, best.population, within)


# ---------------------------------------------------------------------------------------------
# Finding mentions


@dataclass(frozen=True)
class PlaceMention:
    text: str
    label: str              # spaCy label (GPE, LOC, FAC, NORP, ORG, PERSON), "SITE" or "DATELINE"
    sentence: Sentence
    start: int              # offsets within the source
    end: int
    container: str | None = None   # the country a written container gives it ("Town, Tenn." -> US)


def site_mentions(sentence: Sentence) -> list[PlaceMention]:
    return [PlaceMention(m.group(1), "SITE", sentence, sentence.start + m.start(1), sentence.start + m.end(1))
            for m in _patterns()["site"].finditer(sentence.text)]


def all_occurrences(mentions: list[PlaceMention], sentences: list[Sentence]) -> list[PlaceMention]:
    """Every place the entity recogniser found once, wherever its name occurs again: the recogniser
    misses names in Title Case headlines ("Croydon Tram Crash") that it finds in the body."""
    labels: dict[str, str] = {}
    for mention in mentions:
        if mention.label != "DATELINE":
            labels.setdefault(mention.text, mention.label)
    names = sorted((n for n in labels if len(n) > 2 and any(c.isupper() for c in n)), key=len, reverse=True)
    out = [m for m in mentions if m.label == "DATELINE" or m.container]
    if not names:
        return out + [m for m in mentions if m not in out]
    taken = {(m.sentence.source, m.start) for m in out}
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
    for sentence in sentences:
        for found in pattern.finditer(sentence.text):
            start = sentence.start + found.start()
            if (sentence.source, start) not in taken:
                out.append(PlaceMention(found.group(0), labels[found.group(0)], sentence, start,
                                        sentence.start + found.end()))
    return out


@cache
def _country_pattern() -> re.Pattern[str]:
    import pycountry

    names = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(country, attr, None)
            if value and re.fullmatch(r"[A-Z][A-Za-z ]+", value):
                names.add(value)
    aliases = gazetteer.lexicon()["country_aliases"]
    names.update(k.title() for k in aliases if re.fullmatch(r"[a-z ]+", k) and len(k) > 3)
    names.update({"UK", "US", "USA", "U.S."})
    ambiguous = set(gazetteer.lexicon()["ambiguous_countries"])
    names = {n for n in names if n.lower() not in ambiguous or n in {"US", "U.S."}}
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
    out = []
    for sentence in sentences:
        for found in _AFTER_PREPOSITION.finditer(sentence.text):
            words = found.group(1).split()
            for size in range(len(words), 0, -1):
                name = " ".join(words[:size])
                options = [r for r in gazetteer.readings(name) if r.kind == "city"]
                if options and max(r.population for r in options) >= 150_000:
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


_CAPITAL = re.compile(r"\bthe\s+(?:(?P<demonym>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+)?capital\b(?!\s+(?:of|city\s+of)\b)")


def capital_mentions(sentences: list[Sentence]) -> list[PlaceMention]:
    """"the Afghan capital" is Kabul; a bare "the capital" is the capital of the country the
    incident is in (label CAPITAL, its text set when that country is known)."""
    out = []
    for sentence in sentences:
        for found in _CAPITAL.finditer(sentence.text):
            start, end = sentence.start + found.start(), sentence.start + found.end()
            if found.group("demonym"):
                code = gazetteer.demonym(found.group("demonym"))
                city = gazetteer.capital(code) if code else None
                if city:
                    out.append(PlaceMention(city, "GPE", sentence, start, end))
            else:
                out.append(PlaceMention("capital", "CAPITAL", sentence, start, end))
    return out


def container_country(text: str) -> str | None:
    """The country a container written after a place gives it: "Tenn.", "MI", "Ohio" (US), "B.C."
    (CA), "England", "Hebei province" (CN); None when it is no container."""
    written = text.strip(" ,()")
    text = written.strip(".")
    if not text:
        return None
    if gazetteer.us_state(text) or gazetteer.us_state(text + "."):
        return "US"
    if written in _OTHER_ABBREVIATIONS or text in _OTHER_ABBREVIATIONS:
        return _OTHER_ABBREVIATIONS.get(written) or _OTHER_ABBREVIATIONS[text]
    _kind, options = readings_of(text)
    countries = {r.country for r in options if r.kind in ("country", "state", "county")}
    return countries.pop() if len(countries) == 1 else None


# Provinces of other countries as wire datelines abbreviate them.
_OTHER_ABBREVIATIONS = {"B.C.": "CA", "Ont.": "CA", "Que.": "CA", "Alta.": "CA", "Man.": "CA", "Sask.": "CA",
                        "N.S.": "CA", "N.B.": "CA", "Nfld.": "CA", "NSW": "AU", "N.S.W.": "AU", "Qld": "AU"}

_DATELINE_CAPS = re.compile(
    r"(?:^|(?<=[\s>).|:]))(?P<place>[A-Z][A-Z'’.-]+(?:\s+[A-Z][A-Z'’.-]+){0,3})"
    r"(?:\s*,\s*(?P<container>[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+){0,2}))?"
    r"\s*(?:\([^)]{1,40}\)\s*)?(?:--|—|–|-|:|#8212;)\s")
_DATELINE_MIXED = re.compile(
    r"^\s*\(?(?P<place>[A-Z][a-z'’.-]+(?:\s+[A-Z][a-z'’.-]+){0,2})"
    r"(?:\s*,\s*(?P<container>[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+){0,2}))?\)?"
    r"\s*(?:\([^)]{1,40}\)\s*)?(?:--|—|–|-)\s")
_NOT_DATELINE = re.compile(r"^(?:UPDATE|UPDATED|BREAKING|WATCH|VIDEO|PHOTOS?|EDITOR'?S NOTE|NOTE|LIVE|AP|REUTERS|AFP|"
                           r"CNN|NEW|EXCLUSIVE|OPINION|ANALYSIS|[A-Z])$")
_DATELINE_SPAN = 320


def _dateline_place(found: re.Match[str], text_start: int) -> bool:
    """An upper-case dateline names a place the gazetteer knows, has its state written, or opens
    the text before a dash ("RED SPRINGS --"); "DESTRUCTION:" and "UPDATE -" do not."""
    place = found.group("place").strip(" .")
    if _NOT_DATELINE.match(place) or len(place) < 3:
        return False
    if found.group("container") or gazetteer.readings(place):
        return True
    opening = found.start() == text_start
    return opening and not found.group(0).rstrip().endswith(":")


def dateline_mentions(sentences: list[Sentence]) -> list[PlaceMention]:
    """The place a report was filed from, before its first dash: "MEMPHIS, Tenn. --", "BAGHDAD
    (Reuters) -", "(Corinth, MS) -", "Beijing - ". Only in the first lines of the text, where page
    furniture ("Please enable Javascript ...") may come before it, and across sentence breaks (a
    splitter cuts "ATHENS, Ga. (WXYZ) --" after "Ga.")."""
    opening = [s for s in sentences if s.source == "text" and s.start < _DATELINE_SPAN]
    if not opening:
        return []
    head = [" "] * _DATELINE_SPAN
    for sentence in opening:
        for offset, char in enumerate(sentence.text[: _DATELINE_SPAN - sentence.start]):
            head[sentence.start + offset] = char
    text = "".join(head)
    first = opening[0]
    found = _DATELINE_MIXED.match(text, first.start) if first.index == 0 else None
    if found is not None and not (found.group("container") or gazetteer.readings(found.group("place"))):
        found = None  # "Reuters - ", "Canadian Press - ": the agency, not the place
    if found is None:
        found = next((f for f in _DATELINE_CAPS.finditer(text) if _dateline_place(f, first.start)), None)
    if found is None:
        return []
    container = container_country(found.group("container")) if found.group("container") else None
    if found.group("container") and container is None:
        return []  # "SMITH, a neighbour -": not a dateline
    name = found.group("place").strip(" .")
    start = found.start("place")
    sentence = next(s for s in reversed(opening) if s.start <= start)
    return [PlaceMention(name, "DATELINE", sentence, start, start + len(name), container)]


_TOWN_STATE = re.compile(r"(?<![\w-])(?P<place>[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){0,2})\s*,\s+"
                         r"(?P<container>[A-Z][A-Za-z.]{1,14}(?:\s+[A-Z][a-z.]+)?)(?=$|[\s,.;:)'\"”’—–-])")


def town_state_mentions(sentences: list[Sentence]) -> list[PlaceMention]:
    """"in Kalamazoo, Mich.", "Jackson, Tenn.", "(Corinth, MS)", "Surrey, England": a town with the
    state or country it lies in, which settles a namesake."""
    out = []
    for sentence in sentences:
        for found in _TOWN_STATE.finditer(sentence.text):
            container = container_country(found.group("container"))
            name = found.group("place")
            if container is None or gazetteer.demonym(name) or (name.isupper() and sentence.index == 0):
                continue
            if readings_of(name)[0] == "country":
                continue  # "Iraq, Syria": a list of countries
            start = sentence.start + found.start("place")
            out.append(PlaceMention(name, "GPE", sentence, start, start + len(name), container))
    return out


# ---------------------------------------------------------------------------------------------
# Describing mentions


def _position(sentence: Sentence) -> float:
    """How much a mention's place in the article says: the headline and lead most."""
    if sentence.source == "title":
        return 3.0
    return 2.0 if sentence.index < 3 else 1.0 if sentence.index < 8 else 0.3


@dataclass
class _Seen:
    """One mention, read and described."""

    mention: PlaceMention
    kind: str
    readings: tuple[Reading, ...]
    context: dict[str, float] = field(default_factory=dict)


def _describe(mention: PlaceMention, event_sentences: set[tuple[str, int]],
              elsewhere: re.Pattern[str] | None) -> dict[str, float]:
    patterns = _patterns()
    local = mention.start - mention.sentence.start
    before = mention.sentence.text[max(0, local - 40):local]
    after = mention.sentence.text[local + len(mention.text):][:40]
    flags = {
        "title": float(mention.sentence.source == "title"),
        "lead": float(mention.sentence.source == "text" and mention.sentence.index == 0),
        "early": float(mention.sentence.source == "text" and mention.sentence.index < 3),
        "late": float(mention.sentence.source == "text" and mention.sentence.index >= 8),
        "event_sentence": float((mention.sentence.source, mention.sentence.index) in event_sentences),
        "after_event_word": float(bool(patterns["event"].search(before))),
        "origin": float(bool(patterns["origin"].search(before)) or bool(re.match(r"^\s+(?:man|woman|resident|native|"
                                                                                 r"teen|boy|girl)s?\b", after))),
        "statement": float(bool(patterns["statement"].search(before))),
        "reference": float(bool(patterns["reference"].search(before))
                           or bool(patterns["reference_after"].match(after))),
        "elsewhere": float(elsewhere is not None and bool(elsewhere.search(mention.sentence.text))),
        "dateline": float(mention.label == "DATELINE"),
        "agency": float(mention.label == "AGENCY"),
        # mountain ranges, seas, regions the gazetteer does not know: wider than the towns hit
        "wide_area": float(mention.label == "LOC"),
        "container": float(mention.container is not None),
        "contains_next": float(bool(re.match(r"^\s*,\s*(?:the\s+)?[A-Z]", after))),
        "person_like": float(mention.label in ("PERSON", "ORG")
                             or bool(re.match(r"^\s+(?:said|says|told|added|explained)\b", after))
                             or bool(re.match(r"^,\s*\d{1,3}\s*,", after))),  # "Oldham, 30, of ...": a name, an age
        "sentence_start": float(local == 0 and " " not in mention.text and mention.label != "DATELINE"),
    }
    if patterns["named_as_place"].search(before):
        flags["named_as_place"] = 1.0
    return flags


def _credible(seen: _Seen) -> bool:
    """spaCy's small model calls some towns ORG, PERSON or NORP and some people or firms GPE:
    a name the gazetteer does not know counts only as the recogniser's place; one it knows as a
    town counts as a person's or firm's name only in a dateline or with its state written."""
    mention = seen.mention
    if mention.label in ("DATELINE", "SITE") or mention.container:
        return True
    if mention.label == "AGENCY":
        return bool(seen.readings)
    if not seen.readings:
        return mention.label in ("GPE", "LOC", "FAC")
    if seen.context.get("named_as_place"):
        return True  # "the northeastern state of Borno": the text says what it is
    if seen.context.get("person_like") and mention.label not in ("ORG", "AGENCY"):
        return False  # "Zala said", a PERSON: a name, whatever town or county abroad shares it
    if mention.label == "ORG":
        top = seen.readings[0]
        single_word = " " not in _clean(mention.text)
        # an ORG that is a country's whole name ("Burkina Faso 's" in wire text) is that country
        return top.kind == "country" or (top.kind == "state" and single_word) or top.population >= 1_000_000
    return True


_AGENCY = re.compile(r"^(?P<place>(?:[A-Z][\w.'’-]+\s+){0,2}[A-Z][\w.'’-]+?(?:\s+County|\s+Parish)?)\s+(?:[Pp]olice|"
                     r"Sheriff['’]s|Sheriff|Fire|Metropolitan\s+Police|Coroner['’]s|Medical\s+Examiner['’]s|"
                     r"District\s+Attorney['’]s|City\s+Council|Public\s+Schools|Transit)\b")


def _read(mentions: list[PlaceMention], event_sentences: set[tuple[str, int]],
          elsewhere: re.Pattern[str] | None, common_words: frozenset[str]) -> tuple[list[_Seen], dict[str, float]]:
    """The place mentions worth weighing, each read; and the demonym evidence per country."""
    seen: list[_Seen] = []
    demonyms: dict[str, float] = defaultdict(float)
    patterns = _patterns()
    for mention in mentions:
        if mention.label == "CAPITAL":
            continue
        text = _clean(mention.text)
        if not text or text.lower() in common_words or norm(text) in _not_places():
            continue
        code = demonym_country(text)
        if code:
            local = mention.end - mention.sentence.start
            if not patterns["demonym_thing"].match(mention.sentence.text[local:]):
                demonyms[code] += _position(mention.sentence)
            continue
        agency = _AGENCY.match(text) if mention.label == "ORG" else None
        if agency:
            # "Nassau County Police", "Seattle Police Department": the force is named after its town.
            text = agency.group("place")
            mention = PlaceMention(text, "AGENCY", mention.sentence, mention.start, mention.start + len(text))
        kind, options = readings_of(text)
        if kind == "unknown" and mention.label in ("GPE", "LOC"):
            first, _, rest = text.partition(" ")
            if rest[:1].isupper() and not _WATERS.search(rest) and (code := gazetteer.demonym(first)):
                kind, options = "region", (Reading("state", code),)  # "Indian Kashmir": a part of India
        item = _Seen(mention, kind, options, _describe(mention, event_sentences, elsewhere))
        if _credible(item):
            seen.append(item)
    return seen, demonyms


@cache
def _not_places() -> frozenset[str]:
    return frozenset(norm(w) for w in gazetteer.lexicon()["words"]["not_places"])


# ---------------------------------------------------------------------------------------------
# Choosing the country

COUNTRY_RANKER: Ranker[str] = Ranker("places.country", {
    # evidence sums are log(1 + weight by position); hand weights from reading news, not fitted
    "named": 1.0, "state": 1.2, "county": 1.0, "city": 0.8, "city_ambiguous": 0.3, "container": 2.5,
    "dateline": 3.0, "title": 0.8, "event_word": 0.8, "event_sentence": 0.4, "origin": -0.8,
    "statement": -0.8, "reference": -0.3, "elsewhere": -0.8, "demonym": 0.3, "register": 0.8, "share": 2.0,
    "site": 0.5, "unknown_near": 0.0,
})


ASIDE_SHARE = 1 / 3     # an aside's weight in a country's evidence (see _country_evidence)
DEMONYM_SHARE = 0.5     # "Portuguese" says whose, not where: half a name's weight in the share


def _country_evidence(seen: list[_Seen], demonyms: dict[str, float],
                      sentences: Sequence[Sentence]) -> dict[str, dict[str, float]]:
    """Per candidate country, its evidence summed by kind (before the log)."""
    evidence: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    # Pass 1: what names one country only. Pass 2: namesakes shared by towns in several countries
    # go to the country the rest of the article supports, else spread by size.
    sure: dict[str, float] = defaultdict(float)
    text = " ".join(s.text for s in sentences[:40])
    register = {code: len(pattern.findall(text)) for code, pattern in _register().items()}
    register["US"] = register.get("US", 0) + len(_CALL_SIGN.findall(text))
    for code, hits in register.items():
        sure[code] += 0.5 * hits
    for item in seen:
        countries = {r.country for r in item.readings}
        if item.mention.container:
            sure[item.mention.container] += _position(item.mention.sentence)
        elif len(countries) == 1:
            sure[next(iter(countries))] += _position(item.mention.sentence)
    for item in seen:
        context = item.context
        weight = _position(item.mention.sentence)
        shares = {item.mention.container: 1.0} if item.mention.container else _shares(item.readings, sure)
        if not shares:
            continue
        ambiguous = len(shares) > 1
        # A place named as where someone is from, where something was said, a point of reference or
        # another incident's place still says a little about the country: a third of its weight. So
        # does a lone name opening a sentence ("Oldham is being held"): often a surname.
        aside = any(context.get(flag) for flag in ("origin", "statement", "reference", "elsewhere",
                                                   "sentence_start"))
        for code, share in shares.items():
            got = evidence[code]
            amount = weight * share * (ASIDE_SHARE if aside else 1.0)
            reading = next((r for r in item.readings if r.country == code), None)
            kind = reading.kind if reading else "container"
            if item.kind == "site":
                got["site"] += amount
            elif kind == "country":
                got["named"] += amount
            elif kind in ("state", "county"):
                got[kind] += amount
            elif kind == "city":
                got["city_ambiguous" if ambiguous else "city"] += amount
            if item.mention.container:
                got["container"] += amount
            for flag, name in (("dateline", "dateline"), ("title", "title"), ("after_event_word", "event_word"),
                               ("event_sentence", "event_sentence"), ("origin", "origin"),
                               ("statement", "statement"), ("reference", "reference"),
                               ("elsewhere", "elsewhere")):
                if context.get(flag):
                    got[name] += amount
    for code, amount in demonyms.items():
        evidence[code]["demonym"] += amount
    for code, hits in register.items():
        if hits:
            evidence[code]["register"] += hits
    return evidence


# A US broadcaster's call letters in parentheses ("(WPVI)", "(KTLA-TV)"): K and W are the United
# States' prefixes; the bracket keeps capitalised words of headlines out.
_CALL_SIGN = re.compile(r"\((?:[KW][A-Z]{2,3})(?:-(?:TV|FM|AM|DT))?\)")


def _shares(options: Sequence[Reading], sure: dict[str, float]) -> dict[str, float]:
    """How one name's evidence splits among the countries it may be in."""
    if not options:
        return {}
    countries: dict[str, int] = defaultdict(int)
    for reading in options:  # a state or county is as big a reading as a big town
        size = reading.population if reading.kind == "city" else 1_000_000
        countries[reading.country] = max(countries[reading.country], size)
    if len(countries) == 1:
        return {next(iter(countries)): 1.0}
    if any(r.kind == "country" for r in options):  # "Georgia": the country unless the text says US
        top = next(r.country for r in options if r.kind == "country")
        rivals = [c for c in countries if sure.get(c, 0.0) >= 2.0 and c != top]
        return {rivals[0]: 1.0} if rivals and sure[rivals[0]] > sure.get(top, 0.0) else {top: 1.0}
    supported = {c: sure[c] for c in countries if sure.get(c, 0.0) > 0}
    if supported:
        return {max(supported, key=lambda c: supported[c]): 1.0}
    sizes = {c: max(1, size) ** 0.5 for c, size in countries.items()}
    total = sum(sizes.values())
    return {c: s / total for c, s in sorted(sizes.items(), key=lambda kv: -kv[1])[:3]}


def country_candidates(evidence: dict[str, dict[str, float]]) -> list[Candidate[str]]:
    """One candidate per country with evidence, its features the log of each kind's sum."""
    totals = {code: sum(v * (DEMONYM_SHARE if k == "demonym" else 1.0) for k, v in kinds.items()
                        if k not in ("origin", "statement", "reference", "elsewhere"))
              for code, kinds in evidence.items()}
    whole = sum(totals.values()) or 1.0
    out = []
    for code, kinds in sorted(evidence.items(), key=lambda kv: -totals[kv[0]]):
        features = {k: round(math.log1p(v), 4) for k, v in kinds.items() if v}
        features["share"] = round(totals[code] / whole, 4)
        out.append(Candidate(code, features))
    return out


# ---------------------------------------------------------------------------------------------
# Choosing the place

LOCATION_RANKER: Ranker[str] = Ranker("places.location", {
    # log-odds by hand: the old multiplicative weights (x1.5 after "in", x0.4 after "from"...) as logs
    "kind_site": 0.3, "kind_city": 0.5, "kind_county": 0.1, "kind_region": -0.2, "kind_state": -0.3,
    "kind_country": -1.4, "kind_street": -0.7, "kind_unknown": 0.0, "in_country": 1.5, "other_country": -2.0,
    "mentions": 0.5, "title": 1.1, "lead": 0.7, "early": 0.4, "late": -0.8, "event_sentence": 0.4,
    "after_event_word": 0.4, "origin": -0.9, "statement": -1.0, "reference": -1.0, "elsewhere": -1.6,
    "dateline": 0.3, "container": 0.6, "contains_next": 0.4, "person_like": -0.6, "sentence_start": -1.2,
    "population": -0.2, "inside_bigger": 0.5, "first": 0.2, "wide_area": -0.5, "agency": -0.2,
})


def location_candidates(seen: list[_Seen], country: str | None) -> list[Candidate[str]]:
    """One candidate per place name (mentions of one name pooled), best-known form first."""
    groups: dict[str, list[_Seen]] = defaultdict(list)
    for item in seen:
        groups[norm(_clean(item.mention.text))].append(item)
    ordered = sorted(groups.values(), key=lambda g: min((m.mention.sentence.source != "title", m.mention.sentence.index,
                                                         m.mention.start) for m in g))
    biggest: dict[str, int] = defaultdict(int)
    for group in ordered:
        for reading in group[0].readings[:1]:
            if reading.kind == "city" and not any(m.context.get("origin") or m.context.get("elsewhere") for m in group):
                biggest[reading.country] = max(biggest[reading.country], reading.population)
    out = []
    for n, group in enumerate(ordered):
        first = min(group, key=lambda m: (m.mention.sentence.source != "title", m.mention.sentence.index,
                                          m.mention.start))
        features: dict[str, float] = {f"kind_{first.kind}": 1.0, "mentions": round(math.log1p(len(group)), 4)}
        for flag in ("title", "lead", "early", "event_sentence", "after_event_word", "dateline", "container",
                     "contains_next"):
            if any(m.context.get(flag) for m in group):
                features[flag] = 1.0
        if first.kind == "unknown" and first.context.get("wide_area"):
            features["wide_area"] = 1.0
        for flag in ("late", "origin", "statement", "reference", "elsewhere", "person_like", "sentence_start",
                     "agency"):
            share = sum(m.context.get(flag, 0.0) for m in group) / len(group)
            if share:
                features[flag] = round(share, 4)
        countries = {m.mention.container for m in group if m.mention.container} or {r.country for r in first.readings}
        if country and country in countries:
            features["in_country"] = 1.0
        elif country and countries:
            features["other_country"] = 1.0
        cities = [r for r in first.readings if r.kind == "city" and (country is None or r.country == country)]
        if cities:
            features["population"] = round(math.log10(max(10, cities[0].population)) - 5, 4)
            if cities[0].population < biggest.get(cities[0].country, 0):
                features["inside_bigger"] = 1.0  # "Croydon" beside "London": the smaller is the more specific
        if n == 0:
            features["first"] = 1.0
        out.append(Candidate(first.mention.text, features, first))
    return out


@dataclass(frozen=True)
class Located:
    location: str | None
    country_code: str | None
    mention: PlaceMention | None
    places: tuple[str, ...] = ()   # other places the article names for it, best first (for matching)


def _display(item: _Seen) -> str:
    name = _clean(item.mention.text)
    if item.kind == "region":
        name = re.sub(r"\s{2,}", " ", _patterns()["region"].sub("", name)).strip(" ,")
    if item.mention.label in ("DATELINE",) and name.isupper():
        name = name.title()
    return name


def _by_clock(sentences: Sequence[Sentence]) -> str | None:
    """The country whose way of writing the clock the report uses, when nothing else told."""
    text = " ".join(s.text for s in sentences)
    found = [code for code, pattern in _clock_fallback().items() if pattern.search(text)]
    return found[0] if len(found) == 1 else None


def locate(mentions: list[PlaceMention], event_sentences: set[tuple[str, int]],
           elsewhere: re.Pattern[str] | None = None, common_words: frozenset[str] = frozenset(),
           sentences: Sequence[Sentence] = ()) -> Located:
    """The incident's country and place, from the place mentions of its sentences. `event_sentences`
    are (source, index) of the sentences about it; `elsewhere` marks sentences about other
    incidents; `common_words` are words the article writes in lower case ("a coal mine" shows that
    "Mine" in a headline is no town); `sentences` (the incident's) give the local-news register."""
    seen, demonyms = _read(mentions, event_sentences, elsewhere, common_words)
    evidence = _country_evidence(seen, demonyms, sentences or sorted({m.mention.sentence for m in seen},
                                                                     key=lambda s: (s.source != "title", s.index)))
    countries = country_candidates(evidence)
    chosen_country = COUNTRY_RANKER.best(countries, choices=len(countries))
    country = chosen_country.value if chosen_country else None
    capital = gazetteer.capital(country) if country else None
    if capital:
        for mention in mentions:
            if mention.label == "CAPITAL":
                named = PlaceMention(capital, "GPE", mention.sentence, mention.start, mention.end)
                seen.append(_Seen(named, "city", readings_of(capital)[1],
                                  _describe(mention, event_sentences, elsewhere)))
    candidates = location_candidates(seen, country)
    ranked = LOCATION_RANKER.ranked(candidates, choices=len(candidates))
    if not ranked:
        # Only a demonym or the local register said where: the country is the place.
        return Located(gazetteer.country_name(country) if country else None, country or _by_clock(sentences), None)
    best = ranked[0][1].payload
    if country is None:
        country = best.mention.container or (best.readings[0].country if best.readings else None)
    if country is None:
        country = _by_clock(sentences)
    others = tuple(_display(c.payload) for _, c in ranked[1:5] if c.payload.kind != "country")
    return Located(_display(best), country, best.mention, others)
