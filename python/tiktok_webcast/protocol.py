"""The WebCast protocol without I/O: push frames, fetch results, messages, and the client's own frames.

Everything here is a pure function of bytes (the Rust engine), so it can be used from any event loop, thread or
test. The client in :mod:`tiktok_webcast` is built on these.
"""

from tiktok_webcast._core import (
    FetchResponse,
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

__all__ = [
    "FetchResponse",
    "PushFrame",
    "decode_enter_room",
    "decode_fetch_response",
    "decode_heartbeat",
    "decode_message",
    "decode_push_frame",
    "encode_ack",
    "encode_enter_room",
    "encode_fetch_response",
    "encode_heartbeat",
    "encode_message",
    "encode_push_frame",
]
