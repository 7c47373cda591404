"""A local stand-in for the TikTok LIVE services, path for path and byte for byte, for tests and demos.

::

    from tiktok_webcast.simulator import Simulator

    async with Simulator("demo") as sim:
        ...  # point a client at sim.urls.web / .webcast / .ws / .signer / .media

Run it from a shell with ``python -m tiktok_webcast.simulator [--scenario demo|busy|PATH]``. Scenarios are TOML
files or :class:`Scenario` dataclasses; see ``docs/simulator.md``.
"""

from tiktok_webcast.simulator.app import Simulator
from tiktok_webcast.simulator.cli import main, serve
from tiktok_webcast.simulator.loader import load_scenario, parse_fault, parse_scenario
from tiktok_webcast.simulator.pack import BREAKAGES, BreakageInfo
from tiktok_webcast.simulator.scenario import (
    BUILTIN_SCENARIOS,
    SCRIPT_PRESETS,
    ApiKey,
    Breakage,
    Creator,
    DeviceBlocked,
    DropSocket,
    Fault,
    Generate,
    HttpError,
    MalformedFrame,
    NoTtwid,
    Offline,
    RefuseHandshake,
    Replay,
    Scenario,
    ScenarioError,
    Script,
    ServerConfig,
    SignerConfig,
    SignerFault,
    Slow,
    TimedEvent,
    UnknownMessage,
)
from tiktok_webcast.simulator.sessions import AckRecord, HeartbeatRecord, SessionRecord
from tiktok_webcast.simulator.urls import SimulatorUrls

__all__ = [
    "BREAKAGES",
    "BUILTIN_SCENARIOS",
    "SCRIPT_PRESETS",
    "AckRecord",
    "ApiKey",
    "Breakage",
    "BreakageInfo",
    "Creator",
    "DeviceBlocked",
    "DropSocket",
    "Fault",
    "Generate",
    "HeartbeatRecord",
    "HttpError",
    "MalformedFrame",
    "NoTtwid",
    "Offline",
    "RefuseHandshake",
    "Replay",
    "Scenario",
    "ScenarioError",
    "Script",
    "ServerConfig",
    "SessionRecord",
    "SignerConfig",
    "SignerFault",
    "Simulator",
    "SimulatorUrls",
    "Slow",
    "TimedEvent",
    "UnknownMessage",
    "load_scenario",
    "main",
    "parse_fault",
    "parse_scenario",
    "serve",
]
