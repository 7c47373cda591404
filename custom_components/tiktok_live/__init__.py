"""TikTok LIVE: one config entry per followed creator, one device each, fed by the tiktok-webcast library."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from . import errors
from .client import new_client
from .coordinator import TikTokLiveCoordinator
from .entity import device_info

PLATFORMS = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    coordinator = TikTokLiveCoordinator(hass, entry, lambda: new_client(hass, entry.data))
    # The device exists before the first check, so every event (and trigger) carries its id.
    device = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **device_info(coordinator))
    coordinator.device_id = device.id
    await coordinator.async_start()
    entry.runtime_data = coordinator
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        coordinator: TikTokLiveCoordinator = entry.runtime_data
        await coordinator.async_stop()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    errors.clear(hass, entry)
    await TikTokLiveCoordinator.async_remove_store(hass, entry)


async def _async_options_updated(hass: HomeAssistant, entry: ConfigEntry) -> None:
    coordinator: TikTokLiveCoordinator = entry.runtime_data
    if dict(entry.options) != coordinator.options:  # a reauth or reconfigure reloads the entry itself
        await hass.config_entries.async_reload(entry.entry_id)
