"""`event.proto`: the event's whole message as a view (`_core.WireMessage`), read one level at a time."""

from __future__ import annotations

import ctypes
import pickle
import sys

import pytest

import tiktok_webcast as tw
from tiktok_webcast import _core, wire
from tiktok_webcast.exceptions import DecodeError
from tiktok_webcast.protocol import (
    decode_message,
    decode_push_frame,
    encode_fetch_response,
    encode_message,
    encode_push_frame,
)


def test_an_event_built_here_has_its_encoding_as_raw_and_proto() -> None:
    chat = tw.ChatEvent(comment="hi", user=tw.User(id=7, nickname="Ann"), msg_id=3)
    method, payload = encode_message(chat)
    assert chat.raw == payload
    assert chat.proto._type == "WebcastChatMessage"
    assert (chat.proto.content, chat.proto.user.nickname, chat.proto.common.msg_id) == ("hi", "Ann", 3)
    assert chat.proto.common.method == method


class _Buffer(ctypes.Structure):
    """CPython's ``Py_buffer``, to see where a buffer's bytes are."""

    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.py_object),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.c_void_p),
        ("strides", ctypes.c_void_p),
        ("suboffsets", ctypes.c_void_p),
        ("internal", ctypes.c_void_p),
    ]


def address_of(data: object) -> int:
    view = _Buffer()
    ctypes.pythonapi.PyObject_GetBuffer(ctypes.py_object(data), ctypes.byref(view), 0)
    try:
        assert view.buf is not None
        return view.buf
    finally:
        ctypes.pythonapi.PyBuffer_Release(ctypes.byref(view))


def test_events_of_a_frame_share_its_bytes_as_raw() -> None:
    body = encode_fetch_response([tw.ChatEvent(comment="first"), tw.LikeEvent(likes=5), tw.ChatEvent(comment="x")])
    events = decode_push_frame(encode_push_frame(body)).events
    raws = [event.raw for event in events]
    offsets = [body.find(bytes(raw)) for raw in raws]
    assert len(set(offsets)) == 3 and min(offsets) > 0
    # Each payload sits where it sits in the frame: one buffer, not a copy per event, nor per read.
    assert [address_of(raw) - address_of(raws[0]) for raw in raws] == [offset - offsets[0] for offset in offsets]
    assert address_of(events[1].raw) == address_of(raws[1])


def test_raw_is_a_read_only_bytes_like_handle_on_the_payload() -> None:
    comment = "needle " + "x" * 200_000
    frame = encode_push_frame(encode_fetch_response([tw.ChatEvent(comment=comment)]), gzip=True)
    (chat,) = decode_push_frame(frame).events
    _, payload = encode_message(chat)
    raw = chat.raw
    assert isinstance(raw, _core.Bytes)
    assert sys.getsizeof(raw) < 1_000 < len(raw) == len(payload)  # a handle on the frame's bytes, not a copy
    assert memoryview(raw).readonly
    assert raw == payload and payload == raw and bytes(raw) == raw.to_bytes() == payload
    assert b"needle" in raw and raw[-3:] == b"xxx" and raw[0] == payload[0]
    assert pickle.loads(pickle.dumps(raw)) == payload


def test_raw_and_proto_are_not_fields() -> None:
    chat = tw.ChatEvent(comment="hi")
    assert "raw" not in tw.ChatEvent.__match_args__ and "proto" not in tw.ChatEvent.__match_args__
    decoded = decode_message(*encode_message(chat))
    assert decoded == chat and decoded.raw == chat.raw
    with pytest.raises(TypeError):
        tw.ChatEvent(raw=b"")


def test_the_message_type_follows_the_event() -> None:
    assert tw.UserEvent(event=tw.UserEventType.JOIN).proto._type == "WebcastMemberMessage"
    assert tw.UserEvent(event=tw.UserEventType.FOLLOW).proto._type == "WebcastSocialMessage"
    assert tw.RoomEvent(method="WebcastSystemMessage").proto._type == "WebcastSystemMessage"
    assert tw.RoomEvent(method="RoomMessage").proto._type == "WebcastRoomMessage"
    assert tw.GoalUpdateEvent().proto._type == "WebcastGoalUpdateMessage"


def test_views_read_nested_messages_repeated_fields_maps_and_defaults() -> None:
    badge = tw.Badge(scene=8, level=12, display_type=4, text="12", image=tw.Image(urls=("https://a", "https://b")))
    event = decode_message(*encode_message(tw.ChatEvent(user=tw.User(badges=(badge, badge)))))
    badges = event.proto.user.badge_list
    assert isinstance(badges, tuple) and len(badges) == 2 and badges[0] == badges[1]
    # `combine` is bytes to the typed decoder (an untabled type) and a message in the view.
    assert badges[0].combine.icon.url_list == ("https://a", "https://b")
    assert (badges[0].scene_type, badges[0].privilege_log_extra.level) == (8, "12")
    assert badges[0].image is None  # an absent message
    assert (event.proto.content, event.proto.user.id, event.proto.emotes) == ("", 0, ())  # absent scalars, list
    armies = decode_message(*encode_message(tw.BattlesEvent(battles=(tw.Battle(host=5),)))).proto.armies
    assert isinstance(armies, dict) and list(armies) == [5] and armies[5]._type == "BattleUserArmies"


def test_unknown_attributes_name_the_type_and_dir_lists_the_fields() -> None:
    view = tw.ChatEvent(comment="hi").proto
    with pytest.raises(AttributeError, match="WebcastChatMessage"):
        _ = view.no_such_field
    assert {"content", "user", "to_dict"} <= set(dir(view))


def test_a_view_reads_bytes_given_to_it_and_fails_typed_when_read() -> None:
    payload = encode_message(tw.ChatEvent(comment="hi"))[1]
    assert _core.WireMessage("WebcastChatMessage", payload).content == "hi"
    assert bytes(_core.WireMessage("WebcastChatMessage", payload)) == payload
    with pytest.raises(ValueError, match="NoSuchMessage"):
        _core.WireMessage("NoSuchMessage", b"")
    with pytest.raises(DecodeError):
        _ = _core.WireMessage("WebcastChatMessage", b"\x0a\xff").content  # a length running past the end
    # Nested levels are read when accessed: a broken user fails then, as a DecodeError.
    broken = _core.WireMessage("WebcastChatMessage", b"\x12\x02\xff\xff")
    user = broken.user
    with pytest.raises(DecodeError):
        _ = user.id


def test_an_untabled_field_that_is_malformed_fails_only_in_the_view() -> None:
    # User.border (25) is a BorderInfo only in views: the typed decode keeps its bytes, the view fails typed.
    user = b"\x08\x07" + b"\xca\x01\x02\xff\xff"
    payload = b"\x12" + bytes([len(user)]) + user
    event = decode_message("WebcastChatMessage", payload)
    assert isinstance(event, tw.ChatEvent) and event.user is not None and event.user.id == 7
    with pytest.raises(DecodeError):
        _ = event.proto.user.border.icon


def test_nesting_is_bounded() -> None:
    # A User nesting its top fans (field 45) deeper than the typed decoder allows fails typed, not with a crash.
    data = b""
    for _ in range(120):
        data = b"\xea\x02" + _varint(len(data)) + data
    view = _core.WireMessage("User", data)
    with pytest.raises(DecodeError, match="deeper"):
        while True:
            view = view.top_fans[0]


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def test_repr_eq_and_to_dict() -> None:
    view = tw.ChatEvent(comment="hi", user=tw.User(id=7)).proto
    text = repr(view)
    assert text.startswith("WebcastChatMessage(") and "content='hi'" in text and "emotes=" not in text
    assert view.to_dict()["user"] == {"id": 7}
    assert view == tw.ChatEvent(comment="hi", user=tw.User(id=7)).proto
    assert view != tw.ChatEvent(comment="ho", user=tw.User(id=7)).proto


def test_every_message_type_has_a_protocol() -> None:
    names = [name for name, _ in _core._view_schema()]
    assert len(names) > 600
    assert all(isinstance(getattr(wire, name), type) for name in names)
