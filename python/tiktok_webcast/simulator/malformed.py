"""Broken frames for the ``malformed_frame`` fault: each one is something a robust client must survive."""

from __future__ import annotations

import functools
import gzip

from tiktok_webcast import protocol
from tiktok_webcast.simulator.fetch import LoggedMessage, encode_result
from tiktok_webcast.simulator.rooms import RawFrame

__all__ = ["VARIANTS", "malformed_frame"]

VARIANTS = ("garbage", "bad_gzip", "bad_payload", "bad_message", "text", "gzip_bomb")


@functools.cache
def _bomb() -> bytes:
    # 17 MiB of zeros: past the 16 MiB gunzip limit every client should enforce, yet ~17 KB on the wire.
    return gzip.compress(bytes(17 << 20), compresslevel=9, mtime=0)


def malformed_frame(variant: str, *, log_id: int, now_ms: int) -> RawFrame:
    if variant == "garbage":
        return RawFrame(b"\xff\xff\xff\xff\xff\xff\xff\xff")
    if variant == "text":
        return RawFrame("this is a text frame; TikTok only sends binary frames")
    if variant == "bad_gzip":
        data = protocol.encode_push_frame(
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xffnot really gzip",
            log_id=log_id,
            headers=[("compress_type", "gzip")],
        )
        return RawFrame(data)
    if variant == "bad_payload":
        return RawFrame(protocol.encode_push_frame(b"\x0a\xff\xff\xff\xff\x0f", log_id=log_id))
    if variant == "bad_message":
        broken = LoggedMessage(0, "WebcastChatMessage", b"\x0a\xff\xff\x03", 0)
        result = encode_result([broken], cursor=f"t-{now_ms}", now_ms=now_ms)
        return RawFrame(protocol.encode_push_frame(result, log_id=log_id))
    if variant == "gzip_bomb":
        data = protocol.encode_push_frame(_bomb(), log_id=log_id, headers=[("compress_type", "gzip")])
        return RawFrame(data)
    raise ValueError(f"unknown malformed-frame variant {variant!r}")
