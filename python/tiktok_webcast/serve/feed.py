"""One creator's events turned into messages: the events themselves, one ``GiftStreak`` per finished streak, and
running ``Stats`` (likes, follows, shares, diamonds, viewers, top gifters) for the goal and counter overlays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tiktok_webcast._core import GiftEvent, LikeEvent, User, UserEvent, UserEventType, ViewersEvent
from tiktok_webcast.models import RoomInfo
from tiktok_webcast.serve.message import Message
from tiktok_webcast.serve.ourjson import event_to_json
from tiktok_webcast.streaks import GiftStreak, GiftStreakTracker

__all__ = ["CreatorFeed", "Stats"]

TOP_GIFTERS = 10


@dataclass
class _Gifter:
    user: User
    diamonds: int = 0
    gifts: int = 0


@dataclass
class Stats:
    likes: int = 0
    follows: int = 0
    shares: int = 0
    diamonds: int = 0
    gifts: int = 0
    viewers: int = 0
    gifters: dict[int, _Gifter] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        top = sorted(self.gifters.values(), key=lambda g: g.diamonds, reverse=True)[:TOP_GIFTERS]
        return {
            "likes": self.likes,
            "follows": self.follows,
            "shares": self.shares,
            "diamonds": self.diamonds,
            "gifts": self.gifts,
            "viewers": self.viewers,
            "top_gifters": [
                {
                    "user_id": str(g.user.id),
                    "username": g.user.username,
                    "nickname": g.user.nickname,
                    "picture": g.user.profile_picture.urls[0]
                    if g.user.profile_picture and g.user.profile_picture.urls
                    else None,
                    "diamonds": g.diamonds,
                    "gifts": g.gifts,
                }
                for g in top
            ],
        }


class CreatorFeed:
    """Feed it a creator's events; it publishes messages through ``publish``. ``tick`` (about every quarter second)
    finishes overdue streaks and publishes the stats when they changed."""

    def __init__(
        self,
        creator: str,
        publish: Callable[[Message], None],
        *,
        streak_expiry: float = 60.0,
        rehearsal: bool = False,
    ) -> None:
        self.creator = creator
        self.rehearsal = rehearsal
        self._publish = publish
        self._streaks = GiftStreakTracker(expire_after=streak_expiry)
        self.stats = Stats()
        self._stats_changed = False
        self.status: dict[str, Any] = {"state": "starting"}
        self.room: dict[str, Any] | None = None
        self.events_handled = 0

    def _message(self, kind: str, body: dict[str, Any]) -> Message:
        return Message.of_server(kind, self.creator, body, rehearsal=self.rehearsal)

    def handle(self, event: object) -> None:
        self.events_handled += 1
        self._publish(Message.of_event(self.creator, event, rehearsal=self.rehearsal))
        stats = self.stats
        if isinstance(event, GiftEvent):
            for streak in self._streaks.feed(event):
                self._finished(streak)
        elif isinstance(event, LikeEvent):
            stats.likes = max(stats.likes + event.likes, event.total_likes)
            self._stats_changed = True
        elif isinstance(event, UserEvent):
            if event.event == UserEventType.FOLLOW:
                stats.follows += 1
                self._stats_changed = True
            elif event.event == UserEventType.SHARE:
                stats.shares += 1
                self._stats_changed = True
        elif isinstance(event, ViewersEvent):
            stats.viewers = event.viewers
            self._stats_changed = True

    def _finished(self, streak: GiftStreak) -> None:
        body = {
            "gift": event_to_json(streak.gift),
            "count": streak.count,
            "diamonds": streak.diamonds,
            "expired": streak.expired,
        }
        self._publish(self._message("GiftStreak", body))
        self.stats.diamonds += streak.diamonds
        self.stats.gifts += streak.count
        user = streak.user
        if user is not None:
            gifter = self.stats.gifters.setdefault(user.id, _Gifter(user))
            gifter.user = user
            gifter.diamonds += streak.diamonds
            gifter.gifts += streak.count
        self._stats_changed = True

    def tick(self) -> None:
        for streak in self._streaks.expire():
            self._finished(streak)
        if self._stats_changed:
            self._stats_changed = False
            self._publish(self.stats_message())

    def stream_ended(self) -> None:
        """The stream ended: its open streaks will not get their final message."""
        for streak in self._streaks.finish_all():
            self._finished(streak)
        self.tick()

    def stats_message(self) -> Message:
        return self._message("Stats", self.stats.as_json())

    def set_status(self, state: str, **details: Any) -> None:
        self.status = {"state": state, **details}
        self._publish(self._message("Status", self.status))

    def set_room(self, info: RoomInfo) -> None:
        owner = info.owner
        self.room = {
            "room_id": str(info.room_id),
            "title": info.title,
            "status": info.status,
            "viewers": info.viewers,
            "total_viewers": info.total_viewers,
            "likes": info.likes,
            "start_time": info.start_time,
            "owner": {
                "user_id": str(owner.user_id),
                "username": owner.username,
                "nickname": owner.nickname,
            }
            if owner is not None
            else None,
            "cover_url": info.cover_url,
        }
        self._publish(self._message("RoomInfo", self.room))

    def snapshot(self) -> list[Message]:
        """What a client that connects now needs first: status, room and totals."""
        messages = [self._message("Status", self.status), self.stats_message()]
        if self.room is not None:
            messages.insert(1, self._message("RoomInfo", self.room))
        return messages
