"""The heartbeat period is the server's ``ping-interval`` (Handshake-Options), kept within [1, 30] s: checked on the
heartbeats the simulator receives.

The simulator always announces ``ping-interval=10``; these tests rewrite that header on its 101 answers (the push
service's handshake, wrapped), since a ten-second period is too slow to observe in a test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from tiktok_webcast.simulator import Creator, Scenario, Script, Simulator
from tiktok_webcast.simulator.http import Request, Response, Upgrade
from tiktok_webcast.simulator.push import PushService

pytestmark = pytest.mark.anyio


@pytest.fixture
def announce(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``announce("ping-interval=1")`` makes the simulator's 101 carry that ``Handshake-Options``."""
    original = PushService.handle
    announced: list[str] = []

    async def handle(self: PushService, request: Request) -> Response | Upgrade:
        answer = await original(self, request)
        if isinstance(answer, Upgrade) and announced:
            answer.headers[:] = [(k, v) for k, v in answer.headers if k != "handshake-options"]
            answer.headers.append(("handshake-options", announced[-1]))
        return answer

    monkeypatch.setattr(PushService, "handle", handle)
    yield announced.append


def scenario() -> Scenario:
    return Scenario(name="heartbeat", creators=(Creator("alice", script=Script()),))


async def heartbeats_after_connecting(sim: Simulator, client_for: Any, count: int) -> list[float]:
    # The client's own period is ten minutes: any faster heartbeat comes from the server's ping-interval.
    async with client_for(sim, heartbeat_interval=600.0) as client, client.track_user("alice") as live:
        with anyio.fail_after(15):
            await live.wait_connected()
            await sim.wait_until(lambda: len(sim.heartbeats(live.room_id)) >= count)
        return [record.t for record in sim.heartbeats(live.room_id)]


async def test_the_server_s_ping_interval_is_the_heartbeat_period(client_for: Any, announce: Any) -> None:
    announce("compress=gzip; ping-interval=1")
    async with Simulator(scenario()) as sim:
        times = await heartbeats_after_connecting(sim, client_for, 3)
    assert len(times) == 3 and times[2] - times[1] >= 0.5


async def test_a_microsecond_ping_interval_is_clamped_to_a_second(client_for: Any, announce: Any) -> None:
    announce("compress=gzip; ping-interval=0.000001")
    async with Simulator(scenario()) as sim:
        times = await heartbeats_after_connecting(sim, client_for, 3)
    # One at connect, then one a second: not thousands.
    assert len(times) <= 4
    assert times[2] - times[1] >= 0.9
