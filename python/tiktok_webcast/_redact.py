"""Keeping secrets out of logs, traces, reprs and diagnostics."""

from __future__ import annotations

import re

SECRET_QUERY_KEYS = (
    "apiKey",
    "api_key",
    "session_id",
    "sessionid",
    "jwtKey",
    "msToken",
    "X-Bogus",
    "X-Gnarly",
)
SECRET_COOKIES = ("sessionid", "sessionid_ss", "sid_tt", "sid_guard", "ttwid", "msToken", "tt_csrf_token")
SECRET_HEADERS = ("cookie", "set-cookie", "x-api-key", "x-jwt-key", "x-cookie-header", "x-set-tt-cookie")

_QUERY = re.compile(r"(?i)([?&](?:" + "|".join(map(re.escape, SECRET_QUERY_KEYS)) + r")=)[^&#\s]*")
_COOKIE = re.compile(r"(?i)\b(" + "|".join(map(re.escape, SECRET_COOKIES)) + r")=[^;,\s]*")


def redact(text: str) -> str:
    """``text`` with API keys, session ids and cookie values replaced by ``***``."""
    return _COOKIE.sub(r"\1=***", _QUERY.sub(r"\1***", text))


def redact_headers(headers: list[tuple[str, str]] | dict[str, str]) -> list[tuple[str, str]]:
    items = headers.items() if isinstance(headers, dict) else headers
    return [(key, "***" if key.lower() in SECRET_HEADERS else redact(value)) for key, value in items]
