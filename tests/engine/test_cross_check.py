"""Messages built and serialized by TikTokLiveProto, the independent V3 schema, decoded by our engine.

Every method we decode gets random messages (64-bit ids, unicode, nested users with avatars, streak flags, enums
outside their named values, fields we do not map); our events must carry exactly the values that went in. Whole push
frames are built the same way, with and without gzip, and our ack must equal the ack built with the other schema.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from protowire import varint

import tiktok_webcast as tw
from tiktok_webcast.protocol import (
    decode_fetch_response,
    decode_message,
    decode_push_frame,
    encode_ack,
    encode_enter_room,
    encode_heartbeat,
)

I64 = st.integers(-(2**63), 2**63 - 1)
I32 = st.integers(-(2**31), 2**31 - 1)
IDS = st.integers(0, 2**63 - 1)
TEXT = st.text(max_size=12)  # any code point but surrogates, which protobuf strings cannot hold
SOCIAL_KEYS = ["pm_main_follow_message_viewer_2", "pm_mt_guidance_share", "pm_mt_guidance_viewer_7_share", ""]

# Every wire method the engine decodes into a typed event: each class's own method, the second method of the
# user events, and the other names that carry a known layout (webcast.md §6).
METHODS = sorted(
    {cls().method for cls in tw.EVENT_TYPES if cls is not tw.UnknownEvent}
    | {"WebcastSocialMessage", "WebcastSystemMessage", "RoomMessage", "LinkMicMethod", "RoomVerifyMessage"}
)

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def field_class(message_class: type, field: str) -> type:
    """The class (message or enum) of one field of a TikTokLiveProto message."""
    return message_class._betterproto.cls_by_field[field]  # type: ignore[attr-defined,no-any-return]


class Messages:
    """Hypothesis strategies for TikTokLiveProto messages of every method: each draws (message, payload)."""

    def __init__(self, independent: Any) -> None:
        self.independent = independent
        v3 = independent.v3_class
        user_cls = independent.User
        self.image = st.builds(
            independent.ImageModel,
            url_list=st.lists(TEXT, max_size=3),
            uri=TEXT,
            width=I32,
            height=I32,
            avg_color=TEXT,
            is_animated=st.booleans(),
        )
        self.text = st.builds(independent.Text, key=TEXT, default_pattern=TEXT)
        self.user = st.builds(
            user_cls,
            id=IDS,
            nickname=TEXT,
            display_id=TEXT,
            avatar_thumb=optional(self.image),
            avatar_medium=optional(self.image),  # not mapped: must not leak into profile_picture
            follow_info=optional(
                st.builds(
                    field_class(user_cls, "follow_info"),
                    following_count=I64,
                    follower_count=I64,
                    follow_status=I64,
                    push_status=I64,
                )
            ),
            sec_uid=TEXT,
            bio_description=TEXT,
            verified=st.booleans(),
            user_attr=optional(
                st.builds(
                    field_class(user_cls, "user_attr"),
                    is_admin=st.booleans(),
                    is_muted=st.booleans(),
                    is_super_admin=st.booleans(),
                )
            ),
            pay_grade=optional(st.builds(field_class(user_cls, "pay_grade"), level=I32, name=TEXT)),
            follow_status=I64,  # User.follow_status (1024), not the follow_info one we map
            id_str=TEXT,
        )
        self.common_cls = v3("CommonMessageData")
        self.by_layout: dict[str, st.SearchStrategy[tuple[Any, bytes]]] = {}
        for method, builder in {
            "WebcastChatMessage": self._chat,
            "WebcastEmoteChatMessage": self._emote_chat,
            "WebcastGiftMessage": self._gift,
            "WebcastLikeMessage": self._like,
            "WebcastMemberMessage": self._member,
            "WebcastSocialMessage": self._social,
            "WebcastRoomUserSeqMessage": self._viewers,
            "WebcastQuestionNewMessage": self._question,
            "WebcastControlMessage": self._control,
            "WebcastLinkMicBattle": self._mic_battle,
            "WebcastLinkMicArmies": self._armies,
            "WebcastInRoomBannerMessage": self._banner,
            "WebcastLiveIntroMessage": self._intro,
            "WebcastRoomMessage": self._room,
            "WebcastSystemMessage": self._system,
            "WebcastRoomPinMessage": self._pin,
            "WebcastEnvelopeMessage": self._envelope,
        }.items():
            self.by_layout[method] = builder().map(lambda message: (message, bytes(message)))
        self.by_layout["WebcastInRoomBannerMessage"] = self._banner()
        for method in independent.simple:
            self.by_layout[method] = self._simple(method).map(lambda message: (message, bytes(message)))

    def of(self, method: str) -> st.SearchStrategy[tuple[Any, bytes]]:
        return self.by_layout[self.independent.layout(method)]

    def common(self, method: st.SearchStrategy[str] = TEXT, display_text: Any = None) -> st.SearchStrategy[Any]:
        return st.builds(
            self.common_cls,
            method=method,
            msg_id=I64,
            create_time=I64,
            room_id=I64,
            describe=TEXT,
            display_text=optional(self.text) if display_text is None else display_text,
        )

    def enum(self, message_class: type, field: str) -> st.SearchStrategy[Any]:
        """A named value of the field's enum, or any other 32-bit value (new values appear on the wire)."""
        enum_class = field_class(message_class, field)
        return st.sampled_from(list(enum_class)) | I32.map(enum_class)

    def _simple(self, layout: str) -> st.SearchStrategy[Any]:
        """Every field the simple event exposes, random; the others left out."""
        cls = self.independent.message_class(layout)
        metadata = cls._betterproto.meta_by_field_name
        fields: dict[str, st.SearchStrategy[Any]] = {"common": optional(self.common())}
        for name in self.independent.simple[layout].__match_args__:
            if name in ("method", "msg_id", "timestamp"):
                continue
            meta = metadata[name]
            scalar = {
                "bool": st.booleans(),
                "int32": I32,
                "int64": I64,
                "string": TEXT,
            }.get(meta.proto_type)
            if meta.proto_type == "enum":
                scalar = self.enum(cls, name)
            elif meta.proto_type == "message":
                scalar = {
                    self.independent.User: self.user,
                    self.independent.ImageModel: self.image,
                    self.independent.Text: self.text,
                }[field_class(cls, name)]
            assert scalar is not None, (layout, name, meta.proto_type)
            if meta.repeated:
                fields[name] = st.lists(scalar, max_size=3)
            elif meta.proto_type == "message":
                fields[name] = optional(scalar)
            else:
                fields[name] = scalar
        return st.builds(cls, **fields)

    def _cls(self, layout: str) -> type:
        cls = self.independent.message_class(layout)
        assert cls is not None
        return cls

    def _chat(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastChatMessage")
        emote_with_index = field_class(cls, "emotes")
        emote_model = field_class(emote_with_index, "emote")
        emote = st.builds(emote_model, emote_id=TEXT, image=optional(self.image), package_id=TEXT)
        return st.builds(
            cls,
            common=optional(self.common()),
            user=optional(self.user),
            content=TEXT,
            content_language=TEXT,
            emotes=st.lists(st.builds(emote_with_index, index=I32, emote=optional(emote)), max_size=3),
            visible_to_sender=st.booleans(),
            at_user=optional(self.user),
            input_type=I32,
        )

    def _emote_chat(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastEmoteChatMessage")
        emote = st.builds(field_class(cls, "emote_list"), emote_id=TEXT, image=optional(self.image))
        return st.builds(
            cls, common=optional(self.common()), user=optional(self.user), emote_list=st.lists(emote, max_size=3)
        )

    def _gift(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastGiftMessage")
        gift = st.builds(
            field_class(cls, "gift"),
            id=I64,
            name=TEXT,
            describe=TEXT,
            type=st.sampled_from([1, 2, 4]) | I32,
            diamond_count=I32,
            image=optional(self.image),
            icon=optional(self.image),
            combo=st.booleans(),
        )
        return st.builds(
            cls,
            common=optional(self.common()),
            gift_id=st.just(0) | I64,  # 0: the id comes from the embedded gift
            fan_ticket_count=I32,
            repeat_count=I32,
            combo_count=I32,
            user=optional(self.user),
            to_user=optional(self.user),
            repeat_end=st.sampled_from([0, 1]) | I32,
            group_id=I64,
            gift=optional(gift),
            send_type=I64,
            log_id=TEXT,
        )

    def _like(self) -> st.SearchStrategy[Any]:
        return st.builds(
            self._cls("WebcastLikeMessage"),
            common=optional(self.common()),
            count=I32,
            total=I64,
            color=I32,
            user=optional(self.user),
            icon=TEXT,
        )

    def _member(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastMemberMessage")
        return st.builds(
            cls,
            common=optional(self.common()),
            user=optional(self.user),
            member_count=I32,
            operator=optional(self.user),
            action=self.enum(cls, "action"),
            action_description=TEXT,
            user_id=I64,
        )

    def _social(self) -> st.SearchStrategy[Any]:
        key = st.sampled_from(SOCIAL_KEYS) | TEXT
        display_text = optional(st.builds(self.independent.Text, key=key, default_pattern=TEXT))
        return st.builds(
            self._cls("WebcastSocialMessage"),
            common=optional(self.common(display_text=display_text)),
            user=optional(self.user),
            share_type=I64,
            action=st.sampled_from([0, 1, 2, 3, 4, 5]) | I64,
            share_target=TEXT,
            follow_count=I64,
        )

    def _viewers(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastRoomUserSeqMessage")
        contributor = st.builds(field_class(cls, "ranks"), score=I64, user=optional(self.user), rank=I64, delta=I64)
        return st.builds(
            cls,
            common=optional(self.common()),
            ranks=st.lists(contributor, max_size=3),
            total=I64,
            pop_str=TEXT,
            seats=st.lists(contributor, max_size=1),
            popularity=I64,
            total_user=I64,
        )

    def _question(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastQuestionNewMessage")
        question = st.builds(
            field_class(cls, "data"), question_id=I64, content=TEXT, answer_status=I32, user=optional(self.user)
        )
        return st.builds(cls, common=optional(self.common()), data=optional(question))

    def _control(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastControlMessage")
        return st.builds(
            cls, common=optional(self.common()), action=self.enum(cls, "action"), tips=TEXT, float_style=I32
        )

    def _battle_settings(self, cls: type) -> st.SearchStrategy[Any]:
        settings_cls = field_class(cls, "battle_settings")
        return optional(st.builds(settings_cls, battle_id=I64, duration=I32, status=self.enum(settings_cls, "status")))

    def _mic_battle(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastLinkMicBattle")
        wrapper = field_class(cls, "anchors_info")
        info = field_class(wrapper, "value")
        base = field_class(info, "user")
        host = st.builds(
            base, user_id=IDS, nick_name=TEXT, avatar_thumb=optional(self.image), display_id=TEXT, room_id=I64
        )
        return st.builds(
            cls,
            common=optional(self.common()),
            battle_id=I64,
            battle_settings=self._battle_settings(cls),
            action=self.enum(cls, "action"),
            anchors_info=st.lists(
                st.builds(wrapper, key=I64, value=optional(st.builds(info, user=optional(host)))), max_size=4
            ),
            bubble_text=TEXT,
        )

    def _armies(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastLinkMicArmies")
        armies_cls = self.independent.v3_class("BattleUserArmies")
        army = st.builds(
            field_class(armies_cls, "user_armies"),
            user_id=IDS,
            score=I64,
            nickname=TEXT,
            avatar_thumb=optional(self.image),
            diamond_score=I64,
        )
        armies = st.builds(armies_cls, user_armies=st.lists(army, max_size=3), hostscore=I64, anchor_id_str=TEXT)
        return st.builds(
            cls,
            common=optional(self.common()),
            battle_id=I64,
            armies=st.dictionaries(I64, armies, max_size=3),
            channel_id=I64,
            gift_id=I64,
            battle_settings=self._battle_settings(cls),
        )

    def _banner(self) -> st.SearchStrategy[tuple[Any, bytes]]:
        # V3 names only `common`; field 2 is the JSON string (webcast.md §7.12), appended here by hand.
        cls = self._cls("WebcastInRoomBannerMessage")
        document = st.dictionaries(TEXT, I64 | TEXT | st.booleans(), max_size=3).map(
            lambda value: json.dumps(value, ensure_ascii=False)
        )

        def payload(message: Any, data: str) -> tuple[Any, bytes]:
            raw = data.encode()
            return message, bytes(message) + b"\x12" + varint(len(raw)) + raw

        return st.builds(payload, st.builds(cls, common=optional(self.common())), document)

    def _intro(self) -> st.SearchStrategy[Any]:
        return st.builds(
            self._cls("WebcastLiveIntroMessage"),
            common=optional(self.common()),
            id=I64,
            audit_status=I32,
            content=TEXT,
            user=optional(self.user),
            intro_mode=I32,
            content_language=TEXT,
        )

    def _room(self) -> st.SearchStrategy[Any]:
        return st.builds(
            self._cls("WebcastRoomMessage"),
            common=optional(self.common(method=st.sampled_from(["SystemMessage", "WebcastRoomMessage"]) | TEXT)),
            content=TEXT,
            source=I32,
            scene=TEXT,
            is_welcome=st.booleans(),
        )

    def _system(self) -> st.SearchStrategy[Any]:
        return st.builds(self._cls("WebcastSystemMessage"), common=optional(self.common()), message=TEXT)

    def _pin(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastRoomPinMessage")
        nested_method = st.sampled_from(["", "WebcastChatMessage", "WebcastGiftMessage"]) | TEXT
        return st.builds(
            cls,
            common=optional(self.common()),
            chat_message=optional(self._chat()),
            gift_message=optional(self._gift()),
            like_message=optional(self._like()),  # not mapped
            method=nested_method,
            pin_time=I64,
            operator=optional(self.user),
            action=self.enum(cls, "action"),
            display_duration=I64,
            pin_msg_id=I64,
        )

    def _envelope(self) -> st.SearchStrategy[Any]:
        cls = self._cls("WebcastEnvelopeMessage")
        info_cls = field_class(cls, "envelope_info")
        info = st.builds(
            info_cls,
            envelope_id=TEXT,
            business_type=self.enum(info_cls, "business_type"),
            envelope_idc=TEXT,
            send_user_name=TEXT,
            diamond_count=I32,
            people_count=I32,
            unpack_at=I32,
            send_user_id=TEXT,
            room_id=TEXT,
        )
        return st.builds(
            cls, common=optional(self.common()), envelope_info=optional(info), display=self.enum(cls, "display")
        )


@pytest.fixture(scope="module")
def messages(independent: Any) -> Messages:
    return Messages(independent)


def test_every_decoded_method_is_cross_checked(independent):
    assert set(METHODS) == independent.mapped_methods
    assert len(METHODS) == 65  # 60 event classes, the social and system messages, three other names


@pytest.mark.parametrize("method", METHODS)
@FAST
@given(data=st.data())
def test_messages_decode_to_the_values_they_were_built_with(method, data, messages, independent):
    message, payload = data.draw(messages.of(method))
    ours = decode_message(method, payload)
    theirs = independent.expected(method, payload, message)
    assert not independent.differences(ours, theirs)


def test_nested_pin_and_unset_fields_are_exercised(messages, independent):
    """The strategies reach the cases the mapping branches on (guards against a vacuous cross-check)."""
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def explore(data):
        pin, _ = data.draw(messages.of("WebcastRoomPinMessage"))
        if pin.chat_message is not None and pin.chat_message.common is None:
            seen.add("pinned chat without header")
        if pin.gift_message is not None and pin.gift_message.common is not None and pin.gift_message.common.method:
            seen.add("pinned gift with method")
        gift, _ = data.draw(messages.of("WebcastGiftMessage"))
        if gift.gift_id == 0 and gift.gift is not None and gift.gift.id != 0:
            seen.add("gift id from the embedded gift")
        _social, payload = data.draw(messages.of("WebcastSocialMessage"))
        seen.add(f"social {decode_message('WebcastSocialMessage', payload).event!r}")

    explore()
    assert {
        "pinned chat without header",
        "pinned gift with method",
        "gift id from the embedded gift",
        "social UserEventType.FOLLOW",
        "social UserEventType.SHARE",
    } <= seen


# -- whole push frames --------------------------------------------------------------------------------------------

COMPRESSIONS = ["raw", "raw, declared none", "gzip, declared", "gzip, sniffed"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), compression=st.sampled_from(COMPRESSIONS))
def test_push_frames_built_independently(data, compression, messages, independent):
    v3 = independent.v3_class
    methods = data.draw(st.lists(st.sampled_from(METHODS), min_size=1, max_size=6))
    built = [(method, *data.draw(messages.of(method))) for method in methods]
    result = v3("ProtoMessageFetchResult")(
        messages=[
            v3("BaseProtoMessage")(
                method=method,
                payload=payload,
                msg_id=message.common.msg_id if message.common is not None else 0,
                is_history=data.draw(st.booleans()),
            )
            for method, message, payload in built
        ],
        cursor=data.draw(TEXT),
        fetch_interval=data.draw(I64),
        now=data.draw(I64),
        internal_ext=data.draw(st.sampled_from(["", "internal_src:pushserver|wss_push_room_id:1"]) | TEXT),
        fetch_type=data.draw(I32),
        route_params=data.draw(st.dictionaries(TEXT, TEXT, max_size=3)),
        heartbeat_duration=data.draw(I64),
        need_ack=data.draw(st.booleans()),
        push_server=data.draw(TEXT),
        is_first=data.draw(st.booleans()),
        history_comment_cursor=data.draw(TEXT),
        history_no_more=data.draw(st.booleans()),
    )
    body = bytes(result)
    header = v3("PushHeader", "webcast.im")
    headers = [
        header(key=key, value=value)
        for key, value in data.draw(st.lists(st.tuples(TEXT, TEXT), max_size=2))
        if key != "compress_type"
    ]
    payload = body
    if compression.startswith("gzip"):
        payload = gzip.compress(body)
    if compression == "gzip, declared":
        headers.insert(data.draw(st.integers(0, len(headers))), header(key="compress_type", value="gzip"))
    elif compression == "raw, declared none":
        headers.append(header(key="compress_type", value="none"))
    frame = v3("WebcastPushFrame")(
        seq_id=data.draw(I64),
        log_id=data.draw(I64),
        service=data.draw(I64),
        method=data.draw(I64),
        headers=headers,
        payload_encoding="pb",
        payload_type="msg",
        payload=payload,
    )

    decoded = decode_push_frame(bytes(frame))

    assert (decoded.seq_id, decoded.log_id, decoded.service, decoded.method) == (
        frame.seq_id, frame.log_id, frame.service, frame.method,
    )  # fmt: skip
    assert decoded.headers == tuple((h.key, h.value) for h in headers)
    assert (decoded.payload_encoding, decoded.payload_type, decoded.payload) == ("pb", "msg", body)
    expected = [independent.expected(method, payload, message) for method, message, payload in built]
    assert len(decoded.events) == len(expected)
    for ours, theirs in zip(decoded.events, expected, strict=True):
        assert not independent.differences(ours, theirs)
    for name in (
        "cursor", "internal_ext", "need_ack", "fetch_interval", "now", "fetch_type", "route_params",
        "heartbeat_duration", "push_server", "is_first",
    ):  # fmt: skip
        assert getattr(decoded, name) == getattr(result, name), name
    if result.need_ack and result.internal_ext:
        ack = v3("WebcastPushFrame")(
            log_id=frame.log_id, payload_encoding="pb", payload_type="ack", payload=result.internal_ext.encode()
        )
        assert decoded.ack == bytes(ack)
    else:
        assert decoded.ack is None

    response = decode_fetch_response(body)
    assert response.events == decoded.events
    assert (response.history_comment_cursor, response.history_no_more) == (
        result.history_comment_cursor, result.history_no_more,
    )  # fmt: skip


@FAST
@given(payload_type=st.sampled_from(["hb", "im_enter_room_resp", "ack", "close"]), payload=st.binary(max_size=64))
def test_frames_other_than_msg_carry_no_events(payload_type, payload, independent):
    assume(not payload.startswith(b"\x1f\x8b\x08"))  # that would be sniffed as gzip
    frame = independent.v3_class("WebcastPushFrame")(
        log_id=7, payload_encoding="pb", payload_type=payload_type, payload=payload
    )
    decoded = decode_push_frame(bytes(frame))
    assert (decoded.payload_type, decoded.log_id) == (payload_type, 7)
    assert decoded.payload == payload
    assert decoded.events == [] and decoded.ack is None and decoded.cursor == ""


# -- the frames a client sends -----------------------------------------------------------------------------------


@FAST
@given(room_id=IDS, seq=st.integers(1, 2**63 - 1))
def test_heartbeat_equals_the_independently_built_frame(room_id, seq, independent):
    v3 = independent.v3_class
    heartbeat = v3("HeartBeatMessage")(room_id=room_id, send_packet_seq_id=seq)
    frame = v3("WebcastPushFrame")(payload_encoding="pb", payload_type="hb", payload=bytes(heartbeat))
    assert encode_heartbeat(room_id, seq) == bytes(frame)


@FAST
@given(room_id=IDS, enter_unique_id=IDS, cursor=TEXT, account_type=I64)
def test_enter_room_equals_the_independently_built_frame(room_id, enter_unique_id, cursor, account_type, independent):
    v3 = independent.v3_class
    enter = v3("WebcastImEnterRoomMessage")(
        room_id=room_id,
        live_id=12,
        identity="audience",
        cursor=cursor,
        account_type=account_type,
        enter_unique_id=enter_unique_id,
        filter_welcome_msg="0",
    )
    frame = v3("WebcastPushFrame")(payload_encoding="pb", payload_type="im_enter_room", payload=bytes(enter))
    ours = encode_enter_room(room_id, enter_unique_id=enter_unique_id, cursor=cursor, account_type=account_type)
    assert ours == bytes(frame)


@FAST
@given(log_id=I64, internal_ext=TEXT)
def test_ack_equals_the_independently_built_frame(log_id, internal_ext, independent):
    frame = independent.v3_class("WebcastPushFrame")(
        log_id=log_id, payload_encoding="pb", payload_type="ack", payload=internal_ext.encode()
    )
    assert encode_ack(log_id, internal_ext) == bytes(frame)
