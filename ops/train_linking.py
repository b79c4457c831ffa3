"""Fit the linking model's weights on labelled pairs of reports and write linking_model.json.

    pip install -e '.[train]'          # scikit-learn, only needed here
    python -m ops.train_linking [--out workers/resolution/linking_model.json] [--check]

Pairs come from ../shared/corpus/articles (ops.bench.linking_data): every two articles of the dev
corpus and of gva_train whose main extracted incidents the resolver could compare (within the
candidate window, sharing a retrieval key), labelled same or different incident by the labels.
Pairs the rules decide (another revision, a syndicated copy) are left out.

The labelled same-incident pairs all agree on place, day and type (the dev corpus has one event
per country, and GVA has almost no two articles of one shooting), while real reports of one event
disagree. So each same-incident pair is also added as the disagreements seen in real replays
would make it: the later report dated two months on (a follow-up), dated its own publication
day, given a related type, placed in the victims' home country, or placed in another city.
Without them the fit learns "same place and same day", a veto by another name.

The fit is a logistic regression on matching.FEATURES with the sign of each weight fixed by what
the feature means (agreement can only raise the probability, a conflict only lower it), solved
with scipy's L-BFGS-B. It prints held-out precision and recall (folds grouped by incident) at the
thresholds the resolver uses. gva_val and the project's scenarios are never used here: the
benchmark reports on them.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from ops.bench import corpus
from ops.bench.linking_data import Labelled, load, primary_reports
from workers.resolution.matching import (
    CATEGORIES,
    FEATURES,
    MATCH,
    MERGE,
    SYNDICATED,
    WINDOW_DAYS,
    features,
    related_types,
    text_similarity,
)
from workers.resolution.material import Material, report_material

OUT = Path(__file__).resolve().parents[1] / "workers" / "resolution" / "linking_model.json"


def materials(items: list[Labelled]) -> list[tuple[Labelled, Material]]:
    return [(item, report_material(row, item.article.get("title"), item.article.get("text")))
            for _, item, row in primary_reports(items) if item.truth is not None]


def pairs(kind: str) -> list[tuple[dict[str, float], int, str]]:
    """(features, same incident?, group) of every comparable pair of one corpus, later report first."""
    found = materials(load(kind))
    out = []
    for j, (later, mine) in enumerate(found):
        for earlier, theirs in found[:j]:
            if not (later.pairable and earlier.pairable):
                continue
            if mine.day and theirs.day and abs((mine.day - theirs.day).days) > WINDOW_DAYS:
                continue
            if not set(mine.keys) & set(theirs.keys):
                continue  # never a candidate: retrieval needs a shared key
            text, _ = text_similarity(mine, theirs)
            if text >= SYNDICATED:
                continue
            same = int(later.truth == earlier.truth)
            group = f"{kind}:{later.truth if same else min(str(later.truth), str(earlier.truth))}"
            out.append((features(mine, theirs, text), same, group))
            if same:
                out.extend((features(variant, theirs, text), 1, group) for variant in disagreeing(mine))
    return out


def disagreeing(report: Material) -> list[Material]:
    """The report as outlets and the extractor also tell it (see the module docstring)."""
    variants = []
    if report.day is not None:
        variants.append(replace(report, day=report.day + timedelta(days=60), day_is_event=False))
        variants.append(replace(report, day=report.day + timedelta(days=2), day_is_event=True))
    other_type = next((t for t in related_types(report.event_type) if t != report.event_type), None)
    if other_type:
        category = next(c for c, types in CATEGORIES.items() if other_type in types)
        variants.append(replace(report, event_type=other_type, category=category))
    variants.append(replace(report, places=frozenset(), country_code="ZZ",
                            countries=report.countries | {"ZZ"}))
    variants.append(replace(report, places=frozenset({"springfield"})))
    return variants


def matrix(rows: list[tuple[dict[str, float], int, str]]) -> tuple[Any, Any, list[str]]:
    import numpy as np

    x = np.array([[f[name] for name in FEATURES] for f, _, _ in rows])
    y = np.array([same for _, same, _ in rows])
    return x, y, [group for _, _, group in rows]


# Features whose weight can only be negative: they say the two are different events.
CONFLICTS = frozenset({"place_conflict", "country_conflict", "day_gap", "perp_conflict", "toll_conflict"})


def fit(x: Any, y: Any, l2: float) -> tuple[Any, float]:
    """Weights and intercept of a logistic regression with signed weights (see the docstring); the
    two classes weigh the same in total."""
    import numpy as np
    from scipy.optimize import minimize

    weight = np.where(y == 1, (len(y) - y.sum()) / max(1, y.sum()), 1.0)
    bounds = [(None, 0.0) if name in CONFLICTS else (0.0, None) for name in FEATURES] + [(None, None)]

    def loss(p: Any) -> tuple[float, Any]:
        z = x @ p[:-1] + p[-1]
        value = float(np.sum(weight * (np.logaddexp(0, z) - y * z)) + l2 * np.sum(p[:-1] ** 2))
        residual = weight * (1 / (1 + np.exp(-z)) - y)
        gradient = np.concatenate([x.T @ residual + 2 * l2 * p[:-1], [residual.sum()]])
        return value, gradient

    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, bounds=bounds, method="L-BFGS-B")
    return result.x[:-1], float(result.x[-1])


def held_out(x: Any, y: Any, groups: list[str], l2: float) -> None:
    """Precision and recall of same-incident pairs at MATCH and MERGE, on folds grouped by incident."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    scores = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        weights, intercept = fit(x[train], y[train], l2)
        scores[test] = 1 / (1 + np.exp(-(x[test] @ weights + intercept)))
    for threshold in (MATCH, MERGE):
        chosen = scores >= threshold
        tp = int((chosen & (y == 1)).sum())
        precision = tp / max(1, int(chosen.sum()))
        recall = tp / max(1, int((y == 1).sum()))
        print(f"held out, p >= {threshold}: precision {precision:.3f} recall {recall:.3f} "
              f"({int(chosen.sum())} pairs chosen, {int((chosen & (y == 0)).sum())} of them different incidents)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--l2", type=float, default=1.0, help="L2 penalty on the weights")
    parser.add_argument("--check", action="store_true", help="print the held-out figures, write nothing")
    args = parser.parse_args(argv)
    if not corpus.shared_available():
        sys.exit("../shared/corpus/articles is not present (set NEWSWATCH_SHARED)")
    try:
        import sklearn  # noqa: F401  (and scipy, which it brings)
    except ImportError:
        sys.exit("scikit-learn is not installed: pip install -e '.[train]'")

    rows = pairs("dev") + pairs("gva_train")
    x, y, groups = matrix(rows)
    print(f"pairs: {len(y)} ({int(y.sum())} same incident, {len(y) - int(y.sum())} different)")
    held_out(x, y, groups, args.l2)
    fitted, intercept = fit(x, y, args.l2)
    weights = {name: round(float(w), 4) for name, w in zip(FEATURES, fitted, strict=True)}
    for name, weight in sorted(weights.items(), key=lambda kv: -abs(kv[1])):
        print(f"  {name:<16} {weight:+.3f}")
    print(f"  {'intercept':<16} {intercept:+.3f}")
    if args.check:
        return
    model = {"intercept": round(intercept, 4), "weights": weights,
             "trained_on": f"{len(y)} pairs ({int(y.sum())} same, with disagreeing variants) "
                                   "from dev and gva_train",
             "command": "python -m ops.train_linking"}
    args.out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
