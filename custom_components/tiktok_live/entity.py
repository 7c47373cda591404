"""The base entity: named by its translation key (after the creator's nickname), on the creator's device; its
entity id comes from the username (stable ASCII), not from the nickname."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import slugify

from .const import DOMAIN
from .coordinator import TikTokLiveCoordinator


def device_info(coordinator: TikTokLiveCoordinator) -> DeviceInfo:
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.user_id)},
        name=coordinator.entry.title,
        manufacturer="TikTok",
        model="LIVE creator",
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=f"https://www.tiktok.com/@{coordinator.username}/live",
    )


class TikTokLiveEntity(CoordinatorEntity[TikTokLiveCoordinator]):
    _attr_has_entity_name = True
    platform_domain: str  # "sensor", "event"...: the first part of the entity id

    def __init__(self, coordinator: TikTokLiveCoordinator, key: str) -> None:
        super().__init__(coordinator)
        self._attr_translation_key = key
        self._attr_unique_id = f"{coordinator.user_id}_{key}"
        self._attr_device_info = device_info(coordinator)
        # Only a suggestion for a new entity: the registry keeps an existing (or user-renamed) id.
        self.entity_id = f"{self.platform_domain}.{slugify(coordinator.username)}_{key}"
