"""One websocket session: heartbeats at the server's period, the enter-room frame, and frames received until the
connection ends or goes stale (PROTOCOL.md decision 4)."""

from __future__ import annotations

import logging
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


FrameHandler = Callable[[WebSocketConnection, list[bytes]], Awaitable[None]]
"""Takes the frames of one read, in order."""
Tracer = Callable[[str, bytes], None]

STALE_CHECKS = 4
"""Looks at the session's progress per ``stale_timeout``: a silent socket is found stale between ``stale_timeout``
and ``stale_timeout * (1 + 1 / STALE_CHECKS)`` after its last frame."""


class _Progress:
    """What the receiving side tells the staleness watch, by plain attribute writes: moving a cancel scope's deadline
    per frame cost a busy connection about 3 µs a frame (two deadline changes, each a heap push in the scheduler)."""

    __slots__ = ("frames", "handing_over")

    def __init__(self) -> None:
        self.frames = 0
        self.handing_over = False
        """A frame is being handed to the consumer, which may be slow (backpressure): not a silent server."""


async def run_session(
    connection: WebSocketConnection,
    *,
    room_id: int,
    cursor: str,
    default_interval: float,
    stale_timeout: float,
    on_frames: FrameHandler,
    trace: Tracer | None,
) -> None:
    """Runs until the connection ends; always raises (:class:`ServerClosedError`, :class:`StaleConnectionError`
    or the transport's :class:`ConnectionClosedError`) unless ``on_frames`` ends it first. ``trace`` (when given)
    sees every frame in and out."""
    interval = heartbeat_interval(connection.accepted.header("handshake-options"), default_interval)
    progress = _Progress()
    # The outcome leaves the task group as it is, never wrapped in an exception group.
    outcome: Exception | None = None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_heartbeats, connection, room_id, cursor, interval, trace)
        with anyio.CancelScope() as receiving:
            tasks.start_soon(_watch_staleness, progress, stale_timeout, receiving)
            try:
                await _receive(connection, progress, on_frames, trace)
            except Exception as error:
                outcome = error
        if receiving.cancelled_caught:
            outcome = StaleConnectionError(f"no frame for {stale_timeout:g} s")
        tasks.cancel_scope.cancel()
    if outcome is not None:
        raise outcome


async def _receive(
    connection: WebSocketConnection, progress: _Progress, on_frames: FrameHandler, trace: Tracer | None
) -> None:
    while True:
        try:
            frames = await connection.receive_many()
        except ConnectionClosedError as error:
            if connection.close_code is not None:
                raise ServerClosedError(str(error), connection.close_code) from error
            raise
        progress.frames += len(frames)
        progress.handing_over = True
        if trace is not None:
            for data in frames:
                trace("in", data)
        await on_frames(connection, frames)
        progress.handing_over = False


async def _watch_staleness(progress: _Progress, stale_timeout: float, receiving: anyio.CancelScope) -> None:
    """Cancels ``receiving`` once no frame came for ``stale_timeout`` while none was being handed over."""
    seen = progress.frames
    quiet_since = anyio.current_time()
    while True:
        await anyio.sleep(stale_timeout / STALE_CHECKS)
        now = anyio.current_time()
        if progress.frames != seen or progress.handing_over:
            seen = progress.frames
            quiet_since = now
        elif now - quiet_since >= stale_timeout:
            receiving.cancel()
            return


async def _heartbeats(
    connection: WebSocketConnection, room_id: int, cursor: str, interval: float, trace: Tracer | None
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


async def _send(connection: WebSocketConnection, data: bytes, trace: Tracer | None) -> None:
    if trace is not None:
        trace("out", data)
    await connection.send(data)
