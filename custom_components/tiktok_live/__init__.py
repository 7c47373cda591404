"""TikTok LIVE: one config entry per followed creator, one device each, fed by the tiktok-webcast library."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from . import errors
from .client import new_client
from .const import DOMAIN
from .coordinator import TikTokLiveCoordinator

PLATFORMS = [Platform.BINARY_SENSOR, Platform.EVENT, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    coordinator = TikTokLiveCoordinator(hass, entry, lambda: new_client(hass, entry.data))
    await coordinator.async_start()
    username = coordinator.username
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, coordinator.user_id)},
        name=entry.title,
        manufacturer="TikTok",
        model="LIVE creator",
        entry_type=dr.DeviceEntryType.SERVICE,
        configuration_url=f"https://www.tiktok.com/@{username}/live",
    )
    coordinator.device_id = device.id
    hass.data.setdefault(DOMAIN, {})[entry.entry_id] = coordinator
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry) -> bool:
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        coordinator: TikTokLiveCoordinator = hass.data[DOMAIN].pop(entry.entry_id)
        await coordinator.async_stop()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry) -> None:
    errors.clear(hass, entry)


async def _async_options_updated(hass: HomeAssistant, entry: ConfigEntry) -> None:
    coordinator: TikTokLiveCoordinator = hass.data[DOMAIN][entry.entry_id]
    if dict(entry.options) != coordinator.options:  # a reauth reloads the entry itself
        await hass.config_entries.async_reload(entry.entry_id)
