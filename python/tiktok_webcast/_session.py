"""One websocket session: heartbeats at the server's period, the enter-room frame, and frames received until the
connection ends or goes stale (PROTOCOL.md decision 4)."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable

import anyio

from tiktok_webcast import protocol
from tiktok_webcast._bounds import clamp_seconds
from tiktok_webcast._failures import ServerClosedError, StaleConnectionError
from tiktok_webcast._transport import WebSocketConnection
from tiktok_webcast.exceptions import ConnectionClosedError, WebcastError

log = logging.getLogger("tiktok_webcast.live")

HEARTBEAT_MIN = 1.0
HEARTBEAT_MAX = 30.0
"""Bounds on the heartbeat period a server may ask for with ``Handshake-Options: ping-interval`` (10 s in every
known capture; the server's heartbeat timeout is about 60 s, so a period above 30 s would get us dropped)."""


def heartbeat_interval(handshake_options: str | None, default: float) -> float:
    """``ping-interval`` (or ``ping_interval``) in seconds from ``Handshake-Options`` (webcast.md §5.2, as
    TikTokLive reads it), clamped to [1, 30] s; ``default`` without one."""
    for part in (handshake_options or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key.replace("_", "-") == "ping-interval":
            try:
                seconds = float(value)
            except ValueError:
                return default
            what = "ping-interval from Handshake-Options"
            return clamp_seconds(seconds, lower=HEARTBEAT_MIN, upper=HEARTBEAT_MAX, what=what, default=default)
    return default


FrameHandler = Callable[[WebSocketConnection, bytes], Awaitable[None]]
Tracer = Callable[[str, bytes], None]


async def run_session(
    connection: WebSocketConnection,
    *,
    room_id: int,
    cursor: str,
    default_interval: float,
    stale_timeout: float,
    on_frame: FrameHandler,
    trace: Tracer,
) -> None:
    """Runs until the connection ends; always raises (:class:`ServerClosedError`, :class:`StaleConnectionError`
    or the transport's :class:`ConnectionClosedError`) unless ``on_frame`` ends it first."""
    interval = heartbeat_interval(connection.accepted.header("handshake-options"), default_interval)
    # The outcome leaves the task group as it is, never wrapped in an exception group.
    outcome: Exception | None = None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_heartbeats, connection, room_id, cursor, interval, trace)
        try:
            await _receive(connection, stale_timeout, on_frame, trace)
        except Exception as error:
            outcome = error
        tasks.cancel_scope.cancel()
    if outcome is not None:
        raise outcome


async def _receive(
    connection: WebSocketConnection, stale_timeout: float, on_frame: FrameHandler, trace: Tracer
) -> None:
    # One cancel scope for the whole session, its deadline pushed forward per frame; lifted while a frame is
    # handed over, so a slow consumer (backpressure) is not mistaken for a silent server.
    with anyio.CancelScope(deadline=anyio.current_time() + stale_timeout) as scope:
        while True:
            try:
                data = await connection.receive()
            except ConnectionClosedError as error:
                if connection.close_code is not None:
                    raise ServerClosedError(str(error), connection.close_code) from error
                raise
            scope.deadline = math.inf
            trace("in", data)
            await on_frame(connection, data)
            scope.deadline = anyio.current_time() + stale_timeout
    raise StaleConnectionError(f"no frame for {stale_timeout:g} s")


async def _heartbeats(
    connection: WebSocketConnection, room_id: int, cursor: str, interval: float, trace: Tracer
) -> None:
    """A heartbeat, the enter-room frame, then a heartbeat every ``interval``. A failed send ends the heartbeats
    quietly: the receiving side sees the connection end."""
    seq = 1
    try:
        await _send(connection, protocol.encode_heartbeat(room_id, seq), trace)
        # The enter-room message has a cursor field (webcast.md §5.5, field 6); sending the one held is the same
        # uncertain resume as the URL's (see _wsurl.signer_free_url).
        await _send(connection, protocol.encode_enter_room(room_id, cursor=cursor), trace)
        while True:
            await anyio.sleep(interval)
            seq += 1
            await _send(connection, protocol.encode_heartbeat(room_id, seq), trace)
    except WebcastError as error:
        log.debug("heartbeats stopped: %s", error)


async def _send(connection: WebSocketConnection, data: bytes, trace: Tracer) -> None:
    trace("out", data)
    await connection.send(data)
