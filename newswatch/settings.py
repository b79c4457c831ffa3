"""One frozen, typed settings object, read from the environment once.

Every setting is `NEWSWATCH_<NAME>` except the two connection URLs, which keep their customary
names. Each may instead be given as `<VAR>_FILE`, a path whose contents are the value (for
secrets mounted by Docker or systemd). A malformed value raises `ConfigError` naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from newswatch.errors import ConfigError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """'90' -> 90.0, '5m' -> 300.0, '1.5h' -> 5400.0, '2d' -> 172800.0 (seconds)."""
    value = text.strip().lower()
    if not value:
        raise ValueError("empty duration")
    unit = 1
    if value[-1] in _UNITS:
        unit = _UNITS[value[-1]]
        value = value[:-1]
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{text!r} is not a duration like 30s, 5m, 2h or 1d") from None
    if not number > 0:  # also refuses nan; a zero timeout, interval or limit means nothing useful
        raise ValueError(f"{text!r} is not a positive duration")
    return number * unit


def _parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"{text!r} is not a boolean (use 1/0, true/false, yes/no)")


def _parse_int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None


def _parse_log_format(text: str) -> str:
    value = text.strip().lower()
    if value not in {"text", "json"}:
        raise ValueError(f"{text!r} is not a log format (text or json)")
    return value


def _parse_str(text: str) -> str:
    return text.strip()


def split_addr(text: str) -> tuple[str, int]:
    """'127.0.0.1:8080' -> ('127.0.0.1', 8080); '[::1]:8080' -> ('::1', 8080); ':8080' binds everywhere."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not an address like 127.0.0.1:8080")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in host and not text.strip().startswith("["):
        raise ValueError(f"{text!r}: write an IPv6 address in brackets, like [::1]:8080")
    return host or "0.0.0.0", int(port)


def _parse_addr(text: str) -> str:
    split_addr(text)
    return text.strip()


def _parse_ip_address(text: str) -> str:
    value = text.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address (127.0.0.1, 0.0.0.0, ::1, ...)") from None


_PARSERS: dict[type | str, Callable[[str], Any]] = {
    "bool": _parse_bool,
    "int": _parse_int,
    "float": parse_duration,
    "str": _parse_str,
}


def _setting(env: str, default: Any, doc: str, parser: Callable[[str], Any] | None = None,
             secret: bool = False) -> Any:
    return field(default=default, metadata={"env": env, "doc": doc, "parser": parser, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """Everything newswatch reads from its environment. See README 'Configuration'."""

    database_url: str | None = _setting(
        "DATABASE_URL", None, "PostgreSQL URL. Unset: `newswatch up` starts an embedded PostgreSQL.")
    redis_url: str | None = _setting(
        "REDIS_URL", None, "Redis URL (Celery broker). Unset: `newswatch up` starts an embedded server.")
    data_dir: str = _setting(
        "NEWSWATCH_DATA_DIR", str(Path.home() / ".newswatch"),
        "Where embedded PostgreSQL and Redis keep their data and where their addresses are written.")
    db_pool_max: int = _setting("NEWSWATCH_DB_POOL_MAX", 10, "Largest connection pool per process.")
    default_interval: float = _setting(
        "NEWSWATCH_DEFAULT_INTERVAL", 300.0, "Poll interval of a feed added without --interval.")
    min_interval: float = _setting("NEWSWATCH_MIN_INTERVAL", 60.0, "Shortest poll interval allowed.")
    max_backoff: float = _setting(
        "NEWSWATCH_MAX_BACKOFF", 21600.0, "Longest wait between polls of a failing feed (never abandoned).")
    http_timeout: float = _setting("NEWSWATCH_HTTP_TIMEOUT", 20.0, "Connect and read timeout of one request.")
    max_feed_bytes: int = _setting("NEWSWATCH_MAX_FEED_BYTES", 10_000_000, "Largest feed body read.")
    max_page_bytes: int = _setting("NEWSWATCH_MAX_PAGE_BYTES", 5_000_000, "Largest article page read.")
    per_host_concurrency: int = _setting(
        "NEWSWATCH_PER_HOST_CONCURRENCY", 2, "Requests in flight at once to one host.")
    poll_concurrency: int = _setting(
        "NEWSWATCH_POLL_CONCURRENCY", 50, "Requests in flight at once in one poller.")
    fetch_attempts: int = _setting(
        "NEWSWATCH_FETCH_ATTEMPTS", 5, "Tries to fetch an article page before it is marked failed.")
    max_entries_per_feed: int = _setting(
        "NEWSWATCH_MAX_ENTRIES_PER_FEED", 100,
        "Pages of one feed waiting to be fetched at most: a feed's entries beyond it wait for its next polls.")
    allow_private_networks: bool = _setting(
        "NEWSWATCH_ALLOW_PRIVATE_NETWORKS", False,
        "Fetch addresses in private, loopback and link-local ranges (local tests and the demo only).")
    user_agent: str = _setting(
        "NEWSWATCH_USER_AGENT", "newswatch/0.1 (news incident monitor)",
        "User-Agent of every request.")
    pending_timeout: float = _setting(
        "NEWSWATCH_PENDING_TIMEOUT", 600.0, "An article pending longer than this is enqueued again.")
    extract_time_limit: float = _setting(
        "NEWSWATCH_EXTRACT_TIME_LIMIT", 120.0, "Hard time limit of one extraction task.")
    visibility_timeout: float = _setting(
        "NEWSWATCH_VISIBILITY_TIMEOUT", 900.0,
        "A task taken by a worker that vanished (killed, machine lost) returns to its queue after this long.")
    metrics_port: int = _setting(
        "NEWSWATCH_METRICS_PORT", 0, "Port of the Prometheus metrics endpoint (0: off).")
    metrics_addr: str = _setting(
        "NEWSWATCH_METRICS_ADDR", "127.0.0.1",
        "Address the metrics endpoint listens on (0.0.0.0: every interface).", _parse_ip_address)
    log_format: str = _setting(
        "NEWSWATCH_LOG_FORMAT", "text", "Log format: text or json.", _parse_log_format)
    log_level: str = _setting("NEWSWATCH_LOG_LEVEL", "INFO", "Log level.")
    web_addr: str = _setting(
        "NEWSWATCH_WEB_ADDR", "127.0.0.1:8080",
        "Address of `newswatch web` (host:port); off loopback it needs NEWSWATCH_WEB_TOKEN.", _parse_addr)
    web_token: str | None = _setting(
        "NEWSWATCH_WEB_TOKEN", None,
        "Token the web pages and API ask for (Bearer, or as the password of HTTP Basic).", secret=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata["env"]
            raw = _read_raw(env, name)
            if raw is None:
                continue
            parser = f.metadata["parser"] or _PARSERS[_type_name(f.type)]
            try:
                values[f.name] = parser(raw)
            except ValueError as exc:
                raise ConfigError(f"{name}: {exc}") from None
        settings = cls(**values)
        settings._check()
        return settings

    def _check(self) -> None:
        for name, url, schemes in (
            ("DATABASE_URL", self.database_url, ("postgres://", "postgresql://")),
            ("REDIS_URL", self.redis_url, ("redis://", "rediss://", "unix://")),
        ):
            if url is not None and not url.startswith(schemes):
                raise ConfigError(f"{name}: must start with {' or '.join(schemes)}")
        if self.max_entries_per_feed < 1:
            raise ConfigError("NEWSWATCH_MAX_ENTRIES_PER_FEED: must be at least 1")
        if self.min_interval <= 0 or self.default_interval < self.min_interval:
            raise ConfigError("NEWSWATCH_DEFAULT_INTERVAL: must be at least NEWSWATCH_MIN_INTERVAL")
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                raise ConfigError(f"{f.metadata['env']}: must not be negative")

    @staticmethod
    def documented() -> list[tuple[str, str, str]]:
        """(variable, default, description) for every setting, for the README and `--help`."""
        return [(f.metadata["env"], repr(f.default), f.metadata["doc"]) for f in fields(Settings)]


def _type_name(annotation: Any) -> str:
    text = str(annotation)
    for name in ("bool", "int", "float", "str"):
        if text.startswith(name):
            return name
    raise TypeError(f"no parser for {annotation}")


def _read_raw(env: Mapping[str, str], name: str) -> str | None:
    path = env.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None
    value = env.get(name)
    if value is None or value == "":
        return None
    return value


_cached: Settings | None = None


def get_settings() -> Settings:
    """The process's settings, read on first use."""
    global _cached
    if _cached is None:
        _cached = Settings.from_env()
    return _cached


def reset_settings() -> None:
    """Forget the cached settings (tests and `newswatch up` change the environment)."""
    global _cached
    _cached = None
