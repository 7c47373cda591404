"""Protobuf that is small on the wire and large once decoded: the inputs the engine's decode budget is tested with.

The schema is read from `proto/webcast/*.proto` (generated, one field a line), so every repeated field of every
message is covered as the schema grows. An empty entry of a repeated message field is two or three bytes on the wire
and a whole struct once decoded (a `User` is kilobytes): that ratio is what the budget bounds.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from protowire import delimited, key, varint

PROTO_DIR = Path(__file__).resolve().parents[2] / "proto" / "webcast"
MESSAGE = re.compile(r"^message (\w+) \{$(.*?)^\}", re.MULTILINE | re.DOTALL)
FIELD = re.compile(
    r"^\s+(repeated\s+)?(map<\s*(\w+)\s*,\s*(\w+)\s*>|[\w.]+)\s+\w+\s*=\s*(\d+)\s*(?:\[[^\]]*\])?\s*;", re.MULTILINE
)
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


@functools.cache
def schema() -> dict[str, list[tuple[int, str, bool]]]:
    """Every message in proto/ with its fields as (number, type, repeated); maps as type "map<key>"."""
    messages: dict[str, list[tuple[int, str, bool]]] = {}
    # The typed decoder's schema: untabled.proto's types reach it as bytes (proto/README.md), read only by views.
    for path in sorted(PROTO_DIR.glob("*.proto")):
        if path.name == "untabled.proto":
            continue
        for message in MESSAGE.finditer(path.read_text()):
            fields = messages.setdefault(message.group(1), [])
            for field in FIELD.finditer(message.group(2)):
                repeated, type_, map_key, _map_value, number = field.groups()
                if map_key:
                    fields.append((int(number), f"map<{map_key}>", True))
                else:
                    fields.append((int(number), type_, bool(repeated)))
    return messages


@functools.cache
def repeated_fields() -> tuple[RepeatedField, ...]:
    """Every repeated and map field of every message in proto/, in file order."""
    found = []
    for message, fields in schema().items():
        for number, type_, repeated in fields:
            if type_.startswith("map<"):
                found.append(RepeatedField(message, number, "map", type_[4:-1]))
            elif repeated:
                found.append(RepeatedField(message, number, type_))
    return tuple(found)


@functools.cache
def paths() -> dict[str, tuple[str, tuple[int, ...]]]:
    """For every message reachable from a method, the shortest way there: the method (a message named
    `Webcast...` is sent as its own name) and the field numbers to follow from its payload."""
    messages = schema()
    found: dict[str, tuple[str, tuple[int, ...]]] = {m: (m, ()) for m in messages if m.startswith("Webcast")}
    queue = list(found)
    while queue:
        current = queue.pop(0)
        method, numbers = found[current]
        for number, type_, _repeated in messages[current]:
            if type_ in messages and type_ not in found:
                found[type_] = (method, (*numbers, number))
                queue.append(type_)
    return found


def wrapped(numbers: tuple[int, ...], payload: bytes) -> bytes:
    """`payload` nested in the fields `numbers`, outermost first."""
    for number in reversed(numbers):
        payload = delimited(number, payload)
    return payload


@functools.cache
def _enums() -> frozenset[str]:
    return frozenset(
        m for path in PROTO_DIR.glob("*.proto") for m in re.findall(r"^enum (\w+)", path.read_text(), re.M)
    )


def entry(field: RepeatedField) -> bytes:
    """The cheapest entry of `field` on the wire: empty for messages, strings and bytes; 0 for numbers."""
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
        return _map_entries(field, size)
    one = entry(field)
    return one * max(1, size // len(one))


def _map_entries(field: RepeatedField, size: int) -> bytes:
    """Map entries, about `size` bytes: a block of 65,536 distinct keys of one width, repeated (later equal keys
    replace earlier ones once decoded, but each is read on the wire)."""
    keys = _map_keys(field.key_type == "string")
    prefix = key(field.number, 2) + varint(len(keys[0]))
    block = b"".join(prefix + k for k in keys)
    return block * max(1, size // len(block))


@functools.cache
def _map_keys(strings: bool) -> tuple[bytes, ...]:
    first = 1 << 21  # from here on, numbers are four-byte varints and seven hex digits
    if strings:
        return tuple(delimited(1, b"%07x" % i) for i in range(first, first + 65536))
    return tuple(key(1, 0) + varint(i) for i in range(first, first + 65536))


def message(method: str, payload: bytes) -> bytes:
    """A `BaseProtoMessage`."""
    return delimited(1, method.encode()) + delimited(2, payload)


def fetch_result(*messages: bytes) -> bytes:
    """A `ProtoMessageFetchResult` with these messages."""
    return b"".join(delimited(1, m) for m in messages)


def push_frame(payload: bytes, *, gzipped: bool = True, headers: bytes = b"", level: int = 1) -> bytes:
    """A `msg` push frame around a fetch result, gzipped as TikTok sends them (`level` 9 for the smallest frame)."""
    body = gzip.compress(payload, compresslevel=level) if gzipped else payload
    return headers + delimited(6, b"pb") + delimited(7, b"msg") + delimited(8, body)


def contributors(count: int) -> bytes:
    """A `WebcastRoomUserSeqMessage` payload with `count` empty contributors (field 2): 2 bytes each, kilobytes
    each once decoded."""
    return b"\x12\x00" * count


Case = tuple[str, str, bytes, str]  # (name, entry point, input, method for "message")


def cases(selection: str) -> Iterator[Case]:
    """The inputs of a test, built in the process that decodes them (16 MiB each)."""
    if selection == "every-field":
        yield from _every_field()
    elif selection == "reported":
        yield from _reported()
    else:
        raise ValueError(selection)


def _reported() -> Iterator[Case]:
    """The inputs of the report that led to the budget: a 3 KB frame that decoded to 4 GiB, and a 16 KB frame that
    inflates to 16 MiB and made the engine ask for 9 GB at once; their fetch results and messages."""
    for count in (1_500_000, FRAME_LIMIT // 2 - 64):
        payload = contributors(count)
        batch = fetch_result(message("WebcastRoomUserSeqMessage", payload))
        yield f"contributors x {count}", "message", payload, "WebcastRoomUserSeqMessage"
        yield f"contributors x {count}", "fetch", batch, ""
        yield f"contributors x {count}", "frame", push_frame(batch, level=9), ""


def _every_field() -> Iterator[Case]:
    room = 256  # for the envelopes around the payload
    found = paths()
    for field in repeated_fields():
        if field.message not in found:
            continue
        method, numbers = found[field.message]
        payload = wrapped(numbers, filled(field, FRAME_LIMIT - room - 8 * len(numbers)))
        name = f"{field.message}.{field.number}"
        yield name, "message", payload, method
        batch = fetch_result(message(method, payload))
        yield name, "fetch", batch, ""
        yield name, "frame", push_frame(batch), ""
    empty_messages = b"\x0a\x00" * ((FRAME_LIMIT - room) // 2)
    yield "ProtoMessageFetchResult.1", "fetch", empty_messages, ""
    yield "ProtoMessageFetchResult.1", "frame", push_frame(empty_messages), ""
    route_params = filled(RepeatedField("ProtoMessageFetchResult", 7, "map", "string"), FRAME_LIMIT - room)
    yield "ProtoMessageFetchResult.7", "fetch", route_params, ""
    yield "ProtoMessageFetchResult.7", "frame", push_frame(route_params), ""
    headers = b"\x2a\x00" * ((FRAME_LIMIT - room) // 2)
    yield "WebcastPushFrame.5", "frame", push_frame(b"", gzipped=False, headers=headers), ""
