"""Timings the server sets, kept within bounds and checked on what the simulator receives: the heartbeat period is
the server's ``ping-interval`` (Handshake-Options) within [1, 30] s; the wait between polls is the fetch result's
``fetch_interval`` within [1, 30] s.

The simulator always announces ``ping-interval=10`` and ``fetch_interval`` 1000 ms; these tests rewrite them (its
push handshake and its fetch-result encoder, wrapped), since other values cannot be set from a scenario.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from tiktok_webcast.simulator import Creator, Scenario, Script, Simulator, rooms
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


@pytest.fixture
def answered_polls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``answered_polls(ms)`` makes every fetch result say ``fetch_interval`` = ``ms`` and returns the times of the
    im/fetch polls the simulator answers."""
    encode = rooms.encode_result
    bootstrap = rooms.Room.bootstrap
    polls: list[float] = []
    interval: list[int] = []

    def encode_result(*args: Any, **kwargs: Any) -> bytes:
        return encode(*args, **{**kwargs, "fetch_interval": interval[-1]})

    def polled(self: rooms.Room, **kwargs: Any) -> bytes:
        polls.append(time.monotonic())
        return bootstrap(self, **kwargs)

    def setup(milliseconds: int) -> list[float]:
        interval.append(milliseconds)
        return polls

    monkeypatch.setattr(rooms, "encode_result", encode_result)
    monkeypatch.setattr(rooms.Room, "bootstrap", polled)
    yield setup


async def three_polls(sim: Simulator, client_for: Any, polls: list[float]) -> list[float]:
    options = {"connect_mode": "polling", "session_id": "logged-in"}
    async with client_for(sim, **options) as client, client.track_user("alice") as live:
        with anyio.fail_after(15):
            await live.wait_connected()
            await sim.wait_until(lambda: len(polls) >= 3)
        return list(polls)


async def test_the_fetch_interval_is_the_wait_between_polls(client_for: Any, answered_polls: Any) -> None:
    polls = answered_polls(2500)
    async with Simulator(scenario()) as sim:
        times = await three_polls(sim, client_for, polls)
    assert times[2] - times[1] >= 2.4


async def test_a_millisecond_fetch_interval_is_clamped_to_a_second(client_for: Any, answered_polls: Any) -> None:
    polls = answered_polls(1)
    async with Simulator(scenario()) as sim:
        times = await three_polls(sim, client_for, polls)
    assert len(times) <= 4 and times[2] - times[1] >= 0.9
