"""``tiktok-webcast serve`` as a subprocess against the simulator: it prints where it serves, streams a creator's
events in TikFinity's format, refuses unsafe settings with a clear message, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import re
import signal

import pytest
from tests.client.test_cli_commands import run_cli, running_cli
from tests.serve.wsclient import open_text_socket
from tests.simulator.sim_helpers import scenario

from tiktok_webcast import ChatEvent, User
from tiktok_webcast.simulator import Simulator

pytestmark = pytest.mark.anyio


async def test_serve_streams_a_creator_and_stops_on_ctrl_c() -> None:
    async with Simulator(scenario()) as sim:
        urls = json.dumps(sim.urls.as_dict())
        async with running_cli("serve", "alice", "--port", "0", "--offline-poll", "0.1", urls=urls) as cli:
            await cli.wait_for(lambda c: "TikFinity-format websocket: ws://" in c.stderr)
            url = re.search(r"TikFinity-format websocket: (ws://\S+)", cli.stderr)
            assert url is not None
            async with open_text_socket(url.group(1)) as socket:
                await sim.wait_until(lambda: any(s.entered and s.closed_at is None for s in sim.sessions))
                sim.inject("alice", ChatEvent(user=User(id=7, username="bob"), comment="hi from the cli", msg_id=1001))
                got = await socket.json_until(lambda m: m["event"] == "chat" and m["data"]["msgId"] == "1001")
            assert got[-1]["data"]["comment"] == "hi from the cli" and got[-1]["data"]["uniqueId"] == "bob"
            cli.process.send_signal(signal.SIGINT)
            result = await cli.finish()
    assert result.returncode == 0
    assert "/overlays/alerts.html" in result.stderr and "following alice" in result.stderr


async def test_serve_refuses_a_public_address_without_a_token() -> None:
    result = await run_cli("serve", "alice", "--host", "0.0.0.0", "--port", "0")
    assert result.returncode == 1
    assert "reachable from other machines: give a token" in result.stderr


async def test_serve_never_prints_its_token() -> None:
    token = "token-that-stays-secret"
    async with running_cli("serve", "--port", "0", "--token", token) as cli:
        await cli.wait_for(lambda c: "viewers: " in c.stderr)
        cli.process.send_signal(signal.SIGINT)
        result = await cli.finish()
    assert result.returncode == 0 and token not in result.output and "?token=YOUR_TOKEN" in result.stderr
