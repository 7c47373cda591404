"""Diagnostics: the entry (secrets redacted), the stream's counters, the connection's state, its reason and its
recent changes. Everything is made JSON-safe here, whatever the library's objects hold."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from tiktok_webcast import __version__
from tiktok_webcast._redact import redact

from .const import CONF_SESSION_ID, CONF_SIGNER_API_KEY
from .coordinator import TikTokLiveCoordinator

TO_REDACT = {CONF_SIGNER_API_KEY, CONF_SESSION_ID, "cookies", "cookie", "ttwid", "sessionid"}


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: ConfigEntry) -> dict[str, Any]:
    coordinator: TikTokLiveCoordinator = entry.runtime_data
    live = coordinator.live
    return json_safe(
        {
            "library_version": __version__,
            "entry": {"data": async_redact_data(dict(entry.data), TO_REDACT), "options": dict(entry.options)},
            "connection": {
                "state": coordinator.state,
                "reason": coordinator.reason,
                "available": coordinator.last_update_success,
                "last_error": coordinator.last_error,
                "liveness": coordinator.liveness,  # status, reason and every source's reading of the last check
                "recent_changes": [
                    {"at": at, "state": state, "reason": reason} for at, state, reason in coordinator.history
                ],
                "live": None
                if live is None
                else {"state": live.state, "path": live.path, "room_id": live.room_id, "stats": live.stats},
            },
            "stream": coordinator.data,
        }
    )


def json_safe(value: Any) -> Any:
    """``value`` as JSON types: dataclasses and mappings as objects with string keys (a counter may be keyed by
    tuples), enums by value, times in ISO 8601, other objects by their text, every string with secrets redacted."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return json_safe(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {_key(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    return redact(str(value))


def _key(key: Any) -> str:
    if isinstance(key, str):
        return redact(key)
    if isinstance(key, tuple):
        return "/".join(map(str, key))
    return str(json_safe(key))
