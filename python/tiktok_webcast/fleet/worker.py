"""A fleet worker: claims creators from the watch list through leases, watches each one (waiting while it is offline,
connecting when it goes live, letting the connection go when the stream ends), and publishes every event to
JetStream. Within its budget: never more than ``max_rooms`` creators, never more than ``handshakes_per_minute``
connection attempts."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import nats.errors
import nats.js.errors
from anyio.abc import TaskGroup

from tiktok_webcast import TikTok
from tiktok_webcast.exceptions import UserOfflineError, WebcastError
from tiktok_webcast.fleet.broker import Broker
from tiktok_webcast.fleet.budget import HandshakeWindow, WorkerBudget
from tiktok_webcast.fleet.leases import Leases, lease_holders
from tiktok_webcast.fleet.publish import headers_for, wire_form
from tiktok_webcast.fleet.watchlist import WatchList

log = logging.getLogger("tiktok_webcast.fleet")

BROKER_ERRORS = (nats.errors.Error, nats.js.errors.Error, OSError)
"""What a call to an unreachable or restarting broker raises."""
PUBLISH_RETRY = 1.0
"""Seconds between attempts to publish an event while the broker is unreachable (the room waits meanwhile)."""


@dataclass
class RoomState:
    username: str
    state: str = "starting"
    room_id: int | None = None
    events: int = 0


@dataclass
class Worker:
    """``await Worker(broker).run()`` works until cancelled, then gives every lease back."""

    broker: Broker
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    budget: WorkerBudget = field(default_factory=WorkerBudget)
    client_factory: Callable[[], TikTok] = TikTok
    offline_poll: float = 30.0
    """Seconds between checks of a creator who is offline (each check spends one handshake of the budget)."""
    scan_interval: float | None = None
    """Seconds between passes over the watch list and lease renewals; default a third of the lease TTL."""
    rooms: dict[str, RoomState] = field(default_factory=dict, init=False)
    waiting: str | None = field(default=None, init=False)
    malformed: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._leases = Leases(self.broker, self.worker_id)
        self._handshakes = HandshakeWindow(self.budget.handshakes_per_minute, anyio.current_time)
        self._scopes: dict[str, anyio.CancelScope] = {}

    async def run(self) -> None:
        interval = self.scan_interval or self.broker.lease_ttl / 3
        async with self.client_factory() as client, anyio.create_task_group() as tasks:
            try:
                # Renewals keep their own beat: a slow scan of a long watch list must never let a lease expire.
                tasks.start_soon(self._keep_leases, self.broker.lease_ttl / 3)
                while True:
                    await self._scan(client, tasks)
                    await anyio.sleep(interval)
            finally:
                with anyio.CancelScope(shield=True):
                    await self._shut_down(tasks)

    async def _keep_leases(self, interval: float) -> None:
        while True:
            await anyio.sleep(interval)
            try:
                await self._renew_all()
            except BROKER_ERRORS as error:
                log.warning("renewing leases failed (%s); retrying", error or type(error).__name__)

    async def _scan(self, client: TikTok, tasks: TaskGroup) -> None:
        try:
            watched, self.malformed = await WatchList(self.broker).entries()
            for key, why in self.malformed.items():
                log.warning("watch list: skipping malformed entry %r: %s", key, why)
            for username in list(self._scopes):
                if username not in watched:
                    log.info("@%s is no longer watched; letting it go", username)
                    await self._drop(username)
            await self._claim(client, tasks, watched)
            await self._publish_status()
        except BROKER_ERRORS as error:
            # The broker is away: keep the rooms we have; leases we cannot renew are dropped on the next pass.
            log.warning("fleet scan failed (%s); retrying", error or type(error).__name__)

    async def _renew_all(self) -> None:
        async def renew(username: str) -> None:
            room = self.rooms.get(username)
            if not await self._leases.renew(username, room.room_id if room else None):
                log.warning("lost the lease on @%s to another worker; stopping it here", username)
                await self._drop(username, release=False)

        async with anyio.create_task_group() as renewals:  # one round trip for all, not one after another
            for username in list(self._scopes):
                renewals.start_soon(renew, username)

    async def _claim(self, client: TikTok, tasks: TaskGroup, watched: list[str]) -> None:
        held = await lease_holders(self.broker)
        free = [name for name in watched if name not in self._scopes and name not in held]
        random.shuffle(free)  # workers scanning at once then rarely race for the same keys
        self.waiting = None
        for username in free:
            if len(self._scopes) >= self.budget.max_rooms:
                self.waiting = f"room budget reached ({self.budget.max_rooms} rooms)"
                return
            if await self._leases.claim(username) is None:
                continue
            log.info("claimed @%s", username)
            scope = anyio.CancelScope()
            self._scopes[username] = scope
            self.rooms[username] = RoomState(username)
            tasks.start_soon(self._watch_creator, client, username, scope)

    async def _drop(self, username: str, *, release: bool = True) -> None:
        scope = self._scopes.pop(username, None)
        if scope is not None:
            scope.cancel()
        self.rooms.pop(username, None)
        if release:
            await self._leases.release(username)
        else:
            self._leases.held.pop(username, None)

    async def _shut_down(self, tasks: TaskGroup) -> None:
        tasks.cancel_scope.cancel()
        # With the broker away, what we cannot give back expires by itself.
        with contextlib.suppress(*BROKER_ERRORS):
            for username in list(self._scopes):
                await self._drop(username)
            await self.broker.buckets.workers.delete(self.worker_id)

    async def _handshake_slot(self, room: RoomState) -> None:
        while (wait := self._handshakes.wait_time()) > 0:
            room.state = f"waiting {wait:.0f} s for the handshake budget ({self.budget.handshakes_per_minute}/min)"
            await anyio.sleep(wait)
        self._handshakes.take()

    async def _watch_creator(self, client: TikTok, username: str, scope: anyio.CancelScope) -> None:
        room = self.rooms[username]
        with scope:
            while True:
                await self._handshake_slot(room)
                room.state = "connecting"
                try:
                    async with client.track_user(username) as live:
                        room.room_id = live.room_id
                        room.state = f"live in room {live.room_id}"
                        async for event in live.events:
                            await self._publish(event, username, live.room_id)
                            room.events += 1
                    room.state = "stream ended; waiting for the next one"
                except UserOfflineError:
                    room.state = "offline"
                except WebcastError as error:
                    room.state = f"failed: {error}"
                    log.warning("@%s: %s", username, error)
                room.room_id = None
                await anyio.sleep(self.offline_poll)

    async def _publish(self, event: Any, username: str, room_id: int) -> None:
        method, payload = wire_form(event)
        subject = self.broker.names.subject(room_id, method)
        headers = headers_for(event, method=method, username=username, room_id=room_id)
        while True:
            try:
                await self.broker.js.publish(subject, payload, headers=headers)
                return
            except BROKER_ERRORS as error:
                log.warning("publishing to %s failed (%s); retrying", subject, error or type(error).__name__)
                await anyio.sleep(PUBLISH_RETRY)

    async def _publish_status(self) -> None:
        status = {
            "worker": self.worker_id,
            "at": int(time.time()),
            "max_rooms": self.budget.max_rooms,
            "handshakes_per_minute": self.budget.handshakes_per_minute,
            "waiting": self.waiting,
            "malformed": self.malformed,
            "rooms": {
                name: {"state": room.state, "room_id": room.room_id, "events": room.events}
                for name, room in sorted(self.rooms.items())
            },
        }
        await self.broker.buckets.workers.put(self.worker_id, json.dumps(status).encode())
