"""The creator's current (or last) stream: counters fed by the library's events, and what each event announces."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from tiktok_webcast import (
    ChatEvent,
    GiftEvent,
    GiftStreak,
    GiftStreakTracker,
    LikeEvent,
    RoomInfo,
    SubNotifyEvent,
    User,
    UserEvent,
    UserEventType,
    UserInfo,
    ViewersEvent,
)

from .const import EVENT_CHAT, EVENT_FOLLOW, EVENT_GIFT, EVENT_JOIN, EVENT_SHARE, EVENT_SUBSCRIBE

USER_EVENTS = {UserEventType.FOLLOW: EVENT_FOLLOW, UserEventType.SHARE: EVENT_SHARE, UserEventType.JOIN: EVENT_JOIN}


@dataclass
class StreamData:
    """What the entities show. Counters are per stream: they keep the last stream's values until the next starts."""

    live: bool = False
    room_id: int = 0
    title: str | None = None
    started: datetime | None = None
    viewers: int = 0
    likes: int = 0
    diamonds: int = 0
    gifts: int = 0
    new_followers: int = 0
    followers: int | None = None

    def as_stored(self) -> dict[str, Any]:
        """What is kept across reloads and restarts (JSON)."""
        stored = asdict(self)
        stored["started"] = self.started.isoformat() if self.started else None
        return stored

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None) -> StreamData:
        """The data :meth:`as_stored` kept; a fresh one when there is none or it does not fit (an older format)."""
        if not stored:
            return cls()
        try:
            data = cls(**stored)
            data.started = datetime.fromisoformat(stored["started"]) if stored.get("started") else None
        except (TypeError, ValueError):
            return cls()
        return data


class Stream:
    """Applies events to :class:`StreamData`; gift streaks are counted once, when they finish."""

    def __init__(self, data: StreamData | None = None) -> None:
        self.data = data or StreamData()
        self._streaks = GiftStreakTracker()

    def begin(self, room: RoomInfo | UserInfo) -> bool:
        """The creator is live in ``room`` (from the room, or from the user check); True (and counters reset) when
        it is a new stream."""
        data = self.data
        room_id = room.room_id
        new = room_id != data.room_id
        if new:
            self.data = data = StreamData(followers=data.followers, room_id=room_id)
            self._streaks = GiftStreakTracker()
        data.live = True
        data.title = room.title or data.title
        data.started = datetime.fromtimestamp(room.start_time, UTC) if room.start_time else data.started
        data.viewers = room.viewers or data.viewers
        if isinstance(room, RoomInfo):
            data.likes = max(data.likes, room.likes)
            if room.owner is not None and room.owner.follower_count:
                data.followers = room.owner.follower_count
        return new

    def end(self) -> list[tuple[str, dict[str, Any]]]:
        """The stream ended: streaks still open (their final message lost) are counted now, and announced."""
        notes = [(EVENT_GIFT, self._gift(streak)) for streak in self._streaks.finish_all()]
        self.data.live = False
        self.data.viewers = 0
        return notes

    def feed(self, event: object) -> list[tuple[str, dict[str, Any]]]:
        """Updates the counters; returns the (kind, data) announcements the event makes."""
        data = self.data
        if isinstance(event, GiftEvent):
            return [(EVENT_GIFT, self._gift(streak)) for streak in self._streaks.feed(event)]
        notes = [(EVENT_GIFT, self._gift(streak)) for streak in self._streaks.expire()]
        match event:
            case LikeEvent():
                # Like totals may go backwards when TikTok's shards disagree; the highest one wins.
                data.likes = max(data.likes, event.total_likes)
            case ViewersEvent():
                data.viewers = event.viewers
            case UserEvent() if (kind := USER_EVENTS.get(event.event)) is not None:
                if kind == EVENT_FOLLOW:
                    data.new_followers += 1
                    data.followers = (data.followers or 0) + 1
                notes.append((kind, _user(event.user)))
            case SubNotifyEvent():
                notes.append((EVENT_SUBSCRIBE, {**_user(event.user), "months": event.sub_month}))
            case ChatEvent():
                notes.append((EVENT_CHAT, {**_user(event.user), "comment": event.comment}))
        return notes

    def _gift(self, streak: GiftStreak) -> dict[str, Any]:
        self.data.diamonds += streak.diamonds
        self.data.gifts += streak.count
        gift = streak.gift
        user = _user(gift.user)
        return {
            "sender": user["user"],
            "sender_nickname": user["nickname"],
            "gift_name": gift.name,
            "gift_id": gift.id,
            "count": streak.count,
            "diamonds": streak.diamonds,
            "image": gift.image.urls[0] if gift.image is not None and gift.image.urls else None,
        }


def _user(user: User | None) -> dict[str, Any]:
    if user is None:
        return {"user": None, "nickname": None}
    return {"user": user.username or None, "nickname": user.nickname or None}
