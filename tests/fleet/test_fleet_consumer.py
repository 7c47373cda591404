"""A durable consumer that stops hands back what it was sent and did not finish, so the next consumer with its name
gets those events at once rather than after the consumer's ack wait (30 s). (A message handed back stays "pending
acknowledgement" on the server until it is delivered again, so what tells is when the next consumer gets it.)"""

from __future__ import annotations

from contextlib import aclosing
from functools import partial

import anyio
import nats.js.errors
import pytest
from fleet_helpers import NatsServer, publish, until
from nats.js.api import ConsumerInfo

from tiktok_webcast.events import ChatEvent, User
from tiktok_webcast.fleet import Fleet
from tiktok_webcast.fleet import consumer as consumer_module
from tiktok_webcast.fleet.consumer import fleet_events

pytestmark = pytest.mark.anyio

FAN = User(id=42, username="fan42", nickname="Fan")


def chat(msg_id: int) -> ChatEvent:
    return ChatEvent(user=FAN, comment=f"chat {msg_id}", msg_id=msg_id)


async def consumer_state(fleet: Fleet, durable: str) -> ConsumerInfo:
    return await fleet.broker.js.consumer_info(fleet.broker.names.stream, durable)


async def test_a_consumer_that_stops_gives_back_the_rest_of_its_batch(nats_server: NatsServer) -> None:
    async with Fleet(nats_server.url) as fleet:
        for msg_id in (1, 2, 3):
            await publish(fleet, "alice", 7, chat(msg_id))
        async with aclosing(fleet_events(fleet.broker, durable="batch")) as events:
            first = await anext(events)  # the first of a batch of three, handed over and not finished
            assert first.event.msg_id == 1
            assert (await consumer_state(fleet, "batch")).num_ack_pending == 3
        with anyio.fail_after(10):  # well within the ack wait (30 s): only what was given back comes this soon
            async with aclosing(fleet_events(fleet.broker, durable="batch")) as events:
                again = [(await anext(events)).event.msg_id for _ in range(3)]
    assert again == [1, 2, 3]


async def test_a_consumer_cancelled_while_waiting_gives_back_what_its_open_request_takes(
    nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pull request of a consumer cancelled while it waits stays open on the server until its wait is over; an
    # event published meanwhile goes to it (as one did when an event server restarted: its successor waited 30 s).
    monkeypatch.setattr(consumer_module, "FETCH_WAIT", 3.0)
    async with Fleet(nats_server.url) as fleet, Fleet(nats_server.url) as consumer:
        await publish(fleet, "alice", 7, chat(1))
        async with anyio.create_task_group() as tasks:
            read: list[int] = []

            async def consume() -> None:
                async with aclosing(fleet_events(consumer.broker, durable="waiting")) as events:
                    async for item in events:
                        read.append(item.event.msg_id)

            tasks.start_soon(consume)

            async def waiting_for_more() -> bool:
                if read != [1]:
                    return False
                state = await consumer_state(fleet, "waiting")
                return not state.num_ack_pending and bool(state.num_waiting)

            await until(waiting_for_more, timeout=10, what="the consumer waiting in a pull request")
            tasks.cancel_scope.cancel()
            await publish(fleet, "alice", 7, chat(2))
        assert read == [1]
        await publish(fleet, "alice", 7, chat(3))  # just after it stopped: nothing may hold this one either
        with anyio.fail_after(10):  # well within the ack wait (30 s)
            async with aclosing(fleet_events(fleet.broker, durable="waiting")) as events:
                assert [(await anext(events)).event.msg_id for _ in range(2)] == [2, 3]


async def test_a_consumer_that_wants_no_history_is_dropped_by_the_broker_once_unused(
    nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumer_module, "FROM_NOW_INACTIVE", 1.0)
    async with Fleet(nats_server.url) as fleet:

        async def exists(durable: str) -> bool:
            try:
                await consumer_state(fleet, durable)
            except nats.js.errors.NotFoundError:
                return False
            return True

        for durable, from_now in (("live-only", True), ("everything", False)):

            async def publish_once_created(durable: str = durable) -> None:
                await until(partial(exists, durable), timeout=10, what=f"the consumer {durable!r}")
                await publish(fleet, "alice", 7, chat(1))

            async with aclosing(fleet_events(fleet.broker, durable=durable, from_now=from_now)) as events:
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(publish_once_created)
                    with anyio.fail_after(10):
                        await anext(events)

        async def live_only_dropped() -> bool:
            return not await exists("live-only")

        await until(live_only_dropped, timeout=15, what="the unused live-only consumer dropped")
        kept = await consumer_state(fleet, "everything")  # it resumes whenever it comes back
        assert not kept.config.inactive_threshold
