"""The few protobuf bytes the engine's encoders do not produce: a ``BaseProtoMessage`` flagged ``is_history``, and
the ``common`` header of an unknown message type. Everything else is encoded by the Rust engine."""

from __future__ import annotations

__all__ = ["base_message", "unknown_payload"]


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
