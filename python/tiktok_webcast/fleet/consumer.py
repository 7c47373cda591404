"""Reading the fleet: typed events from a durable JetStream consumer, and the fleet's status."""

from __future__ import annotations

import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tiktok_webcast import protocol
from tiktok_webcast.events import UnknownEvent
from tiktok_webcast.exceptions import WebcastError
from tiktok_webcast.fleet.broker import Broker
from tiktok_webcast.fleet.leases import lease_holders
from tiktok_webcast.fleet.outbox import BROKER_ERRORS
from tiktok_webcast.fleet.publish import HEADER_METHOD, HEADER_ROOM, HEADER_USERNAME
from tiktok_webcast.fleet.snapshot import snapshot
from tiktok_webcast.fleet.watchlist import WatchList

FETCH_WAIT = 1.0
"""Seconds a pull request waits for events."""
FROM_NOW_INACTIVE = 86_400.0
"""Seconds a ``from_now`` durable consumer stays on the broker unused: it wants no history, so one left behind (an
event server or a Home Assistant entry gone for good) is dropped after a day rather than kept for ever."""
GIVE_BACK_TIMEOUT = 5.0
"""Seconds a stopping consumer may take to hand back what it holds (beyond the wait of its last pull request)."""


@dataclass(frozen=True, slots=True)
class FleetEvent:
    """One event from the fleet: the typed event (decoded here, by our engine) and where it came from."""

    username: str
    room_id: int
    event: Any
    sequence: int
    """The stream sequence: increasing, so a consumer can tell order and resume."""


ROOM_OFFLINE = "offline"
"""A worker's word for a creator it looked at and found not live."""
ROOM_STREAM_ENDED = "stream ended; waiting for the next one"
"""A worker's word for a creator whose stream it followed to the end."""


@dataclass(frozen=True, slots=True)
class LiveRoom:
    """Where a creator is live per the workers' status (``FleetStatus.live_room``)."""

    room_id: int | None
    """The room the creator is live in; None: not live (or no worker has connected yet)."""
    written: float
    """When the status saying so was written (Unix seconds; 0.0 when no worker reported the creator). Workers write
    every few seconds, so a consumer's events may be newer: only a status written after a stream was seen live
    tells that it ended."""
    checked_offline: bool
    """A worker looked and found no stream (rather than not having looked yet: starting, connecting, waiting)."""


@dataclass(frozen=True, slots=True)
class FleetStatus:
    watched: list[str]
    malformed: dict[str, str]
    holders: dict[str, str]
    """username -> the worker holding its lease."""
    workers: dict[str, dict[str, Any]]
    """worker id -> what it last published: its rooms and their states, its budget, why it waits."""

    @property
    def unclaimed(self) -> list[str]:
        return [name for name in self.watched if name not in self.holders]

    def live_room(self, username: str) -> LiveRoom:
        """Where ``username`` (any case) is live per the workers' status. During a hand-over two workers report the
        creator: the one that has the room live wins over the one letting go."""
        key = username.lower()
        written, offline = 0.0, False
        for published in self.workers.values():
            at = published.get("at")
            rooms = published.get("rooms")
            if not isinstance(at, int | float) or not isinstance(rooms, dict):
                continue
            for name, room in rooms.items():
                if name.lower() != key or not isinstance(room, dict):
                    continue
                room_id = room.get("room_id")
                if isinstance(room_id, int) and room_id:
                    return LiveRoom(room_id, float(at), checked_offline=False)
                written = max(written, float(at))
                offline = offline or room.get("state") in (ROOM_OFFLINE, ROOM_STREAM_ENDED)
        return LiveRoom(None, written, checked_offline=offline)


async def fleet_status(broker: Broker) -> FleetStatus:
    watched, malformed = await WatchList(broker).entries()
    return FleetStatus(watched, malformed, await lease_holders(broker), await worker_statuses(broker))


async def worker_statuses(broker: Broker) -> dict[str, dict[str, Any]]:
    """Worker id -> what it last published about itself (entries vanish a minute after a worker stops)."""
    workers: dict[str, dict[str, Any]] = {}
    for key, entry in (await snapshot(broker.js, broker.names.worker_bucket, broker.buckets.workers)).items():
        try:
            data = json.loads(entry.value or b"{}")
        except ValueError:
            continue
        if isinstance(data, dict):
            workers[key] = data
    return workers


async def fleet_events(
    broker: Broker,
    *,
    durable: str = "tiktok-webcast",
    subjects: str | None = None,
    batch: int = 256,
    from_now: bool = False,
) -> AsyncIterator[FleetEvent]:
    """Every event the workers published, from a durable consumer: a consumer that restarts with the same
    ``durable`` name goes on where it stopped. Each message is acknowledged once its event has been handed over
    (and the iterator resumed), so an event is never lost to a consumer that crashed while holding it; one that
    stops gives back what it was sent and did not finish (``_give_back``).

    ``from_now``: a consumer created by this call starts with the events published from now on instead of the
    whole stream (an event server or Home Assistant wants no history); an existing one resumes either way. The
    broker drops such a consumer once unused for ``FROM_NOW_INACTIVE`` (a day); any other one it keeps."""
    config = ConsumerConfig(
        durable_name=durable,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.NEW if from_now else DeliverPolicy.ALL,
        max_ack_pending=batch * 4,
        inactive_threshold=FROM_NOW_INACTIVE if from_now else None,
    )
    subscription = await broker.js.pull_subscribe(
        subjects or broker.names.all_events, durable=durable, stream=broker.names.stream, config=config
    )
    held: deque[Msg] = deque()
    request_open_until = 0.0
    try:
        while True:
            request_open_until = anyio.current_time() + FETCH_WAIT
            try:
                held.extend(await subscription.fetch(batch, timeout=FETCH_WAIT))
            except (nats.errors.TimeoutError, TimeoutError):
                continue
            while held:
                message = held[0]
                headers = message.headers or {}
                method = headers.get(HEADER_METHOD) or message.subject.rsplit(".", 1)[-1]
                try:
                    event = protocol.decode_message(method, message.data)
                except WebcastError as error:
                    event = UnknownEvent(method, message.data, str(error))
                yield FleetEvent(
                    username=headers.get(HEADER_USERNAME, ""),
                    room_id=int(headers.get(HEADER_ROOM) or message.subject.split(".")[1]),
                    event=event,
                    sequence=message.metadata.sequence.stream,
                )
                await message.ack()
                held.popleft()
    finally:
        # Shielded and bounded: a consumer stopped by cancellation (a server shutting down) still gives back; closed
        # late (a consumer that broke out of ``async for``), the connection may be gone already.
        with anyio.CancelScope(shield=True), anyio.move_on_after(FETCH_WAIT + GIVE_BACK_TIMEOUT):
            with contextlib.suppress(*BROKER_ERRORS):
                await _give_back(broker, subscription, held, request_open_until)
            with contextlib.suppress(*BROKER_ERRORS):
                await subscription.unsubscribe()


async def _give_back(
    broker: Broker, subscription: JetStreamContext.PullSubscription, held: deque[Msg], request_open_until: float
) -> None:
    """Hands back to the stream at once what a stopping consumer was sent and did not finish, which would otherwise
    wait out the consumer's ack wait (30 s) before the next consumer with its name gets it (a restarted event server
    waited that long for an event published as the old one stopped): the rest of its batch, the event it was
    handing over, and what its last pull request delivers until it expires (nats-py's requests stay open on the
    server for their whole wait, also once they returned, and nothing can withdraw one)."""
    await anyio.sleep_until(request_open_until)
    await broker.flush()  # the server has sent us everything that request took
    if subscription.pending_msgs:
        held.extend(await subscription.fetch(subscription.pending_msgs, timeout=FETCH_WAIT))
    for message in held:
        await message.nak()
