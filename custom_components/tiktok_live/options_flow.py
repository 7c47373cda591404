"""Options: whether events go on the bus, which high-volume ones reach triggers, the minimum gift value for
triggers, the check interval, and a fleet on NATS to take the events from instead of connecting from here."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import OptionsFlow

from .const import (
    CONF_EXPOSE_CHAT,
    CONF_EXPOSE_JOINS,
    CONF_FIRE_EVENTS,
    CONF_FLEET_URL,
    CONF_FLEET_WATCH,
    CONF_MIN_GIFT_DIAMONDS,
    CONF_OFFLINE_INTERVAL,
    DEFAULT_MIN_GIFT_DIAMONDS,
    DEFAULT_OFFLINE_INTERVAL,
    MIN_OFFLINE_INTERVAL,
)

try:  # 2024.4+
    from homeassistant.config_entries import ConfigFlowResult
except ImportError:  # pragma: no cover - 2024.3
    from homeassistant.data_entry_flow import FlowResult as ConfigFlowResult  # type: ignore[assignment]


class TikTokLiveOptionsFlow(OptionsFlow):
    """The entry is looked up from the flow's handler (its entry id), which every supported version sets."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            url = (user_input.get(CONF_FLEET_URL) or "").strip()
            if url and not url.startswith(("nats://", "tls://")):
                errors[CONF_FLEET_URL] = "invalid_fleet_url"
            else:
                if not url:
                    user_input.pop(CONF_FLEET_URL, None)
                return self.async_create_entry(title="", data=user_input)
        schema = vol.Schema(
            {
                vol.Required(CONF_FIRE_EVENTS, default=False): bool,
                vol.Required(CONF_EXPOSE_CHAT, default=False): bool,
                vol.Required(CONF_EXPOSE_JOINS, default=False): bool,
                vol.Required(CONF_MIN_GIFT_DIAMONDS, default=DEFAULT_MIN_GIFT_DIAMONDS): vol.All(
                    vol.Coerce(int), vol.Range(min=0)
                ),
                vol.Required(CONF_OFFLINE_INTERVAL, default=DEFAULT_OFFLINE_INTERVAL): vol.All(
                    vol.Coerce(int), vol.Range(min=MIN_OFFLINE_INTERVAL, max=3600)
                ),
                vol.Optional(CONF_FLEET_URL): str,
                vol.Required(CONF_FLEET_WATCH, default=False): bool,
            }
        )
        entry = self.hass.config_entries.async_get_entry(self.handler)
        assert entry is not None
        schema = self.add_suggested_values_to_schema(schema, user_input or entry.options)
        return self.async_show_form(step_id="init", data_schema=schema, errors=errors)
