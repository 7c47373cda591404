"""A fleet worker: claims creators from the watch list through leases, watches each one (waiting while it is offline,
connecting when it goes live, letting the connection go when the stream ends), and publishes every event to
JetStream. Within its budget: never more than ``max_rooms`` creators, never more than ``handshakes_per_minute``
connection attempts. It keeps the fleet balanced: holding more than its fair share of the watch list (counted over the
live workers it sees), it offers the excess, and it takes over what others offer while below its share
(``leases.py`` tells how a hand-over overlaps two connections so that nothing is lost)."""

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

import anyio
from anyio.abc import TaskGroup

from tiktok_webcast import TikTok
from tiktok_webcast.exceptions import UserOfflineError, WebcastError
from tiktok_webcast.fleet.balance import Peer, fair_share, to_offer, to_take
from tiktok_webcast.fleet.broker import Broker
from tiktok_webcast.fleet.budget import HandshakeWindow, WorkerBudget
from tiktok_webcast.fleet.consumer import ROOM_OFFLINE, ROOM_STREAM_ENDED, worker_statuses
from tiktok_webcast.fleet.leases import Lease, Leases, lease_table, read_lease
from tiktok_webcast.fleet.outbox import ACK_TIMEOUT, BROKER_ERRORS, PUBLISH_RETRY, Outbox, Publisher
from tiktok_webcast.fleet.publish import message_for
from tiktok_webcast.fleet.watchlist import WatchList

log = logging.getLogger("tiktok_webcast.fleet")

CONNECT_WAIT = 30.0
"""Seconds a connection attempt holds its slot (``max_connecting``) at most while the websocket is not up yet."""
HANDOVER_LIMIT = 60.0
"""Seconds an offered creator taken over by a live worker stays watched here while that worker is not delivering
yet (it may wait for its handshake budget); a taker that dies lets its lease expire, which ends the wait sooner."""


@dataclass
class RoomState:
    username: str
    state: str = "starting"
    room_id: int | None = None
    events: int = 0
    ready: bool = False
    """The watch has settled: an event was published, or the creator was found offline (a hand-over waits for it)."""


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
    fair_share: int | None = field(default=None, init=False)
    """Creators per live worker, as of the last scan."""

    def __post_init__(self) -> None:
        self._leases = Leases(self.broker, self.worker_id)
        self._handshakes = HandshakeWindow(self.budget.handshakes_per_minute, anyio.current_time)
        self._connecting = anyio.Semaphore(self.budget.max_connecting)
        self._scopes: dict[str, anyio.CancelScope] = {}
        self._outboxes: dict[str, Outbox] = {}
        self._offered: set[str] = set()
        self._handing_over: dict[str, float] = {}
        """Creator -> deadline (anyio time): taken over by another worker, watched here until it is ready."""
        self._free_last_scan: set[str] = set()

    @property
    def _interval(self) -> float:
        return self.scan_interval or self.broker.lease_ttl / 3

    async def run(self) -> None:
        publisher = Publisher(self.broker.js)
        async with self.client_factory() as client, anyio.create_task_group() as tasks:
            try:
                with contextlib.suppress(*BROKER_ERRORS):
                    await self._publish_status()
                # Workers started together then see each other in their first scan, and split the list at once
                # rather than one claiming what the others take over later.
                await anyio.sleep(self._interval)
                # Renewals keep their own beat: a slow scan of a long watch list must never let a lease expire.
                tasks.start_soon(self._keep_leases, self.broker.lease_ttl / 3)
                tasks.start_soon(self._keep_outboxes)
                while True:
                    await self._scan(client, tasks, publisher)
                    await anyio.sleep(self._interval)
            finally:
                with anyio.CancelScope(shield=True):
                    await self._shut_down(tasks)

    async def _keep_leases(self, interval: float) -> None:
        while True:
            await anyio.sleep(interval)
            await self._renew_all()

    async def _keep_outboxes(self) -> None:
        """A quiet room publishes nothing that would collect its acks: this sends again what the broker lost."""
        while True:
            await anyio.sleep(PUBLISH_RETRY)
            for outbox in list(self._outboxes.values()):
                await outbox.check()

    async def _scan(self, client: TikTok, tasks: TaskGroup, publisher: Publisher) -> None:
        try:
            watched, self.malformed = await WatchList(self.broker).entries()
            for key, why in self.malformed.items():
                log.warning("watch list: skipping malformed entry %r: %s", key, why)
            for username in list(self._scopes):
                if username not in watched:
                    log.info("@%s is no longer watched; letting it go", username)
                    await self._drop(username)
            table = await lease_table(self.broker)
            peers = await self._peers(table)
            self.fair_share = fair_share(len(watched), len(peers) + 1)
            await self._claim(client, tasks, publisher, watched, table)
            await self._take_offers(client, tasks, publisher, watched, table, len(peers))
            self._choose_offers(len(watched), peers, table)
            await self._publish_status()
        except BROKER_ERRORS as error:
            # The broker is away: keep the rooms we have; leases we cannot renew are dropped on the next pass.
            log.warning("fleet scan failed (%s); retrying", error or type(error).__name__)

    async def _peers(self, table: dict[str, Lease]) -> list[Peer]:
        """The other live workers: those whose status is fresher than a lease TTL (a dead one's lingers a minute)."""
        held: dict[str, int] = {}
        for lease in table.values():
            held[lease.worker] = held.get(lease.worker, 0) + 1
        fresh_after = time.time() - self.broker.lease_ttl - self._interval
        return [
            Peer(worker, held.get(worker, 0), int(status.get("max_rooms") or 1))
            for worker, status in (await worker_statuses(self.broker)).items()
            if worker != self.worker_id and float(status.get("at") or 0) >= fresh_after
        ]

    async def _renew_all(self) -> None:
        async def renew(username: str) -> None:
            # One renewal failing (a broker timeout under load) must neither stop the others nor end the worker:
            # the next round tries again, well within the TTL.
            try:
                await renew_one(username)
            except BROKER_ERRORS as error:
                log.warning("renewing the lease on @%s failed (%s); retrying", username, error or type(error).__name__)

        async def renew_one(username: str) -> None:
            if username in self._handing_over:
                await self._finish_handover(username)
                return
            room = self.rooms.get(username)
            written = self._leases.held.get(username)
            ready = room is not None and room.ready
            offer = username in self._offered
            if await self._leases.renew(username, room.room_id if room else None, handover=offer, ready=ready):
                return
            if written is not None and written.handover:  # taken over as offered: let go once the taker delivers
                self._offered.discard(username)
                self._handing_over[username] = anyio.current_time() + HANDOVER_LIMIT
                await self._finish_handover(username)
            else:
                log.warning("lost the lease on @%s to another worker; stopping it here", username)
                await self._drop(username, release=False)

        async with anyio.create_task_group() as renewals:  # one round trip for all, not one after another
            for username in list(self._scopes):
                renewals.start_soon(renew, username)

    async def _finish_handover(self, username: str) -> None:
        """Lets an offered creator go once the worker that took it over delivers (or the hand-over timed out)."""
        lease = await read_lease(self.broker, username)
        if lease is not None and not lease.ready and anyio.current_time() < self._handing_over[username]:
            if username in self.rooms:
                self.rooms[username].state = f"handing over to {lease.worker}"
            return
        log.info("handed @%s over to %s", username, lease.worker if lease else "nobody (the lease expired)")
        await self._drop(username, release=False)

    async def _claim(
        self, client: TikTok, tasks: TaskGroup, publisher: Publisher, watched: list[str], table: dict[str, Lease]
    ) -> None:
        """Claims free creators: up to the fair share at once; beyond it (within the budget) only those that stayed
        free since the last scan, so workers started together do not grab everything first and hand it over later."""
        free = [name for name in watched if name not in self._scopes and name not in table]
        random.shuffle(free)  # workers scanning at once then rarely race for the same keys
        stayed_free, self._free_last_scan = self._free_last_scan, set(free)
        share = self.fair_share or 0
        self.waiting = None
        for username in free:
            if len(self._scopes) >= self.budget.max_rooms:
                self.waiting = f"room budget reached ({self.budget.max_rooms} rooms)"
                return
            if len(self._leases.held) >= share and username not in stayed_free:
                continue
            if await self._leases.claim(username) is None:
                continue
            log.info("claimed @%s", username)
            self._start(client, tasks, publisher, username)

    async def _take_offers(
        self,
        client: TikTok,
        tasks: TaskGroup,
        publisher: Publisher,
        watched: list[str],
        table: dict[str, Lease],
        peers: int,
    ) -> None:
        wanted = to_take(len(self._leases.held), self.budget.max_rooms, len(watched), peers)
        offers = [
            lease
            for lease in table.values()
            if lease.handover and lease.worker != self.worker_id and lease.username not in self._scopes
        ]
        random.shuffle(offers)
        for lease in offers:
            if wanted <= 0 or len(self._scopes) >= self.budget.max_rooms:
                return
            if await self._leases.take_over(lease) is None:
                continue
            log.info("took @%s over from %s", lease.username, lease.worker)
            self._start(client, tasks, publisher, lease.username)
            wanted -= 1

    def _choose_offers(self, watched: int, peers: list[Peer], table: dict[str, Lease]) -> None:
        """Which held creators to offer: those offered already first (a stable offer), then offline ones (nothing to
        overlap), then any; the renewals write the mark. What the table shows taken over is no longer counted."""
        held = [name for name in self._leases.held if name in table and table[name].worker == self.worker_id]
        count = to_offer(len(held), watched, peers)
        keep = [name for name in held if name in self._offered][:count]
        rest = sorted(
            (name for name in held if name not in self._offered),
            key=lambda name: (self.rooms[name].room_id is not None if name in self.rooms else False, name),
        )
        self._offered = set(keep + rest[: count - len(keep)])

    def _start(self, client: TikTok, tasks: TaskGroup, publisher: Publisher, username: str) -> None:
        scope = anyio.CancelScope()
        self._scopes[username] = scope
        self.rooms[username] = RoomState(username)
        self._outboxes[username] = Outbox(publisher)
        tasks.start_soon(self._watch_creator, client, username, scope)

    async def _drop(self, username: str, *, release: bool = True, flush: bool = True) -> None:
        scope = self._scopes.pop(username, None)
        if scope is not None:
            scope.cancel()
        self.rooms.pop(username, None)
        self._offered.discard(username)
        self._handing_over.pop(username, None)
        outbox = self._outboxes.pop(username, None)
        if outbox is not None:
            if flush:  # what is in flight gets its ack (or is sent again) before another worker goes on
                with anyio.move_on_after(ACK_TIMEOUT):
                    await outbox.flush()
            outbox.abandon()
        if release:
            await self._leases.release(username)
        else:
            self._leases.forget(username)

    async def _shut_down(self, tasks: TaskGroup) -> None:
        tasks.cancel_scope.cancel()
        with anyio.move_on_after(ACK_TIMEOUT), contextlib.suppress(*BROKER_ERRORS):
            async with anyio.create_task_group() as flushes:
                for outbox in self._outboxes.values():
                    flushes.start_soon(outbox.flush)
        # With the broker away, what we cannot give back expires by itself.
        with contextlib.suppress(*BROKER_ERRORS):
            for username in list(self._scopes):
                await self._drop(username, flush=False)
            await self.broker.buckets.workers.delete(self.worker_id)

    async def _handshake_slot(self, room: RoomState) -> None:
        while (wait := self._handshakes.wait_time()) > 0:
            room.state = f"waiting {wait:.0f} s for the handshake budget ({self.budget.handshakes_per_minute}/min)"
            await anyio.sleep(wait)
        self._handshakes.take()

    async def _connection_slot(self, room: RoomState) -> None:
        if self._connecting.value == 0:
            room.state = f"waiting for a connection slot ({self.budget.max_connecting} connecting)"
        await self._connecting.acquire()

    async def _watch_creator(self, client: TikTok, username: str, scope: anyio.CancelScope) -> None:
        room = self.rooms[username]
        outbox = self._outboxes[username]
        names = self.broker.names
        with scope:
            while True:
                await self._connection_slot(room)
                connecting = True
                try:
                    await self._handshake_slot(room)
                    room.state = "connecting"
                    async with client.track_user(username) as live:
                        room.room_id = live.room_id
                        with anyio.move_on_after(CONNECT_WAIT):
                            await live.wait_connected()
                        self._connecting.release()
                        connecting = False
                        room.state = f"live in room {live.room_id}"
                        async for event in live.events:
                            await outbox.put(message_for(event, names, username=username, room_id=live.room_id))
                            room.events += 1
                            room.ready = True
                    await outbox.flush()
                    room.state = ROOM_STREAM_ENDED
                except UserOfflineError:
                    room.state = ROOM_OFFLINE
                    room.ready = True
                except WebcastError as error:
                    room.state = f"failed: {error}"
                    log.warning("@%s: %s", username, error)
                finally:
                    if connecting:
                        self._connecting.release()
                room.room_id = None
                await anyio.sleep(self.offline_poll)

    async def _publish_status(self) -> None:
        status = {
            "worker": self.worker_id,
            "at": int(time.time()),
            "max_rooms": self.budget.max_rooms,
            "handshakes_per_minute": self.budget.handshakes_per_minute,
            "max_connecting": self.budget.max_connecting,
            "fair_share": self.fair_share,
            "offered": len(self._offered),
            "handing_over": len(self._handing_over),
            "waiting": self.waiting,
            "malformed": self.malformed,
            "rooms": {
                name: {"state": room.state, "room_id": room.room_id, "events": room.events}
                for name, room in sorted(self.rooms.items())
            },
        }
        await self.broker.buckets.workers.put(self.worker_id, json.dumps(status).encode())
