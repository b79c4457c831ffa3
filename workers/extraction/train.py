"""Fit the weights of extraction's learned decisions on the labelled train parts.

    python -m workers.extraction.train [--only MODEL] [--dry-run]

Runs extraction over every train part of `corpora.CORPORA` while `learned.recording()` collects
each decision (a ranker's candidates, a classifier's features), labels every candidate against the
article's gold incident with the model's labeller below, fits a logistic regression per model
(scikit-learn, the `train` extra), and writes `workers/extraction/models/<model>.json`: named
weights and a bias, small enough to read. The val parts are never read. The same data and code give
the same files (a fixed solver, no randomness).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from workers.extraction import corpora, learned
from workers.extraction.labelling import Labeller


def labellers() -> dict[str, Labeller]:
    """Per model, whether a candidate is right for its article's gold label (1.0 yes, 0.0 no, None
    when the label cannot say: the candidate is then left out)."""
    from workers.extraction import labelling

    return labelling.LABELLERS


Row = tuple[Mapping[str, float], float, str]   # features, label, corpus
# Inverse L2 strength per model where 1.0 is not the best on the train parts: the place ranker has
# ~190 labelled decisions over 21 features (train-part location, dev/ag: 0.58/0.67 at 1.0, 0.84/0.73
# at 3.0, 0.53/0.71 at 0.1).
REGULARISATION = {"places.location": 3.0}
PASSES = 2
BATCH = 64


def collect(models: Iterable[str] | None = None, part: str = "train") -> dict[str, list[Row]]:
    """Labelled feature rows per model, from every article of the given part."""
    from workers.extraction.pipeline import extract_articles

    wanted = set(models) if models else None
    known = labellers()
    rows: dict[str, list[Row]] = defaultdict(list)
    pairs = list(corpora.training_pairs(part))
    for start in range(0, len(pairs), BATCH):
        batch = pairs[start:start + BATCH]
        with learned.recording() as decisions:
            extract_articles([article for _, article, _ in batch])
        for decision in decisions:
            if decision.item is None or decision.model not in known or (wanted and decision.model not in wanted):
                continue
            corpus, _, label = batch[decision.item]
            for candidate in decision.candidates:
                y = known[decision.model](candidate, label, decision.context)
                if y is not None:
                    rows[decision.model].append((dict(candidate.features), y, corpus))
    return rows


def corpus_weights(rows: list[Row]) -> list[float]:
    """Row weights that keep one big corpus from drowning the others: a corpus of n rows weighs in
    proportion to the square root of n, not n (826 local shooting reports against 53 wire leads)."""
    sizes = Counter(corpus for _, _, corpus in rows)
    mean = sum(sizes.values()) / len(sizes)
    return [(mean / sizes[corpus]) ** 0.5 for _, _, corpus in rows]


def fit(rows: list[Row], regularisation: float = 1.0,
        signs: Mapping[str, float] | None = None) -> tuple[dict[str, float], float, float]:
    """(weights, bias, weighted training accuracy) of an L2-regularised logistic regression on the
    rows. A feature named in `signs` keeps its weight on that side of zero (bounded L-BFGS, scipy):
    with a few hundred labelled articles, knowing which way a feature should push is worth more than
    what a corpus's accidents teach (a deterministic solver: the same rows give the same weights)."""
    import numpy as np
    from scipy.optimize import minimize

    names = sorted({name for features, _, _ in rows for name in features})
    column = {name: n for n, name in enumerate(names)}
    x = np.zeros((len(rows), len(names)))
    for r, (features, _, _) in enumerate(rows):
        for name, value in features.items():
            x[r, column[name]] = value
    y = np.array([1.0 if label >= 0.5 else 0.0 for _, label, _ in rows])
    if len(set(y.tolist())) < 2:
        raise ValueError("every row has the same label: nothing to learn")
    weight = np.array(corpus_weights(rows))
    weight = weight / weight.mean()
    penalty = 1.0 / (2.0 * regularisation)

    def loss(theta: Any) -> tuple[float, Any]:
        w, b = theta[:-1], theta[-1]
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))
        eps = 1e-12
        value = -np.sum(weight * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))) + penalty * np.dot(w, w)
        residual = weight * (p - y)
        return float(value), np.append(x.T @ residual + 2 * penalty * w, residual.sum())

    bounds = []
    for name in names:
        sign = (signs or {}).get(name, 0.0)
        bounds.append((0.0, None) if sign > 0 else (None, 0.0) if sign < 0 else (None, None))
    bounds.append((None, None))
    result = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": 5000})
    w, b = result.x[:-1], float(result.x[-1])
    predicted = (x @ w + b) > 0
    accuracy = float(np.sum(weight * (predicted == (y > 0.5))) / weight.sum())
    named = {name: round(float(v), 4) for name, v in zip(names, w, strict=True) if abs(v) >= 1e-4}
    return named, round(b, 4), accuracy


def write(name: str, weights: Mapping[str, float], bias: float, rows: int, accuracy: float,
          folder: Path = learned.MODELS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    body = {"model": name, "trained_on": "train parts of workers/extraction/corpora.py", "rows": rows,
            "training_accuracy": round(accuracy, 4), "bias": bias, "weights": dict(sorted(weights.items()))}
    path.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return path


def train_pass(only: list[str] | None, dry_run: bool, last: bool) -> None:
    """Record every decision with the weights in force, fit each model, write it (or not)."""
    from workers.extraction.labelling import HAND_WEIGHTED

    rows = collect(only)
    for name in sorted(rows):
        if name in HAND_WEIGHTED and not (only and name in only):
            if last:
                print(f"{name}: hand weights kept (labelling.HAND_WEIGHTED)")
            continue
        try:
            weights, bias, accuracy = fit(rows[name], REGULARISATION.get(name, 1.0), learned.HAND_WEIGHTS.get(name))
        except ValueError as exc:
            print(f"{name}: not trained ({exc})")
            continue
        where = "not written" if dry_run else write(name, weights, bias, len(rows[name]), accuracy)
        if last:
            print(f"{name}: {len(rows[name])} rows, training accuracy {accuracy:.3f}, {len(weights)} weights ({where})")
    learned._trained.cache_clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="train only this model (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="fit and report, write nothing")
    parser.add_argument("--passes", type=int, default=PASSES, help=f"rounds of fitting (default {PASSES})")
    args = parser.parse_args(argv)
    if not corpora.available():
        print("train: ../shared/corpus/articles is not here; nothing to train on")
        return 0
    for path in learned.MODELS.glob("*.json"):
        if not args.dry_run and (not args.only or path.stem in args.only):
            path.unlink()  # the first round records decisions with the hand weights, as the rules alone make them
    learned._trained.cache_clear()
    # Decisions feed each other (the place ranker sees the country ranker's choice): a second round
    # records them as the fitted models of the first make them, so each model is fitted on what it
    # will see in service. Deterministic: the same data and code give the same files.
    for round_number in range(1, max(1, args.passes) + 1):
        train_pass(args.only, args.dry_run, last=round_number == max(1, args.passes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
