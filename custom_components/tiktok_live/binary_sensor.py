"""Whether the creator is live."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import DOMAIN
from .entity import TikTokLiveEntity


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    async_add_entities([LiveBinarySensor(hass.data[DOMAIN][entry.entry_id], "live")])


class LiveBinarySensor(TikTokLiveEntity, BinarySensorEntity):
    @property
    def is_on(self) -> bool:
        return self.coordinator.data.live
