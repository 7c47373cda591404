"""Identifiers: deterministic user/room ids, message and log id counters, cursors, and guest ``ttwid`` cookies.

Ids are 19-digit numbers above 2**53 like the real ones, so a client that stores them as doubles breaks here too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import re
import secrets
import time
from collections.abc import Iterator
from urllib.parse import quote, unquote

__all__ = ["IdSource", "TtwidIssuer", "parse_cursor"]

_CURSOR = re.compile(r"(?:^|_)r-(\d+)(?:_|$)")


def _hashed(seed: int, kind: str, name: str, base: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{kind}:{name.lower()}".encode(), digest_size=8).digest()
    return base + int.from_bytes(digest, "big") % 10**17


class IdSource:
    """Every id the simulator hands out, derived from the scenario seed where they must be stable."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._log = itertools.count(7_500_000_000_000_000_000 + 1)
        self._session = itertools.count(1)

    def user_id(self, username: str) -> int:
        return _hashed(self.seed, "user", username, 6_800_000_000_000_000_000)

    def viewer_id(self, index: int) -> int:
        return _hashed(self.seed, "viewer", str(index), 6_900_000_000_000_000_000)

    def room_id(self, username: str, generation: int = 0) -> int:
        return _hashed(self.seed, f"room{generation}", username, 7_300_000_000_000_000_000)

    def stream_id(self, room_id: int) -> int:
        return _hashed(self.seed, "stream", str(room_id), 1_000_000_000_000_000_000)

    def message_ids(self, room_id: int) -> Iterator[int]:
        """A room's own message-id sequence, so a room's ids do not depend on how other rooms are scheduled."""
        slot = _hashed(self.seed, "msgs", str(room_id), 0) % 1_000_000
        return itertools.count(7_400_000_000_000_000_000 + slot * 1_000_000_000 + 1)

    def group_ids(self, room_id: int, start_ms: int) -> Iterator[int]:
        """Gift streak group ids: they look like millisecond timestamps in real captures."""
        return itertools.count(start_ms + _hashed(self.seed, "groups", str(room_id), 0) % 1000)

    def log_id(self) -> int:
        return next(self._log)

    def session_id(self) -> int:
        return next(self._session)


def make_cursor(now_ms: int, seq: int, room_id: int) -> str:
    """An opaque resume token in the style of the ByteDance IM cursors; ``r-`` carries the message sequence."""
    return f"t-{now_ms}_r-{seq}_d-1_u-1_h-{room_id}"


def parse_cursor(cursor: str) -> int | None:
    """The message sequence inside a cursor made by :func:`make_cursor`, or None for foreign/empty cursors."""
    match = _CURSOR.search(cursor or "")
    return int(match.group(1)) if match else None


class TtwidIssuer:
    """Mints and checks guest ``ttwid`` values in the documented shape ``1|<b64>|<unix ts>|<hmac>``.

    A ttwid flagged by a DEVICE_BLOCKED refusal stays refused, so a client has to fetch a fresh one.
    """

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._flagged: set[str] = set()
        self.issued = 0

    def mint(self) -> str:
        self.issued += 1
        body = base64.urlsafe_b64encode(secrets.token_bytes(24)).decode().rstrip("=")
        head = f"1|{body}|{int(time.time())}"
        mac = hmac.new(self._key, head.encode(), hashlib.sha256).hexdigest()[:40]
        return f"{head}|{mac}"

    @staticmethod
    def encode(value: str) -> str:
        """The cookie-value form (``1%7C...``) the real Set-Cookie uses."""
        return quote(value, safe="")

    def valid(self, value: str | None) -> bool:
        if not value:
            return False
        raw = unquote(value)
        parts = raw.split("|")
        if len(parts) != 4 or parts[0] != "1":
            return False
        head = "|".join(parts[:3])
        mac = hmac.new(self._key, head.encode(), hashlib.sha256).hexdigest()[:40]
        return hmac.compare_digest(mac, parts[3])

    def flag(self, value: str) -> None:
        self._flagged.add(unquote(value))

    def flagged(self, value: str) -> bool:
        return unquote(value) in self._flagged
