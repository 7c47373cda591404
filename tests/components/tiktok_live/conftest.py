"""Fixtures: the real integration in Home Assistant's test harness, against the real simulator on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
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

StartSimulator = Callable[..., Awaitable[Simulator]]


def creator(username: str = "alice", **kwargs: Any) -> Creator:
    """A creator whose room does nothing unless told (no random traffic): tests script every event."""
    kwargs.setdefault("script", Script())
    kwargs.setdefault("nickname", username.capitalize())
    kwargs.setdefault("title", f"{username}'s test stream")
    return Creator(username, **kwargs)


def scenario(*creators: Creator, **kwargs: Any) -> Scenario:
    return Scenario(name="ha-test", creators=creators or (creator(),), **kwargs)


def base_url(sim: Simulator) -> str:
    """The simulator's base URLs as the config entry's advanced ``base_url`` option takes them."""
    return json.dumps(sim.urls.as_dict())


@pytest.fixture(autouse=True)
def _integration(enable_custom_integrations: None, socket_enabled: None) -> None:
    """Every test loads custom integrations and may open loopback sockets (pytest-socket allows only 127.0.0.1)."""


@pytest.fixture
async def start_simulator() -> AsyncIterator[StartSimulator]:
    """Starts simulators in the test's event loop (Home Assistant's); all stop when the test ends.

    Each runs in a task of its own: its task group must be entered and left by one task, and pytest-asyncio runs a
    fixture's setup and teardown in different ones."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    async def serve(scene: Scenario, started: asyncio.Future[Simulator]) -> None:
        try:
            async with Simulator(scene, ffmpeg=False) as simulator:
                started.set_result(simulator)
                await stop.wait()
        except BaseException as error:
            if not started.done():
                started.set_exception(error)
            raise

    async def start(scene: Scenario | None = None) -> Simulator:
        started: asyncio.Future[Simulator] = asyncio.get_running_loop().create_future()
        tasks.append(asyncio.create_task(serve(scene or scenario(), started)))
        return await started

    yield start
    stop.set()
    await asyncio.gather(*tasks)


@pytest.fixture
async def sim(start_simulator: StartSimulator) -> Simulator:
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
