"""URL checks and the normalised key that decides when two URLs name one feed or article.

courlan does the well-known part (case, tracking parameters, query order); on top of it the key
drops what never changes the resource in practice: the scheme, a default port, the fragment,
dot segments and a trailing slash.
"""

from __future__ import annotations

import contextlib
import posixpath
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

from newswatch.errors import UserError

_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_url(url: str) -> str:
    """Return the URL stripped, or raise UserError saying what is wrong with it."""
    text = url.strip()
    if not text:
        raise UserError("empty URL")
    if any(ch.isspace() for ch in text):
        raise UserError(f"not a URL (contains white space): {text!r}")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UserError(f"not a URL ({exc}): {text}") from None
    if not parts.scheme:
        raise UserError(f"not a URL (no http:// or https://): {text}")
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise UserError(f"unsupported scheme {parts.scheme!r} (only http and https): {text}")
    if not parts.hostname:
        raise UserError(f"not a URL (no host): {text}")
    if port == 0:
        raise UserError(f"not a URL (port 0): {text}")
    return text


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
    return urlunsplit(("", netloc, path, parts.query, "")).lstrip("/")
