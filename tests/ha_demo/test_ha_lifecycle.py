"""A real Home Assistant through its REST and websocket APIs, against a simulator this test stops and restarts:
blueprints imported and fired, a reload and a restart mid-stream (no went_live, counters kept), diagnostics while
live, the service lost and back within bounds, and what the recorder writes for a very busy stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from .test_ha_demo import START_SECONDS, Client, _free_port

REPO = Path(__file__).resolve().parents[2]
BLUEPRINTS = REPO / "blueprints" / "automation" / "tiktok_live"
DEMO = "tiktok_webcast_demo"
LATE = "offline_creator"
BUSY = "tiktok_webcast_busy"
BOUND = 30.0  # seconds: unavailable after the service is lost, live again after it is back
RECORDER_WINDOW = 90.0  # seconds of a busy stream whose database growth is measured
RECORDER_BUDGET = 1024 * 1024  # bytes per hour


def _scenario(tmp_path: Path) -> Path:
    """The demo scenario (a lively creator, live; one offline) plus the busy creator (~2,800 events a second)."""
    from tiktok_webcast.simulator.scenario import builtin_scenario_path

    text = builtin_scenario_path("demo").read_text()
    text += (
        f'\n[[creators]]\nusername = "{BUSY}"\nnickname = "Busy Room"\ntitle = "Everyone is here"\nscript = "busy"\n'
    )
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    return path


class Service:
    """The simulator as a process on fixed ports, so that it can be stopped and started again like a real outage."""

    def __init__(self, scenario: Path) -> None:
        self.scenario = scenario
        self.port = _consecutive_free_ports()
        self.process: subprocess.Popen[str] | None = None
        self.urls: dict[str, str] = {}

    def start(self) -> None:
        command = [sys.executable, "-m", "tiktok_webcast.simulator", "--scenario", str(self.scenario), "--json"]
        command += ["--port", str(self.port), "--no-media"]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline() if self.process.stdout else ""
        assert line, "the simulator did not start"
        self.urls = json.loads(line)

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                self.process.wait(timeout=30)
            if self.process.stdout is not None:
                self.process.stdout.close()
        self.process = None

    def control(self, path: str) -> None:
        import urllib.request

        request = urllib.request.Request(f"{self.urls['web']}/_sim/{path}", method="POST", data=b"{}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200


def _consecutive_free_ports() -> int:
    import socket

    for _ in range(50):
        first = _free_port()
        try:
            sockets = []
            for port in range(first, first + 5):
                probe = socket.socket()
                sockets.append(probe)
                probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for probe in sockets:
                probe.close()
        return first
    raise RuntimeError("no five consecutive free ports")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    running = Service(_scenario(tmp_path))
    running.start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def hass_demo(tmp_path: Path, service: Service) -> Iterator[dict[str, Any]]:
    """scripts/ha-demo on the service above, following the demo creator."""
    ready = tmp_path / "ready.json"
    log_path = tmp_path / "ha-demo.log"
    command = [str(REPO / "scripts" / "ha-demo"), "--port", str(_free_port()), "--config", str(tmp_path / "config")]
    command += ["--ready-file", str(ready), "--service", json.dumps(service.urls), "--username", DEMO]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ha-demo did not get ready:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield {**json.loads(ready.read_text()), "log": log_path}
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Hass:
    """REST and websocket calls on one Home Assistant."""

    def __init__(self, http: aiohttp.ClientSession, demo: dict[str, Any]) -> None:
        self.http = http
        self.url = demo["url"]
        self.headers = {"Authorization": f"Bearer {demo['token']}"}

    async def rest(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, f"{self.url}{path}", json=body, headers=self.headers) as answer:
            text = await answer.text()
            try:
                return answer.status, json.loads(text)
            except ValueError:
                return answer.status, text

    async def state(self, entity_id: str) -> str | None:
        status, answer = await self.rest("GET", f"/api/states/{entity_id}")
        return answer["state"] if status == 200 else None

    async def wait_state(self, entity_id: str, wanted: set[str], seconds: float, what: str) -> float:
        """Polls until ``entity_id`` is in ``wanted``; the seconds it took."""
        start = time.monotonic()
        while (current := await self._state_or_none(entity_id)) not in wanted:
            assert time.monotonic() - start < seconds, f"{what}: {entity_id} still {current} after {seconds:g} s"
            await asyncio.sleep(0.5)
        return time.monotonic() - start

    async def _state_or_none(self, entity_id: str) -> str | None:
        try:
            return await self.state(entity_id)
        except aiohttp.ClientError:
            return None  # restarting

    async def add_creator(self, username: str, urls: dict[str, str]) -> str:
        status, flow = await self.rest(
            "POST", "/api/config/config_entries/flow", {"handler": "tiktok_live", "show_advanced_options": True}
        )
        assert status == 200, flow
        service = {key: urls[key] for key in ("web", "webcast", "ws", "signer")}
        body = {"username": username, "base_url": json.dumps(service)}
        status, result = await self.rest("POST", f"/api/config/config_entries/flow/{flow['flow_id']}", body)
        assert status == 200 and result["type"] == "create_entry", result
        return str(result["result"]["entry_id"])

    async def automation(self, key: str, config: dict[str, Any]) -> None:
        status, answer = await self.rest("POST", f"/api/config/automation/config/{key}", {"id": key, **config})
        assert status == 200, answer


async def _websocket(http: aiohttp.ClientSession, demo: dict[str, Any]) -> tuple[Client, Any]:
    socket_ = await http.ws_connect(f"{demo['url']}/api/websocket")
    client = Client(socket_)
    await client.authenticate(demo["token"])
    return client, socket_


def _database_bytes(path: Path) -> int:
    """The pages in use of the recorder's SQLite database, as a reader sees it (the write-ahead log included)."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0] - db.execute("PRAGMA freelist_count").fetchone()[0]
        return int(pages * db.execute("PRAGMA page_size").fetchone()[0])


def test_lifecycle(hass_demo: dict[str, Any], service: Service, tmp_path: Path) -> None:
    asyncio.run(asyncio.wait_for(_lifecycle(hass_demo, service), 900))


async def _lifecycle(demo: dict[str, Any], service: Service) -> None:
    async with aiohttp.ClientSession() as http:
        hass = Hass(http, demo)
        client, socket_ = await _websocket(http, demo)
        registry = await client.command(type="config/entity_registry/list")
        mine = {e["entity_id"] for e in registry if e["config_entry_id"] == demo["entry_id"]}
        live, diamonds = f"binary_sensor.{DEMO}_live", f"sensor.{DEMO}_diamonds"
        assert {live, diamonds} <= mine  # entity ids from the username
        device_id = next(e["device_id"] for e in registry if e["entity_id"] == live)

        # Blueprints imported (as the UI's import saves them) and used; a plain device trigger counts went_live.
        for name in ("gift_flash_light.yaml", "went_live_notify.yaml"):
            await client.command(
                type="blueprint/save",
                domain="automation",
                path=f"tiktok_live/{name}",
                yaml=(BLUEPRINTS / name).read_text(),
                source_url=f"https://example.invalid/{name}",
            )
        await hass.automation(
            "flash",
            {
                "alias": "Flash on a gift",
                "use_blueprint": {
                    "path": "tiktok_live/gift_flash_light.yaml",
                    "input": {"creator": device_id, "min_diamonds": 1, "light": "light.desk"},
                },
            },
        )
        await hass.automation(
            "count_went_live",
            {
                "alias": "Count went_live",
                "trigger": [
                    {"platform": "device", "domain": "tiktok_live", "device_id": device_id, "type": "went_live"}
                ],
                "action": [{"service": "counter.increment", "target": {"entity_id": "counter.went_live"}}],
            },
        )
        await hass.wait_state("automation.flash_on_a_gift", {"on"}, 30, "the blueprint automation")
        await client.command(type="subscribe_events", event_type="call_service")
        flashed = await _next_call(client, "light", "turn_on", 60)
        assert flashed["service_data"]["flash"] == "short"

        # A creator seen going live: the notify blueprint runs.
        late_entry = await hass.add_creator(LATE, service.urls)
        registry = await client.command(type="config/entity_registry/list")
        late_device = next(e["device_id"] for e in registry if e["config_entry_id"] == late_entry)
        await hass.automation(
            "notify",
            {
                "alias": "Notify when live",
                "use_blueprint": {"path": "tiktok_live/went_live_notify.yaml", "input": {"creator": late_device}},
            },
        )
        await hass.wait_state("automation.notify_when_live", {"on"}, 30, "the notify automation")
        service.control(f"creators/{LATE}/live")
        note = await _next_call(client, "persistent_notification", "create", 60)
        assert note["service_data"]["title"] == f"{LATE} is live on TikTok"

        # Diagnostics while live.
        status, diagnostics = await hass.rest("GET", f"/api/diagnostics/config_entry/{demo['entry_id']}")
        assert status == 200, diagnostics
        assert diagnostics["data"]["connection"]["state"] == "watching"

        # A reload mid-stream: no went_live, the counters go on.
        before = int(await hass.state(diamonds) or 0)
        assert before > 0
        status, answer = await hass.rest("POST", f"/api/config/config_entries/entry/{demo['entry_id']}/reload")
        assert status == 200, answer
        await hass.wait_state(live, {"on"}, 60, "live after the reload")
        assert int(await hass.state(diamonds) or 0) >= before

        # A restart mid-stream: the same.
        before = int(await hass.state(diamonds) or 0)
        await socket_.close()
        await hass.rest("POST", "/api/services/homeassistant/restart")
        await asyncio.sleep(1)  # hass answers the call, then goes down
        await hass.wait_state(live, {"on"}, START_SECONDS, "live after the restart")
        assert int(await hass.state(diamonds) or 0) >= before
        assert await hass.state("counter.went_live") == "0"

        # The service lost, then back.
        service.stop()
        lost = await hass.wait_state(live, {"unavailable"}, 60, "unavailable after the service was lost")
        assert lost <= BOUND, f"unavailable only {lost:.0f} s after the service was lost"
        service.start()
        back = await hass.wait_state(live, {"on"}, 60, "live after the service came back")
        assert back <= BOUND, f"live only {back:.0f} s after the service came back"
        print(f"outage: unavailable after {lost:.1f} s, live again {back:.1f} s after the service's return")
        assert await hass.state("counter.went_live") == "0"  # the same stream went on

        # What the recorder writes while a very busy stream is followed: that creator alone (the others disabled,
        # the automations, which write their own history on every gift, off).
        status, answer = await hass.rest("POST", "/api/services/automation/turn_off", {"entity_id": "all"})
        assert status == 200, answer
        client, socket_ = await _websocket(http, demo)
        for entry_id in (demo["entry_id"], late_entry):
            await client.command(type="config_entries/disable", entry_id=entry_id, disabled_by="user")
        await socket_.close()
        await hass.add_creator(BUSY, service.urls)
        await hass.wait_state(f"binary_sensor.{BUSY}_live", {"on"}, 60, "the busy creator live")
        await asyncio.sleep(15)  # past the first writes of the new entities
        database = Path(demo["config"]) / "home-assistant_v2.db"
        first, start = _database_bytes(database), time.monotonic()
        await asyncio.sleep(RECORDER_WINDOW)
        grown = _database_bytes(database) - first
        per_hour = grown * 3600 / (time.monotonic() - start)
        print(f"recorder: {grown} bytes in {RECORDER_WINDOW:.0f} s, {per_hour / 1024 / 1024:.2f} MiB an hour")
        assert per_hour <= RECORDER_BUDGET, f"{per_hour / 1024 / 1024:.2f} MiB an hour"


async def _next_call(client: Client, domain: str, service: str, seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {domain}.{service} call in {seconds:g} s"
        event = await asyncio.wait_for(client.next_event(), remaining)
        data = event["data"]
        if event["event_type"] == "call_service" and (data["domain"], data["service"]) == (domain, service):
            return dict(data)
