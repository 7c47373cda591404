"""The watch list: the creators the fleet watches, one key each in a JetStream key-value bucket."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import nats.js.errors

from tiktok_webcast.fleet._names import is_watch_key, watch_key
from tiktok_webcast.fleet.broker import Broker
from tiktok_webcast.fleet.snapshot import snapshot


@dataclass(frozen=True, slots=True)
class WatchList:
    """The entries are written by ``add`` and read by workers; anything else found there is reported, not fatal."""

    broker: Broker

    async def add(self, username: str) -> str:
        """Watches ``username`` (``@name`` and profile URLs work); returns the key it is stored under."""
        key = watch_key(username)
        value = json.dumps({"username": key, "added_at": int(time.time())}).encode()
        await self.broker.buckets.watch.put(key, value)
        return key

    async def remove(self, username: str) -> bool:
        """Stops watching ``username``; False when it was not watched. The worker holding it lets it go."""
        key = watch_key(username)
        try:
            await self.broker.buckets.watch.get(key)
        except nats.js.errors.KeyNotFoundError:
            return False
        await self.broker.buckets.watch.delete(key)
        return True

    async def entries(self) -> tuple[list[str], dict[str, str]]:
        """The watched usernames, and the malformed entries found (key -> why it was skipped)."""
        usernames: list[str] = []
        malformed: dict[str, str] = {}
        stored = await snapshot(self.broker.js, self.broker.names.watch_bucket, self.broker.buckets.watch)
        for key in sorted(stored):
            value = stored[key].value
            reason = "not a TikTok username" if not is_watch_key(key) else _entry_problem(key, value)
            if reason is None:
                usernames.append(key)
            else:
                malformed[key] = reason
        return usernames, malformed

    async def usernames(self) -> list[str]:
        return (await self.entries())[0]


def _entry_problem(key: str, value: bytes | None) -> str | None:
    try:
        data = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError):
        return "the value is not JSON"
    if not isinstance(data, dict) or data.get("username") != key:
        return 'the value is not {"username": <the key>, ...}'
    return None
