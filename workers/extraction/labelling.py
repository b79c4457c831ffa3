"""How the trainer judges a candidate against a gold label, one labeller per learned decision.

Gold labels follow docs/labelling.md: figures are lists of accepted integers (None inside a list
accepts an empty figure), a location is a list of accepted names, a day may be a day off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workers.extraction.learned import Candidate

Labeller = Callable[[Candidate[Any], dict[str, Any], Mapping[str, Any]], float | None]

LABELLERS: dict[str, Labeller] = {}


def _gold(label: dict[str, Any]) -> dict[str, Any] | None:
    incident = label.get("incident")
    return incident if isinstance(incident, dict) and not incident.get("historical") else None


def _plain(text: Any) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.lower().replace("-", " ").split())


def _country(candidate: Candidate[Any], label: dict[str, Any], context: Mapping[str, Any]) -> float | None:
    """A country candidate is right when it is the gold country (only decisions with a choice)."""
    gold = _gold(label)
    if gold is None or not gold.get("country_code") or context.get("choices", 2) < 2:
        return None
    return float(candidate.value == gold["country_code"])


def _location(candidate: Candidate[Any], label: dict[str, Any], context: Mapping[str, Any]) -> float | None:
    """A place candidate is right when it names one of the gold's accepted places (as the
    benchmark reads them: equal, or one inside the other)."""
    gold = _gold(label)
    if gold is None or not gold.get("location") or context.get("choices", 2) < 2:
        return None
    mine = _plain(candidate.value)
    return float(bool(mine) and any(mine == _plain(n) or _plain(n) in mine or mine in _plain(n)
                                    for n in gold["location"]))


def _day(candidate: Candidate[Any], label: dict[str, Any], context: Mapping[str, Any]) -> float | None:
    """A day candidate is right within a day of the gold day (time zones)."""
    from datetime import date

    gold = _gold(label)
    if gold is None or not gold.get("occurred_on") or context.get("choices", 2) < 2:
        return None
    try:
        want = date.fromisoformat(str(gold["occurred_on"])[:10])
    except ValueError:
        return None
    return float(abs((candidate.value - want).days) <= 1)


LABELLERS.update({"places.country": _country, "places.location": _location, "dates.day": _day})
