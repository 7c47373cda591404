"""The channel between a room's connection and ``live.events``: order, the bound on what is held (backpressure),
and the end of the stream (what is held is still delivered, unless discarded)."""

from __future__ import annotations

import anyio
import pytest

from tiktok_webcast import LikeEvent
from tiktok_webcast._channel import EventChannel, EventReader
from tiktok_webcast._core import Inbox
from tiktok_webcast.events import Event
from tiktok_webcast.protocol import encode_fetch_response, encode_push_frame

pytestmark = pytest.mark.anyio


def channel_of(limit: int) -> EventChannel:
    return EventChannel(Inbox(), limit)


def frame_of_likes(*msg_ids: int) -> bytes:
    likes = [LikeEvent(likes=1, msg_id=msg_id) for msg_id in msg_ids]
    return encode_push_frame(encode_fetch_response(likes, cursor="c"), payload_type="msg")


async def put(channel: EventChannel, *msg_ids: int) -> None:
    """What the connection does with a frame of likes: into the inbox, then handed over."""
    channel.inbox.push_frames([frame_of_likes(*msg_ids)], 0, 0.0, channel.limit)
    await channel.handed_over()


def the_end() -> Event:
    raise StopAsyncIteration


async def read(reader: EventReader, count: int) -> list[int]:
    return [(await reader.__anext__()).msg_id for _ in range(count)]


async def test_events_come_out_in_order_one_at_a_time() -> None:
    channel = channel_of(100)
    await put(channel, 1, 2)
    await put(channel, 3)
    assert len(channel) == 3
    assert await read(EventReader(channel, the_end), 3) == [1, 2, 3]
    assert len(channel) == 0


async def test_the_producer_waits_while_the_limit_is_held_and_goes_on_once_half_is_taken() -> None:
    channel = channel_of(40)
    reader = EventReader(channel, the_end)
    held_when_released: list[int] = []

    async def produce() -> None:
        await put(channel, *range(1, 42))  # a whole frame goes in, past the limit: then it waits
        held_when_released.append(len(channel))

    taken: list[int] = []
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(produce)
            await anyio.wait_all_tasks_blocked()
            assert len(channel) == 41 and not held_when_released
            while not held_when_released:
                taken += await read(reader, 1)
                await anyio.wait_all_tasks_blocked()
    # Not woken for each event taken below the limit (a scheduler pass per frame), nor left waiting for an empty one.
    assert 0 < held_when_released[0] <= 20
    taken += await read(reader, 41 - len(taken))
    assert taken == list(range(1, 42))


async def test_the_inbox_takes_frames_until_the_limit_is_held() -> None:
    channel = channel_of(3)
    frames = [frame_of_likes(1, 2), frame_of_likes(3, 4), frame_of_likes(5)]
    intake = channel.inbox.push_frames(frames, 0, 0.0, channel.limit)
    assert intake.frames == 2 and len(channel) == 4
    intake = channel.inbox.push_frames(frames, intake.frames, 0.0, channel.limit)
    assert intake.frames == 1 and len(channel) == 5


async def test_a_waiting_consumer_wakes_for_the_next_frame() -> None:
    channel = channel_of(10)
    got: list[int] = []

    async def consume() -> None:
        got.extend(await read(EventReader(channel, the_end), 1))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(consume)
        await anyio.wait_all_tasks_blocked()
        await put(channel, 7)
    assert got == [7]


async def test_closing_delivers_what_is_held_then_ends() -> None:
    channel = channel_of(10)
    await put(channel, 1)
    channel.close()
    events = [event.msg_id async for event in EventReader(channel, the_end)]
    assert events == [1]
    assert not await channel.wait()


async def test_discarding_drops_what_is_held_and_frees_a_waiting_producer() -> None:
    channel = channel_of(2)
    reader = EventReader(channel, the_end)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(put, channel, 1, 2, 3)
        await anyio.wait_all_tasks_blocked()
        assert await read(reader, 1) == [1]  # the rest are decoded for the consumers already
        channel.close(discard=True)
    assert len(channel) == 0
    assert not await channel.wait()
    assert [event async for event in reader] == []
