"""Protobuf that is small on the wire and large once decoded: the inputs the engine's decode budget is tested with.

The schema is read from `proto/webcast/*.proto` (generated, one field a line), so every repeated field of every
message is covered as the schema grows. An empty entry of a repeated message field is two or three bytes on the wire
and a whole struct once decoded (a `User` is kilobytes): that ratio is what the budget bounds.
"""

from __future__ import annotations

import functools
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

PROTO_DIR = Path(__file__).resolve().parents[2] / "proto" / "webcast"
MESSAGE = re.compile(r"^message (\w+) \{$(.*?)^\}", re.MULTILINE | re.DOTALL)
FIELD = re.compile(r"^\s+(repeated\s+)?(map<\s*(\w+)\s*,\s*(\w+)\s*>|[\w.]+)\s+\w+\s*=\s*(\d+)\s*;", re.MULTILINE)
VARINT_SCALARS = {"int32", "int64", "uint32", "uint64", "sint32", "sint64", "bool"}
FIXED32_SCALARS = {"fixed32", "sfixed32", "float"}
FIXED64_SCALARS = {"fixed64", "sfixed64", "double"}
LENGTH_DELIMITED = {"string", "bytes"}
MIB = 1024 * 1024
FRAME_LIMIT = 16 * MIB  # the websocket message and inflated payload limit (PROTOCOL.md decision 7)


@dataclass(frozen=True)
class RepeatedField:
    message: str
    number: int
    type: str  # a scalar, "string", "bytes", a message name, or "map"
    key_type: str = ""


def varint(value: int) -> bytes:
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


@functools.cache
def repeated_fields() -> tuple[RepeatedField, ...]:
    """Every repeated and map field of every message in proto/, in file order."""
    found = []
    for path in sorted(PROTO_DIR.glob("*.proto")):
        for message in MESSAGE.finditer(path.read_text()):
            for field in FIELD.finditer(message.group(2)):
                repeated, type_, map_key, _map_value, number = field.groups()
                if map_key:
                    found.append(RepeatedField(message.group(1), int(number), "map", map_key))
                elif repeated:
                    found.append(RepeatedField(message.group(1), int(number), type_))
    return tuple(found)


def _enums() -> set[str]:
    return {m for path in PROTO_DIR.glob("*.proto") for m in re.findall(r"^enum (\w+)", path.read_text(), re.M)}


def entry(field: RepeatedField, index: int) -> bytes:
    """The cheapest entry of `field` on the wire: empty for messages, strings and bytes; 0 for numbers; for maps an
    entry with a distinct key (equal keys would replace each other)."""
    if field.type == "map":
        map_key = delimited(1, str(index).encode()) if field.key_type == "string" else key(1, 0) + varint(index)
        return delimited(field.number, map_key)
    if field.type in VARINT_SCALARS or field.type in _enums():
        return key(field.number, 0) + b"\x00"
    if field.type in FIXED32_SCALARS:
        return key(field.number, 5) + bytes(4)
    if field.type in FIXED64_SCALARS:
        return key(field.number, 1) + bytes(8)
    return key(field.number, 2) + b"\x00"


def packed(field: RepeatedField, size: int) -> bytes | None:
    """One packed run of zeros about `size` bytes long (a one-byte element each for varints), or None when the
    field cannot be packed."""
    if field.type not in VARINT_SCALARS and field.type not in _enums():
        return None
    return delimited(field.number, bytes(size))


def filled(field: RepeatedField, size: int) -> bytes:
    """A payload of about `size` bytes: `field` repeated with its cheapest entries."""
    run = packed(field, size)
    if run is not None:
        return run
    if field.type == "map":
        out = bytearray()
        index = 0
        while len(out) < size:
            out += entry(field, index)
            index += 1
        return bytes(out)
    one = entry(field, 0)
    return one * max(1, size // len(one))


def message(method: str, payload: bytes) -> bytes:
    """A `BaseProtoMessage`."""
    return delimited(1, method.encode()) + delimited(2, payload)


def fetch_result(*messages: bytes) -> bytes:
    """A `ProtoMessageFetchResult` with these messages."""
    return b"".join(delimited(1, m) for m in messages)


def push_frame(payload: bytes, *, gzipped: bool = True, headers: bytes = b"") -> bytes:
    """A `msg` push frame around a fetch result, gzipped as TikTok sends them."""
    body = gzip.compress(payload, compresslevel=9) if gzipped else payload
    return headers + delimited(6, b"pb") + delimited(7, b"msg") + delimited(8, body)
