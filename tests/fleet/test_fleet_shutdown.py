"""A worker process stopped with Ctrl-C (SIGINT) after the broker restarted exits cleanly: status 0 and nothing but
its own log lines on stderr (no traceback, no asyncio complaint about an exception never retrieved)."""

from __future__ import annotations

import signal
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path

import anyio
import pytest
from fleet_helpers import NatsServer, child, simulator_process, worker_command

from tiktok_webcast.events import ChatEvent
from tiktok_webcast.fleet import Fleet, FleetEvent

pytestmark = pytest.mark.anyio

SCENARIO = """
name = "fleet-shutdown"
description = "3 rooms chatting"
seed = 5

[generate]
count = 3
prefix = "creator"
script = { preset = "silent", chat = 5.0 }
"""


async def _chats_after(events: AsyncIterator[FleetEvent], after_ms: float, count: int) -> list[int]:
    """The sequences of the next ``count`` chat messages the simulator created after ``after_ms`` (Unix ms)."""
    seen: list[int] = []
    async for item in events:
        if isinstance(item.event, ChatEvent) and item.event.timestamp > after_ms:
            seen.append(item.sequence)
            if len(seen) >= count:
                return seen
    raise AssertionError("the event stream ended")


async def test_a_worker_interrupted_after_a_broker_restart_exits_cleanly(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    async with simulator_process(SCENARIO, tmp_path) as env:
        async with Fleet(nats_server.url, lease_ttl=3) as fleet:
            for i in range(1, 4):
                await fleet.add(f"creator{i:04d}")
        worker_log = tmp_path / "worker.log"
        command = worker_command(nats_server.url, "--id", "w0", "--handshakes-per-minute", "600", "--offline-poll", "1")
        with child(command, worker_log, env) as worker:
            async with Fleet(nats_server.url) as consumer, aclosing(consumer.events(durable="shutdown")) as events:
                with anyio.fail_after(60):
                    before = await _chats_after(events, 0, 3)
                nats_server.stop()
                await anyio.to_thread.run_sync(nats_server.start)
                restarted_ms = time.time() * 1000
                with anyio.fail_after(60):  # the worker reconnected and publishes again
                    after = await _chats_after(events, restarted_ms, 3)
                assert min(after) > max(before)
            worker.send_signal(signal.SIGINT)
            with anyio.fail_after(30):
                code = await anyio.to_thread.run_sync(worker.wait)
    stderr = worker_log.read_text(errors="replace")
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert "never retrieved" not in stderr
