"""Counters of the current (or last) stream, the follower count, the stream's title and start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import TikTokLiveCoordinator
from .entity import TikTokLiveEntity
from .stream import StreamData


@dataclass(frozen=True, kw_only=True)
class TikTokSensorDescription(SensorEntityDescription):
    value: Callable[[StreamData], int | str | datetime | None]


MEASUREMENT, PER_STREAM = SensorStateClass.MEASUREMENT, SensorStateClass.TOTAL_INCREASING
# Units are counted things (Home Assistant has no unit for a count); they also keep the statistics of different
# counters apart.
SENSORS = (
    TikTokSensorDescription(
        key="viewers", state_class=MEASUREMENT, native_unit_of_measurement="viewers", value=lambda d: d.viewers
    ),
    TikTokSensorDescription(
        key="likes", state_class=PER_STREAM, native_unit_of_measurement="likes", value=lambda d: d.likes
    ),
    TikTokSensorDescription(
        key="diamonds", state_class=PER_STREAM, native_unit_of_measurement="diamonds", value=lambda d: d.diamonds
    ),
    TikTokSensorDescription(
        key="gifts", state_class=PER_STREAM, native_unit_of_measurement="gifts", value=lambda d: d.gifts
    ),
    TikTokSensorDescription(
        key="new_followers",
        state_class=PER_STREAM,
        native_unit_of_measurement="followers",
        value=lambda d: d.new_followers,
    ),
    TikTokSensorDescription(
        key="followers", state_class=MEASUREMENT, native_unit_of_measurement="followers", value=lambda d: d.followers
    ),
    TikTokSensorDescription(key="title", value=lambda d: d.title),
    TikTokSensorDescription(key="started", device_class=SensorDeviceClass.TIMESTAMP, value=lambda d: d.started),
)


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    async_add_entities(TikTokSensor(entry.runtime_data, description) for description in SENSORS)


class TikTokSensor(TikTokLiveEntity, SensorEntity):
    platform_domain = "sensor"
    entity_description: TikTokSensorDescription

    def __init__(self, coordinator: TikTokLiveCoordinator, description: TikTokSensorDescription) -> None:
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> int | str | datetime | None:
        return self.entity_description.value(self.coordinator.data)
