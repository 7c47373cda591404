"""Diagnostics: the entry (secrets redacted), the stream's counters and the connection's state."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from tiktok_webcast import __version__

from .const import CONF_SESSION_ID, CONF_SIGNER_API_KEY, DOMAIN
from .coordinator import TikTokLiveCoordinator

TO_REDACT = {CONF_SIGNER_API_KEY, CONF_SESSION_ID, "cookies", "cookie", "ttwid", "sessionid"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, Any]:
    coordinator: TikTokLiveCoordinator = hass.data[DOMAIN][entry.entry_id]
    live = coordinator.live
    stream = asdict(coordinator.data)
    stream["started"] = stream["started"].isoformat() if stream["started"] else None
    return {
        "library_version": __version__,
        "entry": {"data": async_redact_data(dict(entry.data), TO_REDACT), "options": dict(entry.options)},
        "connection": {
            "state": coordinator.state,
            "available": coordinator.last_update_success,
            "last_error": coordinator.last_error,
            "live": None
            if live is None
            else {"state": live.state.value, "path": live.path and live.path.value, "stats": asdict(live.stats)},
        },
        "stream": stream,
    }
