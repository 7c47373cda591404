"""One timer for every room: a time-ordered heap of callbacks run by a single task, instead of a sleeping task (and a
cancel scope) per room, which is what limited one simulator process to ~1,700 busy rooms.

There is no task of its own to start: whichever task waits in :meth:`Ticker.serve_until` while nobody runs the
heap runs it, and hands it to another waiting task when it leaves. So a room's ``run()`` keeps its shape (it
returns once the room is over) and the simulator's task layout does not change.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Callable

import anyio

__all__ = ["TickCallback", "Ticker"]

TickCallback = Callable[[], float | None]
"""Runs when due; returns the monotonic time it wants to run again, or None when it is done."""


class Ticker:
    """Callbacks due at monotonic times (``time.monotonic()``), run in time order by one task at a time."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, TickCallback]] = []
        self._order = itertools.count()
        self._earlier: anyio.Event | None = None
        """Set when an entry arrives before the one the running task sleeps towards."""
        self._running = False
        self._standby: dict[int, anyio.CancelScope] = {}
        """Tasks waiting in ``serve_until`` while another runs the heap: one is woken to take over."""

    def __len__(self) -> int:
        return len(self._heap)

    def call_at(self, when: float, callback: TickCallback) -> None:
        entry = (when, next(self._order), callback)
        heapq.heappush(self._heap, entry)
        if self._heap[0] is entry and self._earlier is not None:
            self._earlier.set()

    def call_later(self, delay: float, callback: TickCallback) -> None:
        self.call_at(time.monotonic() + delay, callback)

    async def serve_until(self, done: anyio.Event) -> None:
        """Returns once ``done`` is set (by one of the callbacks); runs the heap meanwhile if no other task does."""
        token = next(self._order)
        try:
            while not done.is_set():
                if not self._running:
                    self._running = True
                    try:
                        await self._run(done)
                    finally:
                        self._running = False
                else:
                    with anyio.CancelScope() as standby:
                        self._standby[token] = standby
                        await done.wait()
                    self._standby.pop(token, None)
        finally:
            self._standby.pop(token, None)
            if not self._running and self._standby:
                # Whoever leaves while nobody runs the heap (the runner, or a task woken to take over whose own
                # room ended meanwhile) wakes the next one.
                _, successor = self._standby.popitem()
                successor.cancel()

    async def _run(self, done: anyio.Event) -> None:
        heap = self._heap
        while not done.is_set():
            now = time.monotonic()
            while heap and heap[0][0] <= now:
                _, _, callback = heapq.heappop(heap)
                again = callback()
                if again is not None:  # never due again within this pass, or the pass would not end
                    heapq.heappush(heap, (max(again, now + 1e-3), next(self._order), callback))
            if done.is_set():
                return
            self._earlier = anyio.Event()
            delay = max(heap[0][0] - time.monotonic(), 0.0) if heap else math.inf
            with anyio.move_on_after(delay):
                await self._earlier.wait()
