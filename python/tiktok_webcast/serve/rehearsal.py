"""Rehearsal: the bundled simulator plays its demo stream, or replays a recorded trace, and the server follows it
with a real client, so the overlays show a whole stream's worth of events before going live."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tiktok_webcast._client import TikTok
from tiktok_webcast._core import UnknownEvent
from tiktok_webcast._urls import BaseUrls
from tiktok_webcast.exceptions import WebcastError
from tiktok_webcast.serve.feed import CreatorFeed

__all__ = ["DEMO_CREATOR", "RehearsalError", "rehearse"]

DEMO_CREATOR = "tiktok_webcast_demo"
REPLAY_CREATOR = "replay"


class RehearsalError(WebcastError):
    """A rehearsal cannot start (one is running, no trace was given, the server is stopped)."""


async def rehearse(
    feed_for: Callable[[str], CreatorFeed], *, trace: Path | None = None, client_options: dict[str, Any] | None = None
) -> None:
    """Runs until the stream ends (a trace) or the caller cancels (the demo never ends)."""
    from tiktok_webcast.simulator import Replay, Scenario, Simulator

    scenario: Scenario | str
    if trace is not None:
        scenario = Scenario(name="rehearsal", replay=Replay(str(trace), username=REPLAY_CREATOR))
        username = REPLAY_CREATOR
    else:
        scenario, username = "demo", DEMO_CREATOR
    async with Simulator(scenario, ffmpeg=False) as sim:
        urls = BaseUrls.from_json(json.dumps(sim.urls.as_dict()))
        async with TikTok(base_urls=urls, **(client_options or {})) as tiktok:
            feed = feed_for(username)
            feed.set_status("connecting")
            async with tiktok.track_user(username) as live:
                if live.info is not None:
                    feed.set_room(live.info)
                feed.set_status("live", room_id=str(live.room_id))
                async for event in live.events:
                    if not isinstance(event, UnknownEvent):
                        feed.handle(event)
