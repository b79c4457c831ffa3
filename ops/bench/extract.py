"""Benchmark: the extract path against a plain `nlp.pipe` of the full spaCy model, same texts, one run.

    python -m ops.bench.extract [--articles DEV.jsonl] [--bbc BBC.jsonl] [--limit N]

The texts are the labelled dev articles mixed evenly into the BBC 2005 set (mostly business, sport,
politics: what a news feed mostly carries). Prints articles per second of both, their ratio, the
share of BBC articles flagged as incidents, and the peak resident memory of this process after the
extract path (what one extraction worker needs) and at the end (with the full model loaded too).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
CHUNK = 64  # as `newswatch extract` reads them


def _load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def mixed(dev: list[dict[str, Any]], bbc: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The dev articles spread evenly through the BBC ones."""
    if not dev:
        return list(bbc)
    step = max(1, len(bbc) // len(dev))
    out: list[dict[str, Any]] = []
    pending = list(dev)
    for i, article in enumerate(bbc):
        if i % step == 0 and pending:
            out.append(pending.pop(0))
        out.append(article)
    return out + pending


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, default=CORPUS / "dev_articles.jsonl")
    parser.add_argument("--bbc", type=Path, default=CORPUS / "bbc_2005.jsonl")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N mixed articles (0: all)")
    args = parser.parse_args(argv)
    for path in (args.articles, args.bbc):
        if not path.is_file():
            print(f"error: cannot read {path}", file=sys.stderr)
            return 1
    bbc = _load(args.bbc)
    articles = mixed(_load(args.articles), bbc)
    if args.limit:
        articles = articles[: args.limit]
    bbc_ids = {str(a.get("id")) for a in bbc}
    words = sum(len(f"{a.get('title') or ''} {a.get('text') or ''}".split()) for a in articles)
    print(f"{len(articles)} articles ({sum(str(a.get('id')) in bbc_ids for a in articles)} BBC), {words:,} words")

    from workers.extraction import pipeline

    pipeline.get_nlp()  # both sides start with their model loaded: loading is not throughput
    started = time.perf_counter()
    results: list[list[dict[str, Any]]] = []
    for i in range(0, len(articles), CHUNK):
        results.extend(pipeline.extract_articles(articles[i:i + CHUNK]))
    extract_seconds = time.perf_counter() - started
    worker_rss = peak_rss_mb()
    flagged_bbc = sum(1 for a, r in zip(articles, results, strict=True) if r and str(a.get("id")) in bbc_ids)
    total_bbc = sum(1 for a in articles if str(a.get("id")) in bbc_ids)

    # The same articles through the real command, as a user or the scorer runs it: process start
    # and model load included.
    payload = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ops", "extract", "-"], input=payload, capture_output=True,
                          text=True, cwd=ROOT)
    cli_seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(f"error: newswatch extract exited {done.returncode}: {done.stderr.strip()[-500:]}", file=sys.stderr)
        return 1

    import spacy

    full = spacy.load(pipeline.MODEL)
    texts = [f"{a.get('title') or ''}\n\n{a.get('text') or ''}" for a in articles]
    started = time.perf_counter()
    for _doc in full.pipe(texts, batch_size=pipeline.BATCH_SIZE):
        pass
    pipe_seconds = time.perf_counter() - started

    extract_rate = len(articles) / extract_seconds
    pipe_rate = len(articles) / pipe_seconds
    print(f"extract path : {extract_rate:8.1f} articles/s ({extract_seconds:.1f} s, in this process)")
    print(f"newswatch extract: {len(articles) / cli_seconds:8.1f} articles/s ({cli_seconds:.1f} s, a fresh process: "
          "start and model load included)")
    print(f"plain nlp.pipe of {pipeline.MODEL} ({', '.join(full.pipe_names)}): "
          f"{pipe_rate:8.1f} articles/s ({pipe_seconds:.1f} s, {words / pipe_seconds:,.0f} words/s)")
    print(f"ratio        : extract path {extract_rate / pipe_rate:.1f}x, newswatch extract "
          f"{len(articles) / cli_seconds / pipe_rate:.1f}x plain nlp.pipe")
    if total_bbc:
        print(f"BBC flagged  : {flagged_bbc} of {total_bbc} ({100 * flagged_bbc / total_bbc:.2f}%)")
    print(f"peak RSS     : {worker_rss:.0f} MB after the extract path (one worker), "
          f"{peak_rss_mb():.0f} MB with the full model loaded too")
    return 0


if __name__ == "__main__":
    sys.exit(main())
