"""The event server against the simulator, on trio and asyncio; clients are real sockets on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from tests.client.conftest import FAST, base_urls

from tiktok_webcast import TikTok
from tiktok_webcast.serve import EventServer, Polling, ServeConfig
from tiktok_webcast.simulator import Simulator

# Looking again for an offline creator every 0.05 s instead of every 30 s.
QUICK_POLLING = Polling(offline=0.05, not_found=0.05, failure_base=0.05, failure_max=0.2)


@pytest.fixture(params=["trio", "asyncio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def serve() -> Callable[..., Any]:
    """``async with serve(sim, "alice", token=...) as server``: an EventServer on a free port following the
    simulator's creators."""

    @asynccontextmanager
    async def make(
        sim: Simulator | None, *creators: str, client_options: dict[str, Any] | None = None, **config: Any
    ) -> AsyncIterator[EventServer]:
        options: dict[str, Any] = {"port": 0, "polling": QUICK_POLLING, **config}
        urls = base_urls(sim) if sim is not None else None
        async with (
            TikTok(base_urls=urls, **{**FAST, **(client_options or {})}) as client,
            EventServer(
                creators, config=ServeConfig(**options), client=client, rehearsal_client_options=FAST
            ) as server,
        ):
            yield server

    return make
