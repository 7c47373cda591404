"""Writes fuzz seeds, one file an input, in a directory per target (push_frame, fetch_response, message, websocket).

    python seeds.py synthetic DIR        small frames made with the library's encoders, and amplification cases
                                         (the committed seeds in fuzz/seeds/ were written so)
    python seeds.py real SHARED DIR      the real captured payloads in SHARED/fixtures/real (never committed)

A `message` input is one byte choosing the method (from `checks.rs`'s sorted list of methods) and the payload.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import sys
from pathlib import Path

import tiktok_webcast as tw
from tiktok_webcast import protocol

ALIASES = ("RoomMessage", "LinkMicMethod", "RoomVerifyMessage", "WebcastSystemMessage", "WebcastSomethingNew")
METHODS = sorted({cls().method for cls in tw.EVENT_TYPES if cls is not tw.UnknownEvent} | set(ALIASES))


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def delimited(number: int, body: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(body)) + body


def message_seed(method: str, payload: bytes) -> bytes:
    return bytes([METHODS.index(method) if method in METHODS else METHODS.index("WebcastSomethingNew")]) + payload


def write(out: Path, target: str, data: bytes) -> None:
    directory = out / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def synthetic(out: Path) -> None:
    user = tw.User(id=7, username="someone", nickname="Some One")
    events = [
        tw.ChatEvent(user=user, comment="hello", msg_id=1),
        tw.GiftEvent(id=5655, name="Rose", cost=1, repeat_count=3, user=user, msg_id=2),
        tw.LikeEvent(likes=5, total_likes=100, user=user, msg_id=3),
        tw.ControlEvent(action=3, msg_id=4),
    ]
    batch = protocol.encode_fetch_response(events, cursor="c", internal_ext="ext", need_ack=True)
    contributors = b"\x12\x00" * 4000  # WebcastRoomUserSeqMessage.ranks: 8 KB, 18 MB decoded
    amplifying = delimited(1, delimited(1, b"WebcastRoomUserSeqMessage") + delimited(2, contributors))
    cheap = delimited(1, delimited(1, b"WebcastGiftMessage")) * 2000
    for body in (batch, amplifying, b""):
        write(out, "fetch_response", body)
    for body, gz in ((batch, False), (batch, True), (amplifying, True), (cheap, True)):
        write(out, "push_frame", protocol.encode_push_frame(body, log_id=9, gzip=gz))
    write(out, "push_frame", protocol.encode_push_frame(b"", payload_type="hb"))
    write(out, "push_frame", delimited(5, b"") * 1000 + delimited(7, b"msg"))  # empty headers
    big = gzip.compress(delimited(1, delimited(1, b"WebcastRoomUserSeqMessage") + delimited(2, contributors * 400)))
    write(out, "push_frame", delimited(7, b"msg") + delimited(8, big))  # 3 MB of contributors in a few KB
    for event in events:
        method, payload = protocol.encode_message(event)
        write(out, "message", message_seed(method, payload))
    write(out, "message", message_seed("WebcastRoomUserSeqMessage", contributors))
    write(out, "message", message_seed("WebcastSomethingNew", delimited(1, delimited(1, b"x") + b"\x10\x05")))
    text = b"\x81\x05hello"
    fragmented = b"\x02\x03abc" + b"\x89\x00" + b"\x80\x02de"
    close = b"\x88\x02\x03\xe8"
    too_big = b"\x82\x7f" + (1 << 40).to_bytes(8, "big")
    for frames in (text, fragmented, close, too_big, b"\x8a\x01x" + text):
        write(out, "websocket", frames)


def real(shared: Path, out: Path) -> None:
    real_dir = shared / "fixtures" / "real"
    batch = (real_dir / "2026-batch.pb").read_bytes()
    write(out, "fetch_response", batch)
    write(out, "push_frame", protocol.encode_push_frame(batch, gzip=True))
    captures = json.loads((real_dir / "payloads-2023-ab.json").read_text())
    for method, items in captures.items():
        for item in items[:5]:
            write(out, "message", message_seed(method, base64.b64decode(item["eventData"])))
    for path in real_dir.glob("2026-*.pb"):
        if path.name != "2026-batch.pb":
            write(out, "message", message_seed("WebcastSomethingNew", path.read_bytes()))


if __name__ == "__main__":
    if sys.argv[1] == "synthetic":
        synthetic(Path(sys.argv[2]))
    else:
        real(Path(sys.argv[2]), Path(sys.argv[3]))
