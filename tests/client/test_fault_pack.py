"""The simulator's dated fault pack against the client's connection: each websocket and signer breakage ends in a
typed failure reason with its details, a bounded number of attempts, and an honest live status."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tiktok_webcast import (
    ChatEvent,
    ConnectionLostError,
    ConnectPath,
    DeviceBlockedError,
    FailureKind,
    HandshakeRejectedError,
    LivenessSource,
    LiveState,
    LiveStatus,
    SignerAuthError,
    SignerError,
    User,
)
from tiktok_webcast.simulator import ApiKey, Creator, Scenario, Script, SignerConfig, Simulator

pytestmark = pytest.mark.anyio

KEY = "test-key"


def scenario() -> Scenario:
    signer = SignerConfig(keys=(ApiKey(KEY, per_minute=600),), anonymous=True, anonymous_per_minute=600)
    return Scenario(name="fault-pack", creators=(Creator("alice", script=Script()),), signer=signer)


SIGNED = {"connect_mode": "signed", "signer_api_key": KEY, "signer_limits_validation": False}
SIGNER_FREE = {"connect_mode": "signer_free"}


@pytest.mark.parametrize(
    ("breakage", "options", "kind", "details", "cause"),
    [
        (
            "2024-05-23-device-blocked",
            SIGNER_FREE,
            FailureKind.BLOCKED,
            {"handshake_msg": "DEVICE_BLOCKED", "status": 200},
            DeviceBlockedError,
        ),
        (
            "2024-05-23-device-blocked-415",
            SIGNER_FREE,
            FailureKind.BLOCKED,
            {"handshake_msg": "DEVICE_BLOCKED", "status": 415},
            DeviceBlockedError,
        ),
        (
            "2026-09-09-illegal-app-id",
            SIGNER_FREE,
            FailureKind.BLOCKED,
            {"handshake_msg": "illegal app_id"},
            HandshakeRejectedError,
        ),
        ("2026-09-09-signer-fallback-stub", SIGNED, FailureKind.SIGNER_DOWN, {}, SignerError),
        ("2025-09-16-signer-empty-payload", SIGNED, FailureKind.SIGNER_DOWN, {"status": 500}, SignerError),
    ],
)
async def test_a_breakage_that_never_clears_gives_up_with_its_reason(
    client_for: Any,
    breakage: str,
    options: dict[str, Any],
    kind: FailureKind,
    details: dict[str, Any],
    cause: type[Exception],
) -> None:
    async with Simulator(scenario()) as sim:
        sim.breakage(breakage)
        async with client_for(sim, max_reconnects=1, **options) as client, client.track_user("alice") as live:
            with pytest.raises(ConnectionLostError) as raised, anyio.fail_after(20):
                async for _ in live.events:
                    pass
            assert isinstance(raised.value.__cause__, cause) and raised.value.attempts == 2
            failure = live.stats.last_failure
            assert failure is not None and failure.kind is kind
            assert {name: getattr(failure, name) for name in details} == details
            assert live.stats.failures[kind] == 2 and live.stats.reconnects == 1
            if options is SIGNED:
                assert sim.signer_requests == 2
            # The stream is live; only this client cannot get in, and says so.
            liveness = live.liveness
            readings = {r.source: r for r in liveness.readings}
            assert liveness.status is LiveStatus.LIVE and "per room_info" in liveness.reason
            assert readings[LivenessSource.SOCKET].says is LiveStatus.UNKNOWN
            assert kind.value in readings[LivenessSource.SOCKET].detail


async def test_a_rejected_signer_key_is_final_on_the_signed_path(client_for: Any) -> None:
    async with Simulator(scenario()) as sim:
        sim.breakage("2026-07-23-signer-401")
        async with client_for(sim, **SIGNED) as client, client.track_user("alice") as live:
            with pytest.raises(SignerAuthError), anyio.fail_after(10):
                await live.wait_connected()
            assert live.stats.failures[FailureKind.SIGNER_REJECTED] == 1 and live.stats.reconnects == 0
            assert sim.signer_requests == 1


async def test_a_rejected_signer_key_fails_over_to_the_signer_free_path_at_once(client_for: Any) -> None:
    async with Simulator(scenario()) as sim:
        sim.breakage("2026-07-23-signer-401")
        async with client_for(sim, signer_api_key=KEY) as client, client.track_user("alice") as live:
            with anyio.fail_after(10):
                await live.wait_connected()
            assert live.path is ConnectPath.SIGNER_FREE
            assert live.stats.failures[FailureKind.SIGNER_REJECTED] == 1 and live.stats.reconnects == 1
            assert live.stats.paths[ConnectPath.SIGNED].circuit.value == "open"


@pytest.mark.parametrize("flavour", ["retry-after", "x-ratelimit-reset", "ratelimit-reset"])
async def test_each_rate_limit_header_flavour_sets_the_retry_time(client_for: Any, flavour: str) -> None:
    async with Simulator(scenario()) as sim:
        sim.breakage(f"2025-10-20-signer-429-{flavour}")
        async with client_for(sim, **SIGNED) as client, client.track_user("alice") as live:
            with anyio.fail_after(10):
                async for change in live.state_changes:
                    if change.state is LiveState.RECONNECTING:
                        break
            failure = change.failure
            assert failure is not None and failure.kind is FailureKind.SIGNER_RATE_LIMITED
            # The simulator's window resets in 30 s: the client waits that long, not its own short backoff.
            assert failure.retry_after is not None and 25 <= failure.retry_after <= 31
            assert change.retry_in is not None and change.retry_in >= failure.retry_after
            assert sim.signer_requests == 1


async def test_websockets_without_version_code_are_refused_but_ours_carry_it(client_for: Any) -> None:
    async with Simulator(scenario()) as sim:
        sim.breakage("2025-01-28-version-code")
        async with client_for(sim, **SIGNER_FREE) as client, client.track_user("alice") as live:
            with anyio.fail_after(10):
                await live.wait_connected()
                await sim.wait_until(lambda: bool(sim.sessions) and bool(sim.sessions[0].entered))
            sim.inject("alice", ChatEvent(user=User(id=1, username="v"), comment="hi", msg_id=4242))
            with anyio.fail_after(10):
                async for event in live.events:
                    if isinstance(event, ChatEvent) and event.msg_id == 4242:
                        break
            assert live.stats.reconnects == 0


async def test_a_stream_that_ends_while_disconnected_ends_with_an_offline_reason(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim, **SIGNER_FREE) as client:
        async with client.track_user("alice") as live:
            with anyio.fail_after(10):
                await live.wait_connected()
                await sim.wait_until(lambda: bool(sim.sessions) and bool(sim.sessions[0].entered))
            sim.breakage("2026-07-stream-ends-while-disconnected", room="alice")
            with anyio.fail_after(10):
                async for _ in live.events:
                    pass
            assert live.state is LiveState.ENDED
            assert live.stats.last_change is not None and live.stats.last_change.failure is not None
            assert live.stats.last_change.failure.kind is FailureKind.OFFLINE
            assert live.liveness.status is LiveStatus.OFFLINE
        assert (await client.liveness("alice")).status is LiveStatus.OFFLINE
