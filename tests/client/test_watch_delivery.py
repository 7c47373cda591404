"""A watch hands every event of the stream on in order, also when its consumer falls behind (the forwarding waits
once ``event_buffer`` items are held), and its iterator ends once the watch is closed."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tiktok_webcast import ChatEvent, StreamStarted, User
from tiktok_webcast.simulator import ApiKey, Creator, Scenario, Script, SignerConfig, Simulator

pytestmark = pytest.mark.anyio


async def test_a_burst_larger_than_the_buffer_reaches_a_slow_watch_consumer_in_order(client_for: Any) -> None:
    signer = SignerConfig(keys=(ApiKey("test-key"),), anonymous=True)
    scenario = Scenario(name="watch", creators=(Creator("alice", script=Script()),), signer=signer)
    ids = list(range(1000, 1300))
    async with Simulator(scenario) as sim, client_for(sim, event_buffer=10) as client:
        async with client.watch_user("alice", check_interval=0.05) as watch:
            seen: list[int] = []
            with anyio.fail_after(20):
                async for item in watch.events:
                    if isinstance(item, StreamStarted):
                        await sim.wait_until(lambda: any(s.entered and s.closed_at is None for s in sim.sessions))
                        sim.inject("alice", *(ChatEvent(user=User(id=i, username="v"), msg_id=i) for i in ids))
                        # The consumer is away while 300 events meet a buffer of 10.
                        await anyio.sleep(0.5)
                    elif isinstance(item, ChatEvent) and 1000 <= item.msg_id < 10_000:
                        seen.append(item.msg_id)
                        if len(seen) == len(ids):
                            break
            assert seen == ids
        with anyio.fail_after(5):
            assert [item async for item in watch.events] == []
