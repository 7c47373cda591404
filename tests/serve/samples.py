"""One event of every type the library has, with a sender where the type has one, for end-to-end checks."""

from __future__ import annotations

from typing import Any

from tiktok_webcast import (
    Battle,
    BattleGroup,
    BattlesEvent,
    ChatEvent,
    Emote,
    EmoteChatEvent,
    EnvelopeEvent,
    GiftEvent,
    Image,
    LikeEvent,
    MemberEvent,
    MicBattleEvent,
    PinEvent,
    PollEvent,
    QuestionEvent,
    SubNotifyEvent,
    TopViewer,
    User,
    UserEvent,
    UserEventType,
    ViewersEvent,
    events,
)

VIEWER = User(
    id=6813181309701719620,
    username="zerodytester",
    nickname="Zerody Tester",
    profile_picture=Image(urls=("https://example.invalid/avatar.webp",)),
    follower_count=606,
    following_count=10,
)
HOST = User(id=7087613897129493510, username="alice", nickname="Alice")

EVENT_CLASSES = [
    getattr(events, name)
    for name in events.__all__
    if name.endswith("Event")
    and name not in ("UnknownEvent", "ControlEvent")
    and isinstance(getattr(events, name), type)
]


def specific(msg_id: int) -> dict[str, Any]:
    """Events with the fields a consumer looks at filled in."""
    rose = Image(urls=("https://example.invalid/rose.png",))
    return {
        "ChatEvent": ChatEvent(user=VIEWER, comment="How are you?", msg_id=msg_id),
        "GiftEvent": GiftEvent(
            id=5655,
            name="Rose",
            cost=1,
            repeat_count=3,
            repeat_end=True,
            type=1,
            user=VIEWER,
            to_user_id=HOST.id,
            group_id=1661887131074,
            image=rose,
            msg_id=msg_id,
        ),
        "LikeEvent": LikeEvent(likes=6, total_likes=21349, user=VIEWER, msg_id=msg_id),
        "MemberEvent": MemberEvent(action=1, user=VIEWER, member_count=630, msg_id=msg_id),
        "UserEvent": UserEvent(event=UserEventType.FOLLOW, user=VIEWER, msg_id=msg_id),
        "ViewersEvent": ViewersEvent(
            viewers=630, total_viewers=900, top_viewers=(TopViewer(user=VIEWER, coins=25, rank=1),), msg_id=msg_id
        ),
        "SubNotifyEvent": SubNotifyEvent(user=VIEWER, sub_month=2, msg_id=msg_id),
        "EnvelopeEvent": EnvelopeEvent(
            envelope_id="e1",
            sender_id="6813181309701719620",
            sender_name="Zerody Tester",
            diamond_count=20,
            people_count=20,
            unpack_at=1661887422,
            msg_id=msg_id,
        ),
        "PinEvent": PinEvent(
            action=1,
            pin_time=1661887422000,
            display_duration=60,
            operator=HOST,
            chat=ChatEvent(user=VIEWER, comment="pinned!", msg_id=msg_id + 500_000),
            msg_id=msg_id,
        ),
        "PollEvent": PollEvent(message_type=0, poll_id=77, poll_kind=1, msg_id=msg_id),
        "QuestionEvent": QuestionEvent(
            question="Why is the API so complicated?", question_id=5, user=VIEWER, msg_id=msg_id
        ),
        "EmoteChatEvent": EmoteChatEvent(
            user=VIEWER, emotes=(Emote(emote_id="7121025198379731714", image=rose),), msg_id=msg_id
        ),
        "MicBattleEvent": MicBattleEvent(battle_id=9, status=1, users=(HOST, VIEWER), msg_id=msg_id),
        "BattlesEvent": BattlesEvent(
            battle_id=9,
            status=1,
            battles=(Battle(host=HOST.id, groups=(BattleGroup(points=33, users=(VIEWER,)),)),),
            msg_id=msg_id,
        ),
    }


def one_of_each(first_id: int = 1000) -> list[Any]:
    """An event of every class (ControlEvent aside: it can end the stream), with unique message ids."""
    result = []
    for offset, cls in enumerate(EVENT_CLASSES):
        msg_id = first_id + offset
        event = specific(msg_id).get(cls.__name__)
        if event is None:
            fields: dict[str, Any] = {"msg_id": msg_id}
            if "user" in cls.__match_args__:
                fields["user"] = VIEWER
            event = cls(**fields)
        result.append(event)
    return result
