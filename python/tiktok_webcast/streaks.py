"""Gift streaks counted once (webcast.md §9).

A streakable gift (``type == 1``) arrives once per combo update with a running ``repeat_count`` and once more with
``repeat_end``; other gifts arrive once. :class:`GiftStreakTracker` turns that into one :class:`GiftStreak` per
finished streak, with its total count and diamonds, and finishes a streak whose final message never came after
``expire_after`` seconds with the last count it saw.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass

from tiktok_webcast._core import GiftEvent, User

EXPIRE_AFTER = 60.0


@dataclass(frozen=True, slots=True)
class GiftStreak:
    """A finished streak (or a single gift): ``count`` gifts worth ``diamonds`` in all."""

    gift: GiftEvent
    """The last message of the streak."""
    count: int
    diamonds: int
    expired: bool = False
    """True when the final message never came and the streak was finished by time."""

    @property
    def user(self) -> User | None:
        return self.gift.user

    @property
    def name(self) -> str:
        return self.gift.name


@dataclass
class _Open:
    last: GiftEvent
    seen_at: float


class GiftStreakTracker:
    """Feed it every ``GiftEvent``; it returns the streaks that finished."""

    def __init__(self, *, expire_after: float = EXPIRE_AFTER, clock: Callable[[], float] = time.monotonic) -> None:
        self._open: dict[tuple[int, int, int], _Open] = {}
        self._expire_after = expire_after
        self._clock = clock

    def feed(self, gift: GiftEvent) -> list[GiftStreak]:
        finished = self.expire()
        if not gift.streakable:
            finished.append(GiftStreak(gift, max(gift.repeat_count, 1), gift.diamonds))
            return finished
        key = (gift.user.id if gift.user else 0, gift.id, gift.group_id)
        if gift.streak_finished:
            self._open.pop(key, None)
            finished.append(GiftStreak(gift, max(gift.repeat_count, 1), gift.diamonds))
        else:
            self._open[key] = _Open(gift, self._clock())
        return finished

    def expire(self) -> list[GiftStreak]:
        """Streaks whose final message is overdue, finished with their last count."""
        now = self._clock()
        overdue = [key for key, entry in self._open.items() if now - entry.seen_at >= self._expire_after]
        streaks = []
        for key in overdue:
            last = self._open.pop(key).last
            streaks.append(GiftStreak(last, max(last.repeat_count, 1), last.diamonds, expired=True))
        return streaks

    def finish_all(self) -> list[GiftStreak]:
        """Every open streak, finished now with its last count (the stream ended; finals will not come)."""
        streaks = [
            GiftStreak(entry.last, max(entry.last.repeat_count, 1), entry.last.diamonds, expired=True)
            for entry in self._open.values()
        ]
        self._open.clear()
        return streaks

    @property
    def open_streaks(self) -> int:
        return len(self._open)


async def finished_gifts(events: AsyncIterable[object], **options: float) -> AsyncIterator[GiftStreak]:
    """The finished streaks among ``events`` (for example ``live.events``); other events are skipped."""
    tracker = GiftStreakTracker(**options)  # type: ignore[arg-type]
    async for event in events:
        if isinstance(event, GiftEvent):
            for streak in tracker.feed(event):
                yield streak
    for streak in tracker.finish_all():
        yield streak
