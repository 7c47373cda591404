"""Writing protobuf wire format by hand, for inputs the encoders would never produce (the one copy the engine's Python
tests share)."""

from __future__ import annotations


def varint(value: int) -> bytes:
    """A base-128 varint; negative numbers as their 64-bit two's complement, as protobuf writes int64."""
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def key(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def delimited(number: int, body: bytes) -> bytes:
    return key(number, 2) + varint(len(body)) + body
