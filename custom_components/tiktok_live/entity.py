"""The base entity: named by its translation key, on the creator's device."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN
from .coordinator import TikTokLiveCoordinator


class TikTokLiveEntity(CoordinatorEntity[TikTokLiveCoordinator]):
    _attr_has_entity_name = True

    def __init__(self, coordinator: TikTokLiveCoordinator, key: str) -> None:
        super().__init__(coordinator)
        self._attr_translation_key = key
        self._attr_unique_id = f"{coordinator.user_id}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, coordinator.user_id)},
            name=coordinator.entry.title,
            manufacturer="TikTok",
            model="LIVE creator",
            entry_type=DeviceEntryType.SERVICE,
            configuration_url=f"https://www.tiktok.com/@{coordinator.username}/live",
        )
