"""Builds the library's client from a config entry's data, on Home Assistant's shared HTTP client and SSL context
(making a context loads the CA bundle from disk, which must not happen in the event loop)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.httpx_client import get_async_client
from homeassistant.util.ssl import get_default_context

from tiktok_webcast import BaseUrls, TikTok

from .const import (
    CONF_BASE_URL,
    CONF_SESSION_ID,
    CONF_SIGNER_API_KEY,
    CONNECT_TIMEOUT,
    RECONNECT_BACKOFF_MAX,
    RECONNECTS,
)


def parse_base_url(value: str | None) -> BaseUrls | None:
    """One base URL for every service, or a JSON object of them; None (TikTok's hosts) when empty.
    Raises ValueError when the value is neither."""
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith("{"):
        return BaseUrls.from_json(value)
    if not value.startswith(("http://", "https://")):
        raise ValueError("not an http(s) URL")
    return BaseUrls.from_url(value)


def new_client(hass: HomeAssistant, data: Mapping[str, Any]) -> TikTok:
    return TikTok(
        signer_api_key=data.get(CONF_SIGNER_API_KEY) or None,
        session_id=data.get(CONF_SESSION_ID) or None,
        base_urls=parse_base_url(data.get(CONF_BASE_URL)),
        http_client=get_async_client(hass),
        ssl_context=get_default_context(),
        # A reconnect replays the last comments; automations must not fire on them again.
        include_history=False,
        # Give up reconnecting after ~20 s, so the entities turn unavailable soon after the service is lost (the
        # supervisor then retries every RETRY_MAX seconds at most).
        max_reconnects=RECONNECTS,
        backoff_max=RECONNECT_BACKOFF_MAX,
        connect_timeout=CONNECT_TIMEOUT,
    )
