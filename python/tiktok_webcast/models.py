"""What the HTTP side of TikTok LIVE answers, as typed values (webcast.md §2). Each has a ``from_json`` that
reads TikTok's JSON and tolerates missing fields; ``raw`` keeps the whole answer for anything not mapped."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

LIVE_STATUS = 2
"""``status`` of a room that is live (3 paused, 4 ended)."""


def _dig(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _first_url(image: Any) -> str | None:
    urls = _dig(image, "url_list")
    return str(urls[0]) if isinstance(urls, list) and urls else None


@dataclass(frozen=True, slots=True)
class StreamUrl:
    """One quality of a live stream: its FLV and HLS pull URLs."""

    quality: str
    flv: str | None = None
    hls: str | None = None
    level: int = 0


@dataclass(frozen=True, slots=True)
class Owner:
    """The host of a room."""

    user_id: int
    username: str
    nickname: str
    avatar_url: str | None = None
    follower_count: int = 0
    following_count: int = 0


@dataclass(frozen=True, slots=True)
class RoomInfo:
    """A room as ``/webcast/room/info/`` describes it (webcast.md §2.5)."""

    room_id: int
    title: str
    status: int
    viewers: int = 0
    total_viewers: int = 0
    likes: int = 0
    start_time: int = 0
    """Epoch seconds."""
    owner: Owner | None = None
    cover_url: str | None = None
    stream_urls: Mapping[str, StreamUrl] = field(default_factory=dict)
    """By quality: ``origin``, ``uhd``, ``hd``, ``sd``, ``ld``, ``ao`` (from ``stream_data``), or TikTok's
    ``FULL_HD1``, ``HD1``, ``SD1``, ``SD2`` (from ``flv_pull_url``) when that is all there is."""
    hls_url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_live(self) -> bool:
        return self.status == LIVE_STATUS

    def best_stream(self, quality: str | None = None) -> StreamUrl | None:
        """The stream of ``quality`` if given and present, else the highest one available."""
        if quality is not None and quality in self.stream_urls:
            return self.stream_urls[quality]
        if not self.stream_urls:
            return None
        return max(self.stream_urls.values(), key=lambda stream: stream.level)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RoomInfo:
        owner = data.get("owner")
        stats = data.get("stats") or {}
        stream = data.get("stream_url") or {}
        return cls(
            room_id=_int(data.get("id_str") or data.get("id")),
            title=str(data.get("title") or ""),
            status=_int(data.get("status")),
            viewers=_int(data.get("user_count")),
            total_viewers=_int(stats.get("total_user")),
            likes=_int(stats.get("like_count") or data.get("like_count")),
            start_time=_int(data.get("start_time") or data.get("create_time")),
            owner=_owner(owner) if isinstance(owner, Mapping) else None,
            cover_url=_first_url(data.get("cover")),
            stream_urls=_stream_urls(stream),
            hls_url=stream.get("hls_pull_url") or None,
            raw=data,
        )


def _owner(owner: Mapping[str, Any]) -> Owner:
    follow = owner.get("follow_info") or {}
    return Owner(
        user_id=_int(owner.get("id_str") or owner.get("id")),
        username=str(owner.get("display_id") or ""),
        nickname=str(owner.get("nickname") or ""),
        avatar_url=_first_url(owner.get("avatar_thumb")),
        follower_count=_int(follow.get("follower_count")),
        following_count=_int(follow.get("following_count")),
    )


# Quality order when the stream data gives no levels (webcast.md §10).
_QUALITY_LEVELS = {"ao": 0, "ld": 1, "sd": 2, "hd": 3, "hd_60": 3, "uhd": 4, "uhd_60": 4, "origin": 5}
_FLV_KEYS = {"SD2": 1, "SD1": 2, "HD1": 3, "FULL_HD1": 4}


def _stream_urls(stream: Mapping[str, Any]) -> dict[str, StreamUrl]:
    """Qualities from ``live_core_sdk_data.pull_data.stream_data`` (a JSON string), else ``flv_pull_url``."""
    pull = _dig(stream, "live_core_sdk_data", "pull_data") or {}
    levels = {
        str(q.get("sdk_key")): _int(q.get("level"))
        for q in (_dig(pull, "options", "qualities") or [])
        if isinstance(q, Mapping)
    }
    urls: dict[str, StreamUrl] = {}
    raw_data = pull.get("stream_data")
    try:
        parsed = json.loads(raw_data) if isinstance(raw_data, str) and raw_data else {}
    except json.JSONDecodeError:
        parsed = {}
    for quality, entry in (_dig(parsed, "data") or {}).items():
        main = _dig(entry, "main") or {}
        if main.get("flv") or main.get("hls"):
            level = levels.get(quality, _QUALITY_LEVELS.get(quality, 0))
            urls[quality] = StreamUrl(quality, main.get("flv") or None, main.get("hls") or None, level)
    if not urls:
        for key, url in (stream.get("flv_pull_url") or {}).items():
            if url:
                urls[key] = StreamUrl(key, str(url), None, _FLV_KEYS.get(key, 0))
    return urls


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A TikTok user and whether they are live (``/api-live/user/room/``, webcast.md §2.3)."""

    user_id: int
    username: str
    nickname: str
    bio: str = ""
    avatar_url: str | None = None
    verified: bool = False
    follower_count: int = 0
    following_count: int = 0
    room_id: int = 0
    """The live room, or 0."""
    room_status: int = 0
    title: str = ""
    viewers: int = 0
    start_time: int = 0
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_live(self) -> bool:
        return self.room_id != 0 and self.room_status == LIVE_STATUS

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UserInfo:
        user = data.get("user") or {}
        stats = data.get("stats") or {}
        room = data.get("liveRoom") or {}
        status = _int(room.get("status")) or _int(user.get("status"))
        return cls(
            user_id=_int(user.get("id")),
            username=str(user.get("uniqueId") or ""),
            nickname=str(user.get("nickname") or ""),
            bio=str(user.get("signature") or ""),
            avatar_url=user.get("avatarLarger") or user.get("avatarThumb") or None,
            verified=bool(user.get("verified")),
            follower_count=_int(stats.get("followerCount")),
            following_count=_int(stats.get("followingCount")),
            room_id=_int(user.get("roomId")),
            room_status=status,
            title=str(room.get("title") or ""),
            viewers=_int(_dig(room, "liveRoomStats", "userCount")),
            start_time=_int(room.get("startTime")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Gift:
    """A gift of the gift list (webcast.md §2.6); ``type == 1`` gifts can be sent in streaks."""

    id: int
    name: str
    diamond_count: int
    type: int = 0
    describe: str = ""
    image_url: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Gift:
        return cls(
            id=_int(data.get("id")),
            name=str(data.get("name") or ""),
            diamond_count=_int(data.get("diamond_count")),
            type=_int(data.get("type")),
            describe=str(data.get("describe") or ""),
            image_url=_first_url(data.get("image")),
        )


@dataclass(frozen=True, slots=True)
class GiftList:
    """The gifts of a room, by id; look a ``GiftEvent`` up with ``gift_list[event.id]``."""

    gifts: Mapping[int, Gift]

    def __getitem__(self, gift_id: int) -> Gift:
        return self.gifts[gift_id]

    def __iter__(self) -> Iterator[Gift]:
        return iter(self.gifts.values())

    def __len__(self) -> int:
        return len(self.gifts)

    def get(self, gift_id: int) -> Gift | None:
        return self.gifts.get(gift_id)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GiftList:
        gifts = (Gift.from_json(g) for g in (data.get("gifts") or []) if isinstance(g, Mapping))
        return cls({gift.id: gift for gift in gifts})


@dataclass(frozen=True, slots=True)
class PriceItem:
    """A coin package: ``coins`` for ``price`` US cents (``local_price`` in the caller's currency, in cents)."""

    id: int
    coins: int
    price: int
    local_price: int
    currency: str


@dataclass(frozen=True, slots=True)
class PriceList:
    """TikTok's coin prices for the caller's region (webcast.md §2.7)."""

    items: tuple[PriceItem, ...]
    currency: str

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> PriceList:
        extra = body.get("extra") or {}
        currency = str(extra.get("default_currency") or "USD")
        items = []
        for item in body.get("data") or []:
            if not isinstance(item, Mapping):
                continue
            local = item.get("currency_price") or []
            local_currency = str(_dig(local[0], "currency") or currency) if local else currency
            items.append(
                PriceItem(
                    id=_int(item.get("id")),
                    coins=_int(item.get("diamond_count")),
                    price=_int(item.get("price")),
                    local_price=_int(item.get("exchange_price") or item.get("price")),
                    currency=local_currency,
                )
            )
        return cls(tuple(items), currency)


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One page of recommended live rooms (webcast.md §2.8)."""

    rooms: tuple[RoomInfo, ...]
    has_more: bool
    max_time: int

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> FeedPage:
        extra = body.get("extra") or {}
        rooms = tuple(
            RoomInfo.from_json(item["data"])
            for item in body.get("data") or []
            if isinstance(item, Mapping) and isinstance(item.get("data"), Mapping)
        )
        return cls(rooms, bool(extra.get("has_more")), _int(extra.get("max_time")))
