"""The peer of ``clients.py``: TikTokLive's whole client, unchanged, counting the events it emits for a while.

Run by ``clients.py`` with the bench venv's Python (TikTokLive 7.0.1 needs pydantic 2 and betterproto2), never
directly: ``bench/.venv/bin/python bench/tiktoklive_client.py URLS_JSON USERNAME SECONDS WARM_UP``. Only its base
URLs are pointed at the simulator (the settings TikTokLive offers for that); everything else is as a user runs it:
``TikTokLiveClient.start()``, the signer's fetch, its websocket client, its parsing and its event emitter, with one
listener per message event type. Prints one JSON line: events and CPU seconds over the timed window.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from TikTokLive import TikTokLiveClient
from TikTokLive.client.web.web_settings import WebDefaults
from TikTokLive.events import UnknownEvent, WebsocketResponseEvent, proto_events

POLL_SECONDS = 0.05


class Counts:
    def __init__(self) -> None:
        self.events = 0
        self.messages = 0

    def on_event(self, _event: object) -> None:
        self.events += 1

    def on_message(self, _event: object) -> None:
        self.messages += 1


async def run(urls: dict[str, str], username: str, seconds: float, warm_up: float) -> dict[str, float]:
    WebDefaults.tiktok_app_url = urls["web"]
    WebDefaults.tiktok_sign_url = urls["signer"]
    WebDefaults.tiktok_webcast_url = urls["webcast"] + "/webcast"
    client = TikTokLiveClient(unique_id=username)
    counts = Counts()
    # One event per message: every type its schema maps a message to, and its UnknownEvent for the rest. Its
    # WebsocketResponseEvent (one per message as well) is counted apart, as a check.
    for name in proto_events.__all__:
        event_type = getattr(proto_events, name)
        if isinstance(event_type, type):
            client.add_listener(event_type, counts.on_event)
    client.add_listener(UnknownEvent, counts.on_event)
    client.add_listener(WebsocketResponseEvent, counts.on_message)
    task = await client.start(fetch_live_check=False)
    while counts.events == 0:
        if task.done():
            task.result()
            raise RuntimeError("TikTokLive's connection ended before any event")
        await asyncio.sleep(POLL_SECONDS)
    await asyncio.sleep(warm_up)
    events, messages, cpu, wall = counts.events, counts.messages, time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    result = {
        "events": counts.events - events,
        "messages": counts.messages - messages,
        "cpu": time.process_time() - cpu,
        "seconds": time.perf_counter() - wall,
    }
    await client.disconnect()
    return result


def main() -> None:
    urls, username, seconds, warm_up = json.loads(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    print(json.dumps(asyncio.run(run(urls, username, seconds, warm_up))), flush=True)


if __name__ == "__main__":
    main()
