"""The device triggers Home Assistant offers for a creator, and their options."""

from __future__ import annotations

from custom_components.tiktok_live.const import DOMAIN
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import (
    async_get_device_automation_capabilities,
    async_get_device_automations,
)

from tiktok_webcast.simulator import Simulator

from .conftest import add_entry


async def test_triggers_and_capabilities(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await add_entry(hass, sim)
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, entry.unique_id)})
    assert device is not None
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, device.id)
    ours = {t["type"]: t for t in triggers if t["domain"] == DOMAIN}
    assert set(ours) == {"went_live", "went_offline", "gift", "follow", "share", "subscribe", "chat"}

    gift = await async_get_device_automation_capabilities(hass, DeviceAutomationType.TRIGGER, ours["gift"])
    assert {field["name"] for field in gift["extra_fields"]} == {"min_diamonds", "gift_name"}
    follow = await async_get_device_automation_capabilities(hass, DeviceAutomationType.TRIGGER, ours["follow"])
    assert follow == {"extra_fields": []}
    assert await hass.config_entries.async_unload(entry.entry_id)
