"""Device triggers: went live, went offline, a gift (optionally worth N+ diamonds, or a given gift), a new follower,
a share, a subscription, a chat message. They listen to the coordinator's dispatcher signal, which carries every
event the options let through (the event bus carries fewer: the recorder writes it to the database)."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.const import CONF_DEVICE_ID, CONF_DOMAIN, CONF_PLATFORM, CONF_TYPE
from homeassistant.core import CALLBACK_TYPE, Event, HassJob, HomeAssistant, callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

from .const import (
    DOMAIN,
    EVENT_CHAT,
    EVENT_FOLLOW,
    EVENT_GIFT,
    EVENT_SHARE,
    EVENT_SUBSCRIBE,
    EVENT_TIKTOK_LIVE,
    EVENT_WENT_LIVE,
    EVENT_WENT_OFFLINE,
    trigger_signal,
)

CONF_MIN_DIAMONDS = "min_diamonds"
CONF_GIFT_NAME = "gift_name"
TRIGGER_TYPES = (
    EVENT_WENT_LIVE,
    EVENT_WENT_OFFLINE,
    EVENT_GIFT,
    EVENT_FOLLOW,
    EVENT_SHARE,
    EVENT_SUBSCRIBE,
    EVENT_CHAT,
)
GIFT_FIELDS = {
    vol.Optional(CONF_MIN_DIAMONDS): vol.All(vol.Coerce(int), vol.Range(min=0)),
    vol.Optional(CONF_GIFT_NAME): cv.string,
}
TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend({vol.Required(CONF_TYPE): vol.In(TRIGGER_TYPES), **GIFT_FIELDS})


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    return [
        {CONF_PLATFORM: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id, CONF_TYPE: kind}
        for kind in TRIGGER_TYPES
    ]


async def async_get_trigger_capabilities(hass: HomeAssistant, config: ConfigType) -> dict[str, vol.Schema]:
    return {"extra_fields": vol.Schema(GIFT_FIELDS)} if config[CONF_TYPE] == EVENT_GIFT else {}


async def async_attach_trigger(
    hass: HomeAssistant, config: ConfigType, action: TriggerActionType, trigger_info: TriggerInfo
) -> CALLBACK_TYPE:
    device_id, kind = config[CONF_DEVICE_ID], config[CONF_TYPE]
    min_diamonds = config.get(CONF_MIN_DIAMONDS, 0)
    gift_name = config.get(CONF_GIFT_NAME, "").casefold()
    job = HassJob(action, f"{DOMAIN} {kind} trigger {trigger_info}")

    @callback
    def _handle(data: dict[str, Any]) -> None:
        if data.get("type") != kind:
            return
        if kind == EVENT_GIFT and (
            data["diamonds"] < min_diamonds or (gift_name and data["gift_name"].casefold() != gift_name)
        ):
            return
        trigger = {CONF_PLATFORM: "device", CONF_DOMAIN: DOMAIN, CONF_DEVICE_ID: device_id, CONF_TYPE: kind}
        description = f"TikTok LIVE {kind}"
        # Shaped as the bus event it used to be, so templates read trigger.event.data.<field>.
        event = Event(EVENT_TIKTOK_LIVE, data)
        hass.async_run_hass_job(
            job,
            {"trigger": {**trigger_info["trigger_data"], **trigger, "event": event, "description": description}},
            event.context,
        )

    return async_dispatcher_connect(hass, trigger_signal(device_id), _handle)
