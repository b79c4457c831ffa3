"""Fit the linking model's weights and operating points on labelled pairs; write linking_model.json.

    pip install -e '.[train]'          # scikit-learn, only needed here
    python -m ops.train_linking [--out workers/resolution/linking_model.json] [--check]

Pairs come from ../shared/corpus/articles (ops.bench.linking_data): every two articles of the dev
corpus and of gva_train whose main extracted incidents the resolver could compare (within the
candidate window, sharing a retrieval key), labelled same or different incident by the labels.
Pairs the rules decide (another revision, a syndicated copy) are left out.

gva_train holds almost no two articles of one shooting, so its same-incident pairs come from each
article told twice: its first half and its second, each extracted on its own
(linking_data.halves). That is how a follow-up tells the event (the victims named, the appeal for
witnesses), and it is only ever trained on, never reported as measured.

Real reports of one event disagree, while most labelled pairs agree on place, day and type. So
every pair is also added as the disagreements seen in real replays would make it: the later report
dated two months on (a follow-up), dated its own publication day, given a related type, placed in
the victims' home country, or placed in another city. Both classes get these variants, so a
disagreement lowers the probability without marking a pair as the same event.

The fit is a logistic regression on matching.FEATURES with the sign of each weight fixed by what
the feature means (agreement can only raise the probability, a conflict only lower it), the two
classes weighed the same, solved with scipy's L-BFGS-B. Held out (folds grouped by incident) it
picks the operating points: MATCH, the lowest threshold at which at most MAX_FALSE of the pairs of
different incidents (as found, not their variants) score, and MERGE halfway from it to 1. gva_val
and the project's scenarios are never used here: the benchmark reports on them.
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
from ops.bench.linking_data import Labelled, halves, load, primary_reports, published, report_row
from workers.resolution.matching import (
    CATEGORIES,
    FEATURES,
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
            out.append(({**features(mine, theirs, text), BASE: 1.0}, same, group))
            # Both classes get the variants: otherwise a disagreement would mark a same-incident pair.
            out.extend((features(variant, theirs, text), same, group) for variant in disagreeing(mine))
    return out


def half_pairs(kind: str) -> list[tuple[dict[str, float], int, str]]:
    """(features, 1, group) of each article's second half against its first (linking_data.halves),
    when the resolver would compare them; with the disagreeing variants."""
    out = []
    for first, second in halves(kind):
        (_, a), (_, b) = (
            (item, report_material(report_row(n, item.incidents[0], published(item.article.get("published"))),
                                   item.article.get("title"), item.article.get("text")))
            for n, item in enumerate((first, second)))
        if not set(a.keys) & set(b.keys):
            continue
        text, _ = text_similarity(b, a)
        if text >= SYNDICATED:
            continue
        group = f"{kind}:{first.truth}"
        out.append(({**features(b, a, text), BASE: 1.0}, 1, group))
        out.extend((features(variant, a, text), 1, group) for variant in disagreeing(b))
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
    variants.append(_placed(replace(report, country_code="ZZ", countries=report.countries | {"ZZ"}), None))
    variants.append(_placed(report, "springfield"))
    return variants


def _placed(report: Material, place: str | None) -> Material:
    """The report placed at `place` alone (None: no place), in its own material and its source's."""
    places = frozenset({place}) if place else frozenset()
    return replace(report, places=places, location=place,
                   sources=tuple(replace(s, places=places) for s in report.sources))


BASE = "_base"   # marks a pair as found, not one of its disagreeing variants


def matrix(rows: list[tuple[dict[str, float], int, str]]) -> tuple[Any, Any, list[str]]:
    import numpy as np

    x = np.array([[f[name] for name in FEATURES] for f, _, _ in rows])
    y = np.array([same for _, same, _ in rows])
    return x, y, [group for _, _, group in rows]


def found_mask(rows: list[tuple[dict[str, float], int, str]]) -> Any:
    import numpy as np

    return np.array([BASE in f for f, _, _ in rows])


MAX_FALSE = 0.01  # pairs of different incidents (as found, held out) that may score over MATCH

# Features whose weight can only be negative: they say the two are different events.
CONFLICTS = frozenset({"place_conflict", "country_conflict", "day_gap", "perp_conflict", "toll_conflict",
                       "site_conflict"})


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


def held_out(x: Any, y: Any, groups: list[str], base: Any, l2: float) -> tuple[float, float]:
    """Held-out scores (folds grouped by incident): precision and recall at a range of thresholds,
    and the operating points: MATCH, the lowest threshold at which at most MAX_FALSE of the pairs of
    different incidents as found (not their variants) score, and MERGE above it."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    scores = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=5).split(x, y, groups):
        weights, intercept = fit(x[train], y[train], l2)
        scores[test] = 1 / (1 + np.exp(-(x[test] @ weights + intercept)))
    different = (y == 0) & base
    candidates = sorted({round(float(t), 3) for t in np.linspace(0.5, 0.995, 100)})
    match = next((t for t in candidates if (scores[different] >= t).mean() <= MAX_FALSE), candidates[-1])
    merge = min(0.995, match + (1 - match) / 2)
    for threshold in sorted({0.85, 0.9, match, merge}):
        chosen = scores >= threshold
        tp = int((chosen & (y == 1)).sum())
        found_same = (y == 1) & base
        print(f"held out, p >= {threshold:.3f}: precision {tp / max(1, int(chosen.sum())):.3f} "
              f"recall {tp / max(1, int((y == 1).sum())):.3f} (as found: {int((chosen & found_same).sum())}"
              f"/{int(found_same.sum())} same-incident pairs, {int((chosen & different).sum())}"
              f"/{int(different.sum())} different ones)")
    return match, merge


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

    rows = pairs("dev") + pairs("gva_train") + half_pairs("gva_train")
    x, y, groups = matrix(rows)
    print(f"pairs: {len(y)} ({int(y.sum())} same incident, {len(y) - int(y.sum())} different)")
    match, merge = held_out(x, y, groups, found_mask(rows), args.l2)
    print(f"operating points: match {match:.3f}, merge {merge:.3f}")
    fitted, intercept = fit(x, y, args.l2)
    weights = {name: round(float(w), 4) for name, w in zip(FEATURES, fitted, strict=True)}
    for name, weight in sorted(weights.items(), key=lambda kv: -abs(kv[1])):
        print(f"  {name:<16} {weight:+.3f}")
    print(f"  {'intercept':<16} {intercept:+.3f}")
    if args.check:
        return
    model = {"intercept": round(intercept, 4), "weights": weights, "match": match, "merge": merge,
             "trained_on": f"{len(y)} pairs ({int(y.sum())} same, with disagreeing variants) "
                                   "from dev, gva_train and gva_train's articles cut in two halves",
             "command": "python -m ops.train_linking"}
    args.out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
