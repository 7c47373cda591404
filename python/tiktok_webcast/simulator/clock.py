"""Scenario time: real monotonic time scaled by ``speed``, anchored to a wall-clock epoch for timestamps.

Only the *script* runs accelerated (event rates, ``at`` times, stream ends). Protocol timers that a client reacts to
(heartbeat timeout, signed URL lifetime, rate-limit windows) are kept in real seconds, because the client's own
timers are real.
"""

from __future__ import annotations

import time

import anyio

__all__ = ["SimClock"]


class SimClock:
    """Maps real monotonic time to scenario seconds (``speed`` times elapsed) and to epoch milliseconds."""

    def __init__(self, *, speed: float = 1.0, start_epoch: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.speed = speed
        self._t0 = time.monotonic()
        self.start_epoch = time.time() if start_epoch is None else start_epoch

    def now(self) -> float:
        """Scenario seconds since the simulator started."""
        return (time.monotonic() - self._t0) * self.speed

    def real(self) -> float:
        """Real monotonic seconds (for protocol timers that are never accelerated)."""
        return time.monotonic()

    def epoch_ms(self, at: float | None = None) -> int:
        """Wall-clock milliseconds of scenario time ``at`` (default: now)."""
        t = self.now() if at is None else at
        return int(self.start_epoch * 1000 + t * 1000)

    def epoch_s(self, at: float | None = None) -> int:
        return self.epoch_ms(at) // 1000

    def real_delay(self, scenario_seconds: float) -> float:
        return max(scenario_seconds, 0.0) / self.speed

    async def sleep_until(self, at: float) -> None:
        """Sleeps until scenario time ``at``."""
        delay = self.real_delay(at - self.now())
        if delay > 0:
            await anyio.sleep(delay)
