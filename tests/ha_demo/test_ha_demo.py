"""A real Home Assistant (scripts/ha-demo) following the simulator's demo creator, driven over its websocket API."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 240  # a cold start: the simulator, hass's first run (onboarding, frontend), the config flow
WATCH_SECONDS = 90  # the demo stream sends viewers every 5 s, likes twice a second, a gift every 4 s on average


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """scripts/ha-demo on a free loopback port with a fresh config directory; what it wrote to --ready-file."""
    ready = tmp_path / "ready.json"
    log_path = tmp_path / "ha-demo.log"
    command = [
        str(REPO / "scripts" / "ha-demo"),
        "--port",
        str(_free_port()),
        "--config",
        str(tmp_path / "config"),
        "--ready-file",
        str(ready),
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ha-demo did not get ready:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield json.loads(ready.read_text())
    finally:
        process.terminate()  # ha-demo stops hass and the simulator, which it started
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Client:
    """Home Assistant's websocket API: commands with ids, and the events of subscriptions."""

    def __init__(self, socket_: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket_
        self.ids = itertools.count(1)
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def authenticate(self, token: str) -> None:
        assert (await self.socket.receive_json())["type"] == "auth_required"
        await self.socket.send_json({"type": "auth", "access_token": token})
        assert (await self.socket.receive_json())["type"] == "auth_ok"

    async def command(self, **message: Any) -> Any:
        message_id = next(self.ids)
        await self.socket.send_json({"id": message_id, **message})
        while True:
            answer = await self.socket.receive_json()
            if answer["type"] == "event":
                self.events.put_nowait(answer["event"])
            elif answer["id"] == message_id:
                assert answer["success"], answer
                return answer["result"]

    async def next_event(self) -> dict[str, Any]:
        if not self.events.empty():
            return self.events.get_nowait()
        answer = await self.socket.receive_json()
        assert answer["type"] == "event", answer
        return answer["event"]


def test_entities_follow_the_demo_stream(demo: dict[str, Any]) -> None:
    asyncio.run(asyncio.wait_for(_drive(demo), WATCH_SECONDS + 30))


async def _drive(demo: dict[str, Any]) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{demo['url']}/api/websocket") as socket_:
        client = Client(socket_)
        await client.authenticate(demo["token"])

        registry = await client.command(type="config/entity_registry/list")
        by_key = {
            e["unique_id"].split("_", 1)[1]: e["entity_id"]
            for e in registry
            if e["config_entry_id"] == demo["entry_id"]
        }
        assert by_key
        live, viewers, likes, gift = by_key["live"], by_key["viewers"], by_key["likes"], by_key["gift"]
        assert by_key["chat"] and by_key["join"]  # registered (disabled by default)

        await client.command(type="subscribe_events", event_type="state_changed")
        current = {s["entity_id"]: s["state"] for s in await client.command(type="get_states")}
        # Saving the entry's options (ha-demo's last step) reloads it: its entities are unavailable for a moment.
        while current.get(live) != "on" or not current.get(likes, "").isdigit():
            changed = (await client.next_event())["data"]
            if changed["new_state"] is not None:
                current[changed["entity_id"]] = changed["new_state"]["state"]
        first_likes = int(current[likes])

        device_id = next(e["device_id"] for e in registry if e["entity_id"] == live)
        triggers = await client.command(type="device_automation/trigger/list", device_id=device_id)
        assert {t["type"] for t in triggers if t.get("domain") == "tiktok_live"} >= {
            "went_live",
            "went_offline",
            "gift",
            "follow",
            "share",
            "subscribe",
            "chat",
        }

        seen: dict[str, list[Any]] = {"viewers": [], "likes": [], "gift": []}
        deadline = asyncio.get_running_loop().time() + WATCH_SECONDS
        while not all(seen.values()):
            remaining = deadline - asyncio.get_running_loop().time()
            assert remaining > 0, f"in {WATCH_SECONDS} s the demo stream changed only {seen}"
            event = await asyncio.wait_for(client.next_event(), remaining)
            entity_id, new = event["data"]["entity_id"], event["data"]["new_state"]
            if new is None:
                continue
            if entity_id == viewers:
                seen["viewers"].append(int(new["state"]))
            elif entity_id == likes and int(new["state"]) > first_likes:
                seen["likes"].append(int(new["state"]))
            elif entity_id == gift and new["attributes"].get("event_type") == "gift":
                seen["gift"].append(new["attributes"])
        streak = seen["gift"][0]
        assert streak["count"] >= 1 and streak["diamonds"] >= 1 and streak["gift_name"] and streak["sender"]
