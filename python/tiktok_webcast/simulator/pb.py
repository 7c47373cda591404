"""The few protobuf bytes the engine's encoders do not produce: a ``BaseProtoMessage`` flagged ``is_history``, and
the ``common`` header of an unknown message type; and a shallow reader of top-level fields (a replay reads frame
headers without decoding the messages). Everything else is encoded and decoded by the Rust engine."""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["base_message", "top_level_fields", "unknown_payload"]


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value) if value else b""


def _field_bytes(number: int, value: bytes) -> bytes:
    return _varint((number << 3) | 2) + _varint(len(value)) + value if value else b""


def base_message(method: str, payload: bytes, msg_id: int, *, is_history: bool = False) -> bytes:
    """One entry of ``ProtoMessageFetchResult.messages`` (field 1), as a length-delimited field."""
    body = (
        _field_bytes(1, method.encode())
        + _field_bytes(2, payload)
        + _field_varint(3, msg_id)
        + _field_varint(6, 1 if is_history else 0)
    )
    return _field_bytes(1, body)


def unknown_payload(method: str, msg_id: int, room_id: int, create_time_ms: int, extra: bytes = b"") -> bytes:
    """A plausible payload for a message type with no public schema: ``common`` (field 1) then opaque fields."""
    common = (
        _field_bytes(1, method.encode())
        + _field_varint(2, msg_id)
        + _field_varint(3, room_id)
        + _field_varint(4, create_time_ms)
    )
    return _field_bytes(1, common) + extra


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def top_level_fields(data: bytes) -> Iterator[tuple[int, int | bytes]]:
    """``(field number, value)`` of a message's top-level fields, without decoding nested messages: varints as
    ints, length-delimited fields as bytes (fixed-size fields are skipped). ValueError if the bytes are not protobuf."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(data, pos)
            yield number, value
        elif wire == 2:
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise ValueError("truncated field")
            yield number, data[pos : pos + length]
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
