"""The feed admin CLI, run as a real subprocess against a real database."""

import json
import time

import pytest

from feeds.opml import Outline, write_opml


def _one_clean_error_line(result):
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_an_added_feed_is_listed_as_json(db, newswatch):
    added = newswatch("feeds", "add", "http://127.0.0.1:9/x.xml", "--name", "t")
    assert added.returncode == 0, added.stderr
    listed = newswatch("feeds", "list", "--json")
    feeds = json.loads(listed.stdout)
    assert [(f["url"], f["name"], f["interval_s"]) for f in feeds] == [("http://127.0.0.1:9/x.xml", "t", 300)]


@pytest.mark.parametrize("again", ["http://127.0.0.1:9/x.xml", "http://127.0.0.1:9/x.xml/",
                                   "HTTP://127.0.0.1:9/x.xml", "http://127.0.0.1:9/x.xml#frag"])
def test_adding_the_same_feed_again_fails_with_one_line_and_writes_nothing(db, newswatch, again):
    assert newswatch("feeds", "add", "http://127.0.0.1:9/x.xml", "--name", "t").returncode == 0
    line = _one_clean_error_line(newswatch("feeds", "add", again))
    assert "already registered" in line
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 1


@pytest.mark.parametrize("args, message", [
    (["feeds", "add", "not a url"], "not a URL"),
    (["feeds", "add", "gopher://example.com/feed"], "unsupported scheme"),
    (["feeds", "add", "http://example.com/feed", "--interval", "often"], "--interval"),
    (["feeds", "add", "http://example.com/feed", "--interval", "1s"], "shortest"),
    (["feeds", "show", "4242"], "no feed"),
    (["feeds", "remove", "http://nowhere.example/rss"], "no feed"),
    (["feeds", "pause", "17"], "no feed"),
    (["feeds", "list", "--colour"], "No such option"),
    (["feeds", "frobnicate"], "No such command"),
    (["feeds", "import", "/nonexistent/file.opml"], "cannot read"),
])
def test_bad_input_gets_one_clear_line_and_exit_code_one(db, newswatch, args, message):
    line = _one_clean_error_line(newswatch(*args))
    assert message in line
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 0


@pytest.mark.parametrize("url, message", [
    ("http://example.com/" + "7f3a" * 1000, "URL too long (4019 bytes, the limit is 2048)"),
    ("http://example.com/\x1b[31mred", "control character U+001B"),
    ("http://" + "h" * 300 + ".example/rss", "label of 300 characters"),
    ("http://bad_host!.example/rss", "bad host name label"),
])
def test_a_url_the_store_could_not_take_or_show_is_refused_up_front(db, newswatch, url, message):
    # A 4,000-character URL used to reach the unique index and fail there ("internal error:
    # ProgramLimitExceeded", exit 2); an escape sequence used to colour `feeds list`.
    line = _one_clean_error_line(newswatch("feeds", "add", url))
    assert message in line
    assert "\x1b" not in line and len(line) < 300
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 0


def test_an_opml_import_checks_urls_and_names_like_feeds_add(db, newswatch, tmp_path):
    path = tmp_path / "hostile.opml"
    path.write_text(write_opml([Outline("http://a.example/rss", "A"),
                                Outline("http://example.com/" + "9c" * 2000, "long"),
                                # XML cannot carry ESC; a right-to-left override reorders a listing
                                Outline("http://b.example/rss", "B\u202eA"),
                                Outline("http://" + "h" * 300 + ".example/rss", "label")]))
    line = _one_clean_error_line(newswatch("feeds", "import", str(path)))
    assert "URL too long" in line and "--skip-invalid" in line
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 0
    result = newswatch("feeds", "import", str(path), "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert "imported 1 feeds, 0 already registered, 3 skipped" in result.stdout
    skipped = result.stderr.strip().splitlines()
    assert len(skipped) == 3 and "\u202e" not in result.stderr and all(len(s) < 300 for s in skipped)
    assert [r["url"] for r in db.execute("SELECT url FROM feeds")] == ["http://a.example/rss"]


def test_a_bad_setting_is_named_in_one_line(db, newswatch):
    line = _one_clean_error_line(newswatch("feeds", "list", env={"NEWSWATCH_DB_POOL_MAX": "many"}))
    assert line.startswith("error: NEWSWATCH_DB_POOL_MAX")


def test_an_unreachable_database_is_one_line(newswatch):
    line = _one_clean_error_line(newswatch("feeds", "list", env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x"}))
    assert "database" in line


def test_pause_resume_and_remove_change_the_feed(db, newswatch):
    newswatch("feeds", "add", "http://example.com/rss")
    assert newswatch("feeds", "pause", "1").returncode == 0
    assert db.execute("SELECT paused FROM feeds").fetchone()["paused"] is True
    assert newswatch("feeds", "resume", "http://EXAMPLE.com/rss/").returncode == 0
    assert db.execute("SELECT paused FROM feeds").fetchone()["paused"] is False
    shown = json.loads(newswatch("feeds", "show", "1", "--json").stdout)
    assert shown["url"] == "http://example.com/rss" and shown["articles"] == {}
    assert newswatch("feeds", "remove", "#1").returncode == 0
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 0


def test_a_malformed_opml_file_writes_nothing(db, newswatch, tmp_path):
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline xmlUrl='http://a.example/rss'>")
    line = _one_clean_error_line(newswatch("feeds", "import", str(bad)))
    assert "not well-formed" in line
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 0


def test_an_opml_file_with_an_invalid_url_writes_nothing_unless_asked(db, newswatch, tmp_path):
    path = tmp_path / "mixed.opml"
    path.write_text(write_opml([Outline("http://a.example/rss", "A"), Outline("ftp://b.example/rss", "B")]))
    _one_clean_error_line(newswatch("feeds", "import", str(path)))
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 0
    result = newswatch("feeds", "import", str(path), "--skip-invalid")
    assert result.returncode == 0
    assert "imported 1 feeds" in result.stdout and "ftp://b.example/rss" in result.stderr


def test_importing_500_feeds_is_fast_and_a_second_import_adds_nothing(db, newswatch, tmp_path):
    path = tmp_path / "many.opml"
    path.write_text(write_opml([Outline(f"http://feeds{i % 7}.example/{i}/rss", f"F{i}") for i in range(500)]))
    started = time.monotonic()
    first = newswatch("feeds", "import", str(path))
    elapsed = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    assert "imported 500 feeds" in first.stdout
    assert elapsed < 5, f"import took {elapsed:.1f}s"
    second = newswatch("feeds", "import", str(path))
    assert "imported 0 feeds, 500 already registered" in second.stdout
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 500


def test_an_opml_file_larger_than_one_insert_is_imported_whole_and_counts_duplicates_once(db, newswatch, tmp_path):
    from feeds.registry import IMPORT_CHUNK

    feeds = [Outline(f"http://many{i % 13}.example/{i}/rss", None) for i in range(IMPORT_CHUNK * 2 + 10)]
    path = tmp_path / "large.opml"
    path.write_text(write_opml([*feeds, feeds[0], Outline("http://MANY0.example/0/rss/", "again")]))
    newswatch("feeds", "add", feeds[-1].url)
    result = newswatch("feeds", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert f"imported {len(feeds) - 1} feeds, 1 already registered, 0 skipped" in result.stdout
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == len(feeds)


@pytest.mark.parametrize("tail, message", [
    ('<outline xmlUrl="gopher://late.example/rss"/></body></opml>', "unsupported scheme"),
    ('<outline xmlUrl="http://late.example/rss"></body></opml>', "not well-formed"),
])
def test_a_problem_after_the_first_insert_still_writes_nothing(db, newswatch, tmp_path, tail, message):
    from feeds.registry import IMPORT_CHUNK

    good = write_opml([Outline(f"http://early.example/{i}/rss", None) for i in range(IMPORT_CHUNK + 5)])
    path = tmp_path / "late-problem.opml"
    path.write_text(good.replace("</body>\n</opml>", tail))
    assert tail in path.read_text()
    line = _one_clean_error_line(newswatch("feeds", "import", str(path)))
    assert message in line
    assert db.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 0


def test_export_writes_opml_that_imports_into_the_same_feeds(db, newswatch, tmp_path):
    newswatch("feeds", "add", "http://a.example/rss", "--name", "Alpha")
    newswatch("feeds", "add", "http://b.example/atom")
    exported = newswatch("feeds", "export")
    assert exported.returncode == 0
    path = tmp_path / "out.opml"
    path.write_text(exported.stdout)
    assert "imported 0 feeds, 2 already registered" in newswatch("feeds", "import", str(path)).stdout


def test_help_reads_for_every_group(newswatch):
    for group in ("", "feeds", "db"):
        result = newswatch(*([group] if group else []), "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout
