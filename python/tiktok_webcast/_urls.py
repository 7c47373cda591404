"""Where the services live. Real hosts by default; the simulator (or a self-hosted signer) stands in by
overriding them, through ``BaseUrls`` or the ``TIKTOK_WEBCAST_URLS`` environment variable."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import quote, urlsplit

from tiktok_webcast._redact import redact_url, register_secret
from tiktok_webcast.exceptions import InvalidArgumentError

ENV_VAR = "TIKTOK_WEBCAST_URLS"
_SCHEMES = {"web": ("http", "https"), "webcast": ("http", "https"), "ws": ("ws", "wss"), "signer": ("http", "https")}


def user_page_url(base: str, username: str, *rest: str) -> str:
    """``{base}/@{username}[/{rest}...]`` with every segment percent-encoded: a username holding ``../``, ``?`` or
    ``#`` stays one path segment and cannot reach another path or add a query."""
    segments = [f"@{quote(username, safe='')}", *(quote(segment, safe="") for segment in rest)]
    return "/".join([base.rstrip("/"), *segments])


def _checked(name: str, value: Any, source: str) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{source}: {name!r} must be a URL string, not {type(value).__name__}")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError as error:
        raise InvalidArgumentError(
            f"{source}: {name!r} is not a valid URL ({redact_url(value)[:200]}): {error}"
        ) from None
    allowed = _SCHEMES[name]
    if parts.scheme not in allowed or not parts.hostname:
        raise InvalidArgumentError(
            f"{source}: {name!r} must be a {' or '.join(allowed)} URL with a host, not {redact_url(value)[:200]!r}"
        )
    return value.rstrip("/")


@dataclass(frozen=True, slots=True)
class BaseUrls:
    """Base URLs of the services a client talks to. The real paths are appended unchanged."""

    web: str = "https://www.tiktok.com"
    """The website: ``/@user/live``, ``/api-live/user/room/``, ``/ttwid/register/``."""
    webcast: str = "https://webcast.tiktok.com"
    """The WebCast REST API: ``/webcast/room/info/``, ``/webcast/gift/list/``, ``/webcast/im/fetch/``."""
    ws: str = "wss://webcast-ws.tiktok.com"
    """The websocket push host for the signer-free path (``/webcast/im/ws_proxy/ws_reuse_supplement/``)."""
    signer: str = "https://api.eulerstream.com"
    """An EulerStream-compatible signing service."""

    def __post_init__(self) -> None:
        for url in (self.web, self.webcast, self.ws, self.signer):
            # Not a URL: nothing to remember (using it will say what is wrong).
            with contextlib.suppress(ValueError, AttributeError):
                register_secret(urlsplit(url).password)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={redact_url(getattr(self, name))!r}" for name in ("web", "webcast", "ws", "signer"))
        return f"BaseUrls({shown})"

    @classmethod
    def from_json(cls, text: str) -> BaseUrls:
        """Reads ``{"web": ..., "webcast": ..., "ws": ..., "signer": ...}`` (what ``tiktok-webcast simulate
        --json`` prints); missing keys keep the real hosts, unknown keys are ignored."""
        source = f"{ENV_VAR} / base URLs JSON"
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            raise InvalidArgumentError(f"{source} is not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise InvalidArgumentError(f'{source} must be a JSON object like {{"web": "http://..."}}')
        names = {field.name for field in fields(cls)}
        known = {key: _checked(key, value, source) for key, value in data.items() if key in names}
        return replace(cls(), **known)

    @classmethod
    def from_url(cls, url: str) -> BaseUrls:
        """Every service under one base URL (a simulator serving all paths on one port)."""
        url = _checked("web", url, f"{ENV_VAR} / base URL")
        ws = "wss" + url[len("https") :] if url.startswith("https") else "ws" + url[len("http") :]
        return cls(web=url, webcast=url, ws=ws, signer=url)

    @classmethod
    def from_env(cls) -> BaseUrls:
        """``TIKTOK_WEBCAST_URLS`` as JSON or as one base URL; the real hosts when it is unset. A malformed value
        raises :class:`InvalidArgumentError` saying what is wrong."""
        value = os.environ.get(ENV_VAR, "").strip()
        if not value:
            return cls()
        return cls.from_json(value) if value.startswith("{") else cls.from_url(value)
