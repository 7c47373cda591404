"""Fan-out: every published message goes to every subscriber that wants it, without ever waiting for one.

Each subscriber (a websocket, an SSE stream, a webhook sender, the log) has a bounded queue. Publishing appends and
returns; when a queue is full its oldest message is dropped and counted, so a slow or dead consumer loses its own
backlog and nobody else notices.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import anyio

from tiktok_webcast.serve.message import Message

__all__ = ["DEFAULT_QUEUE", "Filter", "Hub", "Subscriber"]

DEFAULT_QUEUE = 1024


@dataclass(frozen=True, slots=True)
class Filter:
    """Which messages a subscriber wants: by creator and by type (our type names or TikFinity's event names)."""

    creators: frozenset[str] | None = None
    types: frozenset[str] | None = None

    @classmethod
    def parse(cls, creators: str | None, types: str | None) -> Filter:
        """From comma-separated query parameters (``?creator=a,b&type=GiftStreak,chat``)."""
        return cls(_names(creators, lower=True), _names(types, lower=False))

    def matches(self, message: Message) -> bool:
        if self.creators is not None and message.creator.lower() not in self.creators:
            return False
        if self.types is None or message.type in self.types:
            return True
        return any(name in self.types for name in message.tikfinity_names)


def _names(value: str | None, *, lower: bool) -> frozenset[str] | None:
    if not value:
        return None
    names = {part.strip().lstrip("@") for part in value.split(",") if part.strip()}
    return frozenset(name.lower() for name in names) if lower else frozenset(names)


class Subscriber:
    """A bounded queue of messages for one consumer; ``dropped`` counts what it lost by being slow."""

    def __init__(self, wants: Filter, capacity: int = DEFAULT_QUEUE, name: str = "") -> None:
        if capacity < 1:
            raise ValueError("a subscriber's queue holds at least one message")
        self.wants = wants
        self.name = name
        self.capacity = capacity
        self.dropped = 0
        self.delivered = 0
        self._queue: deque[Message] = deque()
        self._ready = anyio.Event()

    def offer(self, message: Message) -> None:
        if len(self._queue) >= self.capacity:
            self._queue.popleft()
            self.dropped += 1
        self._queue.append(message)
        self._ready.set()

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def take(self) -> list[Message]:
        """Every queued message, waiting for at least one."""
        while not self._queue:
            await self._ready.wait()
            self._ready = anyio.Event()
        batch = list(self._queue)
        self._queue.clear()
        self.delivered += len(batch)
        return batch


class Hub:
    """Subscribers grouped by filter: each message is matched once per distinct filter, not once per subscriber
    (fifty overlays are usually a handful of filters)."""

    def __init__(self) -> None:
        self._groups: dict[Filter, set[Subscriber]] = {}
        self.published = 0

    def publish(self, message: Message) -> None:
        self.published += 1
        for wants, group in self._groups.items():
            if wants.matches(message):
                for subscriber in group:
                    subscriber.offer(message)

    def publish_all(self, messages: Iterable[Message]) -> None:
        for message in messages:
            self.publish(message)

    def _add(self, subscriber: Subscriber) -> None:
        self._groups.setdefault(subscriber.wants, set()).add(subscriber)

    def _remove(self, subscriber: Subscriber) -> None:
        group = self._groups.get(subscriber.wants)
        if group is not None:
            group.discard(subscriber)
            if not group:
                del self._groups[subscriber.wants]

    def refilter(self, subscriber: Subscriber, wants: Filter) -> None:
        """Changes what ``subscriber`` gets from the next message on."""
        self._remove(subscriber)
        subscriber.wants = wants
        self._add(subscriber)

    @contextmanager
    def subscribe(self, wants: Filter, capacity: int = DEFAULT_QUEUE, name: str = "") -> Iterator[Subscriber]:
        subscriber = Subscriber(wants, capacity, name)
        self._add(subscriber)
        try:
            yield subscriber
        finally:
            self._remove(subscriber)

    @property
    def subscribers(self) -> tuple[Subscriber, ...]:
        return tuple(s for group in self._groups.values() for s in group)
