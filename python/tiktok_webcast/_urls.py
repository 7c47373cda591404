"""Where the services live. Real hosts by default; the simulator (or a self-hosted signer) stands in by
overriding them, through ``BaseUrls`` or the ``TIKTOK_WEBCAST_URLS`` environment variable."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace

ENV_VAR = "TIKTOK_WEBCAST_URLS"


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

    @classmethod
    def from_json(cls, text: str) -> BaseUrls:
        """Reads ``{"web": ..., "webcast": ..., "ws": ..., "signer": ...}`` (what ``tiktok-webcast simulate
        --json`` prints); missing keys keep the real hosts, unknown keys are ignored."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("base URLs must be a JSON object")
        known = {key: str(value).rstrip("/") for key, value in data.items() if key in cls.__dataclass_fields__}
        return replace(cls(), **known)

    @classmethod
    def from_url(cls, url: str) -> BaseUrls:
        """Every service under one base URL (a simulator serving all paths on one port)."""
        url = url.rstrip("/")
        ws = "wss" + url[len("https") :] if url.startswith("https") else "ws" + url[len("http") :]
        return cls(web=url, webcast=url, ws=ws, signer=url)

    @classmethod
    def from_env(cls) -> BaseUrls:
        """``TIKTOK_WEBCAST_URLS`` as JSON or as one base URL; the real hosts when it is unset."""
        value = os.environ.get(ENV_VAR, "").strip()
        if not value:
            return cls()
        return cls.from_json(value) if value.startswith("{") else cls.from_url(value)
