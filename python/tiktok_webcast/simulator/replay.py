"""A recorded trace, prepared once for replaying: each server frame with what the replay needs from its header
(whether to send it, and the ack it asks for), read shallowly instead of decoding every message in it."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from tiktok_webcast.simulator.pb import top_level_fields
from tiktok_webcast.trace import WsRecord

__all__ = ["ReplayFrame", "prepare_replay"]

MAX_INFLATED = 16 << 20
"""A recorded payload inflating past this is sent as recorded, without reading its ack fields."""


@dataclass(frozen=True, slots=True)
class ReplayFrame:
    t: float
    data: bytes
    log_id: int = 0
    internal_ext: str = ""
    """Non-empty when the recorded frame asked for an ack (``need_ack``): the ack the replay expects back."""


def _header(data: bytes) -> tuple[str, int, bool, bytes] | None:
    """``(payload_type, log_id, gzip, payload)`` of a push frame; None if it is not one."""
    payload_type, log_id, gzip, payload = "", 0, False, b""
    try:
        for number, value in top_level_fields(data):
            if number == 2 and isinstance(value, int):
                log_id = value
            elif number == 5 and isinstance(value, bytes):
                entry = dict(top_level_fields(value))
                gzip = gzip or (entry.get(1) == b"compress_type" and entry.get(2) == b"gzip")
            elif number == 7 and isinstance(value, bytes):
                payload_type = value.decode("utf-8", "replace")
            elif number == 8 and isinstance(value, bytes):
                payload = value
    except ValueError:
        return None
    return payload_type, log_id, gzip, payload


def _ack_of(payload: bytes, gzip: bool) -> str:
    """The ``internal_ext`` of a fetch result that asks for an ack ('' otherwise or when unreadable)."""
    try:
        if gzip:
            inflater = zlib.decompressobj(wbits=31)
            payload = inflater.decompress(payload, MAX_INFLATED)
            if inflater.unconsumed_tail:
                return ""
        fields = dict(top_level_fields(payload))
    except (ValueError, zlib.error):
        return ""
    internal_ext = fields.get(5)
    if fields.get(9) and isinstance(internal_ext, bytes):
        return internal_ext.decode("utf-8", "replace")
    return ""


def prepare_replay(records: tuple[WsRecord, ...]) -> tuple[ReplayFrame, ...]:
    """The frames a replay sends: recorded ``msg`` frames (and undecodable ones, faithfully); not ``hb`` or
    ``im_enter_room_resp``, which this server answers itself."""
    out = []
    for record in records:
        header = _header(record.data)
        if header is None:
            out.append(ReplayFrame(record.t, record.data))
            continue
        payload_type, log_id, gzip, payload = header
        if payload_type in ("hb", "im_enter_room_resp"):
            continue
        internal_ext = _ack_of(payload, gzip) if payload_type == "msg" else ""
        out.append(ReplayFrame(record.t, record.data, log_id, internal_ext))
    return tuple(out)
