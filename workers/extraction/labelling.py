"""How the trainer judges a candidate against a gold label, one labeller per learned decision.

Gold labels follow docs/labelling.md: `incident` is null or the article's main incident; figures
are lists of accepted integers (None inside a list accepts an empty figure); historical incidents
are left out (reporting them or not are both right), as the evaluation does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workers.extraction.learned import Candidate

Labeller = Callable[[Candidate[Any], dict[str, Any], Mapping[str, Any]], float | None]


def _gold(label: dict[str, Any]) -> dict[str, Any] | None:
    incident = label.get("incident")
    return incident if isinstance(incident, dict) else None


def _figure(field: str) -> Labeller:
    def judge(candidate: Candidate[Any], label: dict[str, Any], context: Mapping[str, Any]) -> float | None:
        gold = _gold(label)
        if gold is None or gold.get("historical") or not context.get("primary", True):
            return None
        accepted = gold.get(field)
        if candidate.value is None:
            return float(accepted is None or None in accepted)
        return float(accepted is not None and candidate.value in accepted)
    return judge


def _detection(candidate: Candidate[Any], label: dict[str, Any], context: Mapping[str, Any]) -> float | None:
    if not context.get("primary", True):
        return None
    gold = _gold(label)
    if gold is not None and gold.get("historical"):
        return None
    return float(gold is not None)


LABELLERS: dict[str, Labeller] = {
    "figure.killed": _figure("killed"),
    "figure.injured": _figure("injured"),
    "detection": _detection,
}
