"""The WebCast protocol without I/O: push frames, fetch results, messages, and the client's own frames.

Everything here is a pure function of bytes (the Rust engine), so it can be used from any event loop, thread or
test. The client in :mod:`tiktok_webcast` is built on these. ``WebSocket`` is a sans-IO RFC 6455 client: feed it
what the socket reads with ``receive_data``, write out what ``data_to_send`` returns, and react to the events
(``Accepted``, ``Rejected``, ``Message``, ``Ping``, ``Pong``, ``CloseReceived``) it gives back.
"""

from tiktok_webcast._core import (
    Accepted,
    CloseReceived,
    FetchResponse,
    Message,
    Ping,
    Pong,
    PushFrame,
    Rejected,
    WebSocket,
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
    "Accepted",
    "CloseReceived",
    "FetchResponse",
    "Message",
    "Ping",
    "Pong",
    "PushFrame",
    "Rejected",
    "WebSocket",
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
