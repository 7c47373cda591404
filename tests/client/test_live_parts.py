"""The connection's pure parts: the heartbeat period from Handshake-Options, the path ladder and its circuit
breakers, the reconnect budget, and how liveness readings are weighed (duplicate ids: test_seen_ids.py)."""

from __future__ import annotations

import math

import pytest

from tiktok_webcast import (
    Circuit,
    ConnectPath,
    FailureKind,
    LivenessReading,
    LivenessSource,
    LiveStatus,
    PathFailure,
)
from tiktok_webcast._ladder import Ladder
from tiktok_webcast._liveness import decide
from tiktok_webcast._polling import fetch_delay
from tiktok_webcast._reconnect import ReconnectBudget
from tiktok_webcast._session import heartbeat_interval

FREE, SIGNED, POLLING = ConnectPath.SIGNER_FREE, ConnectPath.SIGNED, ConnectPath.POLLING


def test_handshake_options_give_the_heartbeat_interval() -> None:
    assert heartbeat_interval("compress=gzip; ping_interval=10", 7) == 10
    assert heartbeat_interval("ping-interval=5", 7) == 5
    assert heartbeat_interval("compress=gzip", 7) == 7
    assert heartbeat_interval(None, 7) == 7
    assert heartbeat_interval("ping-interval=soon", 7) == 7


@pytest.mark.parametrize(
    ("sent", "used"), [("0.000001", 1.0), ("0", 1.0), ("-3", 1.0), ("1e9", 30.0), ("inf", 30.0), ("nan", 7.0)]
)
def test_a_server_cannot_ask_for_a_heartbeat_period_outside_the_bounds(sent: str, used: float) -> None:
    assert heartbeat_interval(f"ping-interval={sent}", 7) == used


@pytest.mark.parametrize(("sent_ms", "used"), [(1000, 1.0), (2500, 2.5), (0, 1.0), (1, 1.0), (10**12, 30.0)])
def test_the_fetch_interval_is_clamped(sent_ms: int, used: float) -> None:
    assert fetch_delay(sent_ms) == used


def failure(path: ConnectPath, kind: FailureKind = FailureKind.NETWORK, **details: object) -> PathFailure:
    return PathFailure(kind, path, "test", **details)  # type: ignore[arg-type]


def test_the_ladder_keeps_a_path_until_its_circuit_opens_then_takes_the_healthiest() -> None:
    ladder = Ladder([FREE, SIGNED, POLLING], cooldown=10)
    assert ladder.choose(0) == (FREE, 0.0)
    for attempt in range(3):
        ladder.failed(failure(FREE), now=attempt)
        expected = FREE if attempt < 2 else SIGNED
        assert ladder.choose(attempt)[0] is expected
    assert ladder.health[FREE].circuit is Circuit.OPEN
    # Signed also fails three times: polling is next, though it is last in preference.
    for _ in range(3):
        ladder.failed(failure(SIGNED), now=3)
    assert ladder.choose(3) == (POLLING, 0.0)


def test_an_open_circuit_half_opens_after_its_cooldown_and_one_failure_opens_it_again() -> None:
    ladder = Ladder([FREE], cooldown=10)
    for _ in range(3):
        ladder.failed(failure(FREE), now=0)
    assert ladder.choose(4) == (FREE, 6.0)  # the only path: wait for its cooldown
    assert ladder.health[FREE].circuit is Circuit.OPEN
    ladder.choose(10)
    assert ladder.health[FREE].circuit is Circuit.HALF_OPEN
    ladder.failed(failure(FREE), now=10)
    assert ladder.health[FREE].circuit is Circuit.OPEN and ladder.health[FREE].open_until == 20
    ladder.choose(20)
    ladder.succeeded(FREE)
    assert ladder.health[FREE].circuit is Circuit.CLOSED and ladder.health[FREE].consecutive_failures == 0


def test_a_rate_limited_signer_closes_its_path_until_the_retry_time_and_others_carry_on() -> None:
    ladder = Ladder([SIGNED, FREE], cooldown=10)
    ladder.failed(failure(SIGNED, FailureKind.SIGNER_RATE_LIMITED, retry_after=42.0), now=0)
    assert ladder.choose(1) == (FREE, 0.0)
    assert ladder.health[SIGNED].open_until == 42.0


def test_a_rejected_key_closes_the_signed_path_for_good() -> None:
    ladder = Ladder([SIGNED], cooldown=10)
    ladder.failed(failure(SIGNED, FailureKind.SIGNER_REJECTED), now=0)
    assert ladder.final() and ladder.health[SIGNED].open_until == math.inf


def test_scores_rise_with_successes_and_fall_with_failures() -> None:
    ladder = Ladder([FREE, SIGNED], cooldown=10)
    before = ladder.health[SIGNED].score
    ladder.succeeded(SIGNED)
    assert ladder.health[SIGNED].score > before
    ladder.failed(failure(SIGNED), now=0)
    assert ladder.health[SIGNED].score < before + 0.1


def test_the_budget_counts_failed_attempts_and_the_backoff_resets_after_messages() -> None:
    budget = ReconnectBudget(max_failed=2, backoff_base=2.0, backoff_max=100.0)
    drop = failure(FREE, FailureKind.DROPPED)
    for _ in range(10):  # a connection that works but flaps
        budget.reconnecting(attempt_failed=False)
    assert budget.failed == 0 and not budget.exhausted
    assert budget.delay(drop) >= 50.0  # ... backs off further each time (2**10 capped at 100, jittered)
    budget.productive()
    assert budget.delay(drop) <= 2.0
    for _ in range(3):
        budget.reconnecting(attempt_failed=True)
    assert budget.exhausted


def test_device_blocked_waits_the_documented_two_seconds() -> None:
    budget = ReconnectBudget(max_failed=5, backoff_base=2.0, backoff_max=30.0)
    for _ in range(4):
        budget.reconnecting(attempt_failed=True)
    blocked = failure(FREE, FailureKind.BLOCKED, handshake_msg="DEVICE_BLOCKED")
    assert budget.delay(blocked) == 2.0


API, PAGE, ROOM, ALIVE, SOCKET = (
    LivenessSource.API_LIVE,
    LivenessSource.LIVE_PAGE,
    LivenessSource.ROOM_INFO,
    LivenessSource.CHECK_ALIVE,
    LivenessSource.SOCKET,
)
LIVE, OFF, UNKNOWN = LiveStatus.LIVE, LiveStatus.OFFLINE, LiveStatus.UNKNOWN


def says(*pairs: tuple[LivenessSource, LiveStatus]) -> list[LivenessReading]:
    return [LivenessReading(source, status, "test") for source, status in pairs]


@pytest.mark.parametrize(
    ("readings", "status", "reason"),
    [
        # Everyone agrees.
        (says((API, LIVE), (ROOM, LIVE), (ALIVE, LIVE)), LIVE, "live per api_live and room_info and check_alive"),
        (says((API, OFF), (ROOM, OFF), (ALIVE, OFF)), OFF, "offline per"),
        (says((API, OFF)), OFF, "offline per api_live"),
        # check_alive alone never makes a room live (2026-07-15: alive for any id).
        (says((API, UNKNOWN), (ALIVE, LIVE)), UNKNOWN, "only check_alive says live"),
        (says((API, OFF), (ROOM, OFF), (ALIVE, LIVE)), OFF, "although check_alive says otherwise"),
        # user_not_found is unknown, never offline: room info shows the room live.
        (says((API, UNKNOWN), (PAGE, LIVE), (ROOM, LIVE), (ALIVE, LIVE)), LIVE, "live per live_page"),
        (says((API, UNKNOWN), (ROOM, LIVE)), LIVE, "live per room_info"),
        # A stale api-live answer is outvoted by room info with check_alive.
        (says((API, OFF), (ROOM, LIVE), (ALIVE, LIVE)), LIVE, "although api_live says otherwise"),
        # Two equal sources disagreeing, nothing else: cannot tell.
        (says((API, LIVE), (ROOM, OFF)), UNKNOWN, "sources disagree"),
        # Frames on the socket are first-hand.
        (says((SOCKET, LIVE), (ROOM, OFF)), LIVE, "live per socket"),
        (says((SOCKET, OFF), (ROOM, LIVE)), OFF, "offline per socket"),
        # Nothing known.
        (says((API, UNKNOWN), (PAGE, UNKNOWN)), UNKNOWN, "no source could tell"),
        ([], UNKNOWN, "nothing was asked"),
    ],
)
def test_liveness_weighs_its_sources(readings: list[LivenessReading], status: LiveStatus, reason: str) -> None:
    liveness = decide(readings, room_id=7, username="alice")
    assert liveness.status is status
    assert reason in liveness.reason
    assert liveness.readings == tuple(readings) and liveness.room_id == 7
