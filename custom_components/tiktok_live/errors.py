"""What Home Assistant makes of library errors: the setup error of a failed first check, and repair issues for a
signing service that rejects the API key and for a rate limit that does not go away."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from tiktok_webcast import SignerAuthError, UserNotFoundError

from .const import DOMAIN, ISSUE_RATE_LIMITED, ISSUE_SIGNER_REJECTED


def setup_error(error: Exception, username: str) -> HomeAssistantError:
    """What a failed first check means for the config entry."""
    kind: type[HomeAssistantError] = ConfigEntryNotReady
    key = "cannot_connect"
    if isinstance(error, SignerAuthError):
        kind, key = ConfigEntryAuthFailed, "invalid_api_key"
    elif isinstance(error, UserNotFoundError):
        kind, key = ConfigEntryError, "user_not_found"
    return kind(
        f"{username}: {error}",
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"username": username, "error": str(error)},
    )


def _issue_id(entry: ConfigEntry, kind: str) -> str:
    return f"{kind}_{entry.entry_id}"


@callback
def signer_rejected(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Raised with a reauth flow: the fix is new credentials."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry, ISSUE_SIGNER_REJECTED),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_SIGNER_REJECTED,
        translation_placeholders={"username": entry.data["username"]},
    )


@callback
def rate_limited(hass: HomeAssistant, entry: ConfigEntry, count: int) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry, ISSUE_RATE_LIMITED),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_RATE_LIMITED,
        translation_placeholders={"username": entry.data["username"], "count": str(count)},
    )


@callback
def clear(hass: HomeAssistant, entry: ConfigEntry, *kinds: str) -> None:
    for kind in kinds or (ISSUE_SIGNER_REJECTED, ISSUE_RATE_LIMITED):
        ir.async_delete_issue(hass, DOMAIN, _issue_id(entry, kind))


@callback
def abort_reauth(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Ends a reauth prompt whose cause went away (the key works again)."""
    for flow in entry.async_get_active_flows(hass, {SOURCE_REAUTH}):
        hass.config_entries.flow.async_abort(flow["flow_id"])
