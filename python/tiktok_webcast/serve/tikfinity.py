"""TikFinity's local websocket format: ``{"event": NAME, "data": {...}}`` with TikTok-Live-Connector's event names
and data shapes, so tools written for TikFinity (port 21213) read our server unchanged.

The shapes follow TikTok-Live-Connector's documented event data (its README's data structures and its data converter,
v1.x, which TikFinity's events mirror): the sender's attributes flattened into ``data`` (``userId``, ``uniqueId``,
``nickname``, ``profilePictureUrl``, ``followInfo``, ...), ids as strings, ``msgId`` and ``createTime`` from the
message. Event types the v1 README does not document (``roomPin``, ``pollMessage``, ``goalUpdate``, ...) carry
TikTok-Live-Connector v2's event names with our fields in camelCase. Sources are listed in ``docs/serve.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tiktok_webcast._core import (
    BattlesEvent,
    ChatEvent,
    ControlEvent,
    EmoteChatEvent,
    EnvelopeEvent,
    GiftEvent,
    Image,
    IntroEvent,
    LikeEvent,
    MemberEvent,
    MicBattleEvent,
    PinEvent,
    PollEvent,
    QuestionEvent,
    SubNotifyEvent,
    User,
    UserEvent,
    UserEventType,
    ViewersEvent,
)
from tiktok_webcast.serve.message import Message

__all__ = ["encode", "event_names"]

Frames = list[tuple[str, dict[str, Any]]]

# TikTok-Live-Connector's names where they are not the class name in lower camel case without "Event".
_NAMES = {
    "ChatEvent": "chat",
    "EmoteChatEvent": "emote",
    "GiftEvent": "gift",
    "LikeEvent": "like",
    "UserEvent": "social",
    "MemberEvent": "member",
    "ViewersEvent": "roomUser",
    "QuestionEvent": "questionNew",
    "ControlEvent": "controlMessage",
    "MicBattleEvent": "linkMicBattle",
    "BattlesEvent": "linkMicArmies",
    "RoomBannerEvent": "inRoomBanner",
    "IntroEvent": "liveIntro",
    "RoomEvent": "roomMessage",
    "PinEvent": "roomPin",
    "EnvelopeEvent": "envelope",
    "SubNotifyEvent": "subscribe",
    "PollEvent": "pollMessage",
    "HourlyRankRewardEvent": "hourlyRank",
    "CaptionEvent": "captionMessage",
    "LinkEvent": "linkMessage",
    "LinkmicBattleTaskEvent": "linkMicBattleTask",
    "BottomEvent": "bottomMessage",
    "RoomInfo": "roomInfo",
}
# Control actions that end the stream (3 ended, 4 suspended).
_STREAM_END_ACTIONS = (3, 4)


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _camel_key(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def event_names(message: Message) -> tuple[str, ...]:
    """The TikFinity event names ``message`` is sent as (empty for the server's own kinds but ``roomInfo``)."""
    source = message.source
    if isinstance(source, UserEvent):
        if source.event == UserEventType.JOIN:
            return ("member",)  # the engine reports a member message's join (action 1) as a UserEvent
        extra = {UserEventType.FOLLOW: "follow", UserEventType.SHARE: "share"}.get(source.event)
        return ("social", extra) if extra else ("social",)
    if isinstance(source, ControlEvent) and source.action in _STREAM_END_ACTIONS:
        return ("controlMessage", "streamEnd")
    if isinstance(source, dict):
        return (_NAMES[message.type],) if message.type in _NAMES else ()
    if message.type.endswith("Event"):
        return (_NAMES.get(message.type) or _lower_camel(message.type.removesuffix("Event")),)
    return ()


def _picture(image: Image | None) -> str | None:
    return image.urls[0] if image is not None and image.urls else None


def user_attributes(user: User | None) -> dict[str, Any]:
    """A user as TikTok-Live-Connector flattens one into an event's data."""
    if user is None:
        return {}
    pictures = list(user.profile_picture.urls) if user.profile_picture is not None else []
    return {
        "userId": str(user.id),
        "secUid": user.sec_uid,
        "uniqueId": user.username or None,
        "nickname": user.nickname or None,
        "profilePictureUrl": pictures[0] if pictures else None,
        "followRole": user.follow_status,
        "userBadges": [],
        "userDetails": {"createTime": "0", "bioDescription": user.bio, "profilePictureUrls": pictures},
        "followInfo": {
            "followingCount": user.following_count,
            "followerCount": user.follower_count,
            "followStatus": user.follow_status,
            "pushStatus": 0,
        },
        "isModerator": user.is_moderator,
        "isNewGifter": False,
        "isSubscriber": False,
        "topGifterRank": None,
        "gifterLevel": user.gifter_level,
        "teamMemberLevel": 0,
    }


def _common(event: Any) -> dict[str, Any]:
    return {"msgId": str(event.msg_id), "createTime": str(event.timestamp)}


def _with_user(event: Any, **fields: Any) -> dict[str, Any]:
    return {**fields, **user_attributes(getattr(event, "user", None)), **_common(event)}


def _chat(event: ChatEvent) -> dict[str, Any]:
    return _with_user(event, comment=event.comment, emotes=[_emote(e) for e in event.emotes])


def _emote(emote: Any) -> dict[str, Any]:
    return {"emoteId": emote.emote_id, "emoteImageUrl": _picture(emote.image), "placeInComment": emote.index}


def _gift(event: GiftEvent) -> dict[str, Any]:
    return _with_user(
        event,
        giftId=event.id,
        repeatCount=event.repeat_count,
        repeatEnd=event.repeat_end,
        groupId=str(event.group_id),
        gift={
            "gift_id": event.id,
            "repeat_count": event.repeat_count,
            "repeat_end": 1 if event.repeat_end else 0,
            "gift_type": event.type,
        },
        describe=event.describe,
        giftType=event.type,
        diamondCount=event.cost,
        giftName=event.name,
        giftPictureUrl=_picture(event.image),
        timestamp=event.timestamp,
        receiverUserId=str(event.to_user_id),
    )


def _like(event: LikeEvent) -> dict[str, Any]:
    return _with_user(
        event,
        likeCount=event.likes,
        totalLikeCount=event.total_likes,
        displayType=event.display_type,
        label=event.label,
    )


def _member(event: MemberEvent) -> dict[str, Any]:
    return _with_user(event, actionId=event.action, memberCount=event.member_count)


_SOCIAL = {
    UserEventType.FOLLOW: ("pm_main_follow_message_viewer_2", "{0:user} followed the host"),
    UserEventType.SHARE: ("pm_mt_guidance_share", "{0:user} shared the LIVE"),
    UserEventType.JOIN: ("live_room_enter_toast", "{0:user} joined"),
}


def _social(event: UserEvent) -> dict[str, Any]:
    display_type, label = _SOCIAL.get(event.event, ("", ""))
    if event.event == UserEventType.JOIN:
        return _with_user(event, actionId=1, displayType="live_room_enter_toast", label=label)
    return _with_user(event, displayType=display_type, label=label)


def _room_user(event: ViewersEvent) -> dict[str, Any]:
    return {
        "viewerCount": event.viewers,
        "totalViewerCount": event.total_viewers,
        "topViewers": [
            {"user": user_attributes(top.user) or None, "coinCount": top.coins} for top in event.top_viewers
        ],
        **_common(event),
    }


def _subscribe(event: SubNotifyEvent) -> dict[str, Any]:
    return _with_user(
        event,
        subMonth=event.sub_month,
        oldSubscribeStatus=event.old_subscribe_status,
        subscribingStatus=event.subscribing_status,
    )


def _envelope(event: EnvelopeEvent) -> dict[str, Any]:
    return {
        "userId": event.sender_id,
        "nickname": event.sender_name,
        "envelopeId": event.envelope_id,
        "coins": event.diamond_count,
        "canOpen": event.people_count,
        "timestamp": event.unpack_at,
        **_common(event),
    }


def _question(event: QuestionEvent) -> dict[str, Any]:
    return _with_user(event, questionText=event.question, questionId=str(event.question_id))


def _emote_chat(event: EmoteChatEvent) -> dict[str, Any]:
    first = event.emotes[0] if event.emotes else None
    return _with_user(
        event,
        emoteId=first.emote_id if first else None,
        emoteImageUrl=_picture(first.image) if first else None,
        emotes=[_emote(e) for e in event.emotes],
    )


def _intro(event: IntroEvent) -> dict[str, Any]:
    return _with_user(event, id=str(event.id), description=event.title, language=event.language)


def _pin(event: PinEvent) -> dict[str, Any]:
    return {
        "action": event.action,
        "pinnedMethod": event.pinned_method,
        "pinTime": event.pin_time,
        "displayDuration": event.display_duration,
        "pinnedMessageId": str(event.pin_msg_id),
        "operator": user_attributes(event.operator) or None,
        "chatMessage": _chat(event.chat) if event.chat is not None else None,
        "giftMessage": _gift(event.gift) if event.gift is not None else None,
        **_common(event),
    }


def _poll(event: PollEvent) -> dict[str, Any]:
    return {
        "messageType": event.message_type,
        "pollId": str(event.poll_id),
        "pollKind": event.poll_kind,
        **_common(event),
    }


def _battle(event: MicBattleEvent) -> dict[str, Any]:
    return {
        "battleId": str(event.battle_id),
        "battleStatus": event.status,
        "battleUsers": [user_attributes(user) for user in event.users],
        **_common(event),
    }


def _armies(event: BattlesEvent) -> dict[str, Any]:
    return {
        "battleId": str(event.battle_id),
        "battleStatus": event.status,
        "battleArmies": [
            {
                "hostUserId": str(battle.host),
                "points": group.points,
                "participants": [user_attributes(user) for user in group.users],
            }
            for battle in event.battles
            for group in battle.groups
        ],
        **_common(event),
    }


def _control(event: ControlEvent) -> dict[str, Any]:
    return {"action": event.action, "tips": event.tips, **_common(event)}


_ENCODERS: dict[type[Any], Callable[[Any], dict[str, Any]]] = {
    ChatEvent: _chat,
    GiftEvent: _gift,
    LikeEvent: _like,
    MemberEvent: _member,
    UserEvent: _social,
    ViewersEvent: _room_user,
    SubNotifyEvent: _subscribe,
    EnvelopeEvent: _envelope,
    QuestionEvent: _question,
    EmoteChatEvent: _emote_chat,
    IntroEvent: _intro,
    PinEvent: _pin,
    PollEvent: _poll,
    MicBattleEvent: _battle,
    BattlesEvent: _armies,
    ControlEvent: _control,
}


def _generic(body: dict[str, Any]) -> dict[str, Any]:
    """Any other event: our JSON body with camelCase keys, the sender flattened in as the converter does."""
    data: dict[str, Any] = {}
    for key, value in body.items():
        if key == "class":
            continue
        if key == "user" and isinstance(value, dict):
            continue
        data[_camel_key(key)] = _camel_all(value)
    if "msgId" in data:
        data["createTime"] = str(body.get("timestamp", 0))
    return data


def _camel_all(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel_key(k): _camel_all(v) for k, v in value.items() if k != "class"}
    if isinstance(value, list):
        return [_camel_all(item) for item in value]
    return value


def encode(message: Message) -> Frames:
    """``message`` as TikFinity frames ``(event name, data)``."""
    names = event_names(message)
    if not names:
        return []
    source = message.source
    encoder = _ENCODERS.get(type(source))
    if encoder is not None:
        data = encoder(source)
    elif isinstance(source, dict):
        data = _camel_all(source)
    else:
        data = _generic(message.body)
        user = getattr(source, "user", None)
        if isinstance(user, User):
            data.update(user_attributes(user))
    if isinstance(source, ControlEvent) and len(names) == 2:
        return [(names[0], data), ("streamEnd", {"action": source.action})]
    return [(name, data) for name in names]
