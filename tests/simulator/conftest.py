"""HTTP tests run on trio and asyncio; websocket tests (the `websockets` client) pin asyncio."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["trio", "asyncio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
