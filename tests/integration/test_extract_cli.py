"""`newswatch extract` as a user runs it, and its scores on the labelled real articles."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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
