"""Event entities: a gift streak, a follow, a share, a subscription; chat messages and joins (off by default)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import EVENT_CHAT, EVENT_FOLLOW, EVENT_GIFT, EVENT_JOIN, EVENT_SHARE, EVENT_SUBSCRIBE
from .coordinator import LOGGER, TikTokLiveCoordinator
from .entity import TikTokLiveEntity

EVENTS = (
    EventEntityDescription(key=EVENT_GIFT, event_types=[EVENT_GIFT]),
    EventEntityDescription(key=EVENT_FOLLOW, event_types=[EVENT_FOLLOW]),
    EventEntityDescription(key=EVENT_SHARE, event_types=[EVENT_SHARE]),
    EventEntityDescription(key=EVENT_SUBSCRIBE, event_types=[EVENT_SUBSCRIBE]),
    # A busy stream sends many of these a second: enable them only when wanted.
    EventEntityDescription(key=EVENT_CHAT, event_types=[EVENT_CHAT], entity_registry_enabled_default=False),
    EventEntityDescription(key=EVENT_JOIN, event_types=[EVENT_JOIN], entity_registry_enabled_default=False),
)


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry, async_add_entities: AddEntitiesCallback) -> None:
    async_add_entities(TikTokEvent(entry.runtime_data, description) for description in EVENTS)


class TikTokEvent(TikTokLiveEntity, EventEntity):
    """Fires with the event's data as attributes: ``sender``, ``gift_name``, ``count``, ``diamonds``, ``image``
    for gifts; ``user``, ``nickname`` (and ``comment``, ``months``) for the others."""

    platform_domain = "event"
    # Who sent what differs on every event: recording it would add a row of attributes per gift or follow (a busy
    # stream sends thousands an hour). The event bus and the triggers still carry them.
    _unrecorded_attributes = frozenset({"sender", "sender_nickname", "image", "user", "nickname", "comment"})

    def __init__(self, coordinator: TikTokLiveCoordinator, description: EventEntityDescription) -> None:
        super().__init__(coordinator, description.key)
        self.entity_description = description
        self._latest: tuple[str, dict[str, Any]] | None = None

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        # At most one state per cooldown (the latest event): a busy stream sends hundreds of gifts a second,
        # and each state is a database row. Device triggers get every event.
        writer = Debouncer(
            self.hass, LOGGER, cooldown=self.coordinator.update_cooldown, immediate=True, function=self._write
        )
        self._writer = writer
        self.async_on_remove(writer.async_cancel)
        self.async_on_remove(self.coordinator.async_add_event_listener(self.entity_description.key, self._fired))

    @callback
    def _fired(self, kind: str, data: dict[str, Any]) -> None:
        self._latest = (kind, data)
        self._writer.async_schedule_call()

    @callback
    def _write(self) -> None:
        if self._latest is None:
            return
        kind, data = self._latest
        self._latest = None
        self._trigger_event(kind, data)
        self.async_write_ha_state()
