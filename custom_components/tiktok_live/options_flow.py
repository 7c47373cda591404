"""Options: which high-volume events go on the bus, the minimum gift value for triggers, the check interval."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigEntry, OptionsFlow

from .const import (
    CONF_EXPOSE_CHAT,
    CONF_EXPOSE_JOINS,
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
    def __init__(self, entry: ConfigEntry) -> None:
        self._entry = entry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            return self.async_create_entry(title="", data=user_input)
        schema = vol.Schema(
            {
                vol.Required(CONF_EXPOSE_CHAT, default=False): bool,
                vol.Required(CONF_EXPOSE_JOINS, default=False): bool,
                vol.Required(CONF_MIN_GIFT_DIAMONDS, default=DEFAULT_MIN_GIFT_DIAMONDS): vol.All(
                    vol.Coerce(int), vol.Range(min=0)
                ),
                vol.Required(CONF_OFFLINE_INTERVAL, default=DEFAULT_OFFLINE_INTERVAL): vol.All(
                    vol.Coerce(int), vol.Range(min=MIN_OFFLINE_INTERVAL, max=3600)
                ),
            }
        )
        schema = self.add_suggested_values_to_schema(schema, self._entry.options)
        return self.async_show_form(step_id="init", data_schema=schema)
