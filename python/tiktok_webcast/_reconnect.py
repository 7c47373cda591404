"""How long to wait before the next connect attempt, and when to give up (issue 9 item 7).

The budget counts *failed attempts*: an attempt fails when it never connected, or connected but ended before a
single message frame came. A connection that keeps working but flaps is never given up on, however often it drops.
The backoff grows with every reconnect and resets once a session delivered messages.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tiktok_webcast._failures import FailureKind, PathFailure

DEVICE_BLOCKED_DELAY = 2.0
"""The documented wait after ``DEVICE_BLOCKED`` (signer-free.md §12), with a fresh ttwid."""


@dataclass
class Resume:
    """Where the message stream was: the ``cursor`` and ``internal_ext`` of the newest fetch result."""

    cursor: str = ""
    internal_ext: str = ""

    def remember(self, cursor: str, internal_ext: str) -> None:
        if cursor:
            self.cursor = cursor
        if internal_ext:
            self.internal_ext = internal_ext


class ReconnectBudget:
    def __init__(self, *, max_failed: int, backoff_base: float, backoff_max: float) -> None:
        self.max_failed = max_failed
        self.failed = 0
        """Failed attempts in a row."""
        self.level = 0
        """The backoff exponent: reconnects since a session last delivered messages."""
        self._base = backoff_base
        self._max = backoff_max

    def productive(self) -> None:
        """A session delivered messages: the next reconnect starts from the shortest wait."""
        self.level = 0

    def reconnecting(self, *, attempt_failed: bool) -> None:
        """An attempt ended; ``attempt_failed`` when it never delivered messages. A working one ends the row."""
        self.failed = self.failed + 1 if attempt_failed else 0
        self.level += 1

    @property
    def exhausted(self) -> bool:
        return self.failed > self.max_failed

    def delay(self, failure: PathFailure) -> float:
        """Jittered exponential backoff (2, 4, 8, 16, 30 s by default, PROTOCOL.md decision 3); a blocked device
        waits the documented 2 s. (A rate-limited signer's retry time is its path's circuit, see ``_ladder``.)"""
        if failure.kind is FailureKind.BLOCKED and failure.handshake_msg == "DEVICE_BLOCKED":
            return min(DEVICE_BLOCKED_DELAY, self._max)
        return min(self._base ** max(self.level, 1), self._max) * random.uniform(0.5, 1.0)
