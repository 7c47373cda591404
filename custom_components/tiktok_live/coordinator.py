"""Owns the creator's client and background task (the loop and its error mapping are in supervisor.py; with a fleet
as the source, fleet.py), and pushes state and events to the entities, the event bus and the device triggers."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.requirements import RequirementsNotFound, async_process_requirements
from homeassistant.util import dt as dt_util

from tiktok_webcast import Live, Liveness, LiveStatus, RoomInfo, TikTok, UserInfo

from .const import (
    CONF_FLEET_URL,
    DOMAIN,
    EVENT_TIKTOK_LIVE,
    EVENT_WENT_LIVE,
    EVENT_WENT_OFFLINE,
    FIRST_CHECK_TIMEOUT,
    FLEET_REQUIREMENT,
    STATE_HISTORY,
    STORE_SAVE_DELAY,
    UPDATE_COOLDOWN,
    on_bus,
    trigger_signal,
    wanted,
)
from .stream import Stream, StreamData
from .supervisor import Supervisor

LOGGER = logging.getLogger(__package__)

EventListener = Callable[[str, dict[str, Any]], None]
# 2024.11+ takes the entry explicitly (and warns when it is left to a context variable).
ENTRY_ARG = "config_entry" in inspect.signature(DataUpdateCoordinator.__init__).parameters


def store_key(entry_id: str) -> str:
    """The storage file of an entry's stream counters (.storage/tiktok_live.ENTRY_ID)."""
    return f"{DOMAIN}.{entry_id}"


class TikTokLiveCoordinator(DataUpdateCoordinator[StreamData]):
    """The state of one followed creator, pushed to the entities."""

    update_cooldown: float = UPDATE_COOLDOWN

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
        self.reason = "first_check"
        self.last_error: str | None = None
        # The connection's recent states (time, state, reason), newest last: for diagnostics.
        self.history: deque[tuple[str, str, str]] = deque(maxlen=STATE_HISTORY)
        self.live: Live | None = None
        self.liveness: Liveness | None = None
        # Until the first check answers, what it finds is where the integration starts from, not a transition:
        # a (re)start, reload or reauth while the creator is live fires no went_live.
        self.observed = False
        self.store: Store[dict[str, Any]] = Store(hass, 1, store_key(entry.entry_id))
        self._new_client = client
        self._event_listeners: dict[str, list[EventListener]] = {}
        self._task: asyncio.Task[None] | None = None
        self._debouncer = Debouncer(hass, LOGGER, cooldown=self.update_cooldown, immediate=True, function=self._publish)

    async def _async_update_data(self) -> StreamData:
        return self.stream.data  # pushed, never polled

    async def async_start(self) -> None:
        """Restores the stream's counters, starts the background task and waits for its first check, whose
        failure is raised as a HA error."""
        self.stream = Stream(StreamData.from_stored(await self.store.async_load()))
        self.data = self.stream.data
        first: asyncio.Future[UserInfo | None] = self.hass.loop.create_future()
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

    @staticmethod
    async def async_remove_store(hass: HomeAssistant, entry: ConfigEntry) -> None:
        await Store[dict[str, Any]](hass, 1, store_key(entry.entry_id)).async_remove()

    async def async_stop(self) -> None:
        self._debouncer.async_cancel()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            await asyncio.wait([self._task])
        if self.observed:  # a reload must find the counters as they are now
            await self.store.async_save(self.stream.data.as_stored())

    @callback
    def set_state(self, state: str, reason: str) -> None:
        """The connection's state and why (keys, translated as the live sensor's attributes); kept in
        :attr:`history` when they change."""
        if (state, reason) != (self.state, self.reason):
            self.state, self.reason = state, reason
            self.history.append((dt_util.utcnow().isoformat(), state, reason))

    async def _run(self, first: asyncio.Future[UserInfo | None]) -> None:
        if self.options.get(CONF_FLEET_URL):
            await self._run_from_fleet(first)
            return
        async with self._new_client() as client:
            await Supervisor(self, client, first).run()

    async def _run_from_fleet(self, first: asyncio.Future[UserInfo | None]) -> None:
        """The events from a fleet (fleet.py): nats-py is installed on first use, not with the integration."""
        try:
            await async_process_requirements(self.hass, DOMAIN, [FLEET_REQUIREMENT])
            fleet = await self.hass.async_add_executor_job(importlib.import_module, f"{__package__}.fleet")
        except (RequirementsNotFound, ImportError) as error:
            first.set_exception(ConfigEntryError(f"{self.username}: a fleet needs {FLEET_REQUIREMENT}: {error}"))
            return
        await fleet.FleetSource(self, first).run()

    @callback
    def went_live(self, room: RoomInfo | UserInfo) -> None:
        was_live = self.stream.data.live
        new = self.stream.begin(room)
        if new:
            LOGGER.info("%s: stream in room %s (counters from 0)", self.username, room.room_id)
        self._publish()
        if self.observed and (new or not was_live):
            self._announce(EVENT_WENT_LIVE, {"title": room.title, "room_id": str(room.room_id)})
        self.observed = True

    @callback
    def went_offline(self) -> None:
        if self.stream.data.live:
            notes = self.stream.end()
            if self.observed:
                for kind, data in notes:
                    self._announce(kind, data)
                self._announce(EVENT_WENT_OFFLINE, {"room_id": str(self.stream.data.room_id)})
        self._publish()

    @callback
    def checked(self, user: UserInfo | None, liveness: Liveness) -> None:
        """The result of a check: the profile (None when its lookup failed), and the library's weighing of every
        source on whether the creator is live. The first check after setup is the starting point, announcing
        nothing; ``unknown`` changes nothing."""
        self.liveness = liveness
        if user is not None and user.follower_count:
            self.stream.data.followers = user.follower_count
        if liveness.status is LiveStatus.LIVE:
            self.set_state("live", "checked_live")
            if user is not None and user.is_live:
                self.went_live(user)
            else:  # the profile has no room: the room is entered by id, and that is the starting point
                return
        elif liveness.status is LiveStatus.OFFLINE:
            self.set_state("offline", "checked_offline")
            self.went_offline()
        else:
            self.set_state("unknown", "sources_unsure")
            self._publish()
        self.observed = True

    @callback
    def from_fleet(self, room: RoomInfo | None, reason: str, *, known: bool = True) -> None:
        """What the fleet says: live in ``room``, or not live (``reason``: a key of the ``reason`` attribute), or
        (``known`` false) nothing yet. Its first answer that knows is the starting point, as a check's is."""
        if room is not None:
            self.set_state("watching", reason)
            self.went_live(room)
        elif known:
            self.set_state("offline", reason)
            self.went_offline()
        else:
            self.set_state("unknown", reason)
            self._publish()
            return
        self.observed = True

    @callback
    def handle_event(self, event: object) -> None:
        for kind, data in self.stream.feed(event):
            self._announce(kind, data)
        self._debouncer.async_schedule_call()

    @callback
    def failed(self, error: Exception, reason: str) -> None:
        """The service could not be reached or refused (``reason``, a key of the ``reason`` attribute's states):
        the entities are unavailable until it answers again."""
        self.last_error = f"{type(error).__name__}: {error}"
        self.set_state("error", reason)
        self.async_set_update_error(error)

    @callback
    def async_add_event_listener(self, kind: str, listener: EventListener) -> Callable[[], None]:
        self._event_listeners.setdefault(kind, []).append(listener)
        return lambda: self._event_listeners[kind].remove(listener)

    @callback
    def _publish(self) -> None:
        self.async_set_updated_data(self.stream.data)
        if self.observed:
            self.store.async_delay_save(self.stream.data.as_stored, STORE_SAVE_DELAY)

    @callback
    def _announce(self, kind: str, data: dict[str, Any]) -> None:
        """Hands an event to the event entities, the device triggers and (see :func:`on_bus`) the event bus."""
        for listener in list(self._event_listeners.get(kind, ())):
            listener(kind, data)
        options = self.entry.options
        if not wanted(options, kind, data):
            return
        event = {"device_id": self.device_id, "creator": self.username, "type": kind, **data}
        async_dispatcher_send(self.hass, trigger_signal(self.device_id), event)
        if on_bus(options, kind, data):
            self.hass.bus.async_fire(EVENT_TIKTOK_LIVE, event)
