"""URL checks and the normalised key that decides when two URLs name one feed or article.

courlan does the well-known part (case, tracking parameters, query order); on top of it the key
drops what never changes the resource in practice: the scheme, a default port, the fragment,
dot segments and a trailing slash.
"""

from __future__ import annotations

import contextlib
import ipaddress
import posixpath
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

import idna
from courlan import normalize_url

from newswatch.errors import UserError

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Longer is no feed or article link in practice (browsers and sitemaps stop at about 2,000), and
# PostgreSQL's btree index on the key takes at most about 2,700 bytes a row.
MAX_URL_BYTES = 2048
# Letters, digits, hyphens (not first or last) and, as DNS allows and some hosts use, underscores.
_ASCII_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_SHOWN = 100  # characters of a bad URL quoted in an error message


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def check_url(url: str) -> str:
    """Return the URL stripped, or raise UserError saying what is wrong with it."""
    text = url.strip()
    if not text:
        raise UserError("empty URL")
    if any(ch.isspace() for ch in text):
        raise UserError(f"not a URL (contains white space): {_shown(text)!r}")
    control = next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Cs")), None)
    if control is not None:  # e.g. ESC, which would colour a terminal listing the feeds
        raise UserError(f"not a URL (contains the control character U+{ord(control):04X}): {_shown(text)!r}")
    size = len(text.encode())
    if size > MAX_URL_BYTES:
        raise UserError(f"URL too long ({size} bytes, the limit is {MAX_URL_BYTES}): {_shown(text)}")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UserError(f"not a URL ({exc}): {_shown(text)}") from None
    if not parts.scheme:
        raise UserError(f"not a URL (no http:// or https://): {_shown(text)}")
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise UserError(f"unsupported scheme {parts.scheme!r} (only http and https): {_shown(text)}")
    if not parts.hostname:
        raise UserError(f"not a URL (no host): {_shown(text)}")
    if port == 0:
        raise UserError(f"not a URL (port 0): {_shown(text)}")
    problem = _host_problem(parts.hostname)
    if problem:
        raise UserError(f"not a URL ({problem}): {_shown(text)}")
    return text


def _host_problem(host: str) -> str | None:
    """Why `host` (as urlsplit gives it: lower case, no brackets) cannot be a host; None when it can."""
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 literal may carry a zone id
        return None
    name = host[:-1] if host.endswith(".") else host  # the root's dot ends a fully qualified name
    try:
        # IDNA 2008, as httpx encodes non-ASCII hosts when it connects.
        ascii_name = name if name.isascii() else idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        return f"bad host name: {exc}"
    for label in ascii_name.split("."):
        if len(label) > 63:
            return f"a host name label of {len(label)} characters, the limit is 63"
        if not _ASCII_LABEL.match(label):
            return f"bad host name label {_shown(label)!r}" if label else "empty label in the host name"
    if len(ascii_name) > 253:
        return f"a host name of {len(ascii_name)} characters, the limit is 253"
    return None


def url_key(url: str) -> str:
    """The identity of a URL: equal keys mean the same feed or article."""
    text = check_url(url)
    # courlan raises assorted errors on odd input; the checks above suffice then.
    with contextlib.suppress(Exception):
        text = normalize_url(text, strict=False)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" if port in (None, _DEFAULT_PORTS.get(scheme)) else f"[{host}]:{port}"
    path = parts.path or "/"
    normal = posixpath.normpath(path)
    if path.endswith("/") and normal != "/":
        normal += "/"
    path = normal.rstrip("/") or "/"
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    key = urlunsplit(("", netloc, path, parts.query, "")).lstrip("/")
    if len(key.encode()) > MAX_URL_BYTES:  # normalising percent-encodes non-ASCII, which can triple it
        raise UserError(f"URL too long once normalised (more than {MAX_URL_BYTES} bytes): {_shown(text)}")
    return key
