"""The connection's pure parts: the heartbeat period from Handshake-Options, duplicate ids, the path ladder and its
circuit breakers, the reconnect budget, and how liveness readings are weighed."""

from __future__ import annotations

import math
from dataclasses import dataclass

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
from tiktok_webcast._dedupe import SeenIds
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


def test_seen_ids_drop_replays_but_never_id_zero() -> None:
    seen = SeenIds(capacity=4, max_age=60)
    assert seen.first_time(1) and not seen.first_time(1)
    assert seen.first_time(0) and seen.first_time(0)


def test_seen_ids_remember_the_newest_generation_and_drop_the_one_before_whole() -> None:
    seen = SeenIds(capacity=4, max_age=60)
    for msg_id in range(1, 8):  # a full generation (1-4), then 5-7 in the newest
        assert seen.first_time(msg_id)
    assert len(seen) == 7
    assert not seen.first_time(1) and not seen.first_time(7)  # both generations answer
    assert seen.first_time(8)  # fills the newest: it becomes the older one and 1-4 are dropped whole
    assert len(seen) == 4
    assert seen.first_time(1)
    assert not seen.first_time(5)


@dataclass(frozen=True)
class Message:
    msg_id: int


def test_seen_ids_keep_a_frames_new_events_in_order_and_remember_them() -> None:
    seen = SeenIds(capacity=100, max_age=60)
    first = [Message(3), Message(1), Message(2)]
    assert seen.keep_new(first) == first
    assert seen.keep_new([Message(2), Message(4)]) == [Message(4)]  # a replay across frames
    assert seen.keep_new([Message(5), Message(5)]) == [Message(5)]  # a repeat within a frame
    assert seen.keep_new([Message(0), Message(0)]) == [Message(0), Message(0)]  # no id: never matched
    assert seen.keep_new([Message(0)]) == [Message(0)]  # and never remembered
    assert len(seen) == 5
    assert seen.keep_new([Message(1), Message(5)]) == []


def test_seen_ids_keep_new_starts_a_generation_when_a_frame_fills_one() -> None:
    seen = SeenIds(capacity=4, max_age=60)
    seen.keep_new([Message(i) for i in range(1, 6)])  # 5 ids overshoot the capacity of 4: the newest retires
    seen.keep_new([Message(i) for i in range(6, 11)])  # and again: 1-5 are dropped whole
    assert seen.keep_new([Message(1), Message(6)]) == [Message(1)]


def test_seen_ids_forget_after_two_ages_in_a_quiet_room() -> None:
    seen = SeenIds(capacity=1000, max_age=60)
    seen.tick(0)
    assert seen.first_time(7)
    seen.tick(59)
    assert not seen.first_time(7)
    seen.tick(60)  # the generation holding 7 becomes the older one: still remembered
    assert not seen.first_time(7)
    seen.tick(119)
    assert not seen.first_time(7)
    seen.tick(120)  # and then is dropped
    assert len(seen) == 0
    assert seen.first_time(7)


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
