"""Keeping secrets out of logs, traces, reprs, exception messages and diagnostics: the one list of secret names and
the one set of redaction functions. Applications (the CLI, the simulator, Home Assistant's diagnostics) import these
rather than keeping lists of their own.

Public for applications: :data:`REDACTED`, :data:`SECRET_NAMES`, :data:`SECRET_HEADERS`, :func:`redact`,
:func:`redact_url`, :func:`redact_headers`, :func:`redact_mapping`, :func:`register_secret` and
:func:`install_log_redaction`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "<redacted>"
"""What a secret is replaced by, everywhere."""

SECRET_NAMES = frozenset(
    {
        # API keys of signing services
        "apikey",
        "api_key",
        "jwtkey",
        "x-api-key",
        "x-jwt-key",
        # a logged-in TikTok session
        "sessionid",
        "session_id",
        "sessionid_ss",
        "sid_tt",
        "sid_guard",
        "uid_tt",
        "tt-target-idc",
        "tt_target_idc",
        # guest identity and request signatures
        "ttwid",
        "mstoken",
        "x-bogus",
        "x-gnarly",
        "_signature",
        "tt_csrf_token",
        "tt_chain_token",
        "odin_tt",
        # generic credentials
        "password",
        "signer_api_key",
        "webhook_secret",
    }
)
"""Names (lower case) whose values are secrets, as query parameters, cookies or mapping keys."""

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        "proxy-authorization",
        "set-cookie",
        "x-api-key",
        "x-cookie-header",
        "x-jwt-key",
        "x-oauth-token",
        "x-set-tt-cookie",
    }
)
"""Headers (lower case) whose whole value is secret."""

_NAMES = "|".join(sorted(map(re.escape, SECRET_NAMES), key=len, reverse=True))
_HEADERS = "|".join(sorted(map(re.escape, SECRET_HEADERS), key=len, reverse=True))
# name=value in a query string or a Cookie header; the value stops at a separator or a quote of a repr.
_PAIR = re.compile(r"(?i)(?<![\w-])(" + _NAMES + r")=(?!" + re.escape(REDACTED) + r")[^&;,\s'\"\]\)>]*")
# "Header: value" lines, and (b'Header', b'value') pairs as httpcore logs them.
_HEADER_LINE = re.compile(r"(?im)^(\s*(?:" + _HEADERS + r")\s*:\s*).*$")
_HEADER_TUPLE = re.compile(r"(?i)(\(b?['\"](?:" + _HEADERS + r")['\"],\s*b?)(['\"])(?:(?!\2).)*\2")
# scheme://user:password@host
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/@:]*:)[^\s/@]*@")
# NATS reads a lone user part (nats://TOKEN@host) as the token: the whole user part is the secret there.
_TOKEN_SCHEMES = frozenset({"nats", "tls"})
_TOKEN_USERINFO = re.compile(r"(?i)\b((?:" + "|".join(sorted(_TOKEN_SCHEMES)) + r")://)[^\s/@:]+@")

# Exact values known to be secret (an API key, a session id, minted cookies), scrubbed wherever they appear.
_MIN_SECRET_LENGTH = 6
_MAX_REGISTERED = 32
_registered: dict[str, None] = {}
_registered_values: tuple[str, ...] = ()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remembers ``value`` as a secret: from now on :func:`redact` replaces it wherever it appears, whatever it is
    called. Values shorter than 6 characters are ignored (they would redact ordinary text); the newest 32 are kept
    (the cookies a signer mints replace each other)."""
    global _registered_values
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _registered:
            return
        _registered[value] = None
        while len(_registered) > _MAX_REGISTERED:
            del _registered[next(iter(_registered))]
        # Longest first, so that a secret containing another is replaced whole.
        _registered_values = tuple(sorted(_registered, key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with API keys, session ids, cookie values, secret headers, URL passwords and every registered secret
    replaced by :data:`REDACTED`."""
    for value in _registered_values:  # substring tests: far cheaper than one regex of many alternatives
        if value in text:
            text = text.replace(value, REDACTED)
    # Each pattern only where its anchor character occurs: most log lines have none of them.
    if "@" in text:
        text = _USERINFO.sub(r"\1" + REDACTED + "@", text)
        text = _TOKEN_USERINFO.sub(r"\1" + REDACTED + "@", text)
    if "(" in text:
        text = _HEADER_TUPLE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", text)
    if ":" in text:
        text = _HEADER_LINE.sub(r"\1" + REDACTED, text)
    if "=" in text:
        text = _PAIR.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    return text


def redact_url(url: str) -> str:
    """``url`` with its password (``user:password@``; a NATS URL's token, ``nats://token@``) and the values of secret
    query parameters replaced; other parameters keep their values and order."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        if has_password:
            netloc = f"{user}:{REDACTED}@{host}"
        elif parts.scheme.lower() in _TOKEN_SCHEMES:
            netloc = f"{REDACTED}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, REDACTED if k.lower() in SECRET_NAMES else v) for k, v in pairs], safe="<>")
    return redact(urlunsplit(parts._replace(netloc=netloc, query=query)))


def redact_headers(headers: Sequence[tuple[str, str]] | Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Headers with the values of cookies, API keys and tokens replaced (other values are scrubbed too)."""
    items: Iterable[tuple[str, str]] = headers.items() if isinstance(headers, Mapping) else headers
    return tuple((key, REDACTED if key.lower() in SECRET_HEADERS else redact(value)) for key, value in items)


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` (nested mappings and lists too) with secret keys' values replaced and URLs redacted: for
    trace metadata and diagnostics."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).lower()
        if name in SECRET_NAMES or name in SECRET_HEADERS:
            out[key] = REDACTED
        else:
            out[key] = _redact_value(value)
    return out


def _redact_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return redact_mapping(value)
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(item) for item in value)
    if isinstance(value, str):
        return redact_url(value) if "://" in value else redact(value)
    return value


class RedactingFilter(logging.Filter):
    """Rewrites each record's message through :func:`redact` (arguments included), so every handler sees it clean."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            # Handlers print exc_text when it is set: a traceback's messages are redacted too.
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        return True


_FORMATTER = logging.Formatter()


LOGGERS = (
    "tiktok_webcast",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack",
    "hpack.hpack",
    "hpack.table",
    "h2",
    "h2.connection",
    "h11",
    "python_socks",
    "anyio",
    "trio",
    "asyncio",
)
"""Loggers that can see requests, headers or cookies. A logger's filter does not apply to its children's records,
so each is named; :func:`install_log_redaction` also covers children that exist already."""

_FILTER = RedactingFilter()


def install_log_redaction(extra: Iterable[str] = ()) -> None:
    """Adds the redacting filter to the HTTP libraries' loggers (and ours): httpcore at DEBUG prints response headers,
    signer-minted cookies included. Idempotent; ``extra`` names more loggers."""
    names = set(LOGGERS) | set(extra)
    prefixes = tuple(f"{name}." for name in names)
    names |= {name for name in list(logging.Logger.manager.loggerDict) if name.startswith(prefixes)}
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
