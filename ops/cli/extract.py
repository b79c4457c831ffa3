"""`newswatch extract [FILE|-]`: incidents from JSON-lines articles, no database.

Reads {"id","title","text","published","url"} a line and writes {"id": ..., "incidents": [...]} a
line, in the same order (docs/contracts.md). A line that is not an article (not UTF-8, not JSON,
nested too deeply to read, longer than 16 MB, not an object, no string "text", a field of the wrong type) gives
{"id": <its id or null>, "line": N, "incidents": [], "error": "..."} instead, and the run goes on:
every good line still gets its answer.

Articles are read in chunks so spaCy sees them in batches; each chunk's answers are written and
flushed before the next chunk is read, so whatever stops the run, the answers already computed are
out.
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
MAX_LINE_BYTES = 16_000_000  # far above any article (the text read is cut at 20,000 characters)
_OPTIONAL_TEXT = ("title", "url")  # a string or null


def _type_name(value: Any) -> str:
    return "null" if value is None else {dict: "object", list: "array", str: "string", bool: "boolean",
                                         int: "number", float: "number"}.get(type(value), type(value).__name__)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _problem(article: dict[str, Any]) -> str | None:
    """Why an object is not an article, or None when it is one."""
    if "text" not in article:
        return 'no "text" (an article is {"id","title","text","published","url"})'
    if not isinstance(article["text"], str):
        return f'"text" must be a string, not {_type_name(article["text"])}'
    for name in _OPTIONAL_TEXT:
        value = article.get(name)
        if value is not None and not isinstance(value, str):
            return f'"{name}" must be a string or null, not {_type_name(value)}'
    published = article.get("published")
    if published is not None and (isinstance(published, bool) or not isinstance(published, str | int | float)):
        return f'"published" must be a date string or null, not {_type_name(published)}'
    return None


def _parse(raw: bytes | None, number: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(article, None) or (None, its error line)."""

    def error(text: str, article_id: Any = None) -> dict[str, Any]:
        return {"id": article_id, "line": number, "incidents": [], "error": text}

    if raw is None:
        return None, error(f"line longer than {MAX_LINE_BYTES:,} bytes: not read")

    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, error(f"not UTF-8 text (byte {exc.start + 1})")
    try:
        value = json.loads(line.lstrip("\ufeff"), parse_constant=_refuse_constant)  # BOM: some editors add one
    except RecursionError:
        return None, error("not readable: JSON nested too deeply")
    except ValueError as exc:
        return None, error(f"not JSON: {exc}")
    if not isinstance(value, dict):
        return None, error(f"expected a JSON object, got {_type_name(value)}")
    article_id = value.get("id")
    if isinstance(article_id, dict | list):
        return None, error(f'"id" must be a string, a number or null, not {_type_name(article_id)}')
    problem = _problem(value)
    if problem:
        return None, error(problem, article_id)
    return value, None


def _lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for each non-blank line; None for one too long to hold, which is skipped
    without being read into memory whole."""
    number = 0
    while line := handle.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) > MAX_LINE_BYTES:
            while line and not line.endswith(b"\n"):
                line = handle.readline(1 << 20)
            yield number, None
        elif line.strip():
            yield number, line


def _chunks(handle: IO[bytes]) -> Iterator[list[tuple[int, bytes | None]]]:
    chunk: list[tuple[int, bytes | None]] = []
    for number, line in _lines(handle):
        chunk.append((number, line))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _incidents(articles: list[dict[str, Any]]) -> list[list[dict[str, Any]] | str]:
    """Each article's incidents, or the error (a string) that reading it raised."""
    from workers.extraction.pipeline import extract_articles

    try:
        return list(extract_articles(articles))
    except Exception:  # one bad article must not sink its chunk: again one by one
        found: list[list[dict[str, Any]] | str] = []
        for one in articles:
            try:
                found.extend(extract_articles([one]))
            except Exception as exc:
                found.append(f"{type(exc).__name__}: {exc}")
        return found


def _answer(number: int, article: dict[str, Any], incidents: list[dict[str, Any]] | str) -> str:
    if isinstance(incidents, str):
        return dumps({"id": article.get("id"), "line": number, "incidents": [], "error": incidents})
    try:
        return dumps({"id": article.get("id"), "incidents": incidents})
    except (TypeError, ValueError, RecursionError) as exc:
        return dumps({"id": None, "line": number, "incidents": [], "error": f"answer not writable: {exc}"})


def _run(handle: IO[bytes], out: IO[str]) -> None:
    for chunk in _chunks(handle):
        parsed = [(number, *_parse(line, number)) for number, line in chunk]
        articles = [article for _, article, _ in parsed if article is not None]
        results = iter(_incidents(articles))
        for number, article, error in parsed:
            out.write((dumps(error) if article is None else _answer(number, article, next(results))) + "\n")
        out.flush()


@click.command(name="extract")
@click.argument("source", default="-", metavar="[FILE|-]")
def command(source: str) -> None:
    """Read articles as JSON lines (FILE, or standard input for -) and write their incidents.

    Each input line {"id","title","text","published","url"} gives one output line
    {"id": ..., "incidents": [...]}: the main incident first ("primary": true), [] for none.
    A line that is not such an article gives a line with an "error" key; the rest go on.
    No database is used.
    """
    if source == "-":
        _run(sys.stdin.buffer, sys.stdout)
        return
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise UserError(f"cannot read {source}: {exc.strerror or exc}") from None
    with handle:
        try:
            _run(handle, sys.stdout)
        except IsADirectoryError:
            raise UserError(f"cannot read {source}: it is a directory") from None
