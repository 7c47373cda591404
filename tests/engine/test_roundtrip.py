"""Round trips: events -> bytes -> events, for every event class, and real payloads as fixed points.

Strategies come from the binding's own schema (`_core._schema()`), so a new event or field is covered without
editing this file. They stay within what the wire can carry; the places where it cannot (documented below and in
`test_lossy_spots_are_exactly_these`) are asserted explicitly rather than generated around silently.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import tiktok_webcast as tw
from tiktok_webcast import _core
from tiktok_webcast.protocol import (
    decode_fetch_response,
    decode_message,
    decode_push_frame,
    encode_ack,
    encode_fetch_response,
    encode_message,
    encode_push_frame,
)

I64 = st.integers(-(2**63), 2**63 - 1)
I32 = st.integers(-(2**31), 2**31 - 1)
TEXT = st.text(max_size=10)
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

ROUND_TRIP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MODEL_SCHEMA, EVENT_SCHEMA = _core._schema()
CLASSES = {name: getattr(tw, name) for name, _ in MODEL_SCHEMA + EVENT_SCHEMA}
EVENT_CLASSES = [cls for cls in tw.EVENT_TYPES if cls is not tw.UnknownEvent]

# Fields that are plain ints in Python but 32-bit on the wire (the schema says i64 for them): out-of-range values
# are clamped when encoding, so the round trip holds for 32-bit values only.
WIRE_INT32 = {
    ("User", "gifter_level"),
    ("Badge", "scene"),
    ("Badge", "display_type"),
    ("Image", "width"),
    ("Image", "height"),
    ("Emote", "index"),
    ("GiftEvent", "cost"),
    ("GiftEvent", "repeat_count"),
    ("GiftEvent", "type"),
    ("GiftEvent", "combo_count"),
    ("LikeEvent", "likes"),
    ("MemberEvent", "action"),
    ("MemberEvent", "member_count"),
    ("ControlEvent", "action"),
    ("MicBattleEvent", "action"),
    ("MicBattleEvent", "status"),
    ("BattlesEvent", "status"),
    ("PinEvent", "action"),
    ("EnvelopeEvent", "business_type"),
    ("EnvelopeEvent", "diamond_count"),
    ("EnvelopeEvent", "people_count"),
    ("EnvelopeEvent", "unpack_at"),
    ("EnvelopeEvent", "display"),
}
# Every wire method an event class may carry (the first is its own).
METHODS = {
    tw.RoomEvent: ["WebcastRoomMessage", "RoomMessage", "WebcastSystemMessage"],
    tw.LinkMicMethodEvent: ["WebcastLinkMicMethod", "LinkMicMethod"],
    tw.RoomVerifyEvent: ["WebcastRoomVerifyMessage", "RoomVerifyMessage"],
}
# Methods decoded into typed events (the rest become UnknownEvent).
MAPPED = {cls().method for cls in EVENT_CLASSES} | {"WebcastSocialMessage"} | {m for ms in METHODS.values() for m in ms}
# Messages that carry the user's relation to the host (`user_identity`) next to the user.
IDENTITY_EVENTS = {tw.ChatEvent, tw.GiftEvent, tw.EmoteChatEvent}
SUBSCRIBER_SCENES = {4, 7}  # BadgeSceneType SUBSCRIBER, NEW_SUBSCRIBER
ADMIN_SCENE, GRADE_SCENE = 1, 8
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
# The user fields the battle messages have room for (webcast.md §7.9).
MIC_BATTLE_USER_FIELDS = ("id", "username", "nickname", "profile_picture")
ARMY_USER_FIELDS = ("id", "nickname", "profile_picture")


def fields_of(cls: type) -> list[tuple[str, str]]:
    name = cls.__name__
    fields = dict(MODEL_SCHEMA + EVENT_SCHEMA)[name]
    return [(field.removeprefix("r#"), rust_type) for field, rust_type in fields]


def type_strategy(rust_type: str, owner: str, field: str) -> st.SearchStrategy[Any]:
    """A strategy for one field, from its Rust type in the schema."""
    if rust_type == "$crate :: events :: Json":
        return JSON
    if rust_type == "$crate :: events :: Badges":
        return type_strategy("Vec < $crate :: events :: Badge >", owner, field)
    if (owner, field) in WIRE_INT32:
        assert rust_type == "i64", (owner, field, rust_type)
        return I32
    if match := re.fullmatch(r"Option < (.+) >", rust_type):
        return st.none() | type_strategy(match[1], owner, field)
    if match := re.fullmatch(r"Vec < (.+) >", rust_type):
        return st.lists(type_strategy(match[1], owner, field), max_size=3).map(tuple)
    if match := re.fullmatch(r"\$crate :: events :: (\w+)", rust_type):
        if match[1] == "UserEventType":
            return st.sampled_from([tw.UserEventType.JOIN, tw.UserEventType.SHARE, tw.UserEventType.FOLLOW])
        return st.deferred(lambda: value_strategy(CLASSES[match[1]]))
    scalars = {"i64": I64, "i32": I32, "bool": st.booleans(), "String": TEXT}
    assert rust_type in scalars, f"no strategy for {rust_type} ({owner}.{field})"
    return scalars[rust_type]


def wire_user(user: tw.User, identity: bool) -> tw.User:
    """The user as the wire can carry it: the gifter level, moderator and subscriber flags follow the badges, and
    the relation to the host (`is_follower`, ...) only rides on messages with a `user_identity`."""
    fields = {name: getattr(user, name) for name in user.__match_args__}
    scenes = {badge.scene for badge in user.badges}
    grades = [badge.level for badge in user.badges if badge.scene == GRADE_SCENE]
    if grades:
        fields["gifter_level"] = grades[0]
    fields["is_moderator"] = user.is_moderator or ADMIN_SCENE in scenes
    subscriber = bool(scenes & SUBSCRIBER_SCENES)
    if identity:
        fields["is_subscriber"] = user.is_subscriber or subscriber
    else:
        fields.update(is_subscriber=subscriber, is_follower=False, is_friend=False, is_gift_giver=False)
    return tw.User(**fields)


def wire_users(identity: bool) -> st.SearchStrategy[tw.User]:
    fields = {f: type_strategy(t, "User", f) for f, t in fields_of(tw.User)}
    return st.builds(tw.User, **fields).map(lambda user: wire_user(user, identity))


def user_with(fields: tuple[str, ...]) -> st.SearchStrategy[tw.User]:
    """Users that only set `fields` (the others keep their defaults)."""
    return st.builds(tw.User, **{f: type_strategy(t, "User", f) for f, t in fields_of(tw.User) if f in fields})


def value_strategy(cls: type, method: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Any]:
    """Values of a model or event class that the wire can carry whole."""
    if cls is tw.User:
        return wire_users(identity=False)
    fields = {f: type_strategy(t, cls.__name__, f) for f, t in fields_of(cls)}
    if cls in IDENTITY_EVENTS:
        fields["user"] = st.none() | wire_users(identity=True)
    if cls in EVENT_CLASSES:
        fields["msg_id"] = I64
        fields["timestamp"] = I64
        fields["method"] = st.sampled_from(METHODS.get(cls, [cls().method])) if method is None else method
    if cls is tw.UserEvent:
        # The wire method follows the type: a join is a member message, follows and shares are social messages.
        return st.builds(tw.UserEvent, **{k: v for k, v in fields.items() if k != "method"})
    if cls is tw.MemberEvent:
        fields["action"] = I32.filter(lambda action: action != 1)  # action 1 is a join: a UserEvent
    if cls is tw.EmoteChatEvent:
        emote = st.builds(tw.Emote, emote_id=TEXT, image=st.none() | value_strategy(tw.Image))  # no position
        fields["emotes"] = st.lists(emote, max_size=3).map(tuple)
    if cls is tw.MicBattleEvent:
        fields["users"] = st.lists(user_with(MIC_BATTLE_USER_FIELDS), max_size=3).map(tuple)
    if cls is tw.BattlesEvent:
        users = st.lists(user_with(ARMY_USER_FIELDS), max_size=3).map(tuple)
        group = st.builds(tw.BattleGroup, points=I64, users=users)
        battles = st.dictionaries(I64, group, max_size=3).map(
            lambda sides: tuple(tw.Battle(host=host, groups=(sides[host],)) for host in sorted(sides))
        )
        fields["battles"] = battles  # one side per host, in host order: the wire holds them as a map
    if cls is tw.PinEvent:
        fields["chat"] = st.none() | nested(tw.ChatEvent)
        fields["gift"] = st.none() | nested(tw.GiftEvent)
    return st.builds(cls, **fields)


def nested(cls: type) -> st.SearchStrategy[Any]:
    """A pinned message: its method rides in its own header, where an empty one would come back as the default."""
    return value_strategy(cls, method=TEXT.filter(bool))


EVENTS = st.one_of([value_strategy(cls) for cls in EVENT_CLASSES])


# -- events ---------------------------------------------------------------------------------------------------------


def test_the_schema_names_every_event_class():
    assert [name for name, _ in EVENT_SCHEMA] == [cls.__name__ for cls in EVENT_CLASSES]
    for cls in [*EVENT_CLASSES, *(CLASSES[name] for name, _ in MODEL_SCHEMA)]:
        names = [field for field, _ in fields_of(cls)]
        extra = ["method", "msg_id", "timestamp"] if cls in EVENT_CLASSES else []
        assert list(cls.__match_args__) == names + extra, cls.__name__


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=lambda cls: cls.__name__)
@ROUND_TRIP
@given(data=st.data())
def test_encode_then_decode_gives_the_event_back(cls, data):
    event = data.draw(value_strategy(cls))
    method, payload = encode_message(event)
    assert method == event.method
    decoded = decode_message(method, payload)
    assert decoded == event
    if not isinstance(event, tw.RoomBannerEvent):  # its JSON document may be a dict, unhashable as in a dataclass
        assert hash(decoded) == hash(event)
    assert encode_message(decoded) == (method, payload)
    assert decoded.raw == payload == event.raw


def test_lossy_spots_are_exactly_these():
    """What the wire cannot carry, each checked so that a change in it is noticed."""
    user = tw.User(
        id=7, username="host", nickname="Host", profile_picture=tw.Image(urls=("https://a",), width=1, height=2),
        follower_count=10, following_count=3, follow_status=1, sec_uid="MS4", bio="hi", verified=True,
        is_moderator=True, gifter_level=30,
    )  # fmt: skip

    # A user event's method follows its type unless given: a join is a member message.
    assert tw.UserEvent(event=tw.UserEventType.JOIN).method == "WebcastMemberMessage"
    assert tw.UserEvent(event=tw.UserEventType.FOLLOW).method == "WebcastSocialMessage"
    assert tw.UserEvent(event=tw.UserEventType.SHARE).method == "WebcastSocialMessage"
    # A member message with action 1 is a join, whatever the event it was encoded from.
    member = tw.MemberEvent(action=1, user=user, member_count=5, msg_id=3, timestamp=4)
    assert decode_message(*encode_message(member)) == tw.UserEvent(
        event=tw.UserEventType.JOIN, user=user, method="WebcastMemberMessage", msg_id=3, timestamp=4
    )

    # Battle hosts keep what BattleBaseUserInfo has; army users what BattleUserArmy has.
    mic = decode_message(*encode_message(tw.MicBattleEvent(battle_id=1, users=(user,))))
    assert mic.users == (tw.User(**{f: getattr(user, f) for f in MIC_BATTLE_USER_FIELDS}),)
    group = tw.BattleGroup(points=9, users=(user,))
    armies = tw.BattlesEvent(
        battles=(
            tw.Battle(host=5, groups=(group, tw.BattleGroup(points=1))),  # only the first group has room
            tw.Battle(host=2, groups=()),  # no group: points 0, no users
            tw.Battle(host=5, groups=()),  # same host again: the map keeps the last
        )
    )
    army_user = tw.User(**{f: getattr(user, f) for f in ARMY_USER_FIELDS})
    assert decode_message(*encode_message(armies)).battles == (
        tw.Battle(host=2, groups=(tw.BattleGroup(points=0, users=()),)),
        tw.Battle(host=5, groups=(tw.BattleGroup(points=0, users=()),)),
    )
    single = tw.BattlesEvent(battles=(tw.Battle(host=5, groups=(group, tw.BattleGroup(points=1))),))
    assert decode_message(*encode_message(single)).battles == (
        tw.Battle(host=5, groups=(tw.BattleGroup(points=9, users=(army_user,)),)),
    )

    # A lone emote has no position in a comment.
    emote = tw.Emote(emote_id="e", index=4)
    assert decode_message(*encode_message(tw.EmoteChatEvent(emotes=(emote,)))).emotes == (tw.Emote(emote_id="e"),)

    # 32-bit wire fields clamp.
    gift = decode_message(*encode_message(tw.GiftEvent(cost=2**40, repeat_count=-(2**40), combo_count=2**31)))
    assert (gift.cost, gift.repeat_count, gift.combo_count) == (INT32_MAX, INT32_MIN, INT32_MAX)
    big_user = tw.User(gifter_level=2**33, profile_picture=tw.Image(width=2**33, height=-(2**33)))
    back = decode_message(*encode_message(tw.ChatEvent(user=big_user))).user
    assert (back.gifter_level, back.profile_picture.width, back.profile_picture.height) == (
        INT32_MAX, INT32_MAX, INT32_MIN,
    )  # fmt: skip

    # A pinned message without a method comes back with its type's.
    pin = tw.PinEvent(chat=tw.ChatEvent(comment="hi", method=""), gift=tw.GiftEvent(id=1, method=""))
    back = decode_message(*encode_message(pin))
    assert (back.chat.method, back.gift.method) == ("WebcastChatMessage", "WebcastGiftMessage")

    # Badges carry the gifter level, the moderator and the subscriber flags; the relation to the host (follower,
    # friend, gift giver) rides on chat, gift and emote messages only.
    badged = tw.User(
        id=1, badges=(tw.Badge(scene=8, level=12, display_type=4, text="12"), tw.Badge(scene=4), tw.Badge(scene=1)),
        is_follower=True, is_friend=True, is_gift_giver=True,
    )  # fmt: skip
    back = decode_message(*encode_message(tw.LikeEvent(user=badged))).user
    assert (back.gifter_level, back.is_moderator, back.is_subscriber) == (12, True, True)
    assert (back.is_follower, back.is_friend, back.is_gift_giver) == (False, False, False)
    back = decode_message(*encode_message(tw.ChatEvent(user=badged))).user
    assert (back.is_follower, back.is_friend, back.is_gift_giver) == (True, True, True)
    assert back.badges == badged.badges

    # A banner's document goes compact on the wire, and comes back as the same value.
    banner = tw.RoomBannerEvent(data={"b": [1, "é"], "a": None})
    assert bytes(banner.proto.json, "utf-8") in banner.raw
    assert banner.proto.json == '{"b":[1,"é"],"a":null}'
    assert decode_message(*encode_message(banner)).data == {"a": None, "b": [1, "é"]}

    # An event sent as a method that is not its own is not that event on the way back.
    assert isinstance(decode_message(*encode_message(tw.ChatEvent(comment="x", method="Other"))), tw.UnknownEvent)


@ROUND_TRIP
@given(method=TEXT.filter(lambda m: m not in MAPPED), event=EVENTS)
def test_unknown_events_round_trip_their_bytes(method, event):
    _, payload = encode_message(event)
    unknown = decode_message(method, payload)
    assert unknown == tw.UnknownEvent(
        method=method, payload=payload, error=None, msg_id=event.msg_id, timestamp=event.timestamp
    )
    assert encode_message(unknown) == (method, payload)


# -- real payloads are fixed points --------------------------------------------------------------------------------


def test_real_payloads_are_fixed_points(real_payloads):
    typed = 0
    for method, payload in real_payloads:
        event = decode_message(method, payload)
        encoded = encode_message(event)
        assert encoded[0] == method
        again = decode_message(*encoded)
        assert again == event, method
        assert encode_message(again) == encoded, method
        assert encoded[1] == payload  # a decoded event encodes to the bytes it came as: every field, not only typed
        if not isinstance(event, tw.UnknownEvent):
            assert event.raw == payload
            typed += 1
    assert typed == 573


def test_the_2026_batch_is_a_fixed_point(real_dir):
    response = decode_fetch_response((real_dir / "2026-batch.pb").read_bytes())
    body = encode_fetch_response(
        response.events,
        history=list(response.is_history),
        **{
            name: getattr(response, name)
            for name in (
                "cursor", "internal_ext", "need_ack", "fetch_interval", "now", "fetch_type", "route_params",
                "heartbeat_duration", "push_server", "is_first", "history_comment_cursor", "history_no_more",
            )
        },
    )  # fmt: skip
    assert decode_fetch_response(body) == response


# -- fetch responses and push frames --------------------------------------------------------------------------------

RESPONSE_FIELDS = st.fixed_dictionaries(
    {
        "cursor": TEXT,
        "internal_ext": st.sampled_from(["", "internal_src:pushserver|wss_push_log_id:1"]) | TEXT,
        "need_ack": st.booleans(),
        "fetch_interval": I64,
        "now": I64,
        "fetch_type": I32,
        "route_params": st.dictionaries(TEXT, TEXT, max_size=3),
        "heartbeat_duration": I64,
        "push_server": TEXT,
        "is_first": st.booleans(),
        "history_comment_cursor": TEXT,
        "history_no_more": st.booleans(),
    }
)


@ROUND_TRIP
@given(events=st.lists(EVENTS, max_size=5), fields=RESPONSE_FIELDS)
def test_fetch_responses_round_trip(events, fields):
    response = decode_fetch_response(encode_fetch_response(events, **fields))
    assert response.events == events
    for name, value in fields.items():
        assert getattr(response, name) == value, name


@ROUND_TRIP
@given(
    events=st.lists(EVENTS, max_size=5),
    fields=RESPONSE_FIELDS,
    log_id=I64,
    seq_id=I64,
    headers=st.lists(st.tuples(TEXT.filter(lambda k: k != "compress_type"), TEXT), max_size=2),
    gzip=st.booleans(),
)
def test_push_frames_round_trip(events, fields, log_id, seq_id, headers, gzip):
    body = encode_fetch_response(events, **fields)
    frame = decode_push_frame(encode_push_frame(body, log_id=log_id, seq_id=seq_id, headers=headers, gzip=gzip))
    assert (frame.log_id, frame.seq_id, frame.payload_type, frame.payload_encoding) == (log_id, seq_id, "msg", "pb")
    assert frame.headers == tuple(headers) + ((("compress_type", "gzip"),) if gzip else ())
    assert frame.payload == body
    assert frame.events == events
    for name in ("cursor", "internal_ext", "need_ack", "fetch_interval", "now", "fetch_type", "route_params",
                 "heartbeat_duration", "push_server", "is_first"):  # fmt: skip
        assert getattr(frame, name) == fields[name], name
    wants_ack = fields["need_ack"] and fields["internal_ext"] != ""
    assert frame.ack == (encode_ack(log_id, fields["internal_ext"]) if wants_ack else None)


@ROUND_TRIP
@given(payload=st.binary(max_size=200), payload_type=st.sampled_from(["hb", "ack", "im_enter_room", "close"]),
       gzip=st.booleans())  # fmt: skip
def test_other_frames_round_trip_their_payload(payload, payload_type, gzip):
    assume(gzip or not payload.startswith(b"\x1f\x8b\x08"))  # an uncompressed payload with the magic is sniffed
    frame = decode_push_frame(encode_push_frame(payload, payload_type=payload_type, gzip=gzip))
    assert frame.payload_type == payload_type
    assert frame.events == [] and frame.ack is None
    assert frame.payload == payload
