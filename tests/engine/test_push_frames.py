"""Push frames against hostile input: every malformed frame is a typed error, never a crash or a hang; and the
client's own frames byte for byte as webcast.md §5.5-§5.7 documents them."""

from __future__ import annotations

import contextlib
import gzip
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protowire import delimited, key, varint

import tiktok_webcast as tw
from tiktok_webcast.protocol import (
    PushFrame,
    decode_enter_room,
    decode_fetch_response,
    decode_heartbeat,
    decode_message,
    decode_push_frame,
    encode_ack,
    encode_enter_room,
    encode_fetch_response,
    encode_heartbeat,
    encode_message,
    encode_push_frame,
)

MIB = 1024 * 1024
LIMIT = 16 * MIB  # PROTOCOL.md decision 7
ROOM = 7309128470994258694  # the room of the documented examples
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def field(number: int, wire_type: int, body: bytes) -> bytes:
    """One protobuf field: `body` is the varint for wire type 0, the bytes for wire type 2."""
    return delimited(number, body) if wire_type == 2 else key(number, wire_type) + body


def frame(payload: bytes, *, payload_type: str = "msg", headers: tuple[tuple[str, str], ...] = (), log_id: int = 0):
    """A push frame written by hand, so that it can say anything."""
    out = field(2, 0, varint(log_id)) if log_id else b""
    for name, value in headers:
        out += field(5, 2, field(1, 2, name.encode()) + field(2, 2, value.encode()))
    return out + field(6, 2, b"pb") + field(7, 2, payload_type.encode()) + field(8, 2, payload)


def top_level_boundaries(data: bytes) -> set[int]:
    """Offsets where a top-level field of a well-formed message ends."""
    ends, pos = {0}, 0
    while pos < len(data):
        key, pos = read_varint(data, pos)
        if key & 7 == 0:
            _, pos = read_varint(data, pos)
        else:
            assert key & 7 == 2
            length, pos = read_varint(data, pos)
            pos += length
        ends.add(pos)
    return ends


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def decodes_or_typed_error(data: bytes) -> PushFrame | tw.WebcastError:
    try:
        return decode_push_frame(data)
    except (tw.DecodeError, tw.CapacityError) as error:
        return error


@pytest.fixture(scope="module")
def batch(real_dir) -> bytes:
    return (real_dir / "2026-batch.pb").read_bytes()


# -- the client's frames, as documented ----------------------------------------------------------------------------


def test_heartbeat_is_the_documented_frame():
    documented = bytes.fromhex("32 02 70 62 3a 02 68 62 42 0c 08 86 96 ba 9a e7 b3 cf b7 65 10 01")  # §5.6
    assert encode_heartbeat(ROOM, 1) == documented
    hb = decode_push_frame(documented)
    assert (hb.payload_encoding, hb.payload_type, hb.events, hb.ack) == ("pb", "hb", [], None)
    assert decode_heartbeat(hb.payload) == (ROOM, 1)
    assert decode_heartbeat(decode_push_frame(encode_heartbeat(ROOM, 2)).payload) == (ROOM, 2)


@pytest.mark.parametrize("legacy", ["3a 02 68 62", "32 02 70 62 3a 02 68 62"])
def test_legacy_heartbeats_still_decode(legacy):
    hb = decode_push_frame(bytes.fromhex(legacy))  # §5.6: what older clients send
    assert (hb.payload_type, hb.payload, hb.events) == ("hb", b"", [])


def test_enter_room_is_the_documented_frame():
    payload = bytes.fromhex("08 86 96 ba 9a e7 b3 cf b7 65 20 0c 2a 08 61 75 64 69 65 6e 63 65 4a 01 30")  # §5.5
    documented = bytes.fromhex("32 02 70 62 3a 0d 69 6d 5f 65 6e 74 65 72 5f 72 6f 6f 6d 42 19") + payload
    assert encode_enter_room(ROOM) == documented
    enter = decode_push_frame(documented)
    assert (enter.payload_type, enter.payload) == ("im_enter_room", payload)
    assert decode_enter_room(payload) == (ROOM, 0, "")
    assert decode_enter_room(decode_push_frame(encode_enter_room(ROOM, enter_unique_id=5, cursor="c")).payload) == (
        ROOM, 5, "c",
    )  # fmt: skip


@pytest.mark.parametrize(("log_id", "internal_ext"), [(1, "-"), (ROOM, "internal_src:pushserver|wss_push_room_id:7")])
def test_ack_has_the_documented_layout(log_id, internal_ext):
    ext = internal_ext.encode()
    layout = b"\x10" + varint(log_id) + bytes.fromhex("32 02 70 62 3a 03 61 63 6b 42") + varint(len(ext)) + ext  # §5.7
    assert encode_ack(log_id, internal_ext) == layout


def test_ack_is_asked_for_exactly_when_documented():
    """§5.7: ack a `msg` frame when need_ack is set and internal_ext is non-empty, with that frame's log_id."""
    for need_ack in (False, True):
        for internal_ext in ("", "ext"):
            body = encode_fetch_response([], need_ack=need_ack, internal_ext=internal_ext)
            for gz in (False, True):
                pushed = decode_push_frame(encode_push_frame(body, log_id=99, gzip=gz))
                wanted = encode_ack(99, internal_ext) if need_ack and internal_ext else None
                assert pushed.ack == wanted, (need_ack, internal_ext, gz)
    hb_with_ack_body = decode_push_frame(encode_push_frame(encode_fetch_response([], need_ack=True, internal_ext="x"),
                                                           payload_type="hb", log_id=1))  # fmt: skip
    assert hb_with_ack_body.ack is None  # only `msg` frames carry a fetch result


# -- truncation ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_every_truncation_is_an_error_unless_it_ends_on_a_field(batch, gz):
    whole = encode_push_frame(batch, log_id=5, seq_id=6, headers=[("im-cursor", "c")], gzip=gz)
    boundaries = top_level_boundaries(whole)
    step = 1 if gz else 7  # the raw frame is 25 kB: every 7th cut, plus every boundary
    cuts = sorted(set(range(0, len(whole), step)) | (boundaries - {len(whole)}))
    for cut in cuts:
        outcome = decodes_or_typed_error(whole[:cut])
        if cut in boundaries and not gz:  # gzip'd: see test_declared_gzip_with_an_empty_payload_is_empty
            assert isinstance(outcome, PushFrame), cut
            assert outcome.events == [] and outcome.payload == b""
        elif cut not in boundaries:
            assert isinstance(outcome, tw.DecodeError), cut


def test_truncated_gzip_inside_a_whole_frame_is_an_error(batch):
    packed = gzip.compress(batch)
    # Cut 0 is an empty payload, which decodes as empty (test_declared_gzip_with_an_empty_payload_is_empty).
    for cut in (1, 2, 3, 10, len(packed) // 2, len(packed) - 8, len(packed) - 1):
        data = frame(packed[:cut], headers=(("compress_type", "gzip"),))
        with pytest.raises(tw.DecodeError):
            decode_push_frame(data)


def test_truncated_fetch_results_are_errors(batch):
    with pytest.raises(tw.DecodeError):
        decode_fetch_response(batch[:-1])
    with pytest.raises(tw.DecodeError):
        decode_push_frame(encode_push_frame(batch[:-1], gzip=True))
    cut_in_a_message = batch[: len(batch) // 2]
    with pytest.raises(tw.DecodeError):
        decode_fetch_response(cut_in_a_message)


# -- gzip ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["gzip", "GZIP"])
def test_gzip_header_on_a_plain_payload_is_an_error(batch, value):
    with pytest.raises(tw.DecodeError, match="gzip"):
        decode_push_frame(frame(batch, headers=(("compress_type", value),)))


def test_gzip_magic_on_garbage_is_an_error():
    with pytest.raises(tw.DecodeError, match="gzip"):
        decode_push_frame(frame(b"\x1f\x8b\x08" + b"\x00" * 7 + b"not deflate at all", payload_type="hb"))


@pytest.mark.parametrize("payload_type", ["hb", "msg"])
def test_declared_gzip_with_an_empty_payload_is_empty(payload_type):
    """A frame that says gzip but carries nothing (a heartbeat reply on a compress=gzip socket, say) is empty, as
    gunzip-ing nothing is for the libraries that honour the header (Python's gzip.decompress(b"") == b"")."""
    pushed = decode_push_frame(frame(b"", payload_type=payload_type, headers=(("compress_type", "gzip"),)))
    assert (pushed.payload, pushed.events, pushed.ack) == (b"", [], None)


def test_undeclared_gzip_is_sniffed(batch):
    pushed = decode_push_frame(frame(gzip.compress(batch)))
    assert pushed.payload == batch and len(pushed.events) == 13


@pytest.mark.parametrize("declared", [True, False])
def test_gzip_bomb_is_a_capacity_error_quickly(declared):
    bomb = gzip.compress(b"\x00" * (LIMIT + MIB), compresslevel=9)
    assert len(bomb) < 40_000
    headers = (("compress_type", "gzip"),) if declared else ()
    started = time.monotonic()
    with pytest.raises(tw.CapacityError):
        decode_push_frame(frame(bomb, headers=headers))
    assert time.monotonic() - started < 2.0
    assert issubclass(tw.CapacityError, tw.WebcastError)


def test_inflating_to_exactly_the_limit_is_allowed():
    at_limit = gzip.compress(b"\x00" * LIMIT, compresslevel=9)
    pushed = decode_push_frame(frame(at_limit, payload_type="hb", headers=(("compress_type", "gzip"),)))
    assert len(pushed.payload) == LIMIT
    one_more = gzip.compress(b"\x00" * (LIMIT + 1), compresslevel=9)
    with pytest.raises(tw.CapacityError):
        decode_push_frame(frame(one_more, payload_type="hb", headers=(("compress_type", "gzip"),)))


# -- wrong wire types, nesting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        field(2, 2, b"\x01\x02"),  # log_id as bytes
        field(8, 0, varint(5)),  # payload as a varint
        field(5, 0, varint(1)),  # a header as a varint
        field(5, 2, field(1, 0, varint(1))),  # a header key as a varint
        field(7, 5, b"\x00\x00\x00\x00"),  # payload_type as fixed32
        bytes([0x0F]),  # wire type 7 does not exist
        bytes([0x00, 0x00]),  # field number 0
        field(1, 0, b""),  # a varint with no bytes
        field(1, 0, b"\xff" * 11),  # a varint of 11 bytes
        field(8, 2, b"")[:-1] + varint(2**40),  # a length far beyond the data
    ],
)
def test_wrong_wire_types_are_decode_errors(data):
    with pytest.raises(tw.DecodeError):
        decode_push_frame(data)


def test_a_msg_frame_whose_payload_is_not_a_fetch_result_is_an_error():
    with pytest.raises(tw.DecodeError, match="fetch response"):
        decode_push_frame(frame(field(1, 0, varint(3))))  # messages must be length-delimited


def test_deep_nesting_is_a_typed_error_quickly():
    group = varint(99 << 3 | 3), varint(99 << 3 | 4)
    deep = group[0] * 100_000 + group[1] * 100_000
    started = time.monotonic()
    with pytest.raises(tw.DecodeError):
        decode_push_frame(deep)
    unknown = decode_message("WebcastChatMessage", deep)
    assert isinstance(unknown, tw.UnknownEvent) and "recursion" in unknown.error
    assert time.monotonic() - started < 2.0


# -- messages ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [b"\xff\xff\xff", b"\x0a\x05abc", field(1, 0, varint(1)), b"\x0f", field(1, 2, b"\x0f")],
)
@pytest.mark.parametrize(
    "method", ["WebcastChatMessage", "WebcastGiftMessage", "WebcastRoomMessage", "WebcastPollMessage"]
)
def test_garbage_for_a_known_method_is_an_unknown_event_with_the_error(garbage, method):
    event = decode_message(method, garbage)
    assert isinstance(event, tw.UnknownEvent)
    assert (event.method, event.payload) == (method, garbage)
    assert event.error and "decode" in event.error
    assert (event.msg_id, event.timestamp) == (0, 0)


def test_unknown_methods_keep_the_common_header():
    common = field(1, 2, b"WebcastPictionaryStartMessage") + field(2, 0, varint(-5)) + field(4, 0, varint(1700))
    payload = field(1, 2, common) + field(2, 2, b"something we have no schema for")
    event = decode_message("WebcastPictionaryStartMessage", payload)
    assert event == tw.UnknownEvent(
        method="WebcastPictionaryStartMessage", payload=payload, error=None, msg_id=-5, timestamp=1700
    )
    headless = decode_message("SomethingNew", field(3, 0, varint(1)))
    assert (headless.error, headless.msg_id, headless.timestamp) == (None, 0, 0)
    broken_header = decode_message("SomethingNew", b"\x0a\x05ab")
    assert (broken_header.error, broken_header.msg_id, broken_header.payload) == (None, 0, b"\x0a\x05ab")


def test_a_known_method_with_an_empty_payload_is_its_default_event():
    assert decode_message("WebcastChatMessage", b"") == tw.ChatEvent()
    assert decode_message("WebcastGiftMessage", b"") == tw.GiftEvent()


# -- fuzz: anything in, a frame or a typed error out ---------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=512))
def test_random_bytes_are_a_frame_or_a_typed_error(data):
    outcome = decodes_or_typed_error(data)
    assert isinstance(outcome, PushFrame | tw.DecodeError | tw.CapacityError)
    for decode in (decode_fetch_response, decode_heartbeat, decode_enter_room):
        with contextlib.suppress(tw.DecodeError):
            decode(data)
    for method in ("WebcastChatMessage", "WebcastLinkMicArmies", "WebcastRoomPinMessage", "SomethingNew"):
        event = decode_message(method, data)
        assert event.method == method
        if isinstance(event, tw.UnknownEvent):
            assert event.payload == data
        else:  # what decodes must survive its own round trip
            assert decode_message(*encode_message(event)) == event


@FUZZ
@given(data=st.data(), gz=st.booleans())
def test_mutated_frames_are_a_frame_or_a_typed_error(data, gz, batch):
    body = encode_fetch_response(decode_fetch_response(batch).events[8:], need_ack=True, internal_ext="e")
    whole = bytearray(encode_push_frame(body, log_id=1, gzip=gz))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(whole) - 1))
        edit = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        if edit == "flip":
            whole[at] ^= 1 << data.draw(st.integers(0, 7))
        elif edit == "delete":
            del whole[at]
        else:
            whole.insert(at, data.draw(st.integers(0, 255)))
    outcome = decodes_or_typed_error(bytes(whole))
    assert isinstance(outcome, PushFrame | tw.DecodeError | tw.CapacityError)


def test_history_flags_round_trip_and_come_from_the_real_batch(real_dir):
    from tiktok_webcast import ChatEvent

    real = decode_fetch_response((real_dir / "2026-batch.pb").read_bytes())
    assert len(real.is_history) == len(real.events) == 13
    # The 2026 bootstrap marks its six chat comments as history (webcast.md §4.2).
    assert [type(e).__name__ for e, h in zip(real.events, real.is_history, strict=True) if h] == ["ChatEvent"] * 6
    body = encode_fetch_response([ChatEvent(comment="a"), ChatEvent(comment="b")], history=[True, False])
    assert decode_fetch_response(body).is_history == (True, False)
