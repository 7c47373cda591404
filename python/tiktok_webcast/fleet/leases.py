"""Leases: a worker owns a creator while its lease lives. A lease is a key in a bucket whose entries expire
``lease_ttl`` seconds after their last write, so the creators of a worker that died are free again after at most one
TTL, and a live worker keeps its own by rewriting them (compare-and-set on the revision it holds).

A lease also carries the hand-over of a creator between two live workers (balancing): the holder marks it
``handover`` (it holds more than its fair share); a worker below its share takes it over with a compare-and-set on
the revision it read, and marks it ``ready`` once its own connection delivers; only then does the old holder let
go, so the two connections overlap and the broker's ``Nats-Msg-Id`` dedupe drops what both published.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field

import nats.js.errors

from tiktok_webcast.fleet.broker import Broker
from tiktok_webcast.fleet.snapshot import snapshot

_LOST = (nats.js.errors.KeyWrongLastSequenceError, nats.js.errors.KeyNotFoundError)
"""The lease changed hands or expired since the revision we hold (nats-py's create/update raise these)."""


@dataclass(frozen=True, slots=True)
class Lease:
    """What a lease says, as any worker reads it."""

    username: str
    worker: str
    revision: int
    handover: bool = False
    """The holder offers the creator to a worker below its fair share."""
    ready: bool = False
    """The holder's watch of the creator has settled: it delivered an event, or found the creator offline."""


@dataclass(slots=True)
class Leases:
    """The leases of one worker: claimed with ``claim`` (or ``take_over``), kept alive with ``renew``, given back
    with ``release``."""

    broker: Broker
    worker: str
    held: dict[str, Lease] = field(default_factory=dict)

    def _value(self, room_id: int | None, *, handover: bool = False, ready: bool = False) -> bytes:
        data = {"worker": self.worker, "room_id": room_id, "at": int(time.time()), "handover": handover}
        return json.dumps({**data, "ready": ready}).encode()

    async def claim(self, username: str) -> Lease | None:
        """The lease on ``username`` if nobody holds it, else None."""
        try:
            revision = await self.broker.buckets.leases.create(username, self._value(None))
        except _LOST:
            # Held by another worker; or it expired between the two steps nats-py's create takes: next pass.
            return None
        lease = Lease(username, self.worker, revision)
        self.held[username] = lease
        return lease

    async def take_over(self, offered: Lease) -> Lease | None:
        """The lease another worker offers, if it is still at the revision we read, else None."""
        try:
            revision = await self.broker.buckets.leases.update(
                offered.username, self._value(None), last=offered.revision
            )
        except _LOST:
            return None
        lease = Lease(offered.username, self.worker, revision)
        self.held[offered.username] = lease
        return lease

    async def renew(
        self, username: str, room_id: int | None = None, *, handover: bool = False, ready: bool = False
    ) -> bool:
        """Rewrites our lease; False (and forgotten) when it expired or another worker took it meanwhile."""
        lease = self.held.get(username)
        if lease is None:
            return False
        value = self._value(room_id, handover=handover, ready=ready)
        try:
            revision = await self.broker.buckets.leases.update(username, value, last=lease.revision)
        except _LOST:
            del self.held[username]
            return False
        self.held[username] = Lease(username, self.worker, revision, handover, ready)
        return True

    async def release(self, username: str) -> None:
        """Gives the lease back at once, so another worker need not wait for it to expire."""
        lease = self.held.pop(username, None)
        if lease is None:
            return
        # When it expired or was taken over meanwhile, it is not ours to delete any more.
        with contextlib.suppress(nats.js.errors.APIError):
            await self.broker.buckets.leases.delete(username, last=lease.revision)

    def forget(self, username: str) -> None:
        """Stops counting a lease as ours without touching it (it went to another worker)."""
        self.held.pop(username, None)


async def lease_table(broker: Broker) -> dict[str, Lease]:
    """Every live lease, by username."""
    table: dict[str, Lease] = {}
    for key, entry in (await snapshot(broker.js, broker.names.lease_bucket, broker.buckets.leases)).items():
        lease = _parse(key, entry.value, entry.revision or 0)
        if lease is not None:
            table[key] = lease
    return table


async def read_lease(broker: Broker, username: str) -> Lease | None:
    """The lease on ``username`` now, or None when nobody holds it."""
    try:
        entry = await broker.buckets.leases.get(username)
    except nats.js.errors.KeyNotFoundError:  # also raised for a deleted or expired key
        return None
    return _parse(username, entry.value, entry.revision or 0)


async def lease_holders(broker: Broker) -> dict[str, str]:
    """Every live lease: username -> worker id."""
    return {name: lease.worker for name, lease in (await lease_table(broker)).items()}


def _parse(username: str, value: bytes | None, revision: int) -> Lease | None:
    try:
        data = json.loads(value or b"{}")
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("worker"), str):
        return None
    return Lease(username, data["worker"], revision, data.get("handover") is True, data.get("ready") is True)
