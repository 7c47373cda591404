"""Event generators: turn a :class:`Script` into a deterministic, timed stream of typed events for one room.

The stream is a function of the seed and of scenario time only (never of when the server happens to poll it), so
two runs of a scenario produce the same events with the same ids and timestamps. Arrivals are Poisson per event
type; gift streaks, battles and pins are small state machines scheduled on the same clock.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict

from tiktok_webcast.events import (
    Badge,
    Battle,
    BattleGroup,
    BattlesEvent,
    ChatEvent,
    ControlEvent,
    EnvelopeEvent,
    GiftEvent,
    Image,
    LikeEvent,
    MicBattleEvent,
    PinEvent,
    QuestionEvent,
    SubNotifyEvent,
    TopViewer,
    UnknownEvent,
    User,
    UserEvent,
    UserEventType,
    ViewersEvent,
)
from tiktok_webcast.simulator.gifts import GIFTS, Gift, find_gift, image_url
from tiktok_webcast.simulator.ids import IdSource
from tiktok_webcast.simulator.pb import unknown_payload
from tiktok_webcast.simulator.scenario import Script, TimedEvent

__all__ = ["UNKNOWN_METHODS", "RoomScript", "RoomStats", "ViewerPool"]

Event = Any  # one of the typed event classes of tiktok_webcast.events

UNKNOWN_METHODS = (
    "WebcastAISummaryMessage",
    "WebcastCommentTrayMessage",
    "WebcastGameServerFeatureMessage",
    "WebcastPrivilegeAdvanceMessage",
    "WebcastUpdateShareRevenueNoticeMessage",
)
_ADJECTIVES = ("sunny", "quiet", "lucky", "brave", "cosmic", "mellow", "swift", "gentle", "wild", "tiny")
_NOUNS = ("otter", "panda", "falcon", "maple", "comet", "pixel", "river", "lynx", "cactus", "koala")
_QUESTIONS = ("what camera do you use?", "how old is your cat?", "favourite song right now?", "when is the next live?")


class ViewerPool:
    """A fixed crowd of viewers (deterministic usernames and ids) that events are attributed to."""

    def __init__(self, ids: IdSource, media_base: str, size: int = 500, *, pay_grade: bool = False) -> None:
        self._ids = ids
        self._pay_grade = pay_grade
        self._media = media_base
        self._size = size
        self._users: dict[int, User] = {}

    def user(self, index: int) -> User:
        index %= self._size
        if index not in self._users:
            adjective = _ADJECTIVES[index % len(_ADJECTIVES)]
            noun = _NOUNS[(index // len(_ADJECTIVES)) % len(_NOUNS)]
            username = f"{adjective}_{noun}{index}"
            user_id = self._ids.viewer_id(index)
            level = index % 30
            # As real traffic does (79 of 105 users in the 2023 captures): the gifter level rides in a user-grade
            # badge (scene 8, drawn as icon and text), not in pay_grade, unless the optimistic switch asks for it.
            badge = Badge(
                scene=8,
                level=level,
                display_type=4,
                text=str(level),
                image=Image(urls=(f"{self._media}/img/badge/grade_{level}.webp",), width=32, height=32),
            )
            self._users[index] = User(
                id=user_id,
                username=username,
                nickname=f"{adjective.title()} {noun.title()}",
                profile_picture=Image(urls=(f"{self._media}/img/avatar/{user_id}.webp",), width=100, height=100),
                follower_count=(index * 37) % 5000,
                following_count=(index * 13) % 800,
                gifter_level=level,
                badges=(badge,) if level and not self._pay_grade else (),
            )
        return self._users[index]

    def pick(self, rng: random.Random) -> User:
        # A few regulars talk a lot: a skewed pick looks like a real chat.
        return self.user(int(rng.paretovariate(1.2) * 7) % self._size)

    def named(self, username: str) -> User:
        return User(id=self._ids.user_id(username), username=username, nickname=username.replace("_", " ").title())


class _Common(TypedDict):
    msg_id: int
    timestamp: int


@dataclass
class RoomStats:
    """Counters the HTTP side reports (room/info, api-live) alongside the pushed events."""

    viewers: int = 0
    total_viewers: int = 0
    likes: int = 0
    followers_gained: int = 0
    shares: int = 0
    gifts: int = 0
    diamonds: int = 0
    recent_chats: list[ChatEvent] = field(default_factory=list)


@dataclass(order=True)
class _Pending:
    at: float
    order: int
    make: Callable[[float], list[Event]] = field(compare=False)


class RoomScript:
    """The event stream of one room, advanced with :meth:`advance` up to a scenario time (from the room's start)."""

    def __init__(
        self,
        script: Script,
        *,
        seed: int,
        room_id: int,
        host: User,
        ids: IdSource,
        viewers: ViewerPool,
        epoch_ms: Callable[[float], int],
        media_base: str,
    ) -> None:
        self.script = script
        self.room_id = room_id
        self.host = host
        self._ids = ids
        self._viewers = viewers
        self._epoch_ms = epoch_ms
        self._media = media_base
        self._rng = random.Random(f"{seed}:{room_id}")
        self._heap: list[_Pending] = []
        self._order = itertools.count()
        self.stats = RoomStats(viewers=script.viewers, total_viewers=script.viewers * 3)
        self.ended = False
        self._battle = 0
        self._msg_ids = ids.message_ids(room_id)
        self._group_ids = ids.group_ids(room_id, epoch_ms(0.0))
        self._start_processes()

    # ------------------------------------------------------------------------------------------ scheduling

    def _schedule(self, at: float, make: Callable[[float], list[Event]]) -> None:
        heapq.heappush(self._heap, _Pending(at, next(self._order), make))

    def _poisson(self, rate: float, make: Callable[[float], list[Event]]) -> None:
        if rate <= 0:
            return

        def fire(t: float) -> list[Event]:
            self._schedule(t + self._rng.expovariate(rate), fire)
            return make(t)

        self._schedule(self._rng.expovariate(rate), fire)

    def _every(self, period: float, make: Callable[[float], list[Event]], first: float | None = None) -> None:
        if period <= 0:
            return

        def fire(t: float) -> list[Event]:
            self._schedule(t + period, fire)
            return make(t)

        self._schedule(period if first is None else first, fire)

    def _start_processes(self) -> None:
        s = self.script
        self._poisson(s.chat, self._chat)
        self._poisson(s.likes, self._like)
        self._poisson(s.joins, lambda t: [self._user_event(t, UserEventType.JOIN)])
        self._poisson(s.follows, lambda t: [self._user_event(t, UserEventType.FOLLOW)])
        self._poisson(s.shares, lambda t: [self._user_event(t, UserEventType.SHARE)])
        self._poisson(s.gifts, self._gift)
        self._poisson(s.subscriptions, self._subscription)
        self._poisson(s.questions, self._question)
        self._poisson(s.envelopes, self._envelope)
        self._poisson(s.unknown, lambda t: [self._unknown(t, self._rng.choice(UNKNOWN_METHODS))])
        self._every(s.viewers_every, self._viewer_update, first=0.0)
        self._every(s.pin_every, self._pin)
        self._every(s.battle_every, self._battle_start)
        for event in s.timeline:
            self._schedule(event.at, functools.partial(self._timed, e=event))
        if s.end_after > 0:
            self._schedule(s.end_after, self._end)

    def advance(self, until: float) -> list[Event]:
        """Every event due at or before ``until`` (scenario seconds since the room started), in time order."""
        out: list[Event] = []
        while self._heap and self._heap[0].at <= until and not self.ended:
            pending = heapq.heappop(self._heap)
            out.extend(pending.make(pending.at))
        return out

    def next_due(self) -> float | None:
        return self._heap[0].at if self._heap and not self.ended else None

    # ------------------------------------------------------------------------------------------ helpers

    def _common(self, t: float) -> _Common:
        return {"msg_id": next(self._msg_ids), "timestamp": self._epoch_ms(t)}

    def _user(self, name: str = "") -> User:
        return self._viewers.named(name) if name else self._viewers.pick(self._rng)

    def _chat(self, t: float, user: User | None = None, comment: str = "") -> list[Event]:
        chat = ChatEvent(
            user=user or self._user(),
            comment=comment or self._rng.choice(self.script.comments),
            language="en",
            **self._common(t),
        )
        self.stats.recent_chats = [*self.stats.recent_chats[-19:], chat]
        return [chat]

    def _like(self, t: float, user: User | None = None, count: int = 0) -> list[Event]:
        likes = count or self._rng.randint(1, 15)
        self.stats.likes += likes
        total = self.stats.likes
        if self.script.like_shards and total > 20 and self._rng.random() < 0.15:
            total -= self._rng.randint(1, min(total - 1, 500))
        return [LikeEvent(likes=likes, total_likes=total, user=user or self._user(), **self._common(t))]

    def _user_event(self, t: float, kind: UserEventType, user: User | None = None) -> Event:
        if kind == UserEventType.JOIN:
            self.stats.total_viewers += 1
        elif kind == UserEventType.FOLLOW:
            self.stats.followers_gained += 1
        else:
            self.stats.shares += 1
        return UserEvent(event=kind, user=user or self._user(), **self._common(t))

    def _pick_gift(self) -> Gift:
        weights = [1.0 / (g.diamonds**0.6) for g in GIFTS]
        return self._rng.choices(GIFTS, weights=weights, k=1)[0]

    def _gift_event(self, t: float, gift: Gift, user: User, *, count: int, end: bool, group: int) -> GiftEvent:
        return GiftEvent(
            id=gift.id,
            name=gift.name,
            describe=f"sent {gift.name}",
            cost=gift.diamonds,
            repeat_count=count,
            repeat_end=end,
            type=gift.type,
            to_user_id=self.host.id,
            user=user,
            group_id=group,
            combo_count=count,
            image=Image(urls=(image_url(self._media, gift),), width=100, height=100),
            **self._common(t),
        )

    def _gift(self, t: float, gift: Gift | None = None, user: User | None = None, length: int = 0) -> list[Event]:
        gift = gift or self._pick_gift()
        user = user or self._user()
        if not gift.streakable:
            self.stats.gifts += 1
            self.stats.diamonds += gift.diamonds
            return [self._gift_event(t, gift, user, count=1, end=False, group=0)]
        if not length:
            length = min(self.script.streak_max, 1 + int(self._rng.expovariate(0.35)))
        group = next(self._group_ids)
        lose_final = self._rng.random() < self.script.lost_gift_finals
        step = self.script.streak_step

        def update(at: float, count: int) -> list[Event]:
            return [self._gift_event(at, gift, user, count=count, end=False, group=group)]

        for i in range(2, length + 1):
            self._schedule(t + (i - 1) * step, functools.partial(update, count=i))

        def final(at: float) -> list[Event]:
            self.stats.gifts += length
            self.stats.diamonds += gift.diamonds * length
            if lose_final:
                return []
            return [self._gift_event(at, gift, user, count=length, end=True, group=group)]

        self._schedule(t + length * step, final)
        return [self._gift_event(t, gift, user, count=1, end=False, group=group)]

    def _subscription(self, t: float, user: User | None = None) -> list[Event]:
        return [
            SubNotifyEvent(
                user=user or self._user(),
                sub_month=self._rng.randint(1, 12),
                subscribe_type=self._rng.choice((0, 1)),
                old_subscribe_status=self._rng.choice((0, 1)),
                message_type=0,
                is_send=True,
                **self._common(t),
            )
        ]

    def _question(self, t: float, user: User | None = None, text: str = "") -> list[Event]:
        return [
            QuestionEvent(
                question=text or self._rng.choice(_QUESTIONS),
                question_id=next(self._msg_ids),
                user=user or self._user(),
                **self._common(t),
            )
        ]

    def _envelope(self, t: float) -> list[Event]:
        sender = self._user()
        return [
            EnvelopeEvent(
                envelope_id=str(next(self._msg_ids)),
                business_type=1,
                sender_id=str(sender.id),
                sender_name=sender.nickname,
                diamond_count=self._rng.choice((100, 500, 1000)),
                people_count=self._rng.randint(5, 50),
                unpack_at=self._epoch_ms(t + 60) // 1000,
                display=1,
                **self._common(t),
            )
        ]

    def _unknown(self, t: float, method: str, payload: bytes | None = None) -> Event:
        common = self._common(t)
        body = (
            payload
            if payload is not None
            else unknown_payload(method, common["msg_id"], self.room_id, common["timestamp"], extra=b"\x12\x02ok")
        )
        return UnknownEvent(method, body, None, common["msg_id"], common["timestamp"])

    def _viewer_update(self, t: float, viewers: int = 0) -> list[Event]:
        base = self.script.viewers
        if viewers:
            self.stats.viewers = viewers
        else:
            drift = int(self._rng.gauss(0, max(base, 1) * 0.05))
            self.stats.viewers = max(0, min(base * 2, self.stats.viewers + drift))
        self.stats.total_viewers = max(self.stats.total_viewers, self.stats.viewers)
        top = tuple(TopViewer(user=self._viewers.user(rank * 3), coins=10_000 // rank, rank=rank) for rank in (1, 2, 3))
        return [
            ViewersEvent(
                viewers=self.stats.viewers,
                total_viewers=self.stats.total_viewers,
                top_viewers=top,
                **self._common(t),
            )
        ]

    def _pin(self, t: float, comment: str = "", user: User | None = None) -> list[Event]:
        if comment or not self.stats.recent_chats:
            chat = self._chat(t, user, comment)[0]
            pinned: list[Event] = [chat]
        else:
            chat, pinned = self.stats.recent_chats[-1], []
        pin = PinEvent(
            action=1,
            pinned_method="WebcastChatMessage",
            pin_time=self._epoch_ms(t),
            display_duration=60,
            pin_msg_id=chat.msg_id,
            operator=self.host,
            chat=chat,
            **self._common(t),
        )
        return [*pinned, pin]

    def _battle_start(self, t: float) -> list[Event]:
        self._battle += 1
        battle_id = 7_000_000_000_000_000_000 + (self.room_id % 10**15) * 1000 + self._battle
        rival = self._viewers.named(f"rival_host{self._battle}")
        users = (self.host, rival)
        duration = self.script.battle_duration
        points = [0, 0]

        def armies(at: float, status: int = 1) -> list[Event]:
            if status == 1:
                points[0] += self._rng.randint(0, 500)
                points[1] += self._rng.randint(0, 500)
            battles = tuple(
                Battle(host=u.id, groups=(BattleGroup(points=p, users=(self._user(),)),))
                for u, p in zip(users, points, strict=True)
            )
            return [BattlesEvent(battle_id=battle_id, status=status, battles=battles, **self._common(at))]

        steps = max(1, int(duration // 5))
        for i in range(1, steps):
            self._schedule(t + i * 5.0, armies)

        def finish(at: float) -> list[Event]:
            end = MicBattleEvent(battle_id=battle_id, action=5, status=2, users=users, **self._common(at))
            return [*armies(at, status=2), end]

        self._schedule(t + duration, finish)
        return [MicBattleEvent(battle_id=battle_id, action=4, status=1, users=users, **self._common(t))]

    def _end(self, t: float, action: int = 3) -> list[Event]:
        tips = "This LIVE has ended" if action == 3 else ""
        event = ControlEvent(action=action, tips=tips, **self._common(t))
        if action in (3, 4):
            self.ended = True
        return [event]

    def _timed(self, t: float, e: TimedEvent) -> list[Event]:
        user = self._user(e.user) if e.user else None
        kinds: dict[str, Callable[[], list[Event]]] = {
            "chat": lambda: self._chat(t, user, e.comment),
            "like": lambda: self._like(t, user, e.count),
            "join": lambda: [self._user_event(t, UserEventType.JOIN, user)],
            "follow": lambda: [self._user_event(t, UserEventType.FOLLOW, user)],
            "share": lambda: [self._user_event(t, UserEventType.SHARE, user)],
            "gift": lambda: self._gift(t, find_gift(e.gift) if e.gift else None, user, e.count),
            "subscribe": lambda: self._subscription(t, user),
            "question": lambda: self._question(t, user, e.comment),
            "envelope": lambda: self._envelope(t),
            "viewers": lambda: self._viewer_update(t, e.count if e.count > 1 else 0),
            "pin": lambda: self._pin(t, e.comment, user),
            "battle": lambda: self._battle_start(t),
            "control": lambda: self._end(t, e.action),
            "unknown": lambda: [self._unknown(t, e.method, bytes.fromhex(e.payload_hex) or None)],
        }
        return kinds[e.type]()

    def make_unknown(self, t: float, method: str) -> Event:
        return self._unknown(t, method)

    def make_end(self, t: float) -> list[Event]:
        return self._end(t, 3)

    def history_seed(self, count: int, t: float) -> Iterator[ChatEvent]:
        """Chats from 'before' the room was opened here, so even a fresh room has history to replay."""
        for i in range(count):
            yield self._chat(t - (count - i) * 2.0)[0]
