"""The creator's events from a fleet of workers on NATS JetStream (``tiktok_webcast.fleet``, docs/fleet.md) instead of
a client of this integration's own: the fleet's status says whether the creator is live and in which room, a durable
consumer brings the events, and the entities are unavailable while the broker cannot be reached.

Imported only by an entry that uses a fleet (coordinator.py), once nats-py is installed: the integration itself
does not require it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

import nats.errors
import nats.js.errors

from tiktok_webcast import ControlEvent, RoomInfo, UnknownEvent, UserInfo, WebcastError
from tiktok_webcast.fleet import Fleet, FleetError, FleetStatus
from tiktok_webcast.fleet.consumer import fleet_events

from . import errors
from .const import CONF_FLEET_URL, CONF_FLEET_WATCH, FLEET_STATUS_INTERVAL, RETRY_FIRST, RETRY_MAX

if TYPE_CHECKING:
    from .coordinator import TikTokLiveCoordinator

BROKER_ERRORS = (WebcastError, nats.errors.Error, nats.js.errors.Error, OSError)
"""What a broker that is away raises (TimeoutError is an OSError)."""
STREAM_ENDED = 3
STOP_TIMEOUT = 10.0
LIVE_STATUS = 2


class FleetSource:
    """Feeds the coordinator from the fleet until cancelled; its first answer (or failure) settles ``first``."""

    status_interval: float = FLEET_STATUS_INTERVAL

    def __init__(self, coordinator: TikTokLiveCoordinator, first: asyncio.Future[UserInfo | None]) -> None:
        self.coordinator = coordinator
        self.first = first
        self.options = coordinator.entry.options
        self.username = coordinator.username.lower()
        # A durable consumer per entry: a restart of Home Assistant goes on where it stopped.
        self.durable = f"home-assistant-{coordinator.entry.entry_id}"
        self.room: int | None = None
        self.since = 0.0
        self.ended: int | None = None
        self.failures = 0

    async def run(self) -> None:
        while True:
            try:
                async with Fleet(self.options[CONF_FLEET_URL]) as fleet:
                    if self.options.get(CONF_FLEET_WATCH):
                        await fleet.add(self.username)
                    self.status(await fleet.status())
                    if not self.first.done():
                        self.first.set_result(None)
                    self.failures = 0
                    stop = asyncio.Event()
                    status_task = asyncio.create_task(self._keep_status(fleet, stop))
                    try:
                        await self._events(fleet)
                    finally:
                        # A status read is let finish rather than cancelled: cancelled, nats-py may leave a
                        # key-value watcher's heartbeat task behind.
                        stop.set()
                        await asyncio.wait([status_task], timeout=STOP_TIMEOUT)
                        status_task.cancel()
            except BROKER_ERRORS as error:
                if not self.first.done():
                    self.first.set_exception(errors.setup_error(error, self.coordinator.username))
                    return
                self._unreachable(error)
            await asyncio.sleep(min(RETRY_FIRST * 2 ** min(self.failures - 1, 10), RETRY_MAX))

    def _unreachable(self, error: Exception) -> None:
        self.failures += 1
        self.coordinator.logger.warning("%s: the fleet: %s", self.coordinator.username, error)
        self.coordinator.failed(error, "unreachable")

    async def _keep_status(self, fleet: Fleet, stop: asyncio.Event) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.status_interval):
                    await stop.wait()
            if stop.is_set():
                return
            try:
                if not fleet.broker.connected:  # nats-py is reconnecting meanwhile
                    raise FleetError("the NATS server cannot be reached")
                async with asyncio.timeout(max(self.status_interval, 5.0)):
                    self.status(await fleet.status())
            except BROKER_ERRORS as error:
                self._unreachable(error)

    async def _events(self, fleet: Fleet) -> None:
        async for item in fleet_events(fleet.broker, durable=self.durable, from_now=True):
            event = item.event
            if item.username.lower() != self.username or isinstance(event, UnknownEvent) or item.room_id == self.ended:
                continue
            if item.room_id != self.room:
                self._went_live(item.room_id)
            self.coordinator.handle_event(event)
            if isinstance(event, ControlEvent) and event.action == STREAM_ENDED:
                self._ended()

    def status(self, status: FleetStatus) -> None:
        """What the fleet's status says. A worker writes it every few seconds, so it may be older than the events:
        it ends a stream only when written after the stream was seen live, and never brings back an ended room."""
        room = status.live_room(self.username)
        if room.room_id is not None and room.room_id != self.ended:
            if room.room_id != self.room:
                self._went_live(room.room_id)
            else:
                self.coordinator.from_fleet(_room(room.room_id), "fleet_live")  # available again after an outage
        elif self.room is not None:
            if room.written > self.since:
                self._ended()
        elif room.checked_offline:
            self.coordinator.from_fleet(None, "checked_offline")
        elif self.username not in status.watched:
            self.coordinator.from_fleet(None, "fleet_not_watched", known=False)
        else:  # nobody holds it yet, or its worker has not looked yet: no starting point
            reason = "fleet_unclaimed" if self.username not in status.holders else "first_check"
            self.coordinator.from_fleet(None, reason, known=False)

    def _went_live(self, room_id: int) -> None:
        self.room, self.since = room_id, time.time()
        self.coordinator.from_fleet(_room(room_id), "fleet_live")

    def _ended(self) -> None:
        self.ended, self.room = self.room, None
        self.coordinator.from_fleet(None, "stream_ended")


def _room(room_id: int) -> RoomInfo:
    """All the fleet tells of a room: its id (the title and counts come with the events)."""
    return RoomInfo(room_id=room_id, title="", status=LIVE_STATUS)
