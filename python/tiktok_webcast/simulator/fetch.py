"""Building ``ProtoMessageFetchResult`` bytes and the push frames that carry them, through the engine's encoders.

Messages are encoded once (``encode_message``) when a room publishes them and kept as (method, payload); a result
wraps them with ``encode_fetch_response`` (pass-through ``UnknownEvent`` entries keep the bytes as they are). History
entries get ``is_history`` from :mod:`.pb`, the one flag the engine's encoder does not set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from tiktok_webcast import protocol
from tiktok_webcast.events import UnknownEvent
from tiktok_webcast.simulator.pb import base_message

__all__ = ["Batch", "LoggedMessage", "encode_result", "internal_ext_for"]


@dataclass(frozen=True, slots=True)
class LoggedMessage:
    """One published message: its place in the room (``seq``), type name, encoded payload and id."""

    seq: int
    method: str
    payload: bytes
    msg_id: int


def internal_ext_for(room_id: int, log_id: int, now_ms: int, seq: int) -> str:
    """An opaque ``internal_ext`` in the style of the ByteDance push server (never empty, unique per frame)."""
    return (
        f"internal_src:pushserver|wss_push_room_id:{room_id}|wss_push_did:0|wss_push_log_id:{log_id}"
        f"|wss_fetch_ms:{now_ms}|wss_push_ms:{now_ms}|wss_msg_type:r|wrds_kvs:WebcastRoomStatsMessage-{seq}"
    )


def encode_result(
    messages: Sequence[LoggedMessage],
    *,
    history: Sequence[LoggedMessage] = (),
    cursor: str = "",
    internal_ext: str = "",
    now_ms: int = 0,
    need_ack: bool = False,
    is_first: bool = False,
    fetch_interval: int = 0,
    fetch_type: int = 0,
    push_server: str = "",
    route_params: dict[str, str] | None = None,
    heartbeat_duration: int = 0,
    history_comment_cursor: str = "",
) -> bytes:
    """The serialized result: history entries (``is_history``) first, then ``messages``, then the fields."""
    body = protocol.encode_fetch_response(
        [UnknownEvent(m.method, m.payload, None, m.msg_id) for m in messages],
        cursor=cursor,
        internal_ext=internal_ext,
        need_ack=need_ack,
        fetch_interval=fetch_interval,
        now=now_ms,
        fetch_type=fetch_type,
        route_params=route_params,
        heartbeat_duration=heartbeat_duration,
        push_server=push_server,
        is_first=is_first,
        history_comment_cursor=history_comment_cursor,
    )
    prefix = b"".join(base_message(m.method, m.payload, m.msg_id, is_history=True) for m in history)
    return prefix + body


@dataclass(slots=True)
class Batch:
    """One ``msg`` push frame's worth of messages, shared by every session of a room (frames cached per gzip)."""

    result: bytes
    log_id: int
    internal_ext: str
    need_ack: bool
    count: int
    seq_id: int = 0
    ends_stream: bool = False
    _frames: dict[bool, bytes] = field(default_factory=dict)

    def frame(self, gzip: bool) -> bytes:
        cached = self._frames.get(gzip)
        if cached is None:
            cached = protocol.encode_push_frame(
                self.result, payload_type="msg", log_id=self.log_id, seq_id=self.seq_id, gzip=gzip
            )
            self._frames[gzip] = cached
        return cached
