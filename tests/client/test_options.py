"""Options whose effect is only visible around the connection: signer pacing, request and frame logging, and keeping
secrets out of all of it."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest

from tiktok_webcast import SignerAuthError
from tiktok_webcast._signer import DEFAULT_PER_MINUTE
from tiktok_webcast.simulator import ApiKey, Creator, Scenario, Script, SignerConfig, Simulator

pytestmark = pytest.mark.anyio

KEY = "the-secret-key-123"
SESSION = "the-secret-session-456"


def scenario() -> Scenario:
    return Scenario(
        name="options",
        creators=(Creator("alice", script=Script()),),
        signer=SignerConfig(keys=(ApiKey(KEY, per_minute=42),), anonymous=False),
    )


async def test_the_signer_is_asked_for_its_limits_and_paced_to_them(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim, signer_api_key=KEY) as client:
        limits = await client.check_signer()
        assert limits["minute"]["max"] == 42
        pacer = await client.signer.pacer()
        assert pacer.per_minute == 42


async def test_without_limits_validation_five_requests_a_minute(client_for: Any) -> None:
    async with Simulator(scenario()) as sim:
        async with client_for(sim, signer_api_key=KEY, signer_limits_validation=False) as client:
            pacer = await client.signer.pacer()
            assert pacer.per_minute == DEFAULT_PER_MINUTE == 5
            assert client.signer.limits is None


async def test_a_rejected_key_is_a_signer_auth_error(client_for: Any) -> None:
    async with Simulator(scenario()) as sim, client_for(sim, signer_api_key="wrong") as client:
        with pytest.raises(SignerAuthError) as raised:
            await client.check_signer()
        assert raised.value.status == 401 and "wrong" not in str(raised.value)


async def test_requests_and_frames_are_logged_without_secrets(
    client_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="tiktok_webcast")
    async with Simulator(scenario()) as sim:
        options = {"signer_api_key": KEY, "session_id": SESSION, "log_requests": True, "extra_debug": True}
        async with client_for(sim, **options) as client, client.track_user("alice") as live:
            with anyio.fail_after(10):
                await live.wait_connected()
                while live.stats.frames < 2:
                    await anyio.sleep(0.01)
    ours = [r for r in caplog.records if r.name.startswith("tiktok_webcast")]
    text = "\n".join(r.getMessage() for r in ours)
    assert "/api-live/user/room/" in text and "webcast/fetch" in text
    assert "<=" in text and "=>" in text
    assert KEY not in text and SESSION not in text and "ttwid=" not in text


def test_options_are_keyword_arguments_or_one_options_object() -> None:
    from tiktok_webcast import Options, TikTok

    by_keyword = TikTok(connect_mode="polling", max_reconnects=9, include_history=False)
    by_object = TikTok(options=Options(connect_mode="polling", max_reconnects=9, include_history=False))
    assert by_keyword.options == by_object.options
    assert by_keyword.options.max_reconnects == 9 and by_keyword.options.connect_mode == "polling"
    with pytest.raises(TypeError):
        TikTok(max_reconnect=9)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"connect_mode": "fast"},
            "connect_mode must be one of 'auto', 'signer_free', 'signed', 'polling', not 'fast'",
        ),
        ({"max_reconnects": -1}, "max_reconnects must be a whole number of at least 0"),
        ({"event_buffer": 0}, "event_buffer must be a whole number of at least 1"),
        ({"stale_timeout": float("nan")}, "stale_timeout must be a positive, finite number of seconds, not nan"),
        ({"backoff_max": float("inf")}, "backoff_max must be a positive, finite number of seconds, not inf"),
        ({"heartbeat_interval": 0}, "heartbeat_interval must be a positive, finite number of seconds, not 0"),
        ({"connect_timeout": "20"}, "connect_timeout must be a positive, finite number of seconds, not '20'"),
    ],
)
def test_unusable_options_are_refused_with_their_name(options: dict[str, Any], message: str) -> None:
    from tiktok_webcast import InvalidArgumentError, TikTok

    with pytest.raises(InvalidArgumentError) as raised:
        TikTok(**options)
    assert str(raised.value) == message


@pytest.mark.parametrize("interval", [0, -1.0, float("nan"), float("inf"), "60"])
def test_watch_user_refuses_an_unusable_check_interval(interval: Any) -> None:
    from tiktok_webcast import InvalidArgumentError, TikTok

    with pytest.raises(InvalidArgumentError, match="check_interval must be a positive, finite number of seconds"):
        TikTok().watch_user("someone", check_interval=interval)
