"""The JSON-lines log: every message of our JSON stream appended to a file, one per line, as it is published."""

from __future__ import annotations

from pathlib import Path

import anyio

from tiktok_webcast.serve.hub import Filter, Hub

__all__ = ["write_log"]

LOG_QUEUE = 100_000


async def write_log(hub: Hub, path: Path) -> None:
    """Runs until cancelled. The file is opened for appending and flushed after each batch."""
    with hub.subscribe(Filter(), LOG_QUEUE, "log") as subscriber:
        async with await anyio.open_file(path, "a", encoding="utf-8") as file:
            while True:
                batch = await subscriber.take()
                await file.write("".join(message.json_text() + "\n" for message in batch))
                await file.flush()
