"""A consumer that falls behind: the receiving side waits for it (backpressure) once ``event_buffer`` events are
held, counted in events whatever the frames hold, and that wait is not mistaken for a silent server."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tiktok_webcast import ChatEvent, FailureKind, LiveState, User
from tiktok_webcast.simulator import ApiKey, Creator, Scenario, Script, SignerConfig, Simulator

pytestmark = pytest.mark.anyio

STALE = 0.5


def scenario() -> Scenario:
    signer = SignerConfig(keys=(ApiKey("test-key"),), anonymous=True)
    return Scenario(name="staleness", creators=(Creator("alice", script=Script()),), signer=signer)


def chat(msg_id: int) -> ChatEvent:
    return ChatEvent(user=User(id=msg_id, username=f"viewer{msg_id}"), comment=f"comment {msg_id}", msg_id=msg_id)


async def test_a_consumer_slower_than_the_stale_timeout_is_not_a_silent_server(client_for: Any) -> None:
    # event_buffer 10: the channel holds one frame, so the second frame waits for the consumer.
    options = {"connect_mode": "signer_free", "stale_timeout": STALE, "event_buffer": 10}
    async with Simulator(scenario()) as sim, client_for(sim, **options) as client, client.track_user("alice") as live:
        with anyio.fail_after(10):
            await live.wait_connected()
            await sim.wait_until(lambda: any(s.entered and s.closed_at is None for s in sim.sessions))
        for msg_id in range(1000, 1005):
            sim.inject("alice", chat(msg_id))
        with anyio.fail_after(10):
            while live.stats.frames < 3:
                await anyio.sleep(0.01)
        # The consumer is busy elsewhere for several stale timeouts while frames wait for it.
        await anyio.sleep(4 * STALE)
        seen: list[int] = []
        with anyio.fail_after(10):
            async for event in live.events:
                if isinstance(event, ChatEvent) and 1000 <= event.msg_id < 10_000:
                    seen.append(event.msg_id)
                    if event.msg_id == 1004:
                        break
        assert seen == [1000, 1001, 1002, 1003, 1004]
        assert live.stats.failures[FailureKind.STALE] == 0 and live.stats.reconnects == 0
        assert live.state is LiveState.CONNECTED


async def test_what_is_held_for_a_slow_consumer_is_bounded_in_events_not_frames(client_for: Any) -> None:
    buffer, per_frame, frames = 20, 100, 4
    options = {"connect_mode": "signer_free", "event_buffer": buffer}
    async with Simulator(scenario()) as sim, client_for(sim, **options) as client, client.track_user("alice") as live:
        with anyio.fail_after(10):
            await live.wait_connected()
            await sim.wait_until(lambda: any(s.entered and s.closed_at is None for s in sim.sessions))
        ids = [1000 + i for i in range(per_frame * frames)]
        for start in range(0, len(ids), per_frame):
            sim.inject("alice", *(chat(msg_id) for msg_id in ids[start : start + per_frame]))
        with anyio.fail_after(10):
            while live.stats.events < per_frame:
                await anyio.sleep(0.01)
        # The consumer is away; a receiving side that did not wait would take the other frames meanwhile.
        await anyio.sleep(4 * STALE)
        # Held: the buffer, crossed by at most one frame, and the welcome frame's few events.
        assert live.stats.events <= buffer + per_frame + 20
        seen: list[int] = []
        with anyio.fail_after(10):
            async for event in live.events:
                if isinstance(event, ChatEvent) and 1000 <= event.msg_id < 10_000:
                    seen.append(event.msg_id)
                    if len(seen) == len(ids):
                        break
        assert seen == ids
