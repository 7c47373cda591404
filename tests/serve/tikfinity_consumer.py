"""A TikFinity-format consumer written from the public message shapes only (TikTok-Live-Connector's README data
structures, v1.x, and its v2 event names), the way a third-party tool reads ``ws://localhost:21213``: it knows
nothing of this project's code.

Each known event has the fields a consumer relies on, with their JSON types; ``parse`` returns a small record or
raises ``ShapeError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class ShapeError(Exception):
    pass


# Fields every event that carries a sender has (the README's "user attributes").
USER = {
    "userId": str,
    "uniqueId": (str, type(None)),
    "nickname": (str, type(None)),
    "profilePictureUrl": (str, type(None)),
    "followRole": int,
    "userBadges": list,
    "followInfo": dict,
    "isModerator": bool,
    "isNewGifter": bool,
    "isSubscriber": bool,
}
MESSAGE = {"msgId": str, "createTime": str}

SHAPES: dict[str, dict[str, Any]] = {
    "chat": {**USER, **MESSAGE, "comment": str},
    "gift": {
        **USER,
        **MESSAGE,
        "giftId": int,
        "repeatCount": int,
        "repeatEnd": bool,
        "groupId": str,
        "giftType": int,
        "diamondCount": int,
        "giftName": str,
        "describe": str,
        "receiverUserId": str,
        "gift": dict,
    },
    "like": {**USER, **MESSAGE, "likeCount": int, "totalLikeCount": int},
    "member": {**USER, **MESSAGE, "actionId": int},
    "social": {**USER, **MESSAGE, "displayType": str, "label": str},
    "follow": {**USER, **MESSAGE, "displayType": str},
    "share": {**USER, **MESSAGE, "displayType": str},
    "roomUser": {"viewerCount": int, "topViewers": list},
    "subscribe": {**USER, **MESSAGE, "subMonth": int},
    "envelope": {"coins": int, "canOpen": int},
    "questionNew": {**USER, "questionText": str},
    "emote": {**USER, "emoteId": (str, type(None))},
    "liveIntro": {**USER, "description": str},
    "linkMicBattle": {"battleUsers": list},
    "linkMicArmies": {"battleArmies": list},
    "roomPin": {"action": int},
    "pollMessage": {"pollId": str},
    "streamEnd": {"action": int},
    "roomInfo": {"roomId": str},
}


@dataclass
class Received:
    event: str
    data: dict[str, Any]

    @property
    def sender(self) -> str | None:
        return self.data.get("uniqueId")


def parse(text: str) -> Received:
    try:
        frame = json.loads(text)
    except ValueError as error:
        raise ShapeError(f"not JSON: {error}") from None
    if (
        not isinstance(frame, dict)
        or not isinstance(frame.get("event"), str)
        or not isinstance(frame.get("data"), dict)
    ):
        raise ShapeError(f"not an {{event, data}} frame: {text[:80]}")
    name, data = frame["event"], frame["data"]
    for field, kind in SHAPES.get(name, {}).items():
        if field not in data:
            raise ShapeError(f"{name}: no {field}")
        if not isinstance(data[field], kind) or (kind is int and isinstance(data[field], bool)):
            raise ShapeError(f"{name}.{field}: {type(data[field]).__name__}, expected {kind}")
    if name == "gift" and data["gift"].get("repeat_end") not in (0, 1):
        raise ShapeError("gift.gift.repeat_end is 0 or 1")
    for viewer in data.get("topViewers", []) if name == "roomUser" else []:
        if "coinCount" not in viewer or "user" not in viewer:
            raise ShapeError("roomUser.topViewers[] has user and coinCount")
    return Received(name, data)
