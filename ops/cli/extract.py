"""`newswatch extract [FILE|-]`: incidents from JSON-lines articles, no database.

Reads {"id","title","text","published","url"} a line and writes {"id": ..., "incidents": [...]} a
line, in the same order. A line that is not an article gives a line with an "error" key instead;
the run goes on. Articles are read in chunks so spaCy sees them in batches.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import IO, Any

import click

from newswatch.errors import UserError
from ops.cli.base import dumps

CHUNK = 64


def _parse(line: str, number: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(article, None) or (None, error line)."""
    try:
        value = json.loads(line.lstrip("\ufeff"))  # a byte-order mark left by some editors
    except ValueError as exc:
        return None, {"id": None, "line": number, "incidents": [], "error": f"not JSON: {exc}"}
    if not isinstance(value, dict):
        return None, {"id": None, "line": number, "incidents": [],
                      "error": f"expected a JSON object, got {type(value).__name__}"}
    return value, None


def _chunks(handle: IO[str]) -> Iterator[list[tuple[int, str]]]:
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        chunk.append((number, line))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _run(handle: IO[str], out: IO[str]) -> None:
    from workers.extraction.pipeline import extract_articles

    for chunk in _chunks(handle):
        parsed = [(number, *_parse(line, number)) for number, line in chunk]
        articles = [article for _, article, _ in parsed if article is not None]
        try:
            found = extract_articles(articles)
        except Exception:  # one bad article must not sink its chunk: retry them one by one
            found = []
            for one in articles:
                try:
                    found.extend(extract_articles([one]))
                except Exception as exc:
                    found.append([{"__error__": f"{type(exc).__name__}: {exc}"}])
        results = iter(found)
        for _number, article, error in parsed:
            if article is None:
                out.write(dumps(error) + "\n")
                continue
            incidents = next(results)
            line: dict[str, Any] = {"id": article.get("id"), "incidents": incidents}
            if incidents and "__error__" in incidents[0]:
                line = {"id": article.get("id"), "incidents": [], "error": incidents[0]["__error__"]}
            out.write(dumps(line) + "\n")
        out.flush()


@click.command(name="extract")
@click.argument("source", default="-", metavar="[FILE|-]")
def command(source: str) -> None:
    """Read articles as JSON lines (FILE, or standard input for -) and write their incidents.

    Each input line {"id","title","text","published","url"} gives one output line
    {"id": ..., "incidents": [...]}: the main incident first ("primary": true), [] for none.
    No database is used.
    """
    if source == "-":
        _run(sys.stdin, sys.stdout)
        return
    try:
        handle = open(source, encoding="utf-8", errors="replace")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise UserError(f"cannot read {source}: {exc.strerror or exc}") from None
    with handle:
        try:
            _run(handle, sys.stdout)
        except IsADirectoryError:
            raise UserError(f"cannot read {source}: it is a directory") from None
