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
    platform_domain = "binary_sensor"

    @property
    def is_on(self) -> bool:
        return self.coordinator.data.live

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        return {"reason": self.coordinator.reason, "connection": self.coordinator.state}
