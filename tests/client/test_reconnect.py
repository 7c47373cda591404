"""Reconnects that keep what they can (issue 9 item 7) and the transport ladder (item 4), against the simulator:
flapping connections are not abandoned, failures are typed and carried as ``__cause__``, resumes lose nothing and
``live.stats`` reports each gap, stale and closed sockets are told apart, empty polls fail the path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import pytest

from tiktok_webcast import (
    ChatEvent,
    ConnectionLostError,
    ConnectPath,
    DeviceBlockedError,
    FailureKind,
    LiveState,
    SignerError,
    SignerRateLimitError,
    StateChange,
    User,
)
from tiktok_webcast._failures import EmptyFetchError
from tiktok_webcast.simulator import (
    ApiKey,
    Creator,
    DeviceBlocked,
    RefuseHandshake,
    Scenario,
    Script,
    SignerConfig,
    SignerFault,
    Simulator,
    Slow,
)

pytestmark = pytest.mark.anyio

KEY = "test-key"


def scenario(*faults: Any) -> Scenario:
    signer = SignerConfig(keys=(ApiKey(KEY, per_minute=600),), anonymous=True, anonymous_per_minute=600)
    return Scenario(name="reconnect", creators=(Creator("alice", script=Script()),), signer=signer, faults=faults)


def chat(msg_id: int) -> ChatEvent:
    return ChatEvent(user=User(id=msg_id, username=f"viewer{msg_id}"), comment=f"comment {msg_id}", msg_id=msg_id)


def injected_ids(events: list[Any]) -> list[int]:
    return [e.msg_id for e in events if isinstance(e, ChatEvent) and 1000 <= e.msg_id < 10_000]


async def collect_until(live: Any, done: Callable[[list[Any]], bool]) -> list[Any]:
    events: list[Any] = []
    with anyio.fail_after(10):
        async for event in live.events:
            events.append(event)
            if done(events):
                break
    return events


async def wait_session(sim: Simulator, number: int) -> None:
    """The ``number``-th websocket session is open and has entered the room."""

    def ready() -> bool:
        return len(sim.sessions) >= number and bool(sim.sessions[number - 1].entered)

    with anyio.fail_after(10):
        await sim.wait_until(ready)


async def wait_change(live: Any, done: Callable[[StateChange], bool]) -> StateChange:
    with anyio.fail_after(10):
        async for change in live.state_changes:
            if done(change):
                return change
    raise AssertionError("watching ended first")


async def test_a_connection_that_works_but_flaps_is_never_given_up(client_for: Any) -> None:
    async with (
        Simulator(scenario()) as sim,
        client_for(sim, connect_mode="signer_free", max_reconnects=1) as client,
        client.track_user("alice") as live,
    ):
        for drop in range(1, 6):
            await wait_session(sim, drop)
            sim.inject("alice", chat(1000 + drop))
            await collect_until(live, lambda got, wanted=1000 + drop: wanted in injected_ids(got))
            sim.drop_sockets("alice")
        await wait_session(sim, 6)
        sim.inject("alice", chat(2000))
        await collect_until(live, lambda got: 2000 in injected_ids(got))
        assert live.state is LiveState.CONNECTED
        assert live.stats.reconnects == 5 and live.stats.failed_attempts == 0
        assert live.stats.failures[FailureKind.DROPPED] == 5
        assert len(sim.sessions) == 6


@pytest.mark.parametrize(
    ("fault", "mode", "cause", "kind"),
    [
        (DeviceBlocked(count=0), "signer_free", DeviceBlockedError, FailureKind.BLOCKED),
        (
            SignerFault(status=429, count=0, retry_after=0),
            "signed",
            SignerRateLimitError,
            FailureKind.SIGNER_RATE_LIMITED,
        ),
        (SignerFault(status=503, count=0), "signed", SignerError, FailureKind.SIGNER_DOWN),
    ],
)
async def test_giving_up_carries_the_last_failure_as_its_cause(
    client_for: Any, fault: Any, mode: str, cause: type[Exception], kind: FailureKind
) -> None:
    options = {"connect_mode": mode, "max_reconnects": 2, "signer_api_key": KEY, "signer_limits_validation": False}
    async with Simulator(scenario(fault)) as sim, client_for(sim, **options) as client:
        async with client.track_user("alice") as live:
            with pytest.raises(ConnectionLostError) as raised, anyio.fail_after(20):
                async for _ in live.events:
                    pass
        assert isinstance(raised.value.__cause__, cause)
        assert raised.value.attempts == 3
        # Exactly three attempts reached the simulator: no tight retry loop.
        assert len(sim.fired_faults) == 3
        assert live.stats.failures[kind] == 3 and live.stats.reconnects == 2
        assert live.stats.last_failure is not None and live.stats.last_failure.kind is kind
        assert live.state is LiveState.CLOSED
        assert live.stats.last_change is not None and live.stats.last_change.state is LiveState.CLOSED


async def test_a_rate_limited_signer_reports_its_retry_time(client_for: Any) -> None:
    faults = (SignerFault(status=429, count=1, path="/webcast/fetch", retry_after=0),)
    async with (
        Simulator(scenario(*faults)) as sim,
        client_for(sim, signer_api_key=KEY, connect_mode="signed") as client,
        client.track_user("alice") as live,
    ):
        change = await wait_change(live, lambda c: c.state is LiveState.RECONNECTING)
        assert change.failure is not None and change.failure.kind is FailureKind.SIGNER_RATE_LIMITED
        # The wait honours the signer's retry time (the simulator's reset headers round it up to a second).
        assert change.failure.retry_after is not None and change.retry_in is not None
        assert change.retry_in >= change.failure.retry_after > 0
        await wait_change(live, lambda c: c.state is LiveState.CONNECTED)
        assert live.path is ConnectPath.SIGNED


async def test_a_reconnect_resumes_from_the_cursor_and_reports_the_gap(client_for: Any) -> None:
    async with (
        Simulator(scenario()) as sim,
        client_for(sim, connect_mode="signer_free") as client,
        client.track_user("alice") as live,
    ):
        await wait_session(sim, 1)
        sim.inject("alice", chat(1000))
        await collect_until(live, lambda got: 1000 in injected_ids(got))
        sim.drop_sockets("alice")
        sim.inject("alice", *(chat(1100 + i) for i in range(20)))  # while nobody is connected
        events = await collect_until(live, lambda got: 1119 in injected_ids(got))
        assert injected_ids(events) == list(range(1100, 1120))
        assert live.stats.duplicates == 0 and sim.sessions[1].resumed_from is not None
        [gap] = live.stats.gaps
        assert gap.resumed and gap.reason is not None and gap.reason.kind is FailureKind.DROPPED
        assert gap.seconds is not None and gap.seconds >= 0
        assert (live.stats.gaps_resumed, live.stats.gaps_lost) == (1, 0)


async def test_a_reconnect_that_cannot_resume_says_messages_were_lost(client_for: Any) -> None:
    async with (
        Simulator(scenario()) as sim,
        client_for(sim, connect_mode="signer_free") as client,
        client.track_user("alice") as live,
    ):
        await wait_session(sim, 1)
        sim.inject("alice", chat(1000))
        await collect_until(live, lambda got: 1000 in injected_ids(got))
        # The resuming handshake is refused once: the client connects afresh, without the cursor.
        sim.add_fault(RefuseHandshake(count=1, message="illegal cursor"))
        sim.drop_sockets("alice")
        await wait_session(sim, 2)
        sim.inject("alice", chat(2000))
        events = await collect_until(live, lambda got: 2000 in injected_ids(got))
        assert sim.sessions[1].resumed_from is None
        assert live.stats.duplicates >= 1  # the fresh start replayed recent comments, dropped as duplicates
        [gap] = live.stats.gaps
        assert not gap.resumed
        assert (live.stats.gaps_resumed, live.stats.gaps_lost) == (0, 1)
        assert injected_ids(events) == [2000]


async def test_a_silent_socket_is_stale_and_replaced(client_for: Any) -> None:
    async with (
        Simulator(scenario()) as sim,
        client_for(sim, connect_mode="signer_free", stale_timeout=0.5) as client,
        client.track_user("alice") as live,
    ):
        await wait_session(sim, 1)
        sim.breakage("2026-silent-socket", room="alice")
        change = await wait_change(live, lambda c: c.state is LiveState.RECONNECTING)
        assert change.failure is not None and change.failure.kind is FailureKind.STALE
        await wait_session(sim, 2)
        sim.inject("alice", chat(1000))
        await collect_until(live, lambda got: 1000 in injected_ids(got))
        assert live.stats.failures[FailureKind.STALE] == 1 and live.stats.reconnects == 1


async def test_a_close_with_an_error_code_is_a_drop_with_that_code(client_for: Any) -> None:
    async with (
        Simulator(scenario()) as sim,
        client_for(sim, connect_mode="signer_free") as client,
        client.track_user("alice") as live,
    ):
        await wait_session(sim, 1)
        sim.breakage("2026-09-10-close-4556", room="alice")
        change = await wait_change(live, lambda c: c.state is LiveState.RECONNECTING)
        assert change.failure is not None
        assert (change.failure.kind, change.failure.close_code) == (FailureKind.DROPPED, 4556)
        await wait_session(sim, 2)


async def test_empty_polls_fail_the_polling_path(client_for: Any) -> None:
    # Guests get empty 200s from im/fetch (2026): polling never counts as connected.
    async with Simulator(scenario()) as sim:
        async with client_for(sim, connect_mode="polling", max_reconnects=1) as client:
            async with client.track_user("alice") as live:
                with pytest.raises(ConnectionLostError) as raised, anyio.fail_after(20):
                    await live.wait_connected()
        assert isinstance(raised.value.__cause__, EmptyFetchError)
        assert live.stats.failures[FailureKind.EMPTY_FETCH] == 2
        assert live.stats.empty_fetches == 6 and live.stats.events == 0
        changes = [change.state async for change in live.state_changes]
        assert LiveState.CONNECTED not in changes and changes[-1] is LiveState.CLOSED


async def test_polling_keeps_its_cursor_between_fetches(client_for: Any) -> None:
    options = {"connect_mode": "polling", "session_id": "logged-in", "include_history": False}
    async with Simulator(scenario()) as sim, client_for(sim, **options) as client:
        async with client.track_user("alice") as live:
            with anyio.fail_after(10):
                await live.wait_connected()
            for batch in range(3):
                ids = [1000 + 10 * batch + i for i in range(3)]
                sim.inject("alice", *(chat(msg_id) for msg_id in ids))
                events = await collect_until(live, lambda got, last=ids[-1]: last in injected_ids(got))
                assert injected_ids(events) == ids
            # Each poll continued from the previous cursor: only the first replayed recent comments, nothing twice.
            assert live.stats.duplicates == 0 and live.stats.history == 6


async def test_switching_paths_loses_and_duplicates_nothing(client_for: Any) -> None:
    options = {"signer_api_key": KEY, "signer_limits_validation": False}
    async with Simulator(scenario()) as sim, client_for(sim, **options) as client:
        async with client.track_user("alice") as live:
            await wait_session(sim, 1)
            assert live.path is ConnectPath.SIGNED
            sim.inject("alice", *(chat(1000 + i) for i in range(3)))
            seen = await collect_until(live, lambda got: 1002 in injected_ids(got))
            # The signer goes down: three failed attempts open the signed path's circuit; the signer-free path
            # resumes from the cursor the signed one held.
            sim.add_fault(SignerFault(status=500, count=0))
            sim.drop_sockets("alice")
            sim.inject("alice", *(chat(1100 + i) for i in range(3)))
            seen += await collect_until(live, lambda got: 1102 in injected_ids(got))
            await wait_change(live, lambda c: c.state is LiveState.CONNECTED and c.path is ConnectPath.SIGNER_FREE)
            sim.inject("alice", chat(1200))
            seen += await collect_until(live, lambda got: 1200 in injected_ids(got))
            assert injected_ids(seen) == [1000, 1001, 1002, 1100, 1101, 1102, 1200]
            assert live.stats.failures[FailureKind.SIGNER_DOWN] == 3
            assert live.stats.paths[ConnectPath.SIGNED].circuit.value in ("open", "half_open")
            [gap] = live.stats.gaps
            assert gap.resumed and gap.path is ConnectPath.SIGNER_FREE


async def test_a_room_status_that_never_answers_does_not_hold_up_the_reconnect(client_for: Any) -> None:
    async with (
        Simulator(scenario()) as sim,
        client_for(sim, connect_mode="signer_free", connect_timeout=0.5) as client,
        client.track_user("alice") as live,
    ):
        await wait_session(sim, 1)
        # Room info now takes far longer than the test allows; the reconnect loop asks it with a deadline.
        sim.add_fault(Slow(delay=3600, path="/webcast/room/info/", count=0))
        sim.drop_sockets("alice")
        with anyio.fail_after(5):
            await wait_session(sim, 2)
        assert live.stats.reconnects == 1


async def test_many_drops_on_the_signer_free_path_lose_nothing(client_for: Any) -> None:
    # Measured before resuming: 100 drops lost half the events sent meanwhile on this path.
    async with (
        Simulator(scenario()) as sim,
        client_for(sim, connect_mode="signer_free") as client,
        client.track_user("alice") as live,
    ):
        seen: list[Any] = []
        for drop in range(10):
            await wait_session(sim, drop + 1)
            sim.drop_sockets("alice")
            ids = [1000 + 10 * drop + i for i in range(5)]
            sim.inject("alice", *(chat(msg_id) for msg_id in ids))  # while nobody is connected
            seen += await collect_until(live, lambda got, last=ids[-1]: last in injected_ids(got))
        assert injected_ids(seen) == [1000 + 10 * drop + i for drop in range(10) for i in range(5)]
        assert (live.stats.gaps_resumed, live.stats.gaps_lost, live.stats.reconnects) == (10, 0, 10)
        assert live.stats.duplicates == 0
