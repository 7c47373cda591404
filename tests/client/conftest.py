"""Client tests run against the real simulator over loopback, on trio and on asyncio."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tiktok_webcast import BaseUrls, TikTok
from tiktok_webcast.simulator import Simulator


@pytest.fixture(params=["trio", "asyncio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def base_urls(sim: Simulator) -> BaseUrls:
    return BaseUrls.from_json(json.dumps(sim.urls.as_dict()))


# Tests run time in fractions of a second: reconnects must not wait the real 2-30 s.
FAST = {"backoff_base": 1.05, "backoff_max": 0.05, "connect_timeout": 5.0}


@pytest.fixture
def client_for() -> Callable[..., Any]:
    @asynccontextmanager
    async def make(sim: Simulator, **options: Any) -> AsyncIterator[TikTok]:
        async with TikTok(base_urls=base_urls(sim), **{**FAST, **options}) as client:
            yield client

    return make
