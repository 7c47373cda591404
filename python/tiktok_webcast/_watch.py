"""Watching a creator across streams: wait until they go live, follow the stream, wait again after it ends (the
automation users ask for most, issue 9 item 3)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from tiktok_webcast._api import normalize_username
from tiktok_webcast._checks import require_seconds
from tiktok_webcast._live import Live
from tiktok_webcast._liveness import Liveness
from tiktok_webcast._stats import LiveState, LiveStats
from tiktok_webcast.events import Event
from tiktok_webcast.exceptions import WebcastError

if TYPE_CHECKING:
    from tiktok_webcast._client import TikTok

log = logging.getLogger("tiktok_webcast.watch")


@dataclass(frozen=True)
class StreamStarted:
    """The creator went live and the stream is being followed (``watch.live`` is its :class:`Live`)."""

    username: str
    room_id: int
    liveness: Liveness


@dataclass(frozen=True)
class StreamEnded:
    """Following a stream stopped: it ended (``state`` ENDED), or reconnecting gave up (``state`` CLOSED and
    ``error`` says why; the watch checks liveness again and follows the stream anew if it is still live)."""

    username: str
    room_id: int
    state: LiveState
    stats: LiveStats = field(repr=False)
    error: WebcastError | None = None


WatchItem = Event | StreamStarted | StreamEnded


class _Items:
    """Iterates the watch's channel, taking what is buffered without a scheduler pass (a memory stream's own
    iterator makes one per item, and so does its ``send``: two per event, several times what decoding costs)."""

    def __init__(self, receive: MemoryObjectReceiveStream[WatchItem]) -> None:
        self._receive = receive

    def __aiter__(self) -> _Items:
        return self

    async def __anext__(self) -> WatchItem:
        try:
            return self._receive.receive_nowait()
        except anyio.WouldBlock:
            try:
                return await self._receive.receive()
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                raise StopAsyncIteration from None
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            raise StopAsyncIteration from None


class Watch:
    """A creator watched across streams. Use it as an async context manager and iterate ``events``: every event of
    every stream, with a :class:`StreamStarted` before each stream and a :class:`StreamEnded` after it."""

    def __init__(self, client: TikTok, username: str, *, check_interval: float) -> None:
        require_seconds(check_interval, "check_interval")
        self.username = normalize_username(username)
        self.check_interval = check_interval
        self.live: Live | None = None
        """The stream being followed, or None while waiting."""
        self.liveness: Liveness | None = None
        """The newest liveness check."""
        self.streams = 0
        self._ended_room: int | None = None
        self._client = client
        self._task_group: TaskGroup | None = None
        send, receive = anyio.create_memory_object_stream[WatchItem](client.options.event_buffer)
        self._send: MemoryObjectSendStream[WatchItem] = send
        self._receive: MemoryObjectReceiveStream[WatchItem] = receive

    def __repr__(self) -> str:
        status = self.liveness.status.value if self.liveness else None
        return f"<Watch @{self.username} liveness={status} streams={self.streams}>"

    async def __aenter__(self) -> Watch:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._run)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        assert self._task_group is not None
        self._task_group.cancel_scope.cancel()
        try:
            return await self._task_group.__aexit__(exc_type, exc, tb)
        finally:
            self._send.close()
            self._receive.close()

    @property
    def events(self) -> AsyncIterator[WatchItem]:
        """Events of every stream, each stream framed by :class:`StreamStarted` and :class:`StreamEnded`."""
        return _Items(self._receive)

    async def _run(self) -> None:
        async with self._send:
            while True:
                self.liveness = liveness = await self._client.liveness(self.username)
                log.info("@%s: %s", self.username, liveness)
                # A room that ended stays ended: a new stream gets a new room id.
                if liveness.is_live and liveness.room_id is not None and liveness.room_id != self._ended_room:
                    ended = await self._follow(liveness, liveness.room_id)
                    if ended:
                        # Straight back to checking: a stream that ended is offline at once.
                        continue
                await anyio.sleep(self.check_interval)

    async def _follow(self, liveness: Liveness, room_id: int) -> bool:
        """Follows one stream; True when it ended, False when following it failed."""
        client = self._client
        try:
            info = await client.api.room_info(room_id)
        except WebcastError as unavailable:
            log.warning("@%s: room %d: %s", self.username, room_id, unavailable)
            return False
        error: WebcastError | None = None
        async with Live(client, room_id, self.username, info) as live:
            self.live = live
            self.streams += 1
            await self._send.send(StreamStarted(self.username, room_id, liveness))
            try:
                async for event in live.events:
                    try:
                        self._send.send_nowait(event)
                    except anyio.WouldBlock:
                        await self._send.send(event)
            except WebcastError as failure:
                error = failure
        self.live = None
        await self._send.send(StreamEnded(self.username, room_id, live.state, live.stats, error))
        if live.state is LiveState.ENDED:
            self._ended_room = room_id
            return True
        return False
