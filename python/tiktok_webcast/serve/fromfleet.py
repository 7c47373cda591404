"""The server's events from a fleet on NATS JetStream instead of a local client: one durable consumer for every
creator, each event handed to its creator's feed (by the username the worker published it with), and the creators'
live status read from the fleet's status every few seconds.

nats-py's client reconnects by itself once connected; a broker that cannot be reached at all (or that vanishes under
a call) is retried here with the server's failure backoff, and every creator shows ``error`` meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from contextlib import aclosing, asynccontextmanager
from typing import Any, cast

import anyio
import nats.errors
import nats.js.errors

from tiktok_webcast._core import ControlEvent, UnknownEvent
from tiktok_webcast.fleet import Fleet, FleetError, FleetEvent, FleetStatus
from tiktok_webcast.fleet.consumer import fleet_events
from tiktok_webcast.serve.config import FleetSource
from tiktok_webcast.serve.creators import STREAM_ENDED, Polling
from tiktok_webcast.serve.feed import CreatorFeed

__all__ = ["follow_fleet"]

logger = logging.getLogger("tiktok_webcast.serve")

BROKER_ERRORS = (FleetError, nats.errors.Error, nats.js.errors.Error, OSError)
CLOSE_TIMEOUT = 5.0
STATUS_TIMEOUT = 5.0

FeedFor = Callable[[str], CreatorFeed | None]
"""The feed of a username the fleet published (None: not one this server serves)."""


class _FleetRooms:
    """Which room each creator is live in, from the events and the fleet's status; ends the stream of a creator who
    is no longer live (with a ``streamEnd`` when the fleet did not deliver TikTok's own).

    A worker writes its status every few seconds, so the status may be older than the events: it ends a stream only
    when it was written after the stream was seen live, and never brings back a room that ended."""

    def __init__(self, feed_for: FeedFor) -> None:
        self.feed_for = feed_for
        self.live: dict[str, tuple[int, float]] = {}
        """creator -> (room id, when it was seen live: wall-clock seconds, as the workers' status has them)."""
        self.ended: dict[str, int] = {}

    def event(self, username: str, room_id: int, event: object) -> None:
        feed = self.feed_for(username)
        if feed is None or isinstance(event, UnknownEvent):
            return
        if self.ended.get(feed.creator) == room_id:
            return  # late news from a stream that ended
        if self._room(feed) != room_id:
            self._went_live(feed, room_id)
        elif feed.status.get("state") != "live":  # back after the broker was away
            _set(feed, "live", room_id=str(room_id))
        feed.handle(event)
        if isinstance(event, ControlEvent) and event.action == STREAM_ENDED:
            self._ended(feed, announce=False)

    def status(self, status: FleetStatus, creators: Iterable[CreatorFeed]) -> None:
        watched = {name.lower() for name in status.watched}
        held = {name.lower() for name in status.holders}
        for feed in dict.fromkeys([*creators, *(self.feed_for(name) for name in status.watched)]):
            if feed is None:
                continue
            key = feed.creator.lower()
            room = status.live_room(feed.creator)
            if room.room_id is not None and self.ended.get(feed.creator) != room.room_id:
                if self._room(feed) != room.room_id:
                    self._went_live(feed, room.room_id)
                _set(feed, "live", room_id=str(room.room_id))
                continue
            if feed.creator in self.live:
                if room.written > self.live[feed.creator][1]:
                    self._ended(feed, announce=True)
            elif key not in watched:
                _set(feed, "not_watched")
            elif key not in held:
                _set(feed, "waiting", reason="no worker holds this creator yet")
            elif feed.status.get("state") != "ended":
                _set(feed, "offline")

    def unreachable(self, creators: Iterable[CreatorFeed]) -> None:
        for feed in creators:
            _set(feed, "error", error="FleetError")

    def _went_live(self, feed: CreatorFeed, room_id: int) -> None:
        if feed.creator in self.live:
            self._ended(feed, announce=True)  # a new room: the old stream ended unseen
        self.live[feed.creator] = (room_id, time.time())
        _set(feed, "live", room_id=str(room_id))

    def _room(self, feed: CreatorFeed) -> int | None:
        seen = self.live.get(feed.creator)
        return seen[0] if seen is not None else None

    def _ended(self, feed: CreatorFeed, *, announce: bool) -> None:
        room = self.live.pop(feed.creator, None)
        if room is not None:
            self.ended[feed.creator] = room[0]
        if announce:  # consumers still get their streamEnd when the fleet lost TikTok's
            feed.handle(ControlEvent(action=STREAM_ENDED))
        feed.stream_ended()
        _set(feed, "ended")


def _set(feed: CreatorFeed, state: str, **details: Any) -> None:
    """A status message only when the status changes: the fleet's status is read every few seconds."""
    if feed.status != {"state": state, **details}:
        feed.set_status(state, **details)


async def follow_fleet(
    source: FleetSource,
    creators: tuple[str, ...],
    feed_for: FeedFor,
    feeds: Callable[[], Iterable[CreatorFeed]],
    polling: Polling,
) -> None:
    """Runs until cancelled. ``creators`` go on the watch list when ``source.watch`` says so; ``feeds`` are the
    creators whose status is kept."""
    rooms = _FleetRooms(feed_for)
    failures = 0
    while True:
        for feed in feeds():
            _set(feed, "connecting")
        try:
            async with _connected(source) as fleet:
                failures = 0
                if source.watch:
                    await _watch(fleet, creators, feed_for)
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(_keep_status, fleet, rooms, feeds, source.status_interval)
                    events = cast(
                        AsyncGenerator[FleetEvent, None],
                        fleet_events(fleet.broker, durable=source.durable, from_now=True),
                    )
                    async with aclosing(events):
                        async for item in events:
                            rooms.event(item.username, item.room_id, item.event)
        except BROKER_ERRORS as error:
            failures += 1
            logger.warning("fleet at %r: %s", source, error or type(error).__name__)
        except Exception:  # a bug must not stop the server serving its clients: reconnect and go on
            failures += 1
            logger.exception("fleet at %r: unexpected error", source)
        rooms.unreachable(feeds())
        await anyio.sleep(polling.after_failure(failures))


@asynccontextmanager
async def _connected(source: FleetSource) -> AsyncIterator[Fleet]:
    """The fleet, closed even when the server stops (cancelled): otherwise its socket outlives the event loop."""
    fleet = Fleet(source.url, prefix=source.prefix)
    await fleet.__aenter__()
    try:
        yield fleet
    finally:
        with anyio.move_on_after(CLOSE_TIMEOUT, shield=True):
            await fleet.__aexit__(None, None, None)


async def _watch(fleet: Fleet, creators: tuple[str, ...], feed_for: FeedFor) -> None:
    for name in creators:
        try:
            await fleet.add(name)
        except FleetError as error:  # a name that cannot be a watch-list key: that creator only
            feed = feed_for(name)
            if feed is not None:
                _set(feed, "error", error="FleetError")
            logger.warning("%s", error)


async def _keep_status(
    fleet: Fleet, rooms: _FleetRooms, feeds: Callable[[], Iterable[CreatorFeed]], interval: float
) -> None:
    while True:
        try:
            # Shielded (and bounded): a read cancelled half-way leaves a key-value watch behind in nats-py, which
            # then holds up closing the connection.
            with anyio.fail_after(STATUS_TIMEOUT, shield=True):
                status = await fleet.status()
            rooms.status(status, feeds())
        except (*BROKER_ERRORS, TimeoutError) as error:  # nats-py reconnects meanwhile; the events wait in the stream
            logger.warning("reading the fleet's status: %s", error or type(error).__name__)
            rooms.unreachable(feeds())
        await anyio.sleep(interval)
