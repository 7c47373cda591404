"""The transport ladder of one room: which connect path to use next, chosen by a health score, with a circuit
breaker per path (issue 9 item 4).

The path in use is kept while it works (a drop after a productive session is not held against it). A path whose
attempts fail ``threshold`` times in a row opens its circuit for ``cooldown`` seconds; the next path is the one
with the best score among those whose circuit is not open. A rate-limited signer opens the signed path's circuit
until its retry time; a rejected API key or an 18+ room without a session closes a path for good.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from tiktok_webcast._failures import FailureKind, PathFailure
from tiktok_webcast._paths import ConnectPath

BREAKER_THRESHOLD = 3
"""Failed attempts in a row that open a path's circuit."""
SCORE_WEIGHT = 0.3
"""How much the newest outcome moves a path's score (an exponentially weighted success rate)."""
FINAL_KINDS = (FailureKind.SIGNER_REJECTED, FailureKind.AGE_RESTRICTED)
"""Failures that retrying the same path cannot cure."""


class Circuit(enum.Enum):
    CLOSED = "closed"
    """The path may be used."""
    OPEN = "open"
    """The path failed too often; it is left alone until ``open_until``."""
    HALF_OPEN = "half_open"
    """The cooldown passed: one attempt decides whether it closes again."""


@dataclass
class PathHealth:
    """How one connect path is doing (``live.stats.paths``)."""

    path: ConnectPath
    score: float
    """0..1: an exponentially weighted success rate, starting from the path's preference."""
    attempts: int = 0
    successes: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    circuit: Circuit = Circuit.CLOSED
    open_until: float | None = None
    """While the circuit is open: when it half-opens (``anyio.current_time()`` clock; ``inf`` = never)."""
    last_failure: PathFailure | None = None


class Ladder:
    def __init__(self, paths: list[ConnectPath], *, cooldown: float, threshold: int = BREAKER_THRESHOLD) -> None:
        # Preference order seeds the scores: with no history the first allowed path wins.
        self.health = {path: PathHealth(path, score=1.0 - 0.05 * index) for index, path in enumerate(paths)}
        self.current: ConnectPath | None = None
        self._tried: set[ConnectPath] = set()
        self._cooldown = cooldown
        self._threshold = threshold

    def choose(self, now: float) -> tuple[ConnectPath, float]:
        """The path to try next and how long its circuit still keeps it closed off (0 when usable now)."""
        for health in self.health.values():
            if health.circuit is Circuit.OPEN and health.open_until is not None and health.open_until <= now:
                health.circuit = Circuit.HALF_OPEN
        current = self.health.get(self.current) if self.current else None
        if current is not None and current.circuit is Circuit.CLOSED:
            return current.path, 0.0
        usable = [h for h in self.health.values() if h.circuit is not Circuit.OPEN]
        if usable:
            chosen = max(usable, key=lambda h: h.score)
            return self._use(chosen.path), 0.0
        soonest = min(self.health.values(), key=lambda h: h.open_until if h.open_until is not None else math.inf)
        wait = (soonest.open_until or now) - now
        return self._use(soonest.path), max(0.0, wait)

    def _use(self, path: ConnectPath) -> ConnectPath:
        self.current = path
        return path

    def attempted(self, path: ConnectPath) -> None:
        self.health[path].attempts += 1
        self._tried.add(path)

    def succeeded(self, path: ConnectPath) -> None:
        health = self.health[path]
        health.successes += 1
        health.consecutive_failures = 0
        self._tried = {path}
        health.circuit = Circuit.CLOSED
        health.open_until = None
        health.score += SCORE_WEIGHT * (1.0 - health.score)

    def failed(self, failure: PathFailure, now: float) -> None:
        health = self.health[failure.path]
        health.failures += 1
        health.consecutive_failures += 1
        health.last_failure = failure
        health.score -= SCORE_WEIGHT * health.score
        if failure.kind in FINAL_KINDS:
            self._open(health, math.inf)
        elif failure.kind is FailureKind.SIGNER_RATE_LIMITED:
            self._open(health, now + (failure.retry_after or 0.0))
        elif health.circuit is Circuit.HALF_OPEN or health.consecutive_failures >= self._threshold:
            self._open(health, now + self._cooldown)

    def _open(self, health: PathHealth, until: float) -> None:
        health.circuit = Circuit.OPEN
        health.open_until = until
        if self.current is health.path:
            self.current = None

    def final(self) -> bool:
        """Every path is closed off for good: no retry can help."""
        return all(h.open_until == math.inf for h in self.health.values())

    def all_tried(self) -> bool:
        """Every path was tried since messages last came (on the path that brought them, or since)."""
        return len(self._tried) == len(self.health)
