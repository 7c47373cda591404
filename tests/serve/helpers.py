"""Waiting for the server to follow a creator, and reading its streams."""

from __future__ import annotations

import anyio

from tiktok_webcast.serve import EventServer
from tiktok_webcast.simulator import Simulator


async def wait_following(server: EventServer, sim: Simulator, creator: str = "alice", timeout: float = 15.0) -> None:
    """The server's client is connected to ``creator``'s room and the simulator has it entered: what is injected
    from now on reaches the server."""
    with anyio.fail_after(timeout):
        while server.feeds[creator].status.get("state") != "live":
            await anyio.sleep(0.02)
        await sim.wait_until(
            lambda: any(s.entered and s.closed_at is None and s.room_id == sim.room_id(creator) for s in sim.sessions)
        )


async def wait_clients(server: EventServer, count: int, timeout: float = 10.0) -> None:
    with anyio.fail_after(timeout):
        while len(server.hub.subscribers) < count:
            await anyio.sleep(0.01)
