"""How an event travels through the fleet: its method and protobuf payload on ``<prefix>.<room_id>.<method>``,
with the message id as ``Nats-Msg-Id`` so the broker drops what a handover replays."""

from __future__ import annotations

from typing import Any

from tiktok_webcast import protocol

HEADER_MSG_ID = "Nats-Msg-Id"
HEADER_METHOD = "Tiktok-Method"
HEADER_USERNAME = "Tiktok-Username"
HEADER_ROOM = "Tiktok-Room-Id"


def wire_form(event: Any) -> tuple[str, bytes]:
    """The event's method and protobuf payload: the bytes TikTok sent when the event kept them, else re-encoded by
    the engine (which writes every field the event carries)."""
    payload = getattr(event, "payload", None)
    method = getattr(event, "method", None)
    if isinstance(payload, bytes) and isinstance(method, str):
        return method, payload
    return protocol.encode_message(event)


def headers_for(event: Any, *, method: str, username: str, room_id: int) -> dict[str, str]:
    headers = {HEADER_METHOD: method, HEADER_USERNAME: username, HEADER_ROOM: str(room_id)}
    msg_id = getattr(event, "msg_id", 0)
    if msg_id:
        headers[HEADER_MSG_ID] = str(msg_id)
    return headers
