"""A webhook receiver on loopback (a Starlette app under hypercorn) that records each request and answers with the
statuses a test scripts (for example 503 twice, then 200)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import sniffio
from hypercorn.config import Config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=list)
    """Answers in order; 200 once they run out."""
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        with anyio.fail_after(timeout):
            while len(self.requests) < count:
                await anyio.sleep(0.01)
        return self.requests


@asynccontextmanager
async def receiver(*statuses: int) -> AsyncIterator[Receiver]:
    state = Receiver(list(statuses))

    async def hook(request: Request) -> Response:
        state.requests.append(Received(dict(request.headers), await request.body()))
        return Response(status_code=state.statuses.pop(0) if state.statuses else 200)

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    sock = socket.create_server(("127.0.0.1", 0))
    state.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    config = Config()
    config.bind = [f"fd://{sock.detach()}"]
    config.accesslog = None
    stop = anyio.Event()
    if sniffio.current_async_library() == "trio":
        from hypercorn.trio import serve
    else:
        from hypercorn.asyncio import serve  # type: ignore[assignment]
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(lambda: serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
        try:
            yield state
        finally:
            stop.set()
