"""The events of a tracked room on their way from the connection to ``async for event in live.events``.

The messages themselves wait in the engine's :class:`~tiktok_webcast._core.Inbox`, undecoded (a held message
costs two slices of the frame it came in): they are decoded a few at a time as consumers take them, so however many
wait, only ``DECODED_AHEAD`` decoded events are alive, and a busy room's read of dozens of frames is handed over in one
call. This module only
makes the producer and the consumers wait for each other: what is held is bounded in messages (``event_buffer``),
and only an empty channel or a full one makes anyone wait.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio

from tiktok_webcast._core import Inbox
from tiktok_webcast.events import Event

DECODED_AHEAD = 16
"""Held messages decoded at a time for the consumers: few enough to stay in the CPU's caches, enough that a
consumer's ``async for`` costs a list pop per event instead of a call into the engine."""


class EventChannel:
    """One producer (the connection) and any number of consumers. The producer puts messages in :attr:`inbox`,
    then calls :meth:`handed_over`, which waits while ``limit`` or more are held (backpressure); consumers read
    through an :class:`EventReader`, and :meth:`wait` waits until a message is held, or says the stream has ended."""

    __slots__ = ("_closed", "_has_events", "_has_room", "_limit", "inbox", "ready")

    def __init__(self, inbox: Inbox, limit: int) -> None:
        self.inbox = inbox
        self.ready: list[Event] = []
        """Events the inbox decoded for the consumers, the next one last."""
        self._limit = limit
        self._closed = False
        self._has_events: anyio.Event | None = None
        """Set by the producer for the consumers waiting on an empty channel."""
        self._has_room: anyio.Event | None = None
        """Set by a consumer once at most half of ``limit`` messages are held, while the producer waits for it."""

    def __len__(self) -> int:
        return len(self.inbox) + len(self.ready)

    @property
    def limit(self) -> int:
        return self._limit

    async def handed_over(self) -> None:
        """Wakes the consumers for what the producer put in; while ``limit`` or more messages are held, waits until
        the consumers have taken half of them."""
        self._wake_consumers()
        if len(self) >= self._limit and not self._closed:
            self._has_room = has_room = anyio.Event()
            await has_room.wait()

    async def wait(self) -> bool:
        """Waits until a message is held (True) or the channel is closed with none held (False)."""
        while not len(self):
            if self._closed:
                return False
            if self._has_events is None:
                self._has_events = anyio.Event()
            await self._has_events.wait()
        return True

    def close(self, *, discard: bool = False) -> None:
        """No more events come: consumers get what is held (nothing with ``discard``), then the end."""
        self._closed = True
        if discard:
            self.inbox.clear()
            self.ready.clear()
        self._wake_consumers()
        self._wake_producer()

    def _wake_consumers(self) -> None:
        has_events = self._has_events
        if has_events is not None:
            self._has_events = None
            has_events.set()

    def _wake_producer(self) -> None:
        has_room = self._has_room
        if has_room is not None:
            self._has_room = None
            has_room.set()


class EventReader:
    """``async for event in ...`` over a channel (a plain object, not an async generator, so breaking out of it needs
    no cleanup). ``end`` gives what the end of the stream is: it raises ``StopAsyncIteration`` or the failure."""

    __slots__ = ("_channel", "_end", "_ready", "_take_many")

    def __init__(self, channel: EventChannel, end: Callable[[], Event]) -> None:
        self._channel = channel
        self._ready = channel.ready
        self._take_many = channel.inbox.take_many
        self._end = end

    def __aiter__(self) -> EventReader:
        return self

    async def __anext__(self) -> Event:
        # The engine decodes a few held messages at a time; an event decoded already is a list pop away.
        ready = self._ready
        if ready:
            return ready.pop()
        return await self._next_slowly()

    async def _next_slowly(self) -> Event:
        """Has the next few messages decoded, wakes a waiting producer once there is room, and waits for a message
        when none is held."""
        channel = self._channel
        ready = self._ready
        while True:
            ready.extend(self._take_many(DECODED_AHEAD))
            # The producer goes on once half the limit is taken, not at each event taken below it: a producer woken
            # at once would hand over one more frame, wait again, and cost a scheduler pass per frame.
            if channel._has_room is not None and len(channel) <= channel._limit // 2:
                channel._wake_producer()
            if ready:
                return ready.pop()
            if not await channel.wait():
                return self._end()
