"""A worker's budget: how many rooms it may hold and how many handshakes it may start per minute (TikTok budgets
handshakes per IP, so a worker that bursts gets its address flagged)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tiktok_webcast.fleet.errors import FleetError


@dataclass(frozen=True, slots=True)
class WorkerBudget:
    max_rooms: int = 20
    """Creators one worker watches at most (the best-documented operator caps a worker at 20)."""
    handshakes_per_minute: int = 30
    """Connection attempts (room lookups and websocket handshakes) one worker starts in any 60 s window."""
    max_connecting: int = 10
    """Connection attempts in progress at once: a slow service then slows the worker down, rather than attempts
    piling up, timing out and starting again (which is how a loaded simulator, or TikTok, ends up serving none)."""

    def __post_init__(self) -> None:
        if self.max_rooms < 1:
            raise FleetError(f"max_rooms must be at least 1, not {self.max_rooms}")
        if self.handshakes_per_minute < 1:
            raise FleetError(f"handshakes_per_minute must be at least 1, not {self.handshakes_per_minute}")
        if self.max_connecting < 1:
            raise FleetError(f"max_connecting must be at least 1, not {self.max_connecting}")


class HandshakeWindow:
    """At most ``per_minute`` handshake starts in any 60 s, and spread out: never two within ``60 / per_minute`` s,
    so a worker given a large budget still does not start hundreds of connections at once.
    ``wait_time()`` says how long until the next is allowed."""

    WINDOW = 60.0

    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self._per_minute = per_minute
        self._spacing = self.WINDOW / per_minute
        self._clock = clock
        self._starts: deque[float] = deque()

    def wait_time(self) -> float:
        now = self._clock()
        while self._starts and now - self._starts[0] >= self.WINDOW:
            self._starts.popleft()
        if not self._starts:
            return 0.0
        spaced = self._spacing - (now - self._starts[-1])
        full = self.WINDOW - (now - self._starts[0]) if len(self._starts) >= self._per_minute else 0.0
        return max(spaced, full, 0.0)

    def take(self) -> None:
        """Records a handshake started now; call only when ``wait_time()`` is 0."""
        self._starts.append(self._clock())
