"""The documents the code cites are in the repository, and none it cites lives outside it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for folder in ("newswatch", "db", "feeds", "workers", "ops", "docs", "tests")
           for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".toml", ".sql", ".md"}]
SOURCES += [ROOT / "README.md"]


def test_every_document_the_code_cites_exists():
    cited = {(p.relative_to(ROOT), name) for p in SOURCES
             for name in re.findall(r"\bdocs/[\w.-]+\.md\b", p.read_text(encoding="utf-8"))}
    assert {(str(source), name) for source, name in cited if not (ROOT / name).is_file()} == set()
    assert len(cited) >= 5  # the code does cite its documents this way


def test_no_docstring_or_comment_sends_the_reader_to_a_file_outside_the_repository():
    this = Path(__file__).resolve()
    outside = [f"{p.relative_to(ROOT)}: {name}" for p in SOURCES if p.resolve() != this
               for name in re.findall(r"\b(?:design\.md|LABELS\.md)\b", p.read_text(encoding="utf-8"))]
    assert outside == []


def test_the_documents_link_only_to_documents_that_exist():
    for page in (ROOT / "docs").glob("*.md"):
        for target in re.findall(r"\]\(([\w.-]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).is_file(), f"{page.name} links to {target}"
