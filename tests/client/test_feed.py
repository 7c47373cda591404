"""Feed paging against the simulator: each page continues where the last one stopped (``max_time``)."""

from __future__ import annotations

from typing import Any

import pytest

from tiktok_webcast import BlockedError
from tiktok_webcast.simulator import Generate, Scenario, Simulator

pytestmark = pytest.mark.anyio


async def test_feed_pages_advance_max_time_until_there_are_no_more(client_for: Any) -> None:
    scenario = Scenario(name="feed", generate=Generate(count=25, prefix="streamer"))
    async with Simulator(scenario) as sim, client_for(sim, session_id="logged-in") as client:
        pages = [page async for page in client.feed(pages=10)]
        rooms = [room.room_id for page in pages for room in page.rooms]
        assert len(pages) == 3 and [len(page.rooms) for page in pages] == [10, 10, 5]
        assert sorted(rooms) == sorted(sim.room_id(f"streamer{n:04d}") for n in range(1, 26))
        assert [page.has_more for page in pages] == [True, True, False]


async def test_the_feed_refuses_guests(client_for: Any) -> None:
    # TikTok shows guests no feed (2026): the empty answer is a typed refusal, not an empty page.
    async with Simulator(Scenario(name="feed", generate=Generate(count=3))) as sim, client_for(sim) as client:
        with pytest.raises(BlockedError):
            [page async for page in client.feed(pages=1)]
