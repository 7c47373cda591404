"""A fleet as the source: the entry takes alice's events from a fleet on a real nats-server (a real worker process
follows the simulator) instead of connecting itself. Sensors, the event bus and the device triggers
behave as with a client of its own; other creators' events are not alice's; the entities are unavailable while the
broker is away and come back with it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from custom_components.tiktok_live import fleet as fleet_source
from custom_components.tiktok_live.const import (
    CONF_FIRE_EVENTS,
    CONF_FLEET_URL,
    CONF_FLEET_WATCH,
    EVENT_TIKTOK_LIVE,
    trigger_signal,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from tests.fleet.fleet_helpers import NatsServer

from tiktok_webcast import GiftEvent, User, UserEvent, UserEventType
from tiktok_webcast.fleet import Fleet
from tiktok_webcast.simulator import Simulator

from .conftest import StartSimulator, add_entry, base_url, creator, scenario, state, wait_for

LIVE = "binary_sensor.alice_live"
DIAMONDS = "sensor.alice_diamonds"
FOLLOWERS = "sensor.alice_new_followers"
FAN = User(id=42, username="fan42", nickname="Fan")


def rose(msg_id: int, count: int) -> GiftEvent:
    return GiftEvent(
        id=5655, name="Rose", cost=1, repeat_count=count, repeat_end=True, type=1, user=FAN, group_id=1, msg_id=msg_id
    )


@pytest.fixture(autouse=True)
def _quick_status(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fleet_source.FleetSource, "status_interval", 0.2)


@pytest.fixture
async def nats_server(hass: HomeAssistant, tmp_path: Path) -> AsyncIterator[NatsServer]:
    server = NatsServer(tmp_path / "jetstream")
    await hass.async_add_executor_job(server.start)
    yield server
    await hass.async_add_executor_job(server.stop)


@contextlib.asynccontextmanager
async def worker(hass: HomeAssistant, url: str, sim: Simulator, log: Path) -> AsyncIterator[None]:
    """A fleet worker process (``tiktok-webcast fleet worker``) following the simulator's creators, until the block
    ends. A process of its own: what it does inside is not this event loop's to clean up."""
    command = [sys.executable, "-m", "tiktok_webcast.cli", "fleet", "--nats", url, "worker", "--offline-poll", "0.5"]
    command += ["--handshakes-per-minute", "600"]
    env = {**os.environ, "TIKTOK_WEBCAST_URLS": base_url(sim)}

    def start() -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=out, env=env)

    def stop(process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    process = await hass.async_add_executor_job(start)
    try:
        yield
    finally:
        await hass.async_add_executor_job(stop, process)


async def test_a_fleet_feeds_sensors_bus_and_triggers_and_availability_follows_the_broker(
    hass: HomeAssistant, start_simulator: StartSimulator, nats_server: NatsServer, tmp_path: Path
) -> None:
    sim = await start_simulator(scenario(creator("alice"), creator("bob")))
    bus: list[dict[str, Any]] = []
    triggers: list[dict[str, Any]] = []

    @callback
    def on_bus(event: Event) -> None:
        bus.append(dict(event.data))

    @callback
    def on_trigger(data: dict[str, Any]) -> None:
        triggers.append(data)

    hass.bus.async_listen(EVENT_TIKTOK_LIVE, on_bus)
    async with Fleet(nats_server.url) as fleet, worker(hass, nats_server.url, sim, tmp_path / "worker.log"):
        await fleet.add("bob")  # watched by someone else; alice is added by the entry's option
        options = {CONF_FLEET_URL: nats_server.url, CONF_FLEET_WATCH: True, CONF_FIRE_EVENTS: True}
        entry = await add_entry(hass, sim, options=options)
        assert entry.state is ConfigEntryState.LOADED
        coordinator = entry.runtime_data
        async_dispatcher_connect(hass, trigger_signal(coordinator.device_id), on_trigger)
        assert "alice" in await fleet.watched()
        await wait_for(lambda: state(hass, LIVE) == STATE_ON, seconds=20, what="alice live per the fleet")
        assert hass.states.get(LIVE).attributes["reason"] == "fleet_live"
        await sim.wait_until(lambda: sum(bool(s.entered) and s.closed_at is None for s in sim.sessions) == 2)

        # bob's gift is in the stream before alice's (a consumer of our own saw it), so the entry reads it first.
        async with contextlib.aclosing(fleet.events(durable="test")) as events:
            sim.inject("bob", rose(2001, 100))
            async for item in events:
                if item.username == "bob" and getattr(item.event, "msg_id", 0) == 2001:
                    break
        sim.inject("alice", rose(1001, 5), UserEvent(event=UserEventType.FOLLOW, user=FAN, msg_id=1002))
        await wait_for(lambda: state(hass, FOLLOWERS) == "1", what="the follow")
        assert state(hass, DIAMONDS) == "5"  # alice's rose; bob's 100 are not hers
        gifts = [e for e in triggers if e["type"] == "gift"]
        assert [(g["gift_name"], g["count"], g["diamonds"], g["sender"]) for g in gifts] == [("Rose", 5, 5, "fan42")]
        assert [e["type"] for e in bus] == ["gift", "follow"]  # set up while live: no went_live
        assert all(e["device_id"] == coordinator.device_id and e["creator"] == "alice" for e in bus)
        assert coordinator.live is None  # no connection of its own: the fleet's worker is the only one

        # The broker goes away: the entities are unavailable; it comes back: so do they, and the counters.
        await hass.async_add_executor_job(nats_server.stop)
        await wait_for(lambda: state(hass, LIVE) == STATE_UNAVAILABLE, seconds=20, what="unavailable")
        await hass.async_add_executor_job(nats_server.start)
        await wait_for(lambda: state(hass, LIVE) == STATE_ON, seconds=30, what="available again")
        assert state(hass, DIAMONDS) == "5"

        sim.go_offline("alice")
        await wait_for(lambda: state(hass, LIVE) == STATE_OFF, seconds=20, what="the stream's end")
        await hass.async_block_till_done()
        assert [e["type"] for e in bus][-1] == "went_offline"
        assert await hass.config_entries.async_unload(entry.entry_id)


async def test_the_options_take_a_fleet_url(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await add_entry(hass, sim)
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    bad = await hass.config_entries.options.async_configure(flow["flow_id"], {CONF_FLEET_URL: "http://broker:4222"})
    assert bad["type"] == FlowResultType.FORM and bad["errors"] == {CONF_FLEET_URL: "invalid_fleet_url"}
    done = await hass.config_entries.options.async_configure(flow["flow_id"], {CONF_FLEET_URL: "  "})
    assert done["type"] == FlowResultType.CREATE_ENTRY and CONF_FLEET_URL not in entry.options
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_an_unreachable_fleet_is_not_ready(hass: HomeAssistant, sim: Simulator) -> None:
    entry = await add_entry(hass, sim, options={CONF_FLEET_URL: "nats://127.0.0.1:1"})
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert await hass.config_entries.async_unload(entry.entry_id)
