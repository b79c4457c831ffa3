"""The labelled corpora in ../shared/corpus/articles and how each is split into train and val.

Training (`python -m workers.extraction.train`) and tuning read only `train` parts; the quality
benchmark (`python -m ops.bench.quality`) reports both. The corpora are read in place, never copied
into the repository. Without ../shared, `available()` is False and callers say so and stop.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# ../shared beside the checkout, or NEWSWATCH_SHARED (a git worktree is not a sibling of shared/).
SHARED = Path(os.environ.get("NEWSWATCH_SHARED") or Path(__file__).resolve().parents[2].parent / "shared")
ARTICLES = SHARED / "corpus" / "articles"


def available() -> bool:
    return ARTICLES.is_dir()


@dataclass(frozen=True)
class Corpus:
    name: str
    articles: str
    labels: str
    part: Callable[[dict[str, Any], dict[str, Any]], str]   # (article, label) -> "train" | "val"
    note: str


def _given(part: str) -> Callable[[dict[str, Any], dict[str, Any]], str]:
    return lambda _article, _label: part


def _stable_bucket(key: str, buckets: int) -> int:
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % buckets


# The dev corpus was tuned on as a whole by earlier work; from this split on, only its train part is
# read for tuning. Its val part holds whole stories (every article of a cluster on one side).
_DEV_VAL_CLUSTERS = {"consulate attack", "seattle shooting", "clinton clear", "gaga protests",
                     "cubs win championship", "cubs_win_championship"}


def dev_part(_article: dict[str, Any], label: dict[str, Any]) -> str:
    return "val" if (label.get("cluster") or "") in _DEV_VAL_CLUSTERS else "train"


def ag_part(article: dict[str, Any], _label: dict[str, Any]) -> str:
    """A third of the wire leads, chosen by a hash of the id, is never read for tuning."""
    return "val" if _stable_bucket(str(article["id"]), 3) == 0 else "train"


def bbc_part(article: dict[str, Any]) -> str:
    """The BBC 2005 set (unlabelled, almost no incidents) measures false alarms; half of it, by id
    hash, is never read for tuning."""
    return "val" if _stable_bucket(str(article["id"]), 2) == 0 else "train"


CORPORA = (
    Corpus("dev", "dev_articles.jsonl", "dev_labels.jsonl", dev_part,
           "news clusters 2016 (train part tuned on by earlier work and now; val: 2 stories + 4 non-incident)"),
    Corpus("gva_train", "gva_train_articles.jsonl", "gva_train_labels.jsonl", _given("train"),
           "US local shooting news, Gun Violence Archive counts"),
    Corpus("gva_val", "gva_val_articles.jsonl", "gva_val_labels.jsonl", _given("val"),
           "US local shooting news, never tuned on"),
    Corpus("ag_leads", "ag_leads_articles.jsonl", "ag_leads_labels.jsonl", ag_part,
           "2004 wire leads (a third by id hash is val)"),
)


def load_jsonl(name: str) -> list[dict[str, Any]]:
    with (ARTICLES / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def labelled(corpus: Corpus, part: str | None = None) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(article, label) pairs of one corpus, of one part when given."""
    labels = {str(label["id"]): label for label in load_jsonl(corpus.labels)}
    for article in load_jsonl(corpus.articles):
        label = labels.get(str(article["id"]))
        if label is not None and (part is None or corpus.part(article, label) == part):
            yield article, label


def training_pairs(part: str = "train") -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every (corpus name, article, label) of one part across the corpora, uncertain labels left
    out, and the BBC part as articles that report no incident."""
    for corpus in CORPORA:
        if (ARTICLES / corpus.articles).is_file():
            for article, label in labelled(corpus, part):
                if not label.get("uncertain"):
                    yield corpus.name.split("_")[0], article, label
    if (ARTICLES / "bbc_2005.jsonl").is_file():
        for article in load_jsonl("bbc_2005.jsonl"):
            if bbc_part(article) == part:
                yield "bbc", article, {"id": article["id"], "incident": None}
