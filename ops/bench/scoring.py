"""Scoring extracted incidents against gold labels, by the evaluation's rules (docs/labelling.md).

The article's primary incident is compared with its label. Detection is precision/recall over
articles; each field is scored over every gold incident, so a missed incident counts wrong on every
field and detecting fewer cannot raise a field's score. Not scored: labels marked uncertain,
historical incidents (reporting them or not are both right), a field the label leaves empty.
Dates may be a day off (time zones); a vague quantity's label may accept an empty figure.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

FIELDS = ("category", "event_type", "country_code", "location", "occurred_on", "killed", "injured",
          "claimed_by")


def norm(text: Any) -> str:
    plain = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("-", " ").split())


_ONE_GROUP = {"isis": "islamic state", "isil": "islamic state", "is": "islamic state", "daesh": "islamic state",
              "islamic state group": "islamic state", "the islamic state": "islamic state"}


def _group(name: Any) -> str:
    key = norm(name)
    return _ONE_GROUP.get(key, key)


def _day_ok(got: Any, want: Any) -> bool:
    if not got or not want:
        return got == want
    try:
        return abs((date.fromisoformat(str(got)[:10]) - date.fromisoformat(str(want)[:10])).days) <= 1
    except ValueError:
        return False


def _number_ok(got: Any, accepted: list[int | None] | None) -> bool:
    if got is None or accepted is None:
        return got is None and (accepted is None or None in accepted)
    return isinstance(got, int) and not isinstance(got, bool) and got in accepted


def _place_ok(got: Any, names: list[str]) -> bool:
    mine = norm(got)
    return bool(mine) and any(mine == norm(n) or norm(n) in mine.split(",")[0] or mine in norm(n) for n in names)


def primary(incidents: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    for incident in incidents or []:
        if incident.get("primary"):
            return incident
    return incidents[0] if incidents else None


def field_checks(got: dict[str, Any], want: dict[str, Any]) -> dict[str, bool]:
    checks = {
        "category": got.get("category") == want.get("category"),
        "event_type": got.get("event_type") == want.get("event_type"),
        "country_code": norm(got.get("country_code")) == norm(want.get("country_code")),
        "occurred_on": _day_ok(got.get("occurred_on"), want.get("occurred_on")),
        "killed": _number_ok(got.get("killed"), want.get("killed")),
        "injured": _number_ok(got.get("injured"), want.get("injured")),
    }
    if want.get("location"):
        checks["location"] = _place_ok(got.get("location"), want["location"])
    if want.get("claimed_by") or got.get("claimed_by"):
        a, b = _group(want.get("claimed_by")), _group(got.get("claimed_by"))
        checks["claimed_by"] = bool(a) and bool(b) and (a in b or b in a)
    return checks


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    counted: Counter[str] = field(default_factory=Counter)
    type_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def gold_incidents(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> dict[str, float | None]:
        """Per field over every gold incident (a missed one wrong; a claim is not owed when missed)."""
        out: dict[str, float | None] = {}
        for name in FIELDS:
            total = self.counted[name] + (self.fn if name != "claimed_by" else 0)
            out[name] = self.hits[name] / total if total else None
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1, "accuracy": self.accuracy,
                "type_confusions": {f"{g}->{p}": n for (g, p), n in self.type_pairs.items() if g != p}}


def score(articles: list[dict[str, Any]], labels: list[dict[str, Any]],
          predictions: list[dict[str, Any]]) -> Score:
    gold = {str(label["id"]): label for label in labels}
    by_id = {str(p.get("id")): p for p in predictions}
    result = Score()
    for article in articles:
        key = str(article["id"])
        label = gold.get(key)
        if label is None or label.get("uncertain"):
            continue
        want = label.get("incident")
        if want and want.get("historical"):
            continue
        got = primary((by_id.get(key) or {}).get("incidents"))
        if want and got:
            result.tp += 1
        elif want:
            result.fn += 1
            result.misses.append((key, "missed incident", str(want.get("event_type"))))
            result.type_pairs[(str(want.get("event_type")), "none")] += 1
        elif got:
            result.fp += 1
            result.misses.append((key, "spurious incident", str(got.get("event_type"))))
        else:
            result.tn += 1
        if not (want and got):
            continue
        result.type_pairs[(str(want.get("event_type")), str(got.get("event_type")))] += 1
        for name, ok in field_checks(got, want).items():
            result.counted[name] += 1
            result.hits[name] += ok
            if not ok:
                result.misses.append((key, name, f"got {got.get(name)!r} want {want.get(name)!r}"))
    return result
