"""The events of a tracked room on their way from the connection to ``async for event in live.events``.

A frame's events are handed over at once and taken one by one. What is held for consumers is bounded in events
(``event_buffer``) whatever a frame holds (one event to ~700 in a busy room), since held events are what costs memory
(~0.8 KB each). A deque and two anyio events: taking an event that is there costs a deque pop, and only an empty
channel or a full one makes anyone wait (anyio's memory object stream cost about 1 µs a frame more, and instantiated
a generic class on every wait).
"""

from __future__ import annotations

from collections import deque

import anyio

from tiktok_webcast.events import Event


class EventChannel:
    """One producer (the connection) and any number of consumers. :meth:`put` hands a frame's events over, and
    waits while ``limit`` or more events are held (backpressure); :meth:`take` gives the next event held, or
    ``None``; :meth:`wait` waits until there is one, or says the stream has ended."""

    __slots__ = ("_closed", "_events", "_has_events", "_has_room", "_limit")

    def __init__(self, limit: int) -> None:
        self._events: deque[Event] = deque()
        self._limit = limit
        self._closed = False
        self._has_events: anyio.Event | None = None
        """Set by the producer for the consumers waiting on an empty channel."""
        self._has_room: anyio.Event | None = None
        """Set by a consumer once fewer than ``limit`` events are held, while the producer waits for it."""

    def __len__(self) -> int:
        return len(self._events)

    async def put(self, events: list[Event]) -> None:
        """Hands ``events`` over (dropped once the channel is closed); returns once fewer than ``limit`` events are
        held."""
        if self._closed:
            return
        held = self._events
        held.extend(events)
        self._wake_consumers()
        if len(held) >= self._limit:
            self._has_room = has_room = anyio.Event()
            await has_room.wait()

    def take(self) -> Event | None:
        """The next event held, or ``None`` when none is."""
        held = self._events
        if not held:
            return None
        event = held.popleft()
        if self._has_room is not None and len(held) < self._limit:
            self._wake_producer()
        return event

    async def wait(self) -> bool:
        """Waits until an event is held (True) or the channel is closed with none held (False)."""
        while not self._events:
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
            self._events.clear()
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
