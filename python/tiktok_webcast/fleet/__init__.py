"""Many creators watched by a fleet of workers on NATS JetStream (``pip install tiktok-webcast[fleet]``).

- The watch list is a key-value bucket (``Fleet.add`` / ``remove`` / ``watched``, or ``tiktok-webcast fleet add``).
- Workers (``tiktok-webcast fleet worker --nats URL``) claim creators through leases that expire when a worker
  dies, within a budget of rooms and handshakes per minute, and publish every event on
  ``<prefix>.<room_id>.<method>`` with ``Nats-Msg-Id`` set to the message id, so the broker drops the replays of a
  handover.
- ``Fleet.events()`` yields typed events from a durable consumer; ``Fleet.status()`` says who holds what and why
  creators wait.

Runs on asyncio (nats-py's loop); see docs/fleet.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

from tiktok_webcast.fleet._names import FleetNames
from tiktok_webcast.fleet.broker import Broker
from tiktok_webcast.fleet.budget import WorkerBudget
from tiktok_webcast.fleet.consumer import FleetEvent, FleetStatus, LiveRoom, fleet_events, fleet_status
from tiktok_webcast.fleet.errors import FleetError
from tiktok_webcast.fleet.watchlist import WatchList
from tiktok_webcast.fleet.worker import Worker

__all__ = ["Fleet", "FleetError", "FleetEvent", "FleetNames", "FleetStatus", "LiveRoom", "Worker", "WorkerBudget"]


class Fleet:
    """``async with Fleet("nats://127.0.0.1:4222") as fleet``: the watch list, the status and the events."""

    def __init__(self, url: str, *, prefix: str = "tiktok", lease_ttl: float = 15.0) -> None:
        self.broker = Broker(url, names=FleetNames(prefix), lease_ttl=lease_ttl)

    def __repr__(self) -> str:
        return f"Fleet({self.broker!r})"

    async def __aenter__(self) -> Fleet:
        await self.broker.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.broker.__aexit__(exc_type, exc, tb)

    async def add(self, username: str) -> str:
        return await WatchList(self.broker).add(username)

    async def remove(self, username: str) -> bool:
        return await WatchList(self.broker).remove(username)

    async def watched(self) -> list[str]:
        return await WatchList(self.broker).usernames()

    async def status(self) -> FleetStatus:
        return await fleet_status(self.broker)

    def events(self, *, durable: str = "tiktok-webcast", subjects: str | None = None) -> AsyncIterator[FleetEvent]:
        return fleet_events(self.broker, durable=durable, subjects=subjects)

    def worker(self, **options: Any) -> Worker:
        """A worker on this fleet's broker (``Worker``'s keyword options: budget, worker_id, client_factory, ...)."""
        return Worker(self.broker, **options)
