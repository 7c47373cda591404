"""Honest liveness against the simulator's fault pack (issue 9 item 3): every combination of lying sources ends in
``live``, ``offline`` or ``unknown`` with the reason and the sources consulted; ``watch_user`` follows a creator
across streams."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tiktok_webcast import (
    ChatEvent,
    ControlEvent,
    LivenessSource,
    LiveState,
    LiveStatus,
    StreamEnded,
    StreamStarted,
    User,
    UserNotFoundError,
    UserOfflineError,
)
from tiktok_webcast.simulator import Creator, Scenario, Script, Simulator

pytestmark = pytest.mark.anyio

API, PAGE, ROOM, ALIVE, SOCKET = (
    LivenessSource.API_LIVE,
    LivenessSource.LIVE_PAGE,
    LivenessSource.ROOM_INFO,
    LivenessSource.CHECK_ALIVE,
    LivenessSource.SOCKET,
)
LIVE, OFF, UNKNOWN = LiveStatus.LIVE, LiveStatus.OFFLINE, LiveStatus.UNKNOWN


def scenario() -> Scenario:
    return Scenario(
        name="liveness",
        creators=(Creator("alice", script=Script()), Creator("bob", live=False), Creator("carol", script=Script())),
    )


def said(liveness: Any) -> dict[LivenessSource, LiveStatus]:
    return {reading.source: reading.says for reading in liveness.readings}


# (breakages switched on, creator, how carol's stream is left, expected status, expected readings, reason fragment)
MATRIX = [
    ((), "alice", "live", LIVE, {API: LIVE, ROOM: LIVE, ALIVE: LIVE}, "live per api_live and room_info"),
    ((), "bob", "never", OFF, {API: OFF, PAGE: OFF}, "offline per"),
    ((), "carol", "ended", OFF, {API: OFF, ROOM: OFF, ALIVE: OFF}, "offline per"),
    (
        ("2026-07-15-check-alive-lies",),
        "carol",
        "ended",
        OFF,
        {API: OFF, ROOM: OFF, ALIVE: LIVE},
        "although check_alive says otherwise",
    ),
    (
        ("2026-05-27-user-not-found",),
        "alice",
        "live",
        LIVE,
        {API: UNKNOWN, PAGE: LIVE, ROOM: LIVE, ALIVE: LIVE},
        "live per live_page and room_info",
    ),
    (
        ("2026-05-27-user-not-found", "2026-07-15-check-alive-lies"),
        "alice",
        "live",
        LIVE,
        {API: UNKNOWN, PAGE: LIVE, ROOM: LIVE, ALIVE: LIVE},
        "live per",
    ),
    (
        ("2026-05-27-user-not-found", "2025-03-25-live-page-changed"),
        "alice",
        "live",
        UNKNOWN,
        {API: UNKNOWN, PAGE: UNKNOWN},
        "no source could tell",
    ),
    (("2025-08-waf-interstitial",), "alice", "live", UNKNOWN, {API: UNKNOWN, PAGE: UNKNOWN}, "no source could tell"),
    ((), "nobody_here", "never", OFF, {API: UNKNOWN, PAGE: OFF}, "offline per live_page"),
]


@pytest.mark.parametrize(("breakages", "who", "carol", "status", "readings", "reason"), MATRIX)
async def test_liveness_matrix(
    client_for: Any,
    breakages: tuple[str, ...],
    who: str,
    carol: str,
    status: LiveStatus,
    readings: dict[LivenessSource, LiveStatus],
    reason: str,
) -> None:
    async with Simulator(scenario()) as sim, client_for(sim) as client:
        if carol == "ended":
            sim.end_stream("carol")
        for name in breakages:
            sim.breakage(name)
        liveness = await client.liveness(who)
        assert said(liveness) == readings, liveness.readings
        assert reason in liveness.reason
        assert liveness.status is status, liveness.reason
        assert liveness.username == who
        if LIVE in readings.values() or who == "carol":
            assert liveness.room_id == sim.room_id(who)


async def test_liveness_of_a_room_by_id(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim) as client:
        room_id = sim.room_id("alice")
        liveness = await client.liveness(room_id=room_id)
        assert liveness.status is LIVE and said(liveness) == {ROOM: LIVE, ALIVE: LIVE}
        sim.breakage("2026-07-15-check-alive-lies")
        liveness = await client.liveness(room_id=123)
        assert liveness.status is UNKNOWN and "only check_alive says live" in liveness.reason
        assert await client.is_live("alice") and not await client.is_live("bob")


async def test_a_tracked_room_reports_liveness_from_its_socket(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim) as client, client.track_user("alice") as live:
        with anyio.fail_after(10):
            await live.wait_connected()
            await sim.wait_until(lambda: live.stats.frames > 0)
        assert live.liveness.status is LIVE and said(live.liveness)[SOCKET] is LIVE
        sim.end_stream("alice")
        with anyio.fail_after(10):
            async for event in live.events:
                if isinstance(event, ControlEvent):
                    break
        liveness = live.liveness
        assert liveness.status is OFF and said(liveness)[SOCKET] is OFF and "per socket" in liveness.reason


async def test_watch_user_waits_follows_and_waits_again(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim) as client:
        async with client.watch_user("bob", check_interval=0.05) as watch:
            with anyio.fail_after(5):
                await sim.wait_until(lambda: watch.liveness is not None)
            assert watch.liveness is not None and watch.liveness.status is OFF and watch.live is None
            items: list[Any] = []
            sim.go_live("bob")
            with anyio.fail_after(20):
                async for item in watch.events:
                    items.append(item)
                    if isinstance(item, StreamStarted) and watch.streams == 2:
                        break
                    if isinstance(item, StreamStarted):
                        await sim.wait_until(lambda: any(s.entered and s.closed_at is None for s in sim.sessions))
                        sim.inject("bob", ChatEvent(user=User(id=1, username="v"), comment="hi", msg_id=4242))
                    elif isinstance(item, ChatEvent) and item.msg_id == 4242:
                        sim.end_stream("bob")
                    elif isinstance(item, StreamEnded):
                        sim.go_live("bob")
            first_room, second_room = sim.room_ids("bob")
            started = [i for i in items if isinstance(i, StreamStarted)]
            ended = [i for i in items if isinstance(i, StreamEnded)]
            assert [s.room_id for s in started] == [first_room, second_room]
            assert [(e.room_id, e.state) for e in ended] == [(first_room, LiveState.ENDED)]
            assert ended[0].error is None and ended[0].stats.events > 0
            assert any(isinstance(i, ChatEvent) and i.msg_id == 4242 for i in items)


async def test_track_user_is_not_fooled_by_user_not_found_for_a_live_creator(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim) as client:
        sim.breakage("2026-05-27-user-not-found")
        async with client.track_user("alice") as live:
            with anyio.fail_after(10):
                await live.wait_connected()
            assert live.room_id == sim.room_id("alice") and live.username == "alice"
        with pytest.raises(UserNotFoundError):
            async with client.track_user("nobody_here"):
                pass
        with pytest.raises(UserOfflineError):
            async with client.track_user("bob"):
                pass
