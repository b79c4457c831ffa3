"""Benchmark: extraction quality on every labelled corpus found in ../shared, part by part.

    python -m ops.bench.quality [--corpus NAME] [--misses NAME:PART] [--json]

Each corpus is split into a part the rules and weights were tuned on (`train`) and a part nobody
tuned on (`val`); the table says which is which. Scores follow the evaluation's rules: the
article's primary incident against its label, over every gold incident (a missed incident counts
wrong on every field), lines marked uncertain and historical incidents left out. A confusion table
of event types follows. `--misses` lists every wrong field of one part: use it on `train` parts
only, or the `val` figures stop meaning anything.

Without ../shared it says so in one line and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from ops.bench.corpus import ARTICLES, shared_available
from ops.bench.scoring import FIELDS, Score, score
from workers.extraction.corpora import CORPORA, Corpus, bbc_part, load_jsonl

TABLE_FIELDS = ("killed", "injured", "event_type", "country_code", "occurred_on", "location", "claimed_by")


def run_corpus(corpus: Corpus, extract: Callable[[list[dict[str, Any]]], list[list[dict[str, Any]]]]
               ) -> dict[str, tuple[Score, list[dict[str, Any]]]]:
    """Score each part of one corpus; returns {part: (score, predictions)}."""
    articles = load_jsonl(corpus.articles)
    labels = {str(label["id"]): label for label in load_jsonl(corpus.labels)}
    parts: dict[str, list[dict[str, Any]]] = {}
    for article in articles:
        label = labels.get(str(article["id"]))
        if label is not None:
            parts.setdefault(corpus.part(article, label), []).append(article)
    out = {}
    for part, chosen in sorted(parts.items()):
        found = extract(chosen)
        predictions = [{"id": a["id"], "incidents": incidents} for a, incidents in zip(chosen, found, strict=True)]
        out[part] = (score(chosen, list(labels.values()), predictions), predictions)
    return out


def _fmt(value: float | None) -> str:
    return "    -" if value is None else f"{value:.3f}"


def print_table(rows: list[tuple[str, str, Score]]) -> None:
    head = ["corpus", "part", "n", "det P", "det R", "det F1", *(f[:7] for f in TABLE_FIELDS)]
    print(" | ".join(f"{h:>9s}" if i > 1 else f"{h:<10s}" for i, h in enumerate(head)))
    for name, part, result in rows:
        cells = [f"{name:<10s}", f"{part:<10s}", f"{result.gold_incidents:>9d}",
                 *(f"{v:>9.3f}" for v in (result.precision, result.recall, result.f1)),
                 *(f"{_fmt(result.accuracy[f]):>9s}" for f in TABLE_FIELDS)]
        print(" | ".join(cells))


def print_markdown(rows: list[tuple[str, str, Score]]) -> None:
    fields = ("killed", "injured", "event_type", "country_code", "occurred_on")
    print("| corpus | part | incidents | detection F1 (P / R) | killed | injured | type | country | date |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, part, result in rows:
        cells = " | ".join(_fmt(result.accuracy[f]).strip() for f in fields)
        print(f"| {name} | {part} | {result.gold_incidents} | {result.f1:.3f} ({result.precision:.3f} / "
              f"{result.recall:.3f}) | {cells} |")


def print_confusion(rows: list[tuple[str, str, Score]]) -> None:
    total: Counter[tuple[str, str]] = Counter()
    for _name, _part, result in rows:
        total.update(result.type_pairs)
    wrong = {pair: n for pair, n in total.items() if pair[0] != pair[1]}
    right = sum(n for pair, n in total.items() if pair[0] == pair[1])
    print(f"\nevent types: {right} right; confusions (gold -> predicted, 'none' = missed):")
    for (gold, got), n in sorted(wrong.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4d}  {gold} -> {got}")


def print_false_alarms(extract: Callable[[list[dict[str, Any]]], list[list[dict[str, Any]]]],
                       misses: str | None) -> None:
    """The BBC 2005 set reports almost no incidents: the share flagged is the false-alarm rate."""
    if not (ARTICLES / "bbc_2005.jsonl").is_file():
        return
    articles = load_jsonl("bbc_2005.jsonl")
    for part in ("train", "val"):
        chosen = [a for a in articles if bbc_part(a) == part]
        flagged = [(a, found) for a, found in zip(chosen, extract(chosen), strict=True) if found]
        print(f"bbc {part}: {len(flagged)} of {len(chosen)} flagged as incidents "
              f"({100 * len(flagged) / len(chosen):.2f}%; almost none report one)")
        if misses == f"bbc:{part}":
            for article, found in flagged:
                print("flagged", article["id"], found[0]["event_type"], article["title"], sep="\t")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", help="only these corpora (repeatable; bbc: false alarms)")
    parser.add_argument("--misses", help="list every wrong field of NAME:PART (a train part)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown (for the README)")
    args = parser.parse_args(argv)
    if not shared_available():
        print("quality: ../shared/corpus is not here; nothing to score")
        return 0
    from workers.extraction.pipeline import extract_articles

    rows: list[tuple[str, str, Score]] = []
    started = time.monotonic()
    for corpus in CORPORA:
        if args.corpus and corpus.name not in args.corpus:
            continue
        if not (ARTICLES / corpus.articles).is_file():
            print(f"quality: {corpus.articles} is not here; skipped")
            continue
        for part, (result, _predictions) in run_corpus(corpus, extract_articles).items():
            rows.append((corpus.name, part, result))
            if args.misses == f"{corpus.name}:{part}":
                for miss in result.misses:
                    print("miss", *miss, sep="\t")
    if args.json:
        print(json.dumps([{"corpus": n, "part": p, **r.as_dict()} for n, p, r in rows], indent=1))
        return 0
    if args.markdown:
        print_markdown(rows)
        return 0
    print_table(rows)
    print_confusion(rows)
    if not args.corpus or "bbc" in args.corpus:
        print_false_alarms(extract_articles, args.misses)
    print("\nparts: train = read while tuning rules and weights; val = never read for tuning.")
    for corpus in CORPORA:
        print(f"  {corpus.name}: {corpus.note}")
    print(f"fields: {', '.join(FIELDS)} scored over every gold incident; {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
