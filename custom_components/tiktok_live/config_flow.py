"""Config flow: a creator, checked against the service; reauth: a new API key or session id."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigEntry, ConfigFlow, OptionsFlow
from homeassistant.const import CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from tiktok_webcast import (
    BlockedError,
    SignerAuthError,
    SignerRateLimitError,
    UserInfo,
    UserNotFoundError,
    WebcastError,
)

from .client import new_client, parse_base_url
from .const import (
    CONF_BASE_URL,
    CONF_SESSION_ID,
    CONF_SIGNER_API_KEY,
    DOMAIN,
)
from .options_flow import TikTokLiveOptionsFlow

try:  # 2024.4+
    from homeassistant.config_entries import ConfigFlowResult
except ImportError:  # pragma: no cover - 2024.3
    from homeassistant.data_entry_flow import FlowResult as ConfigFlowResult  # type: ignore[assignment]

LOGGER = logging.getLogger(__package__)
SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
CREDENTIALS = {vol.Optional(CONF_SIGNER_API_KEY): SECRET, vol.Optional(CONF_SESSION_ID): SECRET}
USER_SCHEMA = vol.Schema({vol.Required(CONF_USERNAME): str, **CREDENTIALS})


class TikTokLiveConfigFlow(ConfigFlow, domain=DOMAIN):
    VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        return TikTokLiveOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            user, errors = await self._check(user_input)
            if user is not None:
                await self.async_set_unique_id(str(user.user_id))
                self._abort_if_unique_id_configured()
                data = {**user_input, CONF_USERNAME: user.username or user_input[CONF_USERNAME]}
                return self.async_create_entry(title=user.nickname or f"@{data[CONF_USERNAME]}", data=data)
        schema = USER_SCHEMA
        if self.show_advanced_options:
            schema = schema.extend({vol.Optional(CONF_BASE_URL): str})
        schema = self.add_suggested_values_to_schema(schema, user_input or {})
        return self.async_show_form(step_id="user", data_schema=schema, errors=errors)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        entry = self.hass.config_entries.async_get_entry(self.context["entry_id"])
        assert entry is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_SIGNER_API_KEY: "", CONF_SESSION_ID: "", **user_input}
            user, errors = await self._check(data)
            if user is not None:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(CREDENTIALS),
            errors=errors,
            description_placeholders={CONF_USERNAME: entry.data[CONF_USERNAME]},
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """New credentials or a new service URL for a followed creator (versions after 2024.3 offer this step)."""
        entry = self.hass.config_entries.async_get_entry(self.context["entry_id"])
        assert entry is not None
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_SIGNER_API_KEY: "", CONF_SESSION_ID: "", CONF_BASE_URL: "", **user_input}
            user, errors = await self._check(data)
            if user is not None and str(user.user_id) != entry.unique_id:
                errors = {"base": "another_creator"}
            elif user is not None:
                return self.async_update_reload_and_abort(entry, data=data, reason="reconfigure_successful")
        schema = vol.Schema(CREDENTIALS)
        if self.show_advanced_options or entry.data.get(CONF_BASE_URL):
            schema = schema.extend({vol.Optional(CONF_BASE_URL): str})
        # The secrets are never shown again: only the base URL is suggested.
        suggested = user_input or {CONF_BASE_URL: entry.data.get(CONF_BASE_URL, "")}
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={CONF_USERNAME: entry.data[CONF_USERNAME]},
        )

    async def _check(self, data: Mapping[str, Any]) -> tuple[UserInfo | None, dict[str, str]]:
        """Looks the creator up (and the API key, if any) with these settings; the errors for the form."""
        try:
            parse_base_url(data.get(CONF_BASE_URL))
        except ValueError:
            return None, {CONF_BASE_URL: "invalid_base_url"}
        try:
            async with new_client(self.hass, data) as client:
                user = await client.get_user_info(data[CONF_USERNAME])
                if data.get(CONF_SIGNER_API_KEY):
                    await client.check_signer()
        except UserNotFoundError:
            return None, {CONF_USERNAME: "user_not_found"}
        except SignerAuthError:
            return None, {CONF_SIGNER_API_KEY: "invalid_api_key"}
        except (SignerRateLimitError, BlockedError) as error:
            limited = isinstance(error, SignerRateLimitError) or error.status == 429
            return None, {"base": "rate_limited" if limited else "cannot_connect"}
        except (WebcastError, OSError):
            return None, {"base": "cannot_connect"}
        except Exception:
            LOGGER.exception("Unexpected error looking up %s", data[CONF_USERNAME])
            return None, {"base": "unknown"}
        return user, {}
