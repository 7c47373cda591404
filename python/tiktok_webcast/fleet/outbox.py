"""Publishing a room's events without one round trip each: up to ``limit`` publishes are in flight at once and
their acks are collected as they come. Nothing is dropped: a publish whose ack fails or is overdue is sent again
with the same ``Nats-Msg-Id`` (the broker drops the copy of one that did arrive), until the broker acknowledges it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from dataclasses import dataclass, field

import anyio
import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import PubAck

log = logging.getLogger("tiktok_webcast.fleet")

BROKER_ERRORS = (nats.errors.Error, nats.js.errors.Error, OSError)
"""What a call to an unreachable or restarting broker raises."""
PUBLISH_RETRY = 1.0
"""Seconds between attempts to publish while the broker is unreachable (the room waits meanwhile)."""
ACK_TIMEOUT = 5.0
"""Seconds a publish may wait for its ack before it is sent again."""
IN_FLIGHT = 256
"""Publishes of one room awaiting their acks; the room's next event waits for the oldest when this many do."""


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    payload: bytes
    headers: dict[str, str]


@dataclass(slots=True)
class _Pending:
    message: Message
    ack: asyncio.Future[PubAck]
    sent: float


@dataclass
class Publisher:
    """One per worker: JetStream's asynchronous publishing, set up once (nats-py sets up its reply subscription on the
    first ``publish_async``; two rooms racing into that first call would each set it up and lose acks)."""

    js: JetStreamContext
    _ready: bool = field(default=False, init=False)
    _setup: anyio.Lock = field(default_factory=anyio.Lock, init=False)

    async def send(self, message: Message) -> asyncio.Future[PubAck]:
        """Writes ``message`` to the broker, retrying while it is unreachable; returns the future of its ack."""
        while True:
            try:
                if self._ready:
                    return await self.js.publish_async(message.subject, message.payload, headers=message.headers)
                async with self._setup:
                    ack = await self.js.publish_async(message.subject, message.payload, headers=message.headers)
                    self._ready = True
                    return ack
            except BROKER_ERRORS as error:
                log.warning("publishing to %s failed (%s); retrying", message.subject, error or type(error).__name__)
                await anyio.sleep(PUBLISH_RETRY)


@dataclass
class Outbox:
    """One room's publishes: ``put`` returns once the message is on its way (it waits only when ``limit`` acks are
    outstanding); ``check`` collects acks and sends again what failed; ``flush`` waits until everything is acked."""

    publisher: Publisher
    limit: int = IN_FLIGHT
    ack_timeout: float = ACK_TIMEOUT
    _pending: deque[_Pending] = field(default_factory=deque, init=False)
    _lock: anyio.Lock = field(default_factory=anyio.Lock, init=False)
    _resent_at: float = field(default=-math.inf, init=False)

    def __len__(self) -> int:
        return len(self._pending)

    async def put(self, message: Message) -> None:
        async with self._lock:
            await self._collect()
            while len(self._pending) >= self.limit:
                await self._await_oldest()
            self._pending.append(_Pending(message, await self.publisher.send(message), time.monotonic()))

    async def check(self) -> None:
        """Collects the acks that arrived and sends again what failed or waited too long; never waits for an ack."""
        if self._lock.locked():  # the room is publishing, which collects too
            return
        async with self._lock:
            await self._collect()

    async def flush(self) -> None:
        async with self._lock:
            while self._pending:
                await self._await_oldest()

    def abandon(self) -> None:
        """Forgets what is in flight (the room is gone): the broker still stores what reached it."""
        for pending in self._pending:
            pending.ack.cancel()  # gives nats-py's in-flight slot back
        self._pending.clear()

    async def _await_oldest(self) -> None:
        oldest = self._pending[0]
        with anyio.move_on_after(max(oldest.sent + self.ack_timeout - time.monotonic(), 0.0)):
            await asyncio.wait([oldest.ack])
        await self._collect()

    async def _collect(self) -> None:
        pending = self._pending
        while pending and pending[0].ack.done() and _acked(pending[0].ack):
            pending.popleft()
        now = time.monotonic()
        if any(_failed(p, now, self.ack_timeout) for p in pending):
            await self._resend()

    async def _resend(self) -> None:
        """Sends again every publish not acknowledged yet, in order: after a broker restart most of them failed, and
        one that did arrive is dropped by the broker as a duplicate of its message id."""
        # A broker that refuses at once (no stream) must not turn this into a busy loop.
        await anyio.sleep(max(self._resent_at + PUBLISH_RETRY - time.monotonic(), 0.0))
        self._resent_at = time.monotonic()
        log.warning("%d publishes unacknowledged; sending them again", len(self._pending))
        kept: deque[_Pending] = deque()
        for pending in self._pending:
            if pending.ack.done() and _acked(pending.ack):
                continue
            pending.ack.cancel()
            kept.append(_Pending(pending.message, await self.publisher.send(pending.message), time.monotonic()))
        self._pending = kept


def _acked(ack: asyncio.Future[PubAck]) -> bool:
    return not ack.cancelled() and ack.exception() is None


def _failed(pending: _Pending, now: float, timeout: float) -> bool:
    if pending.ack.done():
        return not _acked(pending.ack)
    return now - pending.sent >= timeout
