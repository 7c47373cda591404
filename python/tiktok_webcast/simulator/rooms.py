"""A live room at run time: it advances its script, encodes each batch once, and fans it out to the websocket
sessions subscribed to it; it keeps a log for cursor resumes and the recent comments replayed on (re)connect.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from tiktok_webcast import protocol
from tiktok_webcast.events import ChatEvent, IntroEvent, RoomEvent, User, ViewersEvent
from tiktok_webcast.simulator.clock import SimClock
from tiktok_webcast.simulator.fetch import Batch, LoggedMessage, encode_result, internal_ext_for
from tiktok_webcast.simulator.ids import IdSource, make_cursor
from tiktok_webcast.simulator.replay import ReplayFrame
from tiktok_webcast.simulator.scenario import Creator, ServerConfig
from tiktok_webcast.simulator.script import RoomScript, RoomStats
from tiktok_webcast.simulator.ticker import Ticker

__all__ = ["CloseOrder", "Delivery", "RawFrame", "Room", "RoomEnv", "SilenceOrder", "Subscription"]

logger = logging.getLogger("tiktok_webcast.simulator.rooms")

LOG_SIZE = 5000
LOG_WINDOW = 60.0
"""A room's log keeps at most ``LOG_SIZE`` messages and only those published in the last ``LOG_WINDOW`` real seconds:
enough for a client's cursor resume after a reconnect or an ``im/fetch`` poll, while many busy rooms stay bounded by
their total rate (250 rooms at 4,000 events/s held 513 MiB of log with the count bound alone). An older cursor gets
a bootstrap instead, as when the count bound is exceeded. How long TikTok honours a cursor is not known."""
SUBSCRIBER_BUFFER = 512


@dataclass(frozen=True, slots=True)
class RawFrame:
    """A websocket message sent exactly as given (malformed-frame faults, replayed traces)."""

    data: bytes | str
    log_id: int = 0
    internal_ext: str = ""
    need_ack: bool = False


@dataclass(frozen=True, slots=True)
class CloseOrder:
    """Tells a session to end: ``abort`` (no close frame) or ``close`` with a code."""

    mode: Literal["abort", "close"]
    code: int = 1000
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SilenceOrder:
    """Tells a session to stop sending anything (the socket stays open): a connection that silently died."""


Delivery = Batch | RawFrame | CloseOrder | SilenceOrder


class Subscription:
    """A session's inbox for one room. A session too slow to drain it is cut off rather than buffered forever."""

    def __init__(self, room: Room) -> None:
        self.room = room
        send, receive = anyio.create_memory_object_stream[Delivery](SUBSCRIBER_BUFFER)
        self._send: MemoryObjectSendStream[Delivery] = send
        self.inbox: MemoryObjectReceiveStream[Delivery] = receive
        self.overflowed = False

    def offer(self, item: Delivery) -> None:
        try:
            self._send.send_nowait(item)
        except anyio.WouldBlock:
            self.overflowed = True
            self._send.close()
            self.room.subscribers.discard(self)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            self.room.subscribers.discard(self)

    def close(self) -> None:
        self._send.close()
        self.inbox.close()
        self.room.subscribers.discard(self)


@dataclass
class RoomEnv:
    """What every room shares: the clock, ids, protocol settings and the public base URLs."""

    clock: SimClock
    ids: IdSource
    server: ServerConfig
    ws_base: str
    media_base: str
    ticker: Ticker = field(default_factory=Ticker)
    """Advances every room's script: one timer for all rooms."""


@dataclass
class Room:
    room_id: int
    creator: Creator
    host: User
    env: RoomEnv
    started_at: float
    """Scenario time the room went live."""
    script: RoomScript | None = None
    replay: tuple[ReplayFrame, ...] | None = None
    replay_loop: bool = False
    status: int = 2
    finish_epoch: int = 0
    seq: int = 0
    batches: int = 0
    log: deque[LoggedMessage] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    _log_marks: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    """(real time, last seq) of each publish still in the log, oldest first: what the time bound trims by."""
    _log_floor: int = 0
    """The newest seq no longer in the log: a resume from before it is impossible."""
    history: deque[LoggedMessage] = field(default_factory=lambda: deque(maxlen=50))
    subscribers: set[Subscription] = field(default_factory=set)
    ended: anyio.Event = field(default_factory=anyio.Event)
    _closed: anyio.Event = field(default_factory=anyio.Event)
    """Set once the sessions were told to close, ``end_grace`` after the end: ``run()`` then returns."""
    _welcome: list[LoggedMessage] = field(default_factory=list)
    _extra_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _stopping: bool = False

    def __post_init__(self) -> None:
        self._extra_ids = self.env.ids.message_ids(self.room_id ^ 0x5A5A5A)
        self.start_epoch = self.env.clock.epoch_s(self.started_at)
        self.stream_id = self.env.ids.stream_id(self.room_id)
        now = self.env.clock.epoch_ms(self.started_at)
        welcome = [
            RoomEvent(
                type="system",
                message="Welcome to TikTok LIVE! Have fun and follow the community guidelines.",
                msg_id=next(self._extra_ids),
                timestamp=now,
            ),
            IntroEvent(
                id=self.room_id,
                title=self.title,
                language="en",
                user=self.host,
                msg_id=next(self._extra_ids),
                timestamp=now,
            ),
        ]
        self._welcome = [self._encode(e) for e in welcome]
        self._log_floor = self.seq
        if self.script is not None:
            self._append(list(self.script.history_seed(self.env.server.history_comments, 0.0)))

    # ------------------------------------------------------------------------------------------ state

    @property
    def title(self) -> str:
        return self.creator.title or f"{self.creator.nickname or self.creator.username} is LIVE"

    @property
    def live(self) -> bool:
        return self.status == 2

    @property
    def stats(self) -> RoomStats:
        return self.script.stats if self.script is not None else RoomStats(viewers=1, total_viewers=1)

    def subscribe(self) -> Subscription:
        sub = Subscription(self)
        self.subscribers.add(sub)
        return sub

    # ------------------------------------------------------------------------------------------ messages

    def _encode(self, event: Any) -> LoggedMessage:
        method, payload = protocol.encode_message(event)
        self.seq += 1
        return LoggedMessage(self.seq, method, payload, int(getattr(event, "msg_id", 0) or 0))

    def _append(self, events: Sequence[Any]) -> list[LoggedMessage]:
        out = []
        log = self.log
        for event in events:
            message = self._encode(event)
            if len(log) == log.maxlen:
                self._log_floor = log[0].seq
            log.append(message)
            if isinstance(event, ChatEvent):
                self.history.append(message)
            out.append(message)
        if out:
            self._trim_log()
            self._log_marks.append((self.env.clock.real(), self.seq))
        return out

    def _trim_log(self) -> None:
        """Drops the messages published more than ``LOG_WINDOW`` real seconds ago."""
        horizon = self.env.clock.real() - LOG_WINDOW
        marks, log = self._log_marks, self.log
        while marks and marks[0][0] < horizon:
            _, last = marks.popleft()
            while log and log[0].seq <= last:
                self._log_floor = log.popleft().seq

    def since(self, seq: int) -> list[LoggedMessage] | None:
        """Messages after ``seq``; None when ``seq`` is older than the log (a resume is impossible)."""
        if seq > self.seq or seq < self._log_floor:
            return None
        return [m for m in self.log if m.seq > seq]

    def cursor(self, now_ms: int | None = None) -> str:
        now = self.env.clock.epoch_ms() if now_ms is None else now_ms
        return make_cursor(now, self.seq, self.room_id)

    def make_batch(
        self, messages: Sequence[LoggedMessage], *, history: Sequence[LoggedMessage] = (), ends_stream: bool = False
    ) -> Batch:
        now = self.env.clock.epoch_ms()
        log_id = self.env.ids.log_id()
        need_ack = self.env.server.need_ack
        internal_ext = internal_ext_for(self.room_id, log_id, now, self.seq)
        self.batches += 1
        result = encode_result(
            messages,
            history=history,
            cursor=self.cursor(now),
            internal_ext=internal_ext,
            now_ms=now,
            need_ack=need_ack,
            fetch_interval=1000,
        )
        return Batch(result, log_id, internal_ext, need_ack, len(messages) + len(history), self.batches, ends_stream)

    def publish(self, events: Sequence[Any]) -> Batch | None:
        """Encodes ``events`` once, logs them, and pushes one frame to every subscriber."""
        if not events:
            return None
        messages = self._append(events)
        ends = any(m.method == "WebcastControlMessage" for m in messages)
        batch = self.make_batch(messages, ends_stream=ends)
        self.deliver(batch)
        return batch

    def deliver(self, item: Delivery) -> None:
        for sub in list(self.subscribers):
            sub.offer(item)

    def welcome(self, *, history_count: int, resume_seq: int | None) -> Batch:
        """The first frame of a session: a resume from ``resume_seq``, or recent comments + room state."""
        if resume_seq is not None:
            missed = self.since(resume_seq)
            if missed is not None:
                return self.make_batch(missed)
        history = list(self.history)[-history_count:] if history_count > 0 else []
        return self.make_batch([*self._welcome, self._viewers_now()], history=history)

    def bootstrap(
        self,
        *,
        resume_seq: int | None,
        history_count: int,
        push_server: str,
        route_params: dict[str, str] | None,
        always_first: bool = False,
    ) -> bytes:
        """An HTTP fetch result (signer ``/webcast/fetch``, ``/webcast/im/fetch/``); never needs an ack.

        Without a usable ``resume_seq`` it is a bootstrap (``is_first``, recent comments flagged ``is_history``,
        room state); with one it carries the messages published since (a poll, or a resume).
        """
        now = self.env.clock.epoch_ms()
        history: list[LoggedMessage] = []
        missed = self.since(resume_seq) if resume_seq is not None else None
        if missed is not None:
            messages = missed
        else:
            history = list(self.history)[-history_count:] if history_count > 0 else []
            messages = [*self._welcome, self._viewers_now()]
        return encode_result(
            messages,
            history=history,
            cursor=self.cursor(now),
            internal_ext=internal_ext_for(self.room_id, self.env.ids.log_id(), now, self.seq),
            now_ms=now,
            is_first=always_first or missed is None,
            fetch_interval=1000,
            fetch_type=1 if push_server else 2,
            push_server=push_server,
            route_params=route_params,
            history_comment_cursor=str(history[0].msg_id) if history else "",
        )

    def _viewers_now(self) -> LoggedMessage:
        stats = self.stats
        event = ViewersEvent(
            viewers=stats.viewers,
            total_viewers=stats.total_viewers,
            msg_id=next(self._extra_ids),
            timestamp=self.env.clock.epoch_ms(),
        )
        method, payload = protocol.encode_message(event)
        return LoggedMessage(self.seq, method, payload, event.msg_id)

    # ------------------------------------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        """Advances the script until the stream ends; then keeps sockets open ``end_grace`` seconds and closes them.

        The advancing is done by the simulator's one :class:`Ticker` (a heap of due rooms), not by a timer here: this
        task only waits for the room to be over, running the ticker for every room while no other task does.
        """
        if self.script is not None and self.live:
            self.env.ticker.call_later(self._next_wait(), self._tick)
        await self.env.ticker.serve_until(self._closed)

    def _next_wait(self) -> float:
        """Real seconds until the next batch: the batch interval, or longer when the script has nothing due sooner."""
        clock = self.env.clock
        interval = max(self.env.server.batch_interval / clock.speed, 0.05)
        assert self.script is not None
        due = self.script.next_due()
        wait = interval if due is None else max(interval, clock.real_delay(due - (clock.now() - self.started_at)))
        return min(wait, 3600.0)

    def _tick(self) -> float | None:
        if not self.live or self.script is None:
            return None  # ended meanwhile: ``mark_ended`` has scheduled the close
        events = self.script.advance(self.env.clock.now() - self.started_at)
        self.publish(events)
        if self.script.ended:
            self.mark_ended()
            return None
        return self.env.clock.real() + self._next_wait()

    def end_now(self) -> None:
        """Ends the stream immediately (offline fault, control API): control action 3, then the usual grace."""
        if not self.live:
            return
        events = self.script.make_end(self.env.clock.now() - self.started_at) if self.script else []
        self.publish(events)
        self.mark_ended()

    def mark_ended(self) -> None:
        if self.status != 4:
            self.status = 4
            self.finish_epoch = self.env.clock.epoch_s()
            self.ended.set()
            self.env.ticker.call_later(self.env.server.end_grace, self._close_sessions)

    def _close_sessions(self) -> None:
        self.deliver(CloseOrder("close", 1000, "live ended"))
        self._closed.set()
