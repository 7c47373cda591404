"""The signer's timings: requests paced to its per-minute limit, and how long a 429 says to wait (Retry-After,
X-RateLimit-Reset as a unix time, RateLimit-Reset), clamped when a server says 1e9, inf, NaN or a time in the past.
Also: the logged-in session goes to the signer only when the user opts in."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
import trio.testing

from tiktok_webcast._signer import MAX_RETRY_AFTER, RequestPacer, _per_minute, _retry_after
from tiktok_webcast.exceptions import SignerRateLimitError
from tiktok_webcast.simulator import ApiKey, Creator, Scenario, Script, SignerConfig, Simulator

pytestmark = pytest.mark.anyio

KEY = "signer-key-for-tests"
SESSION = "session-id-for-tests-0123456789"


# -- pacing, on trio's virtual clock: a minute passes without a minute of waiting ------------------------------------


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, Any]]:
    return "trio", {"clock": trio.testing.MockClock(autojump_threshold=0)}


async def test_the_pacer_lets_per_minute_requests_start_in_any_minute() -> None:
    pacer = RequestPacer(per_minute=3)
    starts = []
    for _ in range(7):
        await pacer.wait()
        starts.append(anyio.current_time())
    begin = starts[0]
    offsets = [round(start - begin, 3) for start in starts]
    assert offsets == [0.0, 0.0, 0.0, 60.0, 60.0, 60.0, 120.0]


async def test_concurrent_requests_share_the_pace() -> None:
    pacer = RequestPacer(per_minute=2)
    starts: list[float] = []

    async def one() -> None:
        await pacer.wait()
        starts.append(anyio.current_time())

    begin = anyio.current_time()
    async with anyio.create_task_group() as tasks:
        for _ in range(5):
            tasks.start_soon(one)
    assert sorted(round(start - begin, 3) for start in starts) == [0.0, 0.0, 60.0, 60.0, 120.0]


# -- how long a 429 says to wait ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected", "logged"),
    [
        ({"retry-after": "12"}, 12.0, False),
        ({"retry-after": "1e9"}, MAX_RETRY_AFTER, True),
        ({"retry-after": "inf"}, MAX_RETRY_AFTER, True),
        ({"retry-after": "nan"}, 60.0, True),
        ({"retry-after": "-5"}, 0.0, True),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 60.0, False),
        ({"x-ratelimit-reset": "30"}, 30.0, False),
        ({"ratelimit-reset": "45"}, 45.0, False),
        ({"x-ratelimit-reset": "-inf"}, 0.0, True),
        ({}, 60.0, False),
    ],
)
def test_retry_after_is_read_and_clamped(
    headers: dict[str, str], expected: float, logged: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="tiktok_webcast.bounds"):
        assert _retry_after(httpx.Headers(headers)) == expected
    assert bool(caplog.records) is logged


@pytest.mark.parametrize("name", ["x-ratelimit-reset", "ratelimit-reset"])
def test_a_reset_given_as_a_unix_time_is_the_time_left(name: str) -> None:
    in_40_s = time.time() + 40
    assert 35 <= _retry_after(httpx.Headers({name: str(int(in_40_s))})) <= 40
    an_hour_ago = time.time() - 3600
    assert _retry_after(httpx.Headers({name: str(int(an_hour_ago))})) == 0.0
    next_century = time.time() + 100 * 365 * 86400
    assert _retry_after(httpx.Headers({name: str(int(next_century))})) == MAX_RETRY_AFTER


# -- against the simulator's signer ---------------------------------------------------------------------------------


def _scenario() -> Scenario:
    signer = SignerConfig(keys=(ApiKey(KEY, per_minute=600),), anonymous=False)
    return Scenario(name="signer", creators=(Creator("alice", script=Script()),), signer=signer)


@pytest.mark.parametrize("anyio_backend", ["trio", "asyncio"])
@pytest.mark.parametrize("flavour", ["retry-after", "x-ratelimit-reset"])
async def test_the_simulators_429_gives_its_wait(flavour: str, client_for: Callable[..., Any]) -> None:
    # The simulator's signer answers 429 with a 30 s wait, in one header flavour at a time: X-RateLimit-Reset
    # carries a unix time (now + 30), Retry-After seconds.
    async with Simulator(_scenario()) as sim, client_for(sim, signer_api_key=KEY) as client:
        sim.breakage(f"2025-10-20-signer-429-{flavour}")
        with pytest.raises(SignerRateLimitError) as caught:
            await client.signer.fetch(sim.room_id("alice"), client.user_agent)
    assert 28 <= caught.value.retry_after <= 30


class Recorder(httpx.AsyncBaseTransport):
    """Forwards to the real simulator and keeps each request we sent (our requests, not httpx's internals)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.mark.parametrize("anyio_backend", ["trio", "asyncio"])
@pytest.mark.parametrize("share", [False, True])
async def test_the_session_goes_to_the_signer_only_when_shared(share: bool, client_for: Callable[..., Any]) -> None:
    recorder = Recorder()
    async with (
        Simulator(_scenario()) as sim,
        client_for(
            sim,
            transport=recorder,
            signer_api_key=KEY,
            session_id=SESSION,
            share_session_with_signer=share,
            connect_mode="signed",
        ) as client,
        client.track_user("alice") as live,
    ):
        with anyio.fail_after(15):
            await live.wait_connected()
    to_signer = [r for r in recorder.requests if str(r.url).startswith(sim.urls.signer + "/webcast/fetch")]
    assert to_signer, "the signed path asked the signer for its bootstrap"
    for request in to_signer:
        sent = str(request.url) + "".join(f"{k}: {v}" for k, v in request.headers.multi_items())
        assert (SESSION in sent) is share
        assert (request.headers.get("x-cookie-header", "").startswith(f"sessionid={SESSION};")) is share


@pytest.mark.parametrize(
    ("limits", "per_minute"),
    [
        ({"minute": {"max": 30}}, 30),
        ({"minute": {"max": 1e9}}, 600),
        ({"minute": {"max": "inf"}}, 600),
        ({"minute": {"max": "nan"}}, 5),
        ({"minute": {"max": 0}}, 5),
        ({"minute": {"max": -3}}, 5),
        ({"minute": {"max": True}}, 5),
        ({"minute": "lots"}, 5),
        ({}, 5),
    ],
)
def test_the_pace_a_signer_asks_for_is_bounded(limits: dict[str, Any], per_minute: int) -> None:
    assert _per_minute(limits) == per_minute
