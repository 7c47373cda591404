"""Message views: an event's `proto` (its whole message) and `raw` (its payload), and the view classes themselves."""

from __future__ import annotations

import pytest

import tiktok_webcast as tw
from tiktok_webcast import _core, wire
from tiktok_webcast.exceptions import DecodeError
from tiktok_webcast.protocol import decode_message, encode_message


def test_an_event_built_here_has_its_encoding_as_raw_and_proto() -> None:
    chat = tw.ChatEvent(comment="hi", user=tw.User(id=7, nickname="Ann"), msg_id=3)
    method, payload = encode_message(chat)
    assert chat.raw == payload
    assert isinstance(chat.proto, wire.WebcastChatMessage)
    assert (chat.proto.content, chat.proto.user.nickname, chat.proto.common.msg_id) == ("hi", "Ann", 3)
    assert chat.proto.common.method == method


def test_raw_and_proto_are_not_fields() -> None:
    chat = tw.ChatEvent(comment="hi")
    assert "raw" not in tw.ChatEvent.__match_args__ and "proto" not in tw.ChatEvent.__match_args__
    decoded = decode_message(*encode_message(chat))
    assert decoded == chat and decoded.raw == chat.raw
    with pytest.raises(TypeError):
        tw.ChatEvent(raw=b"")


def test_the_message_type_follows_the_event() -> None:
    assert isinstance(tw.UserEvent(event=tw.UserEventType.JOIN).proto, wire.WebcastMemberMessage)
    assert isinstance(tw.UserEvent(event=tw.UserEventType.FOLLOW).proto, wire.WebcastSocialMessage)
    assert isinstance(tw.RoomEvent(method="WebcastSystemMessage").proto, wire.WebcastSystemMessage)
    assert isinstance(tw.RoomEvent(method="RoomMessage").proto, wire.WebcastRoomMessage)
    assert isinstance(tw.GoalUpdateEvent().proto, wire.WebcastGoalUpdateMessage)


def test_views_read_nested_messages_repeated_fields_and_maps() -> None:
    badge = tw.Badge(scene=8, level=12, display_type=4, text="12", image=tw.Image(urls=("https://a", "https://b")))
    event = decode_message(*encode_message(tw.ChatEvent(user=tw.User(badges=(badge, badge)))))
    badges = event.proto.user.badge_list
    assert isinstance(badges, tuple) and len(badges) == 2
    assert badges[0] == badges[1] and hash(badges[0]) == hash(badges[1])
    assert badges[0].combine.icon.url_list == ("https://a", "https://b")
    assert (badges[0].scene_type, badges[0].privilege_log_extra.level) == (8, "12")
    assert badges[0].image is None  # absent
    assert event.proto.user.user_attr is None
    armies = decode_message(*encode_message(tw.BattlesEvent(battles=(tw.Battle(host=5),)))).proto.armies
    assert isinstance(armies, dict) and list(armies) == [5] and isinstance(armies[5], wire.BattleUserArmies)


def test_a_view_reads_bytes_given_to_it_and_fails_typed() -> None:
    payload = encode_message(tw.ChatEvent(comment="hi"))[1]
    assert wire.WebcastChatMessage(payload).content == "hi"
    assert bytes(wire.WebcastChatMessage(payload)) == payload
    with pytest.raises(DecodeError):
        wire.WebcastChatMessage(b"\x0a\xff")  # a length running past the end
    # Nested levels are read when accessed: a broken user fails then, as a DecodeError.
    broken = wire.WebcastChatMessage(b"\x12\x02\xff\xff")
    with pytest.raises(DecodeError):
        _ = broken.user.id


def test_repr_shows_what_is_set() -> None:
    view = tw.ChatEvent(comment="hi").proto
    text = repr(view)
    assert text.startswith("WebcastChatMessage(") and "content='hi'" in text and "user=" not in text


def test_every_view_class_is_exported_and_typed() -> None:
    names = [name for name, _ in _core._view_schema()]
    assert len(names) > 600
    assert sorted(wire.__all__) == sorted(names)
    assert all(getattr(wire, name).__module__ == "tiktok_webcast._core" for name in names)
