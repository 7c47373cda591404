"""The channel between a room's connection and ``live.events``: order, the bound on what is held (backpressure),
and the end of the stream (what is held is still delivered, unless discarded)."""

from __future__ import annotations

import anyio
import pytest

from tiktok_webcast import LikeEvent
from tiktok_webcast._channel import EventChannel
from tiktok_webcast.events import Event

pytestmark = pytest.mark.anyio


def likes(*msg_ids: int) -> list[Event]:
    return [LikeEvent(likes=1, msg_id=msg_id) for msg_id in msg_ids]


def ids(events: list[Event | None]) -> list[int]:
    return [event.msg_id if event is not None else 0 for event in events]


async def test_events_come_out_in_order_one_at_a_time() -> None:
    channel = EventChannel(limit=100)
    await channel.put(likes(1, 2))
    await channel.put(likes(3))
    assert ids([channel.take(), channel.take(), channel.take()]) == [1, 2, 3]
    assert channel.take() is None


async def test_the_producer_waits_while_the_limit_is_held_and_goes_on_once_a_consumer_takes() -> None:
    channel = EventChannel(limit=3)
    returned = anyio.Event()

    async def produce() -> None:
        await channel.put(likes(1, 2, 3, 4))  # a whole frame goes in, past the limit: then it waits
        returned.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(produce)
        await anyio.wait_all_tasks_blocked()
        assert len(channel) == 4 and not returned.is_set()
        channel.take()
        await anyio.wait_all_tasks_blocked()
        assert not returned.is_set()  # 3 held: still the limit
        channel.take()
        with anyio.fail_after(5):
            await returned.wait()
    assert ids([channel.take(), channel.take()]) == [3, 4]


async def test_a_waiting_consumer_wakes_for_the_next_frame() -> None:
    channel = EventChannel(limit=10)
    got: list[Event | None] = []

    async def consume() -> None:
        assert await channel.wait()
        got.append(channel.take())

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(consume)
        await anyio.wait_all_tasks_blocked()
        await channel.put(likes(7))
    assert ids(got) == [7]


async def test_closing_delivers_what_is_held_then_ends() -> None:
    channel = EventChannel(limit=10)
    await channel.put(likes(1))
    channel.close()
    await channel.put(likes(2))  # too late: dropped
    assert await channel.wait()
    assert ids([channel.take()]) == [1]
    assert not await channel.wait()


async def test_discarding_drops_what_is_held_and_frees_a_waiting_producer() -> None:
    channel = EventChannel(limit=1)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(channel.put, likes(1, 2))
        await anyio.wait_all_tasks_blocked()
        channel.close(discard=True)
    assert len(channel) == 0
    assert not await channel.wait()
