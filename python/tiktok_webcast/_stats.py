"""What a tracked room reports about its connection: counters, gaps, path health, and state changes."""

from __future__ import annotations

import enum
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio

from tiktok_webcast._failures import FailureKind, PathFailure
from tiktok_webcast._ladder import PathHealth
from tiktok_webcast._paths import ConnectPath

GAPS_KEPT = 100
CHANGES_KEPT = 100


class LiveState(enum.Enum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    ENDED = "ended"
    """The stream ended (``ControlEvent`` action 3 or 4, or the room's status said so)."""
    CLOSED = "closed"
    """Closed by us, or gave up reconnecting."""


@dataclass(frozen=True)
class Gap:
    """A time the room was not connected, between two sessions.

    ``resumed`` says what became of the messages sent meanwhile: True when the next session started from the
    cursor held (the server sent what was missed, not a fresh replay), False when it started afresh (messages sent
    during the gap are lost), None while that is not known yet.
    """

    started_at: float
    """Unix time the connection was lost."""
    ended_at: float | None
    """Unix time the next session delivered its first frame; None while the gap lasts."""
    path: ConnectPath | None
    """The path that closed the gap."""
    reason: PathFailure | None
    resumed: bool | None

    @property
    def seconds(self) -> float | None:
        return None if self.ended_at is None else self.ended_at - self.started_at


@dataclass(frozen=True)
class StateChange:
    """A change of a tracked room's connection, for a status line or a Home Assistant sensor."""

    state: LiveState
    previous: LiveState
    path: ConnectPath | None
    at: float
    """Unix time."""
    failure: PathFailure | None = None
    """Why the connection was lost or an attempt failed."""
    retry_in: float | None = None
    """Seconds until the next attempt, when reconnecting."""

    def __str__(self) -> str:
        text = f"{self.previous.value} -> {self.state.value}"
        if self.path is not None:
            text += f" ({self.path.value})"
        if self.failure is not None:
            text += f": {self.failure}"
        if self.retry_in is not None:
            text += f"; retry in {self.retry_in:.1f} s"
        return text


@dataclass
class LiveStats:
    """Counters of a tracked room."""

    events: int = 0
    frames: int = 0
    acks: int = 0
    reconnects: int = 0
    """Connect attempts after the first."""
    failed_attempts: int = 0
    """Failed attempts in a row right now (the reconnect budget counts these against ``max_reconnects``)."""
    duplicates: int = 0
    history: int = 0
    """Replayed recent comments left out (``include_history=False``)."""
    decode_errors: int = 0
    unknown: int = 0
    unknown_methods: Counter[str] = field(default_factory=Counter)
    empty_fetches: int = 0
    """``im/fetch`` answers with an empty body (polling)."""
    failures: Counter[FailureKind] = field(default_factory=Counter)
    last_failure: PathFailure | None = None
    gaps: deque[Gap] = field(default_factory=lambda: deque(maxlen=GAPS_KEPT))
    """The newest gaps between sessions, oldest first."""
    gaps_resumed: int = 0
    gaps_lost: int = 0
    """Gaps after which the server replayed afresh instead of resuming: messages sent meanwhile were lost."""
    gap_seconds: float = 0.0
    paths: dict[ConnectPath, PathHealth] = field(default_factory=dict)
    """Health and circuit of each allowed path."""
    last_change: StateChange | None = None


class ChangeFeed:
    """State changes kept for every reader: each iterator starts with those still kept and then waits for more."""

    def __init__(self) -> None:
        self._kept: deque[StateChange] = deque(maxlen=CHANGES_KEPT)
        self._count = 0
        self._signal = anyio.Event()
        self._closed = False

    def push(self, change: StateChange) -> None:
        self._kept.append(change)
        self._count += 1
        self._signal.set()
        self._signal = anyio.Event()

    def close(self) -> None:
        self._closed = True
        self._signal.set()

    def reader(self) -> AsyncIterator[StateChange]:
        return _ChangeReader(self, self._count - len(self._kept))


class _ChangeReader:
    """A plain iterator object (not an async generator), so breaking out of it needs no cleanup."""

    def __init__(self, feed: ChangeFeed, position: int) -> None:
        self._feed = feed
        self._position = position

    def __aiter__(self) -> _ChangeReader:
        return self

    async def __anext__(self) -> StateChange:
        feed = self._feed
        while True:
            first = feed._count - len(feed._kept)
            self._position = max(self._position, first)
            if self._position < feed._count:
                self._position += 1
                return feed._kept[self._position - 1 - first]
            if feed._closed:
                raise StopAsyncIteration
            await feed._signal.wait()


def now() -> float:
    return time.time()
