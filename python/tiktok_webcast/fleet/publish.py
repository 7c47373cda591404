"""How an event travels through the fleet: its method and protobuf payload on ``<prefix>.<room_id>.<method>``,
with the message id as ``Nats-Msg-Id`` so the broker drops what a handover replays."""

from __future__ import annotations

from typing import Any

from tiktok_webcast import protocol
from tiktok_webcast.fleet._names import FleetNames
from tiktok_webcast.fleet.outbox import Message

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


def message_for(event: Any, names: FleetNames, *, username: str, room_id: int) -> Message:
    """What the broker receives for ``event``: its subject, its protobuf payload, and its headers."""
    method, payload = wire_form(event)
    headers = headers_for(event, method=method, username=username, room_id=room_id)
    return Message(names.subject(room_id, method), payload, headers)
