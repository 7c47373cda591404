"""Message ids already delivered, so a reconnect's replay (about 6 recent comments on every signer-free connect,
or the overlap of a cursor resume when switching paths) is not delivered twice."""

from __future__ import annotations

from itertools import islice

SEEN_IDS = 20_000
"""Ids remembered. A resume replays at most what was missed while disconnected and the welcome frame ~6 comments,
so the last 20,000 ids cover minutes of even a busy room."""


class SeenIds:
    """A plain dict used as an insertion-ordered set, trimmed a quarter at a time (one trim per ~5,000 new ids,
    instead of one ``popitem`` per id)."""

    def __init__(self, capacity: int = SEEN_IDS) -> None:
        self._ids: dict[int, None] = {}
        self._capacity = capacity

    def first_time(self, msg_id: int) -> bool:
        """True the first time ``msg_id`` is seen (id 0 is always new: a message without one cannot be matched)."""
        if msg_id == 0:
            return True
        ids = self._ids
        if msg_id in ids:
            return False
        ids[msg_id] = None
        if len(ids) > self._capacity:
            for old in list(islice(ids, self._capacity // 4)):
                del ids[old]
        return True

    def __len__(self) -> int:
        return len(self._ids)
