"""Fixtures: the real integration in Home Assistant's test harness, against the real simulator on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import custom_components  # pytest-homeassistant-custom-component's package: ours is added to its path
import pytest
from homeassistant.const import CONF_USERNAME
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tiktok_webcast import TikTok
from tiktok_webcast.simulator import Simulator
from tiktok_webcast.simulator.scenario import Creator, Scenario, Script

REPO_COMPONENTS = str(Path(__file__).resolve().parents[3] / "custom_components")
if REPO_COMPONENTS not in custom_components.__path__:
    custom_components.__path__.append(REPO_COMPONENTS)

from custom_components.tiktok_live.const import (  # noqa: E402 - after the path is extended
    CONF_BASE_URL,
    CONF_OFFLINE_INTERVAL,
    DOMAIN,
)
from custom_components.tiktok_live.coordinator import TikTokLiveCoordinator  # noqa: E402


def creator(username: str = "alice", **kwargs: Any) -> Creator:
    """A creator whose room does nothing unless told (no random traffic): tests script every event."""
    kwargs.setdefault("script", Script())
    kwargs.setdefault("nickname", username.capitalize())
    kwargs.setdefault("title", f"{username}'s test stream")
    return Creator(username, **kwargs)


def free_ports(count: int = 5) -> int:
    """The first of ``count`` consecutive free loopback ports (for a simulator that is stopped and started again)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = int(probe.getsockname()[1])
        if first + count > 65535:
            continue
        try:
            with contextlib.ExitStack() as stack:
                for port in range(first, first + count):
                    taken = stack.enter_context(socket.socket())
                    taken.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no free loopback ports")


def scenario(*creators: Creator, **kwargs: Any) -> Scenario:
    return Scenario(name="ha-test", creators=creators or (creator(),), **kwargs)


def base_url(sim: Simulator) -> str:
    """The simulator's base URLs as the config entry's advanced ``base_url`` option takes them."""
    return json.dumps(sim.urls.as_dict())


@pytest.fixture(autouse=True)
def _integration(enable_custom_integrations: None, socket_enabled: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test loads custom integrations and may open loopback sockets (pytest-socket allows only 127.0.0.1).
    Entities are written every 0.1 s rather than every 10 s (the recorder's budget), so scripted streams that
    last seconds show each step; tests/ha_demo runs the real cooldown and measures what the recorder writes."""
    monkeypatch.setattr(TikTokLiveCoordinator, "update_cooldown", 0.1)


class Simulators:
    """Starts simulators in the test's event loop (Home Assistant's); :meth:`stop` ends one (the service is gone),
    and all stop when the test ends.

    Each runs in a task of its own: its task group must be entered and left by one task, and pytest-asyncio runs a
    fixture's setup and teardown in different ones."""

    def __init__(self) -> None:
        self.running: dict[int, tuple[asyncio.Event, asyncio.Task[None]]] = {}

    async def __call__(self, scene: Scenario | None = None, port: int = 0) -> Simulator:
        """``port``: the first of five consecutive ports (0: free ones); a restarted service uses its old ones."""
        stop = asyncio.Event()
        started: asyncio.Future[Simulator] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._serve(scene or scenario(), port, stop, started))
        simulator = await started
        self.running[id(simulator)] = (stop, task)
        return simulator

    async def stop(self, simulator: Simulator) -> None:
        stop, task = self.running.pop(id(simulator))
        stop.set()
        await task

    @staticmethod
    async def _serve(scene: Scenario, port: int, stop: asyncio.Event, started: asyncio.Future[Simulator]) -> None:
        try:
            async with Simulator(scene, ffmpeg=False, port=port) as simulator:
                started.set_result(simulator)
                await stop.wait()
        except BaseException as error:
            if not started.done():
                started.set_exception(error)
            raise


StartSimulator = Simulators


@pytest.fixture
async def start_simulator() -> AsyncIterator[Simulators]:
    simulators = Simulators()
    yield simulators
    for stop, _ in simulators.running.values():
        stop.set()
    await asyncio.gather(*(task for _, task in simulators.running.values()))


@pytest.fixture
async def sim(start_simulator: Simulators) -> Simulator:
    """The default scenario: alice, live, with a silent room."""
    return await start_simulator()


async def user_id(sim: Simulator, username: str = "alice") -> str:
    async with TikTok(base_urls=sim_urls(sim)) as client:
        return str((await client.get_user_info(username)).user_id)


def sim_urls(sim: Simulator) -> Any:
    from tiktok_webcast import BaseUrls

    return BaseUrls.from_json(base_url(sim))


async def add_entry(
    hass: HomeAssistant,
    sim: Simulator,
    username: str = "alice",
    *,
    data: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    setup: bool = True,
) -> MockConfigEntry:
    """A config entry for ``username`` on ``sim`` (checks every second while offline), set up unless told."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=username.capitalize(),
        unique_id=await user_id(sim, username),
        data={CONF_USERNAME: username, CONF_BASE_URL: base_url(sim), **(data or {})},
        options={CONF_OFFLINE_INTERVAL: 1, **(options or {})},
    )
    entry.add_to_hass(hass)
    if setup:
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


async def wait_for(predicate: Callable[[], bool], seconds: float = 15.0, what: str = "the condition") -> None:
    """Polls ``predicate`` on the event loop until it holds; fails after ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"waited {seconds:g} s for {what}")
        await asyncio.sleep(0.05)


def state(hass: HomeAssistant, entity_id: str) -> str | None:
    current = hass.states.get(entity_id)
    return None if current is None else current.state
