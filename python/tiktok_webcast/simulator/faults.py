"""The fault book: which scripted failures are armed, and taking them one at a time as requests arrive.

Count-based faults (``count`` = how many requests or handshakes they hit; 0 = every one) become active at their
``at`` time and are consumed by :meth:`FaultBook.take`. Time-based faults (socket drops, malformed frames, offline
periods) are handed out in order by :meth:`FaultBook.timed` for the world's fault timer.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tiktok_webcast.simulator.clock import SimClock
from tiktok_webcast.simulator.scenario import Breakage, DropSocket, Fault, MalformedFrame, Offline, UnknownMessage

__all__ = ["TIMED_FAULTS", "FaultBook", "TimedFault"]

logger = logging.getLogger("tiktok_webcast.simulator.faults")

F = TypeVar("F")
MAX_FIRED = 1000
TimedFault = DropSocket | MalformedFrame | UnknownMessage | Offline | Breakage
TIMED_FAULTS = (DropSocket, MalformedFrame, UnknownMessage, Offline, Breakage)
"""Fault kinds that fire at a time rather than on requests."""


@dataclass
class _Armed:
    fault: Fault
    remaining: int | None  # None: unlimited


class FaultBook:
    def __init__(self, faults: tuple[Fault, ...], clock: SimClock) -> None:
        self._clock = clock
        self._armed: list[_Armed] = []
        self.fired: deque[Fault] = deque(maxlen=MAX_FIRED)
        """The newest faults fired (an unlimited fault fires on every request); ``fired_count`` counts them all."""
        self.fired_count = 0
        for fault in faults:
            self.add(fault)

    def add(self, fault: Fault) -> None:
        """Arms a fault (scenario faults at start; the control API adds more at run time)."""
        if isinstance(fault, TIMED_FAULTS):
            return
        count = getattr(fault, "count", 0)
        self._armed.append(_Armed(fault, count if count > 0 else None))

    def take(self, kind: type[F], match: Callable[[F], bool] | None = None) -> F | None:
        """The first active fault of ``kind`` that matches, consuming one of its count; None if there is none."""
        now = self._clock.now()
        for armed in self._armed:
            fault = armed.fault
            if not isinstance(fault, kind) or getattr(fault, "at", 0.0) > now:
                continue
            if match is not None and not match(fault):
                continue
            if armed.remaining is not None:
                armed.remaining -= 1
                if armed.remaining <= 0:
                    self._armed.remove(armed)
            self.record(fault)
            return fault
        return None

    def record(self, fault: Fault) -> None:
        self.fired.append(fault)
        self.fired_count += 1
        logger.info("fault fired: %r", fault)

    @staticmethod
    def timed(faults: tuple[Fault, ...]) -> list[TimedFault]:
        """The time-triggered faults, earliest first."""
        timed = [f for f in faults if isinstance(f, TIMED_FAULTS)]
        return sorted(timed, key=lambda f: f.at)
