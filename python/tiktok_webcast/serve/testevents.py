"""Made-up events for the overlays' "send test event" control, built as the same typed events a stream delivers."""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping
from typing import Any

from tiktok_webcast._core import (
    ChatEvent,
    GiftEvent,
    Image,
    LikeEvent,
    MemberEvent,
    SubNotifyEvent,
    User,
    UserEvent,
    UserEventType,
    ViewersEvent,
)
from tiktok_webcast.exceptions import WebcastError

__all__ = ["TEST_EVENT_KINDS", "TestEventError", "make_test_event"]

TEST_EVENT_KINDS = ("gift", "follow", "share", "chat", "like", "subscribe", "member", "viewers")
# Test ids sit far above real message ids' low range and never repeat in one process.
_ids = itertools.count(9_000_000_000_000_000_000)


class TestEventError(WebcastError):
    """A test event request that names an unknown kind or has a bad value."""


def _int(params: Mapping[str, Any], key: str, default: int, low: int = 0, high: int = 1_000_000) -> int:
    value = params.get(key, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise TestEventError(f"{key} is not an integer: {value!r}") from None
    if not low <= number <= high:
        raise TestEventError(f"{key} is out of range ({low}..{high})")
    return number


def _text(params: Mapping[str, Any], key: str, default: str) -> str:
    value = params.get(key, default)
    if not isinstance(value, str) or len(value) > 200:
        raise TestEventError(f"{key} is a string of at most 200 characters")
    return value


def make_test_event(kind: str, params: Mapping[str, Any], *, gift_image: str = "") -> Any:
    """The event of ``kind`` (one of :data:`TEST_EVENT_KINDS`) with the given sender, gift, count or text."""
    username = _text(params, "user", "test_viewer")
    user = User(
        id=_int(params, "user_id", 7_000_000_000_000_000_001, 1, 2**63 - 1),
        username=username,
        nickname=_text(params, "nickname", "Test Viewer"),
    )
    msg_id = next(_ids)
    now = int(time.time() * 1000)
    if kind == "gift":
        count = _int(params, "count", 1, 1, 10_000)
        image = Image(urls=(gift_image,)) if gift_image else None
        return GiftEvent(
            id=_int(params, "gift_id", 5655, 1, 2**31),
            name=_text(params, "gift", "Rose"),
            cost=_int(params, "diamonds", 1, 0, 100_000),
            repeat_count=count,
            repeat_end=True,
            type=1,
            user=user,
            group_id=msg_id,
            image=image,
            msg_id=msg_id,
            timestamp=now,
        )
    if kind in ("follow", "share"):
        event = UserEventType.FOLLOW if kind == "follow" else UserEventType.SHARE
        return UserEvent(event=event, user=user, msg_id=msg_id, timestamp=now)
    if kind == "chat":
        return ChatEvent(
            user=user, comment=_text(params, "comment", "Hello from the test button!"), msg_id=msg_id, timestamp=now
        )
    if kind == "like":
        likes = _int(params, "count", 15, 1, 10_000)
        return LikeEvent(
            likes=likes, total_likes=_int(params, "total", 0, 0, 2**31), user=user, msg_id=msg_id, timestamp=now
        )
    if kind == "subscribe":
        return SubNotifyEvent(user=user, sub_month=_int(params, "months", 1, 1, 1000), msg_id=msg_id, timestamp=now)
    if kind == "member":
        return MemberEvent(
            action=1, user=user, member_count=_int(params, "count", 1, 0, 10**9), msg_id=msg_id, timestamp=now
        )
    if kind == "viewers":
        return ViewersEvent(viewers=_int(params, "count", 120, 0, 10**9), msg_id=msg_id, timestamp=now)
    raise TestEventError(f"unknown test event {kind!r}; one of {', '.join(TEST_EVENT_KINDS)}")
