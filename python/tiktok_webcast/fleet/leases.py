"""Leases: a worker owns a creator while its lease lives. A lease is a key in a bucket whose entries expire
``lease_ttl`` seconds after their last write, so the creators of a worker that died are free again after at most one
TTL, and a live worker keeps its own by rewriting them (compare-and-set on the revision it holds)."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field

import nats.js.errors

from tiktok_webcast.fleet.broker import Broker
from tiktok_webcast.fleet.snapshot import snapshot


@dataclass(frozen=True, slots=True)
class Lease:
    username: str
    worker: str
    revision: int


@dataclass(slots=True)
class Leases:
    """The leases of one worker: claimed with ``claim``, kept alive with ``renew``, given back with ``release``."""

    broker: Broker
    worker: str
    held: dict[str, Lease] = field(default_factory=dict)

    def _value(self, username: str, room_id: int | None) -> bytes:
        return json.dumps({"worker": self.worker, "room_id": room_id, "at": int(time.time())}).encode()

    async def claim(self, username: str) -> Lease | None:
        """The lease on ``username`` if nobody holds it, else None."""
        try:
            revision = await self.broker.buckets.leases.create(username, self._value(username, None))
        except (nats.js.errors.KeyWrongLastSequenceError, nats.js.errors.KeyNotFoundError):
            # Held by another worker; or it expired between the two steps nats-py's create takes: next pass.
            return None
        lease = Lease(username, self.worker, revision)
        self.held[username] = lease
        return lease

    async def renew(self, username: str, room_id: int | None = None) -> bool:
        """Rewrites our lease; False (and forgotten) when it expired or another worker took it meanwhile."""
        lease = self.held.get(username)
        if lease is None:
            return False
        try:
            revision = await self.broker.buckets.leases.update(
                username, self._value(username, room_id), last=lease.revision
            )
        except (nats.js.errors.KeyWrongLastSequenceError, nats.js.errors.KeyNotFoundError):
            del self.held[username]
            return False
        self.held[username] = Lease(username, self.worker, revision)
        return True

    async def release(self, username: str) -> None:
        """Gives the lease back at once, so another worker need not wait for it to expire."""
        lease = self.held.pop(username, None)
        if lease is None:
            return
        # When it expired or was taken over meanwhile, it is not ours to delete any more.
        with contextlib.suppress(nats.js.errors.APIError):
            await self.broker.buckets.leases.delete(username, last=lease.revision)


async def lease_holders(broker: Broker) -> dict[str, str]:
    """Every live lease: username -> worker id."""
    holders: dict[str, str] = {}
    for key, value in (await snapshot(broker.buckets.leases)).items():
        try:
            data = json.loads(value or b"{}")
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("worker"), str):
            holders[key] = data["worker"]
    return holders
