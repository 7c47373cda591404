"""Owns the creator's client and background task (the loop and its error mapping are in supervisor.py), and
pushes state and events to the entities, the event bus and the device triggers."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from tiktok_webcast import Live, RoomInfo, TikTok, UserInfo

from .const import EVENT_TIKTOK_LIVE, EVENT_WENT_LIVE, EVENT_WENT_OFFLINE, FIRST_CHECK_TIMEOUT, UPDATE_COOLDOWN, on_bus
from .stream import Stream, StreamData
from .supervisor import Supervisor

LOGGER = logging.getLogger(__package__)

EventListener = Callable[[str, dict[str, Any]], None]
# 2024.11+ takes the entry explicitly (and warns when it is left to a context variable).
ENTRY_ARG = "config_entry" in inspect.signature(DataUpdateCoordinator.__init__).parameters


class TikTokLiveCoordinator(DataUpdateCoordinator[StreamData]):
    """The state of one followed creator, pushed to the entities."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, client: Callable[[], TikTok]) -> None:
        extra: dict[str, Any] = {"config_entry": entry} if ENTRY_ARG else {}
        super().__init__(hass, LOGGER, name=f"TikTok LIVE {entry.title}", **extra)
        self.entry = entry
        self.options = dict(entry.options)
        self.username: str = entry.data["username"]
        self.user_id = str(entry.unique_id)
        self.device_id: str | None = None
        self.stream = Stream()
        self.data = self.stream.data
        self.state = "starting"
        self.last_error: str | None = None
        self.live: Live | None = None
        self._new_client = client
        self._event_listeners: dict[str, list[EventListener]] = {}
        self._task: asyncio.Task[None] | None = None
        self._debouncer = Debouncer(hass, LOGGER, cooldown=UPDATE_COOLDOWN, immediate=True, function=self._publish)

    async def _async_update_data(self) -> StreamData:
        return self.stream.data  # pushed, never polled

    async def async_start(self) -> None:
        """Starts the background task; waits for its first check, whose failure is raised as a HA error."""
        first: asyncio.Future[UserInfo] = self.hass.loop.create_future()
        self._task = self.entry.async_create_background_task(
            self.hass, self._run(first), f"{self.entry.domain} {self.username}"
        )
        try:
            async with asyncio.timeout(FIRST_CHECK_TIMEOUT):
                await asyncio.shield(first)
        except BaseException as error:
            await self.async_stop()
            if isinstance(error, TimeoutError):
                raise ConfigEntryNotReady(f"{self.username}: no answer in {FIRST_CHECK_TIMEOUT:.0f} s") from error
            raise

    async def async_stop(self) -> None:
        self._debouncer.async_cancel()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.wait([self._task])

    async def _run(self, first: asyncio.Future[UserInfo]) -> None:
        async with self._new_client() as client:
            await Supervisor(self, client, first).run()

    @callback
    def went_live(self, room: RoomInfo | UserInfo) -> None:
        was_live = self.stream.data.live
        if self.stream.begin(room):
            LOGGER.info("%s: a new stream started (room %s)", self.username, room.room_id)
        self._publish()
        if not was_live:
            self._announce(EVENT_WENT_LIVE, {"title": room.title, "room_id": str(room.room_id)})

    @callback
    def went_offline(self) -> None:
        if self.stream.data.live:
            for kind, data in self.stream.end():
                self._announce(kind, data)
            self._announce(EVENT_WENT_OFFLINE, {"room_id": str(self.stream.data.room_id)})
        self._publish()

    @callback
    def user_seen(self, user: UserInfo) -> None:
        if user.follower_count:
            self.stream.data.followers = user.follower_count
        if user.is_live:
            self.went_live(user)
        else:
            self.state = "offline"
            self.went_offline()

    @callback
    def handle_event(self, event: object) -> None:
        for kind, data in self.stream.feed(event):
            self._announce(kind, data)
        self._debouncer.async_schedule_call()

    @callback
    def failed(self, error: Exception) -> None:
        self.state = "error"
        self.last_error = f"{type(error).__name__}: {error}"
        self.async_set_update_error(error)

    @callback
    def async_add_event_listener(self, kind: str, listener: EventListener) -> Callable[[], None]:
        self._event_listeners.setdefault(kind, []).append(listener)
        return lambda: self._event_listeners[kind].remove(listener)

    @callback
    def _publish(self) -> None:
        self.async_set_updated_data(self.stream.data)

    @callback
    def _announce(self, kind: str, data: dict[str, Any]) -> None:
        for listener in list(self._event_listeners.get(kind, ())):
            listener(kind, data)
        if on_bus(self.entry.options, kind, data):
            event = {"device_id": self.device_id, "creator": self.username, "type": kind, **data}
            self.hass.bus.async_fire(EVENT_TIKTOK_LIVE, event)
