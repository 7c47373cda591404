"""A room's publishes against a real nats-server: many in flight at once yet bounded, stored in order and once each,
and a publish whose ack failed is sent again until the broker stores it."""

from __future__ import annotations

import anyio
import pytest
from fleet_helpers import NatsServer

from tiktok_webcast.fleet.broker import Broker
from tiktok_webcast.fleet.outbox import Message, Outbox, Publisher

pytestmark = pytest.mark.anyio

COUNT = 200


def message(broker: Broker, i: int) -> Message:
    return Message(broker.names.subject(7, "WebcastChatMessage"), f"event {i}".encode(), {"Nats-Msg-Id": str(i)})


async def stored(broker: Broker) -> list[bytes]:
    subscription = await broker.js.pull_subscribe(broker.names.all_events, stream=broker.names.stream)
    messages = await subscription.fetch(COUNT * 2, timeout=2)
    await subscription.unsubscribe()
    return [m.data for m in messages]


async def test_publishes_are_in_flight_together_within_the_limit_and_stored_in_order(nats_server: NatsServer) -> None:
    async with Broker(nats_server.url) as broker:
        outbox = Outbox(Publisher(broker.js), limit=16)
        in_flight: list[int] = []
        with anyio.fail_after(30):
            for i in range(COUNT):
                await outbox.put(message(broker, i))
                in_flight.append(len(outbox))
            await outbox.flush()
        assert len(outbox) == 0
        assert max(in_flight) <= 16, "more publishes in flight than the limit"
        assert max(in_flight) == 16, "publishes waited for each ack instead of being in flight together"
        assert await stored(broker) == [f"event {i}".encode() for i in range(COUNT)]


async def test_a_publish_whose_ack_failed_is_sent_again_until_stored_once(nats_server: NatsServer) -> None:
    async with Broker(nats_server.url) as broker:
        info = await broker.js.stream_info(broker.names.stream)
        await broker.js.delete_stream(broker.names.stream)  # every ack now fails: no stream listens
        outbox = Outbox(Publisher(broker.js), ack_timeout=0.5)
        with anyio.fail_after(30):
            for i in range(5):
                await outbox.put(message(broker, i))
            await outbox.check()
            await broker.js.add_stream(info.config)
            await outbox.flush()
        assert await stored(broker) == [f"event {i}".encode() for i in range(5)]
