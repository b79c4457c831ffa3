"""`newswatch extract` as a user runs it, and its scores on the labelled real articles."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration

ARTICLE = {
    "id": "a1", "title": "Avalanche kills four skiers in the Alps", "published": "2018-01-14",
    "url": "https://news.example.org/a1",
    "text": ("An avalanche swept over a group of skiers near the resort of Chamonix in France on Saturday, "
             "killing four of them and injuring two, rescuers said."),
}


def test_each_line_gives_one_line_and_a_malformed_line_gives_an_error_line(newswatch):
    lines = "\n".join([json.dumps(ARTICLE), "{not json", json.dumps([1, 2]),
                       json.dumps({"id": "a2", "title": "Cup final ends in a draw", "text": "A tense game."})])
    result = newswatch("extract", "-", input=lines + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4
    first = out[0]["incidents"][0]
    assert first["primary"] is True and first["event_type"] == "landslide"
    assert (first["location"], first["country_code"], first["occurred_on"]) == ("Chamonix", "FR", "2018-01-13")
    assert (first["killed"], first["injured"]) == (4, 2)
    assert "error" in out[1] and "error" in out[2]
    assert out[3] == {"id": "a2", "incidents": []}


def test_an_unreadable_file_is_one_line_on_stderr_and_exit_code_1(newswatch, tmp_path):
    result = newswatch("extract", str(tmp_path / "missing.jsonl"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_argument_works_like_standard_input(newswatch, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(ARTICLE) + "\n", encoding="utf-8")
    result = newswatch("extract", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["incidents"][0]["killed"] == 4


def test_the_labelled_real_articles_meet_the_floors(shared_dir, tmp_path):
    articles = shared_dir / "corpus" / "articles"
    result = subprocess.run(
        [sys.executable, str(shared_dir / "tools" / "score_extract.py"), "--articles",
         str(articles / "dev_articles.jsonl"), "--labels", str(articles / "dev_labels.jsonl"), "--json",
         "--cmd", f"{sys.executable} -m ops extract"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout[: result.stdout.rindex("}") + 1].split("\nfield")[0])
    accuracy = summary["accuracy"]
    assert summary["detection_f1"] >= 0.90
    assert accuracy["killed"] >= 0.90 and accuracy["injured"] >= 0.85
    assert accuracy["event_type"] >= 0.85 and accuracy["country_code"] >= 0.90
    assert accuracy["occurred_on"] >= 0.85


def test_at_most_one_percent_of_bbc_articles_are_flagged(shared_dir, tmp_path):
    result = subprocess.run([sys.executable, "-m", "ops", "extract",
                             str(shared_dir / "corpus" / "articles" / "bbc_2005.jsonl")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) > 2000
    flagged = [o["id"] for o in out if o["incidents"]]
    assert len(flagged) <= 0.01 * len(out), flagged


def _extract(stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    """`newswatch extract` reading `stdin` as bytes (some lines are not UTF-8), no database configured."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.run([sys.executable, "-m", "ops", "extract"], input=stdin, capture_output=True, timeout=300,
                          env=env, cwd=ROOT)


def test_every_bad_line_gets_its_error_line_and_every_good_line_its_answer():
    good = json.dumps(ARTICLE).encode()
    quiet = json.dumps({"id": "q", "title": "Cup final ends in a draw", "text": "A tense game."}).encode()
    bad = [
        b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's recursion limit
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b"{}",
        b'{"id": "n", "text": 42}',
        b'{"id": "t", "text": null}',
        b'{"id": "l", "title": ["a"], "text": "x"}',
        b'{"id": "p", "published": {"day": 1}, "text": "x"}',
        b'{"id": {"nested": 1}, "text": "x"}',
        b'{"id": "nan", "text": NaN}',
        b'{"id": "bytes", "text": "\xff\xfe"}',
        b'"just a string"',
    ]
    stdin = b"\n".join([good, *bad, quiet, good]) + b"\n"
    result = _extract(stdin)
    assert result.returncode == 0, result.stderr[-2000:]
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(out) == len(bad) + 3
    assert out[0]["incidents"][0]["killed"] == 4 and "error" not in out[0]
    assert out[-1] == out[0]
    assert out[-2] == {"id": "q", "incidents": []}
    errors = out[1:-2]
    assert [e["line"] for e in errors] == list(range(2, len(bad) + 2))
    assert all(e["incidents"] == [] and e["error"] for e in errors)
    assert "nested too deeply" in errors[0]["error"] and "nested too deeply" in errors[1]["error"]
    assert errors[2]["error"].startswith('no "text"')
    assert (errors[3]["id"], errors[3]["error"]) == ("n", '"text" must be a string, not number')
    assert errors[4]["error"] == '"text" must be a string, not null'
    assert errors[5]["error"] == '"title" must be a string or null, not array'
    assert errors[6]["error"] == '"published" must be a date string or null, not object'
    assert errors[7]["id"] is None and errors[7]["error"].startswith('"id" must be')
    assert errors[8]["error"].startswith("not JSON")
    assert errors[9]["error"].startswith("not UTF-8")
    assert errors[10]["error"] == "expected a JSON object, got string"


def test_a_line_too_long_to_hold_is_skipped_with_its_error_and_the_next_line_answered():
    from ops.cli.extract import MAX_LINE_BYTES

    huge = json.dumps({"id": "huge", "text": "x" * (MAX_LINE_BYTES + 10)}).encode()
    stdin = huge + b"\n" + json.dumps(ARTICLE).encode() + b"\n"
    result = _extract(stdin)
    assert result.returncode == 0, result.stderr[-2000:]
    first, second = (json.loads(line) for line in result.stdout.decode().splitlines())
    assert first["line"] == 1 and first["error"].startswith("line longer than")
    assert second["id"] == "a1" and second["incidents"][0]["killed"] == 4
