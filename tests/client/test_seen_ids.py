"""The duplicate filter (the engine's ``SeenIds``): what a reconnect replays is dropped, and what it remembers is
bounded in count, in age and in bytes, whatever the room's traffic."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tiktok_webcast import ChatEvent, LikeEvent, User
from tiktok_webcast._core import SeenIds
from tiktok_webcast.simulator import Creator, RefuseHandshake, Scenario, Script, Simulator

DEFAULT_CAPACITY = 1791
DEFAULT_COMMENTS = 48


def chat(msg_id: int) -> ChatEvent:
    return ChatEvent(user=User(id=msg_id, username=f"viewer{msg_id}"), comment=f"comment {msg_id}", msg_id=msg_id)


def likes(*msg_ids: int) -> list[LikeEvent]:
    return [LikeEvent(likes=1, msg_id=msg_id) for msg_id in msg_ids]


def test_a_replayed_id_is_dropped_within_a_frame_and_across_frames() -> None:
    seen = SeenIds(capacity=100, max_age=60)
    first = likes(3, 1, 2)
    assert seen.keep_new(first, 0.0) == first
    assert seen.keep_new(likes(2, 4), 1.0) == likes(4)
    assert seen.keep_new(likes(5, 5), 2.0) == likes(5)
    assert seen.keep_new(likes(1, 5), 3.0) == []
    assert len(seen) == 5


def test_id_zero_is_never_matched_nor_remembered() -> None:
    seen = SeenIds(capacity=100, max_age=60)
    assert seen.keep_new(likes(0, 0), 0.0) == likes(0, 0)
    assert seen.first_time(0, 0.0) and seen.first_time(0, 0.0)
    assert len(seen) == 0


def test_a_frame_without_a_repeat_is_handed_back_as_it_is() -> None:
    seen = SeenIds()
    frame = likes(1, 2, 3)
    assert seen.keep_new(frame, 0.0) is frame


def test_an_id_is_forgotten_once_older_than_the_window() -> None:
    seen = SeenIds(capacity=100, max_age=60, comments=10, comment_max_age=600)
    seen.keep_new(likes(7), 0.0)
    seen.expire(59.0)
    assert not seen.first_time(7, 59.0)
    seen.expire(60.0)
    assert len(seen) == 0
    assert seen.first_time(7, 60.0)


def test_the_oldest_ids_go_first_once_the_count_is_reached() -> None:
    seen = SeenIds(capacity=4, max_age=60, comments=1, comment_max_age=600)
    seen.keep_new(likes(1, 2, 3, 4, 5), 0.0)
    assert len(seen) == 4
    assert seen.keep_new(likes(2, 3, 4, 5), 0.0) == []  # the newest 4 are known
    assert seen.keep_new(likes(1), 0.0) == likes(1)  # the oldest was forgotten


def test_comments_outlive_a_flood_of_other_events_and_their_age() -> None:
    seen = SeenIds(capacity=10, max_age=60, comments=6, comment_max_age=600)
    comments = [chat(1000 + i) for i in range(6)]
    seen.keep_new(comments, 0.0, ChatEvent)
    seen.keep_new(likes(*range(1, 101)), 1.0, ChatEvent)
    seen.expire(300.0)
    # What a reconnect replays (the newest 6 comments) is still known after 100 likes and 5 minutes.
    assert seen.keep_new(comments, 300.0, ChatEvent) == []
    seen.expire(600.0)
    assert seen.keep_new(comments, 600.0, ChatEvent) == comments


def test_memory_stays_bounded_under_a_flood_of_unique_ids() -> None:
    seen = SeenIds()
    for start in range(1, 200_001, 20):
        frame: list[Any] = likes(*range(start, start + 19))
        frame.append(chat(start + 19))
        seen.keep_new(frame, start / 1000, ChatEvent)
    assert DEFAULT_CAPACITY <= len(seen) <= DEFAULT_CAPACITY + DEFAULT_COMMENTS
    # About 30 bytes an id held (bench/soak.py measures the process): a Python set of ints takes ~75.
    assert seen.heap_bytes < (DEFAULT_CAPACITY + DEFAULT_COMMENTS) * 32


@pytest.mark.parametrize("age", [0.0, -1.0, float("nan"), float("inf")])
def test_limits_must_be_positive_seconds(age: float) -> None:
    with pytest.raises(ValueError, match="positive seconds"):
        SeenIds(max_age=age)


# -- against the simulator ----------------------------------------------------------------------------------------

FLOOD = 2 * DEFAULT_CAPACITY


@pytest.mark.anyio
async def test_a_fresh_reconnect_replays_old_comments_behind_a_flood_and_they_are_dropped(client_for: Any) -> None:
    """The replay of a fresh (re)connect is the room's newest comments, here behind more likes than the filter holds
    ids: the comments' tier still knows them."""
    scenario = Scenario(name="dedupe", creators=(Creator("alice", script=Script()),))
    async with (
        Simulator(scenario) as sim,
        client_for(sim, connect_mode="signer_free") as client,
        client.track_user("alice") as live,
    ):
        comments = [chat(1000 + i) for i in range(6)]
        await entered(sim, 1)
        sim.inject("alice", *comments)
        sim.inject("alice", *likes(*range(20_000, 20_000 + FLOOD)))
        delivered = await collect_until(live, lambda event: event.msg_id == 20_000 + FLOOD - 1)
        # The resuming handshake is refused once: the client connects afresh, and the welcome replays comments.
        sim.add_fault(RefuseHandshake(count=1, message="illegal cursor"))
        sim.drop_sockets("alice")
        await entered(sim, 2)
        sim.inject("alice", chat(2000))
        delivered += await collect_until(live, lambda event: event.msg_id == 2000)
        assert sim.sessions[-1].resumed_from is None
        ids = [event.msg_id for event in delivered if isinstance(event, ChatEvent) and 1000 <= event.msg_id < 10_000]
        assert ids == [*range(1000, 1006), 2000]
        assert live.stats.duplicates >= len(comments)


async def entered(sim: Simulator, sessions: int) -> None:
    with anyio.fail_after(10):
        await sim.wait_until(lambda: len(sim.sessions) >= sessions and bool(sim.sessions[sessions - 1].entered))


async def collect_until(live: Any, last: Any) -> list[Any]:
    events: list[Any] = []
    with anyio.fail_after(10):
        async for event in live.events:
            events.append(event)
            if last(event):
                return events
    raise AssertionError("the event stream ended")
