"""A tracked live room: connecting by the healthiest path, staying connected, and handing typed events to the
consumer through a bounded channel (PROTOCOL.md decisions 1, 3-5).

The pieces are in their own modules: the path ladder (``_ladder``), the reconnect budget (``_reconnect``), failure
reasons (``_failures``), one websocket session (``_session``), polling (``_polling``), stats and state changes
(``_stats``), the held messages and duplicate ids (the engine's ``Inbox``, through ``_channel``). This module
wires them together.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING

import anyio
from anyio.abc import TaskGroup

from tiktok_webcast._channel import EventChannel, EventReader
from tiktok_webcast._core import Inbox, Intake
from tiktok_webcast._failures import TRANSIENT_STREAM_ERRORS, FailureKind, PathFailure, classify
from tiktok_webcast._ladder import FINAL_KINDS, Ladder
from tiktok_webcast._liveness import Liveness, LivenessReading, LivenessSource, LiveStatus, decide, room_reading
from tiktok_webcast._paths import ConnectPath
from tiktok_webcast._polling import poll
from tiktok_webcast._reconnect import ReconnectBudget, Resume
from tiktok_webcast._session import run_session
from tiktok_webcast._stats import ChangeFeed, Gap, LiveState, LiveStats, StateChange
from tiktok_webcast._transport import WebSocketConnection, connect_websocket
from tiktok_webcast._wsurl import client_params, signed_url, signer_free_url, ws_headers
from tiktok_webcast.events import Event
from tiktok_webcast.exceptions import (
    ConnectionLostError,
    DeviceBlockedError,
    HandshakeRejectedError,
    NetworkError,
    SignerError,
    WebcastError,
)
from tiktok_webcast.models import GiftList, RoomInfo

if TYPE_CHECKING:
    from tiktok_webcast._client import TikTok

log = logging.getLogger("tiktok_webcast.live")

SIGNER_PACING_WINDOW = 60.0
"""The signer's requests are paced per minute, so its fetch may first wait up to this long (not a failure)."""
RETRIABLE = (WebcastError, OSError, *TRANSIENT_STREAM_ERRORS)

__all__ = ["ConnectPath", "Live", "LiveState", "LiveStats"]


class _StreamEnded(Exception):
    pass


@dataclass
class _Attempt:
    """One try of one path: how far it got."""

    path: ConnectPath
    connected: bool = False
    """The websocket answered 101, or a poll answered with a cursor."""
    productive: bool = False
    """Messages came (a ``msg`` frame, a fetch result)."""
    sent_cursor: bool = False
    """It asked the server to resume from the cursor held."""
    proxied: bool = False
    """Its websocket went through a proxy."""
    gap_closed: bool = False


class Live:
    """A live room being watched. Use it as an async context manager; iterate ``events``.

    The iterator ends when the stream ends; it raises :class:`ConnectionLostError` when reconnecting failed
    ``max_reconnects`` times in a row on every allowed path. ``state``, ``path``, ``stats``, ``liveness`` and
    ``state_changes`` tell how the connection is doing.
    """

    def __init__(self, client: TikTok, room_id: int, username: str | None, info: RoomInfo | None) -> None:
        options = client.options
        self.room_id = room_id
        self.username = username
        self.info = info
        self.state = LiveState.CONNECTING
        self.path: ConnectPath | None = None
        self._stats = LiveStats()
        self._client = client
        self._resume = Resume()
        self._resume_refused = False
        self._failure: BaseException | None = None
        self._gifts: GiftList | None = None
        self._task_group: TaskGroup | None = None
        self._connected = anyio.Event()
        self._changes = ChangeFeed()
        self._ladder = Ladder(self._allowed_paths(), cooldown=options.backoff_max)
        self._budget = ReconnectBudget(
            max_failed=options.max_reconnects, backoff_base=options.backoff_base, backoff_max=options.backoff_max
        )
        self._stats.paths = self._ladder.health
        self._info_at = anyio.current_time() if info is not None else None
        self._last_frame_at: float | None = None
        self._tracing = False
        self._ended_by_message = False
        self._gap_started: float | None = None
        self._gap_reason: PathFailure | None = None
        inbox = Inbox(include_history=options.include_history, keep_unknown=options.experimental_events)
        self._channel = EventChannel(inbox, options.event_buffer)

    def __repr__(self) -> str:
        where = f"@{self.username}" if self.username else f"room {self.room_id}"
        path = self.path.value if self.path else None
        return f"<Live {where} state={self.state.value} path={path} events={self.stats.events}>"

    @property
    def stats(self) -> LiveStats:
        """The room's counters, brought up to date with what the engine counted."""
        self._sync_stats()
        return self._stats

    def _sync_stats(self) -> None:
        stats = self._stats
        inbox = self._channel.inbox
        counts = inbox.counts()
        stats.frames = counts.frames
        stats.acks = counts.acks
        stats.events = counts.events
        stats.duplicates = counts.duplicates
        stats.history = counts.history
        stats.decode_errors = counts.decode_errors
        stats.unknown = counts.unknown
        stats.unknown_methods.update(inbox.take_unknown_methods())

    async def __aenter__(self) -> Live:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._supervise)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        await self.close()
        assert self._task_group is not None
        try:
            return await self._task_group.__aexit__(exc_type, exc, tb)
        except BaseExceptionGroup as group:
            # Only the body of ``async with`` failed: give the caller its own exception, not a group of one.
            if exc is not None and len(group.exceptions) == 1 and group.exceptions[0] is exc:
                raise exc from exc.__cause__
            raise
        finally:
            self._channel.close(discard=True)

    async def close(self) -> None:
        """Stops watching; the event iterator ends."""
        if self.state not in (LiveState.ENDED, LiveState.CLOSED):
            self._set_state(LiveState.CLOSED)
        if self._task_group is not None:
            self._task_group.cancel_scope.cancel()
        self._channel.close()

    @property
    def events(self) -> AsyncIterator[Event]:
        """Typed events in arrival order, without the duplicates a reconnect replays. Ends when the stream ends;
        raises :class:`ConnectionLostError` when reconnecting failed."""
        return EventReader(self._channel, self._end_of_events)

    def _end_of_events(self) -> Event:
        failure = self._failure
        if failure is not None:
            # Raised as it is: its __cause__ (the last failure) stays readable.
            raise failure
        raise StopAsyncIteration from None

    @property
    def state_changes(self) -> AsyncIterator[StateChange]:
        """Every :class:`StateChange` of the connection (the newest 100 first, then as they happen); ends when
        watching ends. Iterate it in a task of its own, beside ``events``."""
        return self._changes.reader()

    @property
    def liveness(self) -> Liveness:
        """Whether the stream is live as this connection sees it: frames on the socket, weighed against the room's
        status as last fetched (``TikTok.liveness`` asks every HTTP source afresh)."""
        readings = [self._socket_reading()]
        if self.info is not None:
            age = anyio.current_time() - self._info_at if self._info_at is not None else None
            readings.append(room_reading(self.info, age=age))
        return decide(readings, room_id=self.room_id, username=self.username)

    def _socket_reading(self) -> LivenessReading:
        source = LivenessSource.SOCKET
        if self._ended_by_message:
            return LivenessReading(source, LiveStatus.OFFLINE, "the stream-end message came")
        stale = self._client.options.stale_timeout
        if self.state is LiveState.CONNECTED and self._last_frame_at is not None:
            age = time.monotonic() - self._last_frame_at
            if age < stale:
                path = self.path.value if self.path else "?"
                return LivenessReading(source, LiveStatus.LIVE, f"a frame {age:.0f} s ago on the {path} path")
        detail = self.state.value
        if self._stats.last_failure is not None:
            detail += f"; last failure: {self._stats.last_failure}"
        return LivenessReading(source, LiveStatus.UNKNOWN, detail)

    async def wait_connected(self) -> None:
        """Returns once the connection is up (after the websocket's 101, or the first poll). Raises the reason
        (for example :class:`ConnectionLostError`) if watching ended before it ever connected."""
        await self._connected.wait()
        if self.state is LiveState.CLOSED and self._failure is not None:
            raise self._failure

    async def gift_info(self) -> GiftList:
        """The room's gift list, fetched once; look a ``GiftEvent`` up with ``(await live.gift_info()).get(e.id)``."""
        if self._gifts is None:
            self._gifts = await self._client.get_gift_list(self.room_id)
        return self._gifts

    def _set_state(
        self, state: LiveState, *, failure: PathFailure | None = None, retry_in: float | None = None
    ) -> None:
        if state is self.state and failure is None:
            return
        change = StateChange(state, self.state, self.path, time.time(), failure, retry_in)
        self.state = state
        self._stats.last_change = change
        self._changes.push(change)

    # -- the connection supervisor ------------------------------------------------------------------------------

    async def _supervise(self) -> None:
        try:
            path, _ = self._ladder.choose(anyio.current_time())
            while True:
                attempt = _Attempt(path)
                try:
                    await self._attempt(attempt)
                    return
                except _StreamEnded:
                    return
                except RETRIABLE as error:
                    failure = classify(error, path, connected=attempt.connected, proxied=attempt.proxied)
                next_path = await self._recover(attempt, failure)
                if next_path is None:
                    return
                path = next_path
        except Exception as error:
            self._failure = error
            self._set_state(LiveState.CLOSED, failure=self._stats.last_failure)
        finally:
            self._channel.close()
            self._connected.set()
            self._changes.close()

    async def _recover(self, attempt: _Attempt, failure: PathFailure) -> ConnectPath | None:
        """After ``attempt`` failed: the next path once the backoff passed, None when the stream ended, or the
        reason to give up raised."""
        now = anyio.current_time()
        self._stats.failures[failure.kind] += 1
        self._stats.last_failure = failure
        if not attempt.productive:
            self._ladder.failed(failure, now)
        self._budget.reconnecting(attempt_failed=not attempt.productive)
        self._stats.failed_attempts = self._budget.failed
        if attempt.connected and self._gap_started is None:
            self._gap_started = time.time()
            self._gap_reason = failure
        if await self._room_has_ended():
            return None
        if failure.kind in FINAL_KINDS and self._ladder.final() and failure.error is not None:
            raise failure.error
        if self._budget.exhausted and self._ladder.all_tried():
            raise ConnectionLostError(self._budget.failed) from failure.error
        path, circuit_wait = self._ladder.choose(now)
        delay = max(self._budget.delay(failure), circuit_wait)
        if path is not failure.path:
            log.warning("%r: failing over from the %s path to %s", self, failure.path.value, path.value)
        log.warning("%r: %s; retry %d in %.1f s", self, failure, self._stats.reconnects + 1, delay)
        self._set_state(LiveState.RECONNECTING, failure=failure, retry_in=delay)
        self._stats.reconnects += 1
        await anyio.sleep(delay)
        return path

    async def _room_has_ended(self) -> bool:
        """After a lost connection: did the stream end meanwhile? The control message that says so can be missed
        (it came before the room was entered, or while the socket was down), so ask the room's status."""
        info: RoomInfo | None = None
        with anyio.move_on_after(self._client.options.connect_timeout):
            try:
                info = await self._client.api.room_info(self.room_id)
            except WebcastError:
                return False
        if info is None:
            return False
        self.info = info
        self._info_at = anyio.current_time()
        if info.is_live:
            return False
        path = self.path or ConnectPath.SIGNER_FREE
        offline = PathFailure(FailureKind.OFFLINE, path, f"the room's status is {info.status}: the stream ended")
        self._stats.failures[FailureKind.OFFLINE] += 1
        self._set_state(LiveState.ENDED, failure=offline)
        log.info("%r: the stream ended while the connection was down (room status %d)", self, info.status)
        return True

    def _allowed_paths(self) -> list[ConnectPath]:
        options = self._client.options
        if options.connect_mode != "auto":
            return [ConnectPath(options.connect_mode)]
        if options.signer_api_key:
            paths = [ConnectPath.SIGNED, ConnectPath.SIGNER_FREE]
        else:
            paths = [ConnectPath.SIGNER_FREE, ConnectPath.SIGNED]
        # TikTok answers guests' im/fetch with empty 200s (2026): polling is only worth trying with a session.
        if options.session_id:
            paths.append(ConnectPath.POLLING)
        return paths

    # -- one attempt ------------------------------------------------------------------------------------------------

    async def _attempt(self, attempt: _Attempt) -> None:
        self.path = attempt.path
        self._ladder.attempted(attempt.path)
        options = self._client.options
        if attempt.path is ConnectPath.POLLING:
            attempt.sent_cursor = bool(self._resume.cursor)

            async def on_result(body: bytes) -> None:
                await self._take_fetch(attempt, body)

            await poll(
                self._client.api,
                self.room_id,
                self._resume,
                deadline=options.connect_timeout,
                on_connected=lambda: self._mark_connected(attempt),
                on_empty=self._count_empty_fetch,
                on_result=on_result,
            )
            return
        if attempt.path is ConnectPath.SIGNER_FREE:
            connection = await self._open_signer_free(attempt)
        else:
            connection = await self._open_signed(attempt)
        self._mark_connected(attempt)
        log.info("%r: connected", self)

        # Decided once per connection: a busy room's frames then pay nothing for tracing that is off.
        self._tracing = self._client.trace is not None or options.extra_debug
        try:
            await run_session(
                connection,
                room_id=self.room_id,
                cursor=self._resume.cursor if attempt.sent_cursor else "",
                default_interval=options.heartbeat_interval,
                stale_timeout=options.stale_timeout,
                on_frames=partial(self._handle_frames, attempt),
                trace=self._trace if self._tracing else None,
            )
        finally:
            await connection.aclose()

    def _count_empty_fetch(self) -> None:
        self._stats.empty_fetches += 1

    def _mark_connected(self, attempt: _Attempt) -> None:
        attempt.connected = True
        self._set_state(LiveState.CONNECTED)
        self._connected.set()

    def _productive(self, attempt: _Attempt, history: bool) -> None:
        """Messages came on ``attempt``: the path works, the backoff resets, and a gap before it closes."""
        if not attempt.productive:
            attempt.productive = True
            self._ladder.succeeded(attempt.path)
            self._budget.productive()
            self._stats.failed_attempts = 0
        self._close_gap(attempt, history)

    def _close_gap(self, attempt: _Attempt, history: bool) -> None:
        if attempt.gap_closed:
            return
        attempt.gap_closed = True
        if self._gap_started is None:
            return
        # A fresh start replays recent comments flagged as history; a resume sends only what was missed. (A room
        # with no comments yet replays nothing either way, so a resume is then claimed on the cursor alone.)
        resumed = attempt.sent_cursor and not history
        gap = Gap(self._gap_started, time.time(), attempt.path, self._gap_reason, resumed)
        self._stats.gaps.append(gap)
        self._stats.gap_seconds += gap.seconds or 0.0
        if resumed:
            self._stats.gaps_resumed += 1
        else:
            self._stats.gaps_lost += 1
            log.warning(
                "%r: reconnected without resuming; messages sent in the last %.1f s are lost", self, gap.seconds
            )
        self._gap_started = None
        self._gap_reason = None

    async def _open_signer_free(self, attempt: _Attempt) -> WebSocketConnection:
        client = self._client
        with anyio.fail_after(client.options.connect_timeout):
            ttwid = await client.ttwid.get(self.username)
        cookie = "; ".join(filter(None, [f"ttwid={ttwid.value}", client.session_cookie()]))
        params = client_params(self.room_id, client.user_agent, client.options.heartbeat_interval)
        resume = self._resume if not self._resume_refused else Resume()
        attempt.sent_cursor = bool(resume.cursor)
        url = signer_free_url(client.urls.ws, params, resume)
        try:
            return await self._connect(attempt, url, cookie)
        except DeviceBlockedError:
            client.ttwid.rotate()
            raise
        except HandshakeRejectedError:
            if attempt.sent_cursor:
                # Resuming on this path is unconfirmed (see _wsurl): if TikTok refuses it, connect afresh.
                self._resume_refused = True
            raise

    async def _open_signed(self, attempt: _Attempt) -> WebSocketConnection:
        client = self._client
        attempt.sent_cursor = bool(self._resume.cursor)
        with anyio.fail_after(client.options.connect_timeout + SIGNER_PACING_WINDOW):
            boot = await client.signer.fetch(
                self.room_id,
                client.user_agent,
                cursor=self._resume.cursor,
                session_cookie=client.session_cookie(),
            )
        client.jar.update_from_header(boot.cookies)
        response = boot.response
        if not response.push_server:
            raise SignerError("the signer's fetch result offers no websocket (push_server is empty)")
        self._close_gap(attempt, any(response.is_history))
        self._resume.remember(response.cursor, response.internal_ext)
        await self._take_fetch(attempt, boot.body, productive=False)
        params = client_params(self.room_id, client.user_agent, client.options.heartbeat_interval)
        return await self._connect(attempt, signed_url(response, params), client.jar.header())

    async def _connect(self, attempt: _Attempt, url: str, cookie: str) -> WebSocketConnection:
        client = self._client
        proxy = client.proxies.for_websocket(url)
        attempt.proxied = proxy is not None
        try:
            return await connect_websocket(
                url,
                ws_headers(client.user_agent, cookie),
                ssl_context=client.ssl_context,
                proxy=proxy,
                timeout=client.options.connect_timeout,
            )
        except TRANSIENT_STREAM_ERRORS as error:
            # The peer (or a proxy) went away while TLS or the proxy handshake was under way: transient.
            raise NetworkError(f"connection ended while negotiating TLS or the proxy: {error!r}") from error

    # -- frames and events ------------------------------------------------------------------------------------

    async def _handle_frames(self, attempt: _Attempt, connection: WebSocketConnection, frames: list[bytes]) -> None:
        """The frames of one read: taken into the inbox in as few calls as the consumers' pace allows."""
        channel = self._channel
        taken = 0
        while taken < len(frames):
            # Not the event loop's clock: anyio.current_time() costs ~0.7 µs a call, time.monotonic() ~0.1.
            self._last_frame_at = now = time.monotonic()
            intake = channel.inbox.push_frames(frames, taken, now, channel.limit)
            taken += intake.frames
            acks = intake.acks
            if acks:
                if self._tracing:
                    for ack in acks:
                        self._trace("out", ack)
                connection.queue(acks)
            await self._handed_over(attempt, intake)

    async def _handed_over(self, attempt: _Attempt, intake: Intake, *, productive: bool = True) -> None:
        """Acts on what the inbox took in, then lets the consumers at it (waiting while they are behind)."""
        for error in intake.errors:
            log.warning("%r: dropped an undecodable frame: %s", self, error)
        if intake.results and productive:
            if not attempt.gap_closed or not attempt.productive:
                self._productive(attempt, bool(intake.first_has_history))
            if intake.resume is not None:
                self._resume.remember(*intake.resume)
        # A consumer that is behind makes this wait (backpressure) rather than events pile up without bound.
        await self._channel.handed_over()
        if intake.ended:
            self._ended_by_message = True
            self._set_state(LiveState.ENDED)
            log.info("%r: the stream ended", self)
            raise _StreamEnded

    async def _take_fetch(self, attempt: _Attempt, body: bytes, *, productive: bool = True) -> None:
        """A fetch result's body from the HTTP fetch or the signer, taken in as a frame's would be; ``productive``
        says whether it shows the path works."""
        intake = self._channel.inbox.push_fetch(body, time.monotonic())
        await self._handed_over(attempt, intake, productive=productive)

    def _trace(self, direction: str, data: bytes) -> None:
        trace = self._client.trace
        if trace is not None:
            trace.ws("in" if direction == "in" else "out", data)
        if self._client.options.extra_debug:
            log.debug("%r %s %d bytes", self, "<=" if direction == "in" else "=>", len(data))
