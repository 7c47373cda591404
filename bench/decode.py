"""Push-frame decoding, ours against TikTokLive 7.0.1 and Google's protobuf (upb), on the same bytes: gunzip, fetch
result, every message decoded to an object; timed in CPU seconds.

Run with the bench venv (see README.md): ``bench/.venv/bin/python bench/decode.py [--seconds 3]``.
Two figures per side: one field read from every event ("one field"), and every field of every message read,
nested contents included ("fully read"), so that lazy decoding can hide nothing.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import importlib.metadata
import json
import random
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from TikTokLive.client.ws.ws_utils import extract_webcast_push_frame, extract_webcast_response_message
from TikTokLive.events.custom_events import UnknownEvent as PeerUnknownEvent
from TikTokLive.events.proto_events import EVENT_MAPPINGS, CommentEvent
from TikTokLive.proto import BaseProtoMessage, ProtoMessageFetchResult, PushHeader, WebcastPushFrame

from tiktok_webcast.events import ChatEvent
from tiktok_webcast.protocol import decode_message, decode_push_frame

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO.parent / "shared" / "fixtures" / "real" / "payloads-2023-ab.json"
# Python modules protoc (grpcio-tools) writes from proto/ for the upb peer (bench/setup.sh).
sys.path.insert(0, str(Path(__file__).resolve().parent / ".gen"))
from google.protobuf import message as pb_message  # noqa: E402
from google.protobuf.internal import api_implementation  # noqa: E402
from webcast import messages_pb2, transport_pb2  # noqa: E402

# A busy room (webcast.md §6): these types arrive within seconds; every other captured type shares RARE_SHARE.
BUSY_ROOM_MIX = {
    "WebcastChatMessage": 22,
    "WebcastMemberMessage": 18,
    "WebcastLikeMessage": 18,
    "WebcastGiftMessage": 10,
    "WebcastSocialMessage": 7,
    "WebcastRoomUserSeqMessage": 5,
    "WebcastRankUpdateMessage": 4,
    "WebcastLinkMicMethod": 3,
    "WebcastLinkMicFanTicketMethod": 3,
}
RARE_SHARE = 10
# Timed slices per side, alternating, so that both sides see the same background load.
ROUNDS = 6

Decoder = Callable[[bytes], list[Any]]


def load_payloads(path: Path) -> tuple[dict[str, list[bytes]], int]:
    """Real payloads by method, less those either side rejects (TikTokLive drops what it cannot parse)."""
    captured: dict[str, list[dict[str, str]]] = json.loads(path.read_text())
    payloads: dict[str, list[bytes]] = {}
    rejected = 0
    for method, items in captured.items():
        for item in items:
            payload = base64.b64decode(item["eventData"])
            ours_parses = getattr(decode_message(method, payload), "error", None) is None
            if ours_parses and peer_parses(method, payload):
                payloads.setdefault(method, []).append(payload)
            else:
                rejected += 1
    return payloads, rejected


def peer_parses(method: str, payload: bytes) -> bool:
    event_type = EVENT_MAPPINGS.get(method)
    try:
        if event_type is not None:
            event_type().parse(payload)
    except Exception:
        return False
    return True


def build_frames(payloads: dict[str, list[bytes]], count: int, seed: int) -> list[bytes]:
    """WebcastPushFrames built with TikTokLiveProto's classes: independent of our encoder."""
    rng = random.Random(seed)
    rare = [method for method in payloads if method not in BUSY_ROOM_MIX]
    methods = [method for method in BUSY_ROOM_MIX if method in payloads] + rare
    weights = [BUSY_ROOM_MIX.get(method, RARE_SHARE / len(rare)) for method in methods]
    next_index = dict.fromkeys(methods, 0)
    frames = []
    msg_id = 7_300_000_000_000_000_000
    for seq in range(1, count + 1):
        messages = []
        for method in rng.choices(methods, weights, k=rng.randint(10, 20)):
            pool = payloads[method]
            payload = pool[next_index[method] % len(pool)]
            msg_id += 1
            messages.append(BaseProtoMessage(method=method, payload=payload, msg_id=msg_id))
            next_index[method] += 1
        result = ProtoMessageFetchResult(
            messages=messages, cursor=f"t-{seq}", internal_ext=f"internal_src:dim|seq:{seq}", need_ack=True
        )
        frame = WebcastPushFrame(
            seq_id=seq,
            log_id=9_000_000 + seq,
            payload_encoding="pb",
            payload_type="msg",
            headers=[PushHeader(key="compress_type", value="gzip")],
            payload=gzip.compress(bytes(result)),
        )
        frames.append(bytes(frame))
    return frames


def ours(frame: bytes) -> list[Any]:
    return decode_push_frame(frame).events


def peer(frame: bytes) -> list[Any]:
    """TikTokLive's own steps (WebcastConnect.__aiter__, TikTokLiveClient._parse_webcast_response_message).

    Their client also makes a WebsocketResponseEvent per message and parses follow/share payloads twice
    (handle_custom_event); both are left out, which favours TikTokLive.
    """
    response = extract_webcast_response_message(extract_webcast_push_frame(frame))
    events: list[Any] = []
    for message in response.messages:
        event_type = EVENT_MAPPINGS.get(message.method)
        events.append(event_type().parse(message.payload) if event_type else PeerUnknownEvent(raw=response))
    return events


def upb(frame: bytes) -> list[Any]:
    """Google's protobuf runtime (upb, C) with classes protoc generated from the same schema: the push frame, the
    gunzipped fetch result, then each message as its class (the `BaseProtoMessage` itself for unknown methods)."""
    push = transport_pb2.WebcastPushFrame.FromString(frame)
    body = zlib.decompress(push.payload, wbits=31) if push.payload[:2] == b"\x1f\x8b" else push.payload
    events: list[Any] = []
    for message in transport_pb2.ProtoMessageFetchResult.FromString(body).messages:
        cls = getattr(messages_pb2, UPB_ALIASES.get(message.method, message.method), None)
        events.append(cls.FromString(message.payload) if cls is not None else message)
    return events


UPB_ALIASES = {"RoomMessage": "WebcastRoomMessage", "LinkMicMethod": "WebcastLinkMicMethod"}


def touch(event: Any) -> object:
    """Read one typical field, so that neither side can hide work behind laziness."""
    user = getattr(event, "user", None)
    if user is not None:
        return user.nickname
    return getattr(event, "common", None) or getattr(event, "method", None)


def read_all_ours(event: Any) -> int:
    """Every field of the event, nested objects included (each class lists its fields in `__match_args__`)."""
    count = 0
    for name in getattr(event, "__match_args__", ()):
        count += _walk_value(getattr(event, name), read_all_ours, lambda value: hasattr(value, "__match_args__"))
    return count


def read_all_upb(message: Any) -> int:
    count = 0
    for field in message.DESCRIPTOR.fields:
        if field.message_type is not None and not field.is_repeated and not message.HasField(field.name):
            continue
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value = dict(value)
        count += _walk_value(value, read_all_upb, lambda value: isinstance(value, pb_message.Message))
    return count


def read_all_peer(event: Any) -> int:
    import betterproto2

    count = 0
    for name in event._betterproto.sorted_field_names if isinstance(event, betterproto2.Message) else ():
        count += _walk_value(getattr(event, name), read_all_peer, lambda value: isinstance(value, betterproto2.Message))
    return count


def _walk_value(value: Any, walk: Callable[[Any], int], is_message: Callable[[Any], bool]) -> int:
    if is_message(value):
        return walk(value)
    if isinstance(value, dict):
        return sum(_walk_value(item, walk, is_message) for item in value.values())
    if isinstance(value, (list, tuple)) or (hasattr(value, "__len__") and not isinstance(value, (str, bytes))):
        return sum(_walk_value(item, walk, is_message) for item in value)
    return 1


class Meter:
    """Decodes frames round-robin in slices of CPU time, so that the sides take turns under one load."""

    def __init__(self, decode: Decoder, frames: Sequence[bytes], read: Callable[[Any], object] = touch) -> None:
        self.decode, self.frames, self.read = decode, frames, read
        self.done = self.events = 0
        self.elapsed = 0.0

    def run(self, seconds: float) -> None:
        decode, frames, read = self.decode, self.frames, self.read
        start = time.process_time()
        deadline = start + seconds
        while True:
            for event in decode(frames[self.done % len(frames)]):
                read(event)
                self.events += 1
            self.done += 1
            now = time.process_time()
            if now >= deadline:
                self.elapsed += now - start
                return

    def warm_up(self, seconds: float) -> None:
        """At least one full pass over the corpus, then the counters start again."""
        self.run(seconds)
        while self.done < len(self.frames):
            self.run(seconds)
        self.done = self.events = 0
        self.elapsed = 0.0

    @property
    def rate(self) -> float:
        return self.events / self.elapsed


def check(frames: Sequence[bytes]) -> list[str]:
    """All sides must give one event per message and the same chat comments."""
    warnings = []
    for index, frame in enumerate(frames):
        mine, theirs, google = ours(frame), peer(frame), upb(frame)
        if not len(mine) == len(theirs) == len(google):
            warnings.append(f"frame {index}: ours {len(mine)} events, TikTokLive {len(theirs)}, upb {len(google)}")
        my_chat = [event.comment for event in mine if isinstance(event, ChatEvent)]
        their_chat = [event.content for event in theirs if isinstance(event, CommentEvent)]
        google_chat = [event.content for event in google if isinstance(event, messages_pb2.WebcastChatMessage)]
        if not my_chat == their_chat == google_chat:
            warnings.append(
                f"frame {index}: chat comments differ ({len(my_chat)}, {len(their_chat)}, {len(google_chat)})"
            )
    return warnings


PEER_PACKAGES = ("TikTokLive", "TikTokLiveProto", "betterproto2", "pydantic", "protobuf")


def installed_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:  # run from the source tree (PYTHONPATH=python)
        return "(source tree)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fixtures", type=Path, default=FIXTURE, help="payloads-2023-ab.json")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed wall time per side")
    parser.add_argument("--frames", type=int, default=100, help="frames in the corpus")
    parser.add_argument("--check", type=int, default=30, help="frames decoded by both sides and compared")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    payloads, rejected = load_payloads(args.fixtures)
    frames = build_frames(payloads, args.frames, args.seed)
    messages = sum(len(ours(frame)) for frame in frames)
    versions = ", ".join(f"{name} {installed_version(name)}" for name in ("tiktok-webcast", *PEER_PACKAGES))
    print(versions)
    print(
        f"corpus: {len(frames)} push frames, {messages} messages of {len(payloads)} types "
        f"({sum(map(len, payloads.values()))} real payloads, {rejected} left out: rejected by a side), "
        f"{sum(map(len, frames)) / len(frames):.0f} B/frame gzipped"
    )

    for warning in check(frames[: args.check]):
        print(f"WARNING: {warning}")

    print(f"protobuf implementation: {api_implementation.Type()}")
    meters = {
        "ours, one field": Meter(ours, frames),
        "upb, one field": Meter(upb, frames),
        "TikTokLive, one field": Meter(peer, frames),
        "ours, fully read": Meter(ours, frames, read_all_ours),
        "upb, fully read": Meter(upb, frames, read_all_upb),
        "TikTokLive, fully read": Meter(peer, frames, read_all_peer),
    }
    for meter in meters.values():
        meter.warm_up(min(1.0, args.seconds / 3))
    for _ in range(ROUNDS):
        for meter in meters.values():
            meter.run(args.seconds / ROUNDS)

    print(f"\n{'decoder':<24}{'frames':>9}{'events':>10}{'CPU s':>9}{'events/s':>12}{'us/event':>10}")
    for name, m in meters.items():
        print(f"{name:<24}{m.done:>9}{m.events:>10}{m.elapsed:>9.2f}{m.rate:>12,.0f}{1e6 / m.rate:>10.1f}")
    for mode in ("one field", "fully read"):
        mine = meters[f"ours, {mode}"].rate
        print(
            f"\n{mode}: ratio {mine / meters[f'TikTokLive, {mode}'].rate:.1f}x TikTokLive, "
            f"{mine / meters[f'upb, {mode}'].rate:.2f}x upb  (events per CPU second, ours / peer)"
        )


if __name__ == "__main__":
    main()
