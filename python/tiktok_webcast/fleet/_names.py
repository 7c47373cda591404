"""Where the fleet keeps its state on NATS: bucket, stream and subject names, and what a watch-list key may be."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tiktok_webcast._api import normalize_username
from tiktok_webcast.fleet.errors import FleetError

# TikTok usernames are letters, digits, '_' and '.', at most 24 characters; NATS KV keys allow the same set (and
# more), so a valid username is always a valid key and a key that is not one is a malformed entry.
_USERNAME = re.compile(r"^[A-Za-z0-9_.]{1,24}$")
# A subject token may not hold '.', '*', '>' or white space; method names are "Webcast" + letters.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


@dataclass(frozen=True, slots=True)
class FleetNames:
    """Every name the fleet uses on the broker; two fleets on one broker differ by ``prefix``."""

    prefix: str = "tiktok"

    def __post_init__(self) -> None:
        if not _TOKEN.match(self.prefix):
            raise FleetError(f"fleet prefix {self.prefix!r} must be letters, digits, '_' or '-'")

    @property
    def watch_bucket(self) -> str:
        return f"{self.prefix}_watch"

    @property
    def lease_bucket(self) -> str:
        return f"{self.prefix}_leases"

    @property
    def worker_bucket(self) -> str:
        return f"{self.prefix}_workers"

    @property
    def stream(self) -> str:
        return f"{self.prefix.upper()}_EVENTS"

    @property
    def all_events(self) -> str:
        return f"{self.prefix}.>"

    def subject(self, room_id: int, method: str) -> str:
        """``<prefix>.<room_id>.<method>``: consumers filter by room or by event type with wildcards."""
        if not _TOKEN.match(method):
            raise FleetError(f"method {method!r} cannot be a subject token")
        return f"{self.prefix}.{room_id}.{method}"


def watch_key(username: str) -> str:
    """The watch-list key for a creator: the normalised username, or a :class:`FleetError` saying why not."""
    name = normalize_username(username)
    if not _USERNAME.match(name):
        raise FleetError(f"{username!r} is not a TikTok username (letters, digits, '_' and '.', at most 24)")
    return name


def is_watch_key(key: str) -> bool:
    return bool(_USERNAME.match(key))
