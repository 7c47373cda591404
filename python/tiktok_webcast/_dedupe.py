"""Message ids already delivered, so a reconnect's replay (about 6 recent comments on every signer-free connect,
or the overlap of a cursor resume when switching paths) is not delivered twice."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Protocol, TypeVar

GENERATION_IDS = 1_024
"""Ids per generation. What a connect replays is recent: the welcome frame's ~6 comments and, on a cursor resume,
the overlap at the cursor (what was missed was never delivered). Two generations remember at least the newest 1,024
ids, about a minute of a room at 16 events/s, in ~75 B each (set slot and int): at most ~0.15 MiB per busy room."""

GENERATION_SECONDS = 900.0
"""Age at which a generation is retired, so a room of moderate traffic forgets ids after 15 to 30 minutes instead
of filling both generations (gotiktoklive keeps a 15-minute cache). Not shorter: the comments replayed
on a reconnect are the room's last ~6, which in a quiet room can be many minutes old, and must still be recognised."""


class _HasMsgId(Protocol):
    @property
    def msg_id(self) -> int: ...


E = TypeVar("E", bound=_HasMsgId)

_msg_id = attrgetter("msg_id")


class SeenIds:
    """Two sets of ids, the newest and the one before. When the newest is full or older than ``max_age``, it becomes
    the older one and the previous older one is dropped whole: eviction in batches, no per-id bookkeeping, and at
    most ``2 * capacity`` ids held (a set entry plus the int object, ~60 B each) whatever the room's traffic."""

    def __init__(self, capacity: int = GENERATION_IDS, max_age: float = GENERATION_SECONDS) -> None:
        self._newest: set[int] = set()
        self._older: set[int] = set()
        self._capacity = capacity
        self._max_age = max_age
        self._newest_since: float | None = None

    def tick(self, now: float) -> None:
        """Called once per frame with a monotonic time: retires the newest generation once it is ``max_age`` old."""
        if self._newest_since is None:
            self._newest_since = now
        elif now - self._newest_since >= self._max_age:
            self._retire()
            self._newest_since = now

    def first_time(self, msg_id: int) -> bool:
        """True the first time ``msg_id`` is seen (id 0 is always new: a message without one cannot be matched)."""
        if msg_id == 0:
            return True
        newest = self._newest
        if msg_id in newest or msg_id in self._older:
            return False
        newest.add(msg_id)
        if len(newest) >= self._capacity:
            self._retire()
        return True

    def keep_new(self, events: Sequence[E]) -> list[E]:
        """The events whose ``msg_id`` is seen for the first time, in order, all remembered now. A frame of ids
        that are all new and distinct (nearly every frame) is checked and remembered by set operations in C; a
        frame with a repeat or an id 0 goes one id at a time."""
        ids = set(map(_msg_id, events))
        newest = self._newest
        if len(ids) == len(events) and 0 not in ids and ids.isdisjoint(newest) and ids.isdisjoint(self._older):
            newest |= ids
            # A generation may overshoot by one frame: the bound is capacity plus a frame's messages.
            if len(newest) >= self._capacity:
                self._retire()
            return list(events)
        return [event for event in events if self.first_time(event.msg_id)]

    def _retire(self) -> None:
        self._older = self._newest
        self._newest = set()
        self._newest_since = None

    def __len__(self) -> int:
        return len(self._newest) + len(self._older)
