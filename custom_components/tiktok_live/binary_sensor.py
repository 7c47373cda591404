"""Whether the creator is live, and why the integration thinks so (the ``reason`` attribute)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .entity import TikTokLiveEntity


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    async_add_entities([LiveBinarySensor(entry.runtime_data, "live")])


class LiveBinarySensor(TikTokLiveEntity, BinarySensorEntity):
    """On while live. ``reason`` and ``connection`` are keys (translated); ``liveness`` is the library's last answer
    (live, offline, unknown) and ``liveness_reason`` its words, e.g. "live per api_live and room_info"."""

    platform_domain = "binary_sensor"
    # The library's words may differ from check to check: not worth a database row each.
    _unrecorded_attributes = frozenset({"liveness_reason"})

    @property
    def is_on(self) -> bool:
        return self.coordinator.data.live

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        liveness = self.coordinator.liveness
        return {
            "reason": self.coordinator.reason,
            "connection": self.coordinator.state,
            "liveness": None if liveness is None else liveness.status.value,
            "liveness_reason": None if liveness is None else liveness.reason,
        }
