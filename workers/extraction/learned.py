"""The seam between rules and learned weights: named features, one linear model per decision.

Rules find candidates (figures, places, days, event types) and describe each with named features
(`{"in_title": 1.0, "after_in": 1.0, ...}`). A `Ranker` picks the best candidate of a decision by a
weighted sum of its features; a `Classifier` turns one feature set into a probability. The weights
come from `models/<name>.json`, fitted by `python -m workers.extraction.train` on the labelled train
parts (docs/quality.md); where no file exists the hand weights given in the code stand. A feature
no weight names counts nothing, so a new feature is inert until it is trained or hand-weighted.

While training, `recording()` collects every decision made (the candidates and what was chosen),
so the trainer needs no knowledge of how the rules build them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

MODELS = Path(__file__).resolve().parent / "models"

T = TypeVar("T")


@dataclass(frozen=True)
class Candidate(Generic[T]):
    """One possible answer to a decision, with the named features that speak for or against it."""

    value: T
    features: Mapping[str, float]
    payload: Any = None          # what the rules need back (a Figure, a PlaceMention...)


@dataclass
class Decision:
    """What a ranker or classifier saw, for the trainer."""

    model: str
    candidates: list[Candidate[Any]]
    context: Mapping[str, Any] = field(default_factory=dict)
    item: int | None = None          # which article of a batch it was made for


_recording: ContextVar[list[Decision] | None] = ContextVar("_recording", default=None)
_item: ContextVar[int | None] = ContextVar("_item", default=None)
_about: ContextVar[Mapping[str, Any] | None] = ContextVar("_about", default=None)


@contextmanager
def about(**context: Any) -> Iterator[None]:
    """Decisions made inside the block carry this context too (e.g. primary=False for an article's
    second incident: the trainer judges only the main one against the label)."""
    token = _about.set({**(_about.get() or {}), **context})
    try:
        yield
    finally:
        _about.reset(token)


@contextmanager
def for_item(index: int) -> Iterator[None]:
    """Decisions made inside the block are about the batch's article number `index`."""
    token = _item.set(index)
    try:
        yield
    finally:
        _item.reset(token)


@contextmanager
def recording() -> Iterator[list[Decision]]:
    """Collect every decision made inside the block (training only)."""
    decisions: list[Decision] = []
    token = _recording.set(decisions)
    try:
        yield decisions
    finally:
        _recording.reset(token)


def record(model: str, candidates: Sequence[Candidate[Any]], **context: Any) -> None:
    decisions = _recording.get()
    if decisions is not None:
        decisions.append(Decision(model, list(candidates), {**(_about.get() or {}), **context}, _item.get()))


@dataclass(frozen=True)
class LinearModel:
    name: str
    weights: Mapping[str, float]
    bias: float = 0.0
    trained: bool = False

    def score(self, features: Mapping[str, float]) -> float:
        return self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.score(features)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@cache
def _trained(name: str) -> tuple[tuple[tuple[str, float], ...], float] | None:
    path = MODELS / f"{name}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(sorted(data["weights"].items())), float(data.get("bias", 0.0))


def model(name: str, hand: Mapping[str, float], hand_bias: float = 0.0) -> LinearModel:
    """The trained weights of `name` when shipped, else the hand weights."""
    trained = _trained(name)
    if trained is None:
        return LinearModel(name, dict(hand), hand_bias, trained=False)
    weights, bias = trained
    return LinearModel(name, dict(weights), bias, trained=True)


# Every decision's hand weights by model name: the trainer keeps each trained weight on the side of
# zero its hand weight is on (a feature against an answer cannot be learned to speak for it).
HAND_WEIGHTS: dict[str, dict[str, float]] = {}


class _Decision:
    def __init__(self, name: str, hand: Mapping[str, float], hand_bias: float = 0.0) -> None:
        self.name = name
        self._hand = dict(hand)
        self._hand_bias = hand_bias
        HAND_WEIGHTS[name] = self._hand

    @property
    def model(self) -> LinearModel:
        return model(self.name, self._hand, self._hand_bias)


class Ranker(_Decision, Generic[T]):
    """Chooses one candidate of a decision ("which figure is the death toll?")."""

    def ranked(self, candidates: Sequence[Candidate[T]], **context: Any) -> list[tuple[float, Candidate[T]]]:
        """Candidates best first, each with its score; ties keep the rules' order."""
        record(self.name, candidates, **context)
        scorer = self.model
        scored = [(scorer.score(c.features), -n, c) for n, c in enumerate(candidates)]
        scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
        return [(s, c) for s, _, c in scored]

    def best(self, candidates: Sequence[Candidate[T]], **context: Any) -> Candidate[T] | None:
        ranked = self.ranked(candidates, **context)
        return ranked[0][1] if ranked else None


class Classifier(_Decision):
    """A yes/no decision ("is this article mainly about an incident?") as a probability."""

    def probability(self, features: Mapping[str, float], **context: Any) -> float:
        record(self.name, [Candidate(True, features)], **context)
        return self.model.probability(features)
