"""What the server publishes: one :class:`Message` per event, encoded once per format however many clients read it.

Our JSON stream carries one object per message::

    {"type": "ChatEvent", "creator": "alice", "event": {"class": "ChatEvent", "comment": "hi", ...}}

``type`` is the typed event's class name, or one of the server's own kinds: ``GiftStreak`` (one per finished
streak), ``Stats`` (running totals of a creator), ``Status`` (connection state of a creator), ``RoomInfo``.
``"rehearsal": true`` marks messages of a rehearsal or a test event.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from tiktok_webcast.serve.ourjson import event_to_json

__all__ = ["SERVER_TYPES", "Message"]

SERVER_TYPES = ("GiftStreak", "Stats", "Status", "RoomInfo")


@dataclass(slots=True, eq=False)
class Message:
    type: str
    creator: str
    source: object
    """The typed event, or for the server's own kinds the JSON body itself (a dict)."""
    rehearsal: bool = False
    created: float = field(default_factory=time.perf_counter)
    """When the server got the event (for the latency of delivery)."""
    _body: dict[str, Any] | None = None
    _json: str | None = None
    _tikfinity: list[str] | None = None
    _tikfinity_frames: bytes | None = None
    _json_frame: bytes | None = None
    _names: tuple[str, ...] | None = None

    @property
    def tikfinity_names(self) -> tuple[str, ...]:
        """The TikFinity event names this message goes out as (computed once; every subscriber's filter asks)."""
        if self._names is None:
            from tiktok_webcast.serve.tikfinity import event_names

            self._names = event_names(self)
        return self._names

    @classmethod
    def of_event(cls, creator: str, event: object, *, rehearsal: bool = False) -> Message:
        return cls(type(event).__name__, creator, event, rehearsal)

    @classmethod
    def of_server(cls, kind: str, creator: str, body: dict[str, Any], *, rehearsal: bool = False) -> Message:
        return cls(kind, creator, body, rehearsal)

    @property
    def body(self) -> dict[str, Any]:
        if self._body is None:
            self._body = self.source if isinstance(self.source, dict) else event_to_json(self.source)
        return self._body

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "creator": self.creator, "event": self.body}
        if self.rehearsal:
            data["rehearsal"] = True
        return data

    def json_text(self) -> str:
        """This message in our JSON format (encoded on first use, then shared by every client)."""
        if self._json is None:
            self._json = json.dumps(self.as_json(), ensure_ascii=False, separators=(",", ":"))
        return self._json

    def tikfinity_texts(self) -> list[str]:
        """This message as TikFinity-format frames: none, one, or two (a follow is also a ``social``)."""
        if self._tikfinity is None:
            from tiktok_webcast.serve.tikfinity import encode

            self._tikfinity = [
                json.dumps({"event": name, "data": data, "creator": self.creator}, ensure_ascii=False)
                for name, data in encode(self)
            ]
        return self._tikfinity

    def tikfinity_frames(self) -> bytes:
        """:meth:`tikfinity_texts` as websocket frames, ready to write (encoded once, shared by every client)."""
        if self._tikfinity_frames is None:
            from tiktok_webcast.serve.peer import text_frame

            self._tikfinity_frames = b"".join(text_frame(text.encode()) for text in self.tikfinity_texts())
        return self._tikfinity_frames

    def json_frame(self) -> bytes:
        """:meth:`json_text` as a websocket frame, ready to write (encoded once, shared by every client)."""
        if self._json_frame is None:
            from tiktok_webcast.serve.peer import text_frame

            self._json_frame = text_frame(self.json_text().encode())
        return self._json_frame
