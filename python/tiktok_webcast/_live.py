"""A tracked live room: connecting by the best path, staying connected, and handing typed events to the consumer
through a bounded channel (PROTOCOL.md decisions 1, 3-5)."""

from __future__ import annotations

import enum
import logging
import random
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from tiktok_webcast import protocol
from tiktok_webcast._core import ControlEvent, UnknownEvent
from tiktok_webcast._transport import WebSocketConnection, connect_websocket
from tiktok_webcast.events import Event
from tiktok_webcast.exceptions import (
    AgeRestrictedError,
    CapacityError,
    ConnectionClosedError,
    ConnectionLostError,
    DecodeError,
    DeviceBlockedError,
    SignerAuthError,
    SignerError,
    SignerRateLimitError,
    TikTokHTTPError,
    WebcastError,
)
from tiktok_webcast.models import GiftList, RoomInfo

if TYPE_CHECKING:
    from tiktok_webcast._client import TikTok

log = logging.getLogger("tiktok_webcast.live")

WS_PATH = "/webcast/im/ws_proxy/ws_reuse_supplement/"
HEALTHY_SESSION = 30.0
DEVICE_BLOCKED_DELAY = 2.0
PATH_FAILURES_BEFORE_FAILOVER = 3
STREAM_ENDED_ACTIONS = (3, 4)
SEEN_IDS = 20_000


class LiveState(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    ENDED = "ended"
    """The stream ended (``ControlEvent`` action 3 or 4)."""
    CLOSED = "closed"
    """Closed by us, or gave up reconnecting."""


class ConnectPath(enum.Enum):
    SIGNER_FREE = "signer_free"
    """A direct websocket with a guest ttwid (signer-free.md)."""
    SIGNED = "signed"
    """A bootstrap through the signing service, then the websocket it offers (webcast.md §3.4)."""
    POLLING = "polling"
    """HTTP polling of ``/webcast/im/fetch/`` when no websocket is accepted (webcast.md §4.3)."""


@dataclass
class LiveStats:
    """Counters of a tracked room."""

    events: int = 0
    frames: int = 0
    acks: int = 0
    reconnects: int = 0
    duplicates: int = 0
    history: int = 0
    """Replayed recent comments left out (``include_history=False``)."""
    decode_errors: int = 0
    unknown: int = 0
    unknown_methods: Counter[str] = field(default_factory=Counter)


class StaleConnectionError(ConnectionClosedError):
    """No frame arrived within the stale timeout."""


class _SeenIds:
    """Message ids already delivered: the server replays ~6 recent comments on every connect."""

    def __init__(self, capacity: int = SEEN_IDS) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._capacity = capacity

    def first_time(self, msg_id: int) -> bool:
        if msg_id == 0:
            return True
        if msg_id in self._ids:
            self._ids.move_to_end(msg_id)
            return False
        self._ids[msg_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True


class _StreamEnded(Exception):
    pass


class _Events:
    """The event iterator (a plain object, not an async generator, so breaking out of it needs no cleanup)."""

    def __init__(self, live: Live) -> None:
        self._live = live

    def __aiter__(self) -> _Events:
        return self

    async def __anext__(self) -> Event:
        try:
            # Take what is buffered without a scheduler pass per event; wait only when there is nothing.
            return self._live._receive.receive_nowait()
        except anyio.WouldBlock:
            pass
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return self._end()
        try:
            return await self._live._receive.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return self._end()

    def _end(self) -> Event:
        if self._live._failure is not None:
            raise self._live._failure from None
        raise StopAsyncIteration from None


class Live:
    """A live room being watched. Use it as an async context manager; iterate ``events``.

    The iterator ends when the stream ends; it raises :class:`ConnectionLostError` when every reconnect failed.
    ``state``, ``path`` and ``stats`` tell how the connection is doing.
    """

    def __init__(self, client: TikTok, room_id: int, username: str | None, info: RoomInfo | None) -> None:
        self.room_id = room_id
        self.username = username
        self.info = info
        self.state = LiveState.CONNECTING
        self.path: ConnectPath | None = None
        self.stats = LiveStats()
        self._client = client
        self._seen = _SeenIds()
        self._cursor = ""
        self._internal_ext = ""
        self._failure: BaseException | None = None
        self._failures: Counter[ConnectPath] = Counter()
        self._gifts: GiftList | None = None
        self._task_group: TaskGroup | None = None
        self._connected = anyio.Event()
        send, receive = anyio.create_memory_object_stream[Event](client.options.event_buffer)
        self._send: MemoryObjectSendStream[Event] = send
        self._receive: MemoryObjectReceiveStream[Event] = receive

    def __repr__(self) -> str:
        where = f"@{self.username}" if self.username else f"room {self.room_id}"
        path = self.path.value if self.path else None
        return f"<Live {where} state={self.state.value} path={path} events={self.stats.events}>"

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
            self._receive.close()

    async def close(self) -> None:
        """Stops watching; the event iterator ends."""
        if self.state is not LiveState.ENDED:
            self.state = LiveState.CLOSED
        if self._task_group is not None:
            self._task_group.cancel_scope.cancel()
        self._send.close()

    @property
    def events(self) -> AsyncIterator[Event]:
        """Typed events in arrival order, without the duplicates a reconnect replays. Ends when the stream ends;
        raises :class:`ConnectionLostError` when every reconnect failed."""
        return _Events(self)

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

    # -- the connection supervisor ------------------------------------------------------------------------------

    async def _supervise(self) -> None:
        attempt = 0
        try:
            while True:
                path = self._choose_path()
                connected_at: list[float] = []
                try:
                    await self._run(path, connected_at)
                    return
                except _StreamEnded:
                    return
                except (SignerAuthError, AgeRestrictedError) as error:
                    if not self._can_fail_over(path, error):
                        raise
                    self._failures[path] = PATH_FAILURES_BEFORE_FAILOVER
                    delay = 0.0
                except (WebcastError, OSError) as error:
                    alive = anyio.current_time() - connected_at[0] if connected_at else 0.0
                    attempt = 1 if alive >= HEALTHY_SESSION else attempt + 1
                    if alive < HEALTHY_SESSION:
                        self._failures[path] += 1
                    if await self._room_has_ended():
                        return
                    if self._exhausted(attempt):
                        raise ConnectionLostError(attempt - 1) from error
                    delay = self._delay(error, attempt)
                    log.warning("%r: %s on the %s path; retry %d in %.1f s", self, error, path.value, attempt, delay)
                self.state = LiveState.RECONNECTING
                self.stats.reconnects += 1
                await anyio.sleep(delay)
        except Exception as error:
            self._failure = error
            self.state = LiveState.CLOSED
        finally:
            self._send.close()
            self._connected.set()

    async def _room_has_ended(self) -> bool:
        """After a lost connection: did the stream end meanwhile? The control message that says so can be missed
        (it came before the room was entered, or while the socket was down), so ask the room's status."""
        try:
            info = await self._client.api.room_info(self.room_id)
        except WebcastError:
            return False
        if info.is_live:
            return False
        self.info = info
        self.state = LiveState.ENDED
        log.info("%r: the stream ended while the connection was down (room status %d)", self, info.status)
        return True

    def _exhausted(self, attempt: int) -> bool:
        """Give up after ``max_reconnects`` consecutive failures, but not before every allowed path was tried."""
        limit = self._client.options.max_reconnects
        if attempt <= limit:
            return False
        return limit == 0 or all(self._failures[path] > 0 for path in self._allowed_paths())

    def _can_fail_over(self, path: ConnectPath, error: BaseException) -> bool:
        others = [p for p in self._allowed_paths() if p is not path]
        return isinstance(error, SignerAuthError) and bool(others)

    def _allowed_paths(self) -> list[ConnectPath]:
        mode = self._client.options.connect_mode
        if mode != "auto":
            return [ConnectPath(mode)]
        first, second = (
            (ConnectPath.SIGNED, ConnectPath.SIGNER_FREE)
            if self._client.options.signer_api_key
            else (ConnectPath.SIGNER_FREE, ConnectPath.SIGNED)
        )
        return [first, second, ConnectPath.POLLING]

    def _choose_path(self) -> ConnectPath:
        allowed = self._allowed_paths()
        for path in allowed:
            if self._failures[path] < PATH_FAILURES_BEFORE_FAILOVER:
                if self.path is not None and path is not self.path:
                    log.warning("%r: failing over from the %s path to %s", self, self.path.value, path.value)
                return path
        self._failures.clear()
        return allowed[0]

    def _delay(self, error: BaseException, attempt: int) -> float:
        options = self._client.options
        if isinstance(error, DeviceBlockedError):
            return min(DEVICE_BLOCKED_DELAY, options.backoff_max)
        # Jittered exponential backoff: 2, 4, 8, 16, 30 s by default (PROTOCOL.md decision 3).
        backoff = min(options.backoff_base**attempt, options.backoff_max)
        backoff *= random.uniform(0.5, 1.0)
        if isinstance(error, SignerRateLimitError):
            return max(error.retry_after, backoff)
        return backoff

    async def _run(self, path: ConnectPath, connected_at: list[float]) -> None:
        self.path = path
        if path is ConnectPath.POLLING:
            await self._poll(connected_at)
            return
        connection = await (self._open_signer_free() if path is ConnectPath.SIGNER_FREE else self._open_signed())
        connected_at.append(anyio.current_time())
        self._mark_connected(path)
        log.info("%r: connected", self)
        try:
            await self._pump(connection)
        finally:
            await connection.aclose()

    def _mark_connected(self, path: ConnectPath) -> None:
        self._failures[path] = 0
        self.state = LiveState.CONNECTED
        self._connected.set()

    def _ws_headers(self, cookie: str) -> list[tuple[str, str]]:
        headers = [
            ("User-Agent", self._client.user_agent),
            ("Origin", "https://www.tiktok.com"),
            ("Referer", "https://www.tiktok.com/"),
            ("Accept-Language", "en-US,en;q=0.9"),
            ("Cache-Control", "no-cache"),
        ]
        if cookie:
            headers.append(("Cookie", cookie))
        return headers

    def _client_params(self) -> dict[str, str]:
        """The websocket query every client sends (webcast.md §5.1, signer-free.md §3.3)."""
        user_agent = self._client.user_agent
        name, _, version = user_agent.partition("/")
        return {
            "version_code": "180800",
            "device_platform": "web",
            "cookie_enabled": "true",
            "screen_width": "1920",
            "screen_height": "1080",
            "browser_language": "en-US",
            "browser_platform": "Win32",
            "browser_name": name,
            "browser_version": version,
            "browser_online": "true",
            "tz_name": "UTC",
            "app_name": "tiktok_web",
            "sup_ws_ds_opt": "1",
            "update_version_code": "2.0.0",
            "compress": "gzip",
            "webcast_language": "en",
            "ws_direct": "1",
            "aid": "1988",
            "live_id": "12",
            "app_language": "en",
            "client_enter": "1",
            "room_id": str(self.room_id),
            "identity": "audience",
            "history_comment_count": "6",
            "last_rtt": f"{random.uniform(100, 200):.3f}",
            "heartbeat_duration": str(int(self._client.options.heartbeat_interval * 1000)),
            "resp_content_type": "protobuf",
            "did_rule": "3",
        }

    async def _open_signer_free(self) -> WebSocketConnection:
        ttwid = await self._client.ttwid.get(self.username)
        cookie = "; ".join(filter(None, [f"ttwid={ttwid.value}", self._client.session_cookie()]))
        url = f"{self._client.urls.ws}{WS_PATH}?{urlencode(self._client_params())}"
        try:
            return await self._connect(url, cookie)
        except DeviceBlockedError:
            self._client.ttwid.rotate()
            raise

    async def _open_signed(self) -> WebSocketConnection:
        signer = self._client.signer
        boot = await signer.fetch(
            self.room_id,
            self._client.user_agent,
            cursor=self._cursor,
            session_cookie=self._client.session_cookie(),
        )
        self._client.jar.update_from_header(boot.cookies)
        response = boot.response
        if not response.push_server:
            raise SignerError("the signer's fetch result offers no websocket (push_server is empty)")
        await self._deliver(response.events, response.is_history)
        self._remember_cursor(response.cursor, response.internal_ext)
        params = {k: v for k, v in response.route_params.items() if v}
        params.update(self._client_params())
        params.update({"cursor": response.cursor, "internal_ext": response.internal_ext, "ws_direct": "0"})
        url = f"{response.push_server}{'&' if '?' in response.push_server else '?'}{urlencode(params)}"
        return await self._connect(url, self._client.jar.header())

    async def _connect(self, url: str, cookie: str) -> WebSocketConnection:
        options = self._client.options
        return await connect_websocket(
            url,
            self._ws_headers(cookie),
            ssl_context=self._client.ssl_context,
            proxy=self._client.proxies.for_websocket(url),
            timeout=options.connect_timeout,
        )

    async def _pump(self, connection: WebSocketConnection) -> None:
        interval = _handshake_interval(connection.accepted.header("handshake-options"))
        interval = interval or self._client.options.heartbeat_interval
        # The outcome leaves the task group as it is, never wrapped in an exception group.
        outcome: Exception | None = None
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._heartbeats, connection, interval)
            try:
                await self._receive_frames(connection)
            except Exception as error:
                outcome = error
            tasks.cancel_scope.cancel()
        if outcome is not None:
            raise outcome

    async def _receive_frames(self, connection: WebSocketConnection) -> None:
        stale = self._client.options.stale_timeout
        while True:
            with anyio.move_on_after(stale) as wait:
                data = await connection.receive()
            if wait.cancelled_caught:
                raise StaleConnectionError(f"no frame for {stale:.0f} s")
            self._trace("in", data)
            await self._handle_frame(connection, data)

    async def _heartbeats(self, connection: WebSocketConnection, interval: float) -> None:
        """A heartbeat, the enter-room frame, then a heartbeat every ``interval`` (PROTOCOL.md decision 4).
        A failed send ends the heartbeats quietly: the receiving side sees the connection end."""
        seq = 1
        try:
            await self._send_frame(connection, protocol.encode_heartbeat(self.room_id, seq))
            await self._send_frame(connection, protocol.encode_enter_room(self.room_id))
            while True:
                await anyio.sleep(interval)
                seq += 1
                await self._send_frame(connection, protocol.encode_heartbeat(self.room_id, seq))
        except WebcastError as error:
            log.debug("%r: heartbeats stopped: %s", self, error)

    async def _send_frame(self, connection: WebSocketConnection, data: bytes) -> None:
        self._trace("out", data)
        await connection.send(data)

    async def _handle_frame(self, connection: WebSocketConnection, data: bytes) -> None:
        try:
            frame = protocol.decode_push_frame(data)
        except (DecodeError, CapacityError) as error:
            self.stats.decode_errors += 1
            log.warning("%r: dropped an undecodable frame: %s", self, error)
            return
        self.stats.frames += 1
        if frame.ack is not None:
            self._trace("out", frame.ack)
            connection.queue(frame.ack)
            self.stats.acks += 1
        if frame.payload_type == "msg":
            self._remember_cursor(frame.cursor, frame.internal_ext)
            await self._deliver(frame.events, frame.is_history)

    def _remember_cursor(self, cursor: str, internal_ext: str) -> None:
        if cursor:
            self._cursor = cursor
        if internal_ext:
            self._internal_ext = internal_ext

    async def _deliver(self, events: list[Event], history: tuple[bool, ...]) -> None:
        ended = False
        skip_history = not self._client.options.include_history
        for index, event in enumerate(events):
            if not self._seen.first_time(event.msg_id):
                self.stats.duplicates += 1
                continue
            if skip_history and index < len(history) and history[index]:
                self.stats.history += 1
                continue
            if isinstance(event, UnknownEvent):
                self.stats.unknown += 1
                self.stats.unknown_methods[event.method] += 1
                if not self._client.options.experimental_events:
                    log.debug("%r: unknown message %s (%d bytes)", self, event.method, len(event.payload))
                    continue
            self.stats.events += 1
            try:
                self._send.send_nowait(event)
            except anyio.WouldBlock:
                # The consumer is behind: wait for it (backpressure) rather than buffer without bound.
                await self._send.send(event)
            if isinstance(event, ControlEvent) and event.action in STREAM_ENDED_ACTIONS:
                ended = True
        if ended:
            self.state = LiveState.ENDED
            log.info("%r: the stream ended", self)
            raise _StreamEnded

    async def _poll(self, connected_at: list[float]) -> None:
        """HTTP polling: the fallback when no websocket is accepted."""
        api = self._client.api
        first = True
        while True:
            body = await api.im_fetch(self.room_id, self._cursor or "0", self._internal_ext or "0")
            try:
                response = protocol.decode_fetch_response(body)
            except DecodeError as error:
                raise TikTokHTTPError(f"im/fetch answered an undecodable body: {error}") from error
            if first:
                first = False
                connected_at.append(anyio.current_time())
                self._mark_connected(ConnectPath.POLLING)
            self._remember_cursor(response.cursor, response.internal_ext)
            await self._deliver(response.events, response.is_history)
            await anyio.sleep(max(response.fetch_interval, 1000) / 1000)

    def _trace(self, direction: str, data: bytes) -> None:
        trace = self._client.trace
        if trace is not None:
            trace.ws("in" if direction == "in" else "out", data)
        if self._client.options.extra_debug:
            log.debug("%r %s %d bytes", self, "<=" if direction == "in" else "=>", len(data))


def _handshake_interval(options: str | None) -> float | None:
    """``ping-interval`` (or ``ping_interval``) in seconds from the ``Handshake-Options`` header, if any."""
    for part in (options or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key.replace("_", "-") == "ping-interval":
            try:
                seconds = float(value)
            except ValueError:
                return None
            return seconds if seconds > 0 else None
    return None
