"""What the simulator records about each websocket session, for tests to assert on: heartbeats, acks, enter-room
frames, frames sent, and how the session ended. Records stay after the session closes.

Each history keeps only its newest ``RECENT_RECORDS`` entries (a session can run for hours); the ``*_count`` fields
keep counting everything received."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["RECENT_RECORDS", "AckRecord", "HeartbeatRecord", "SessionRecord", "keep_recent"]

RECENT_RECORDS = 100


def keep_recent(items: list[Any], item: Any) -> None:
    """Appends ``item``, dropping the oldest entries beyond ``RECENT_RECORDS``."""
    items.append(item)
    if len(items) > RECENT_RECORDS:
        del items[: len(items) - RECENT_RECORDS]


@dataclass(frozen=True, slots=True)
class HeartbeatRecord:
    t: float
    """Real monotonic time it arrived."""
    room_id: int
    seq: int


@dataclass(frozen=True, slots=True)
class AckRecord:
    t: float
    session_id: int
    room_id: int
    log_id: int
    internal_ext: str
    expected: bool
    """True when it acks a frame this session was sent with ``need_ack`` and the same ``internal_ext``."""


@dataclass(eq=False)
class SessionRecord:
    """One websocket session. Read it; the simulator writes it."""

    id: int
    room_id: int
    path: Literal["signer-free", "signed"]
    compress: bool
    user_agent: str
    opened_at: float
    entered: list[int] = field(default_factory=list)
    """Room ids of the ``im_enter_room`` frames received, in order (the newest ``RECENT_RECORDS``)."""
    enter_unique_ids: list[int] = field(default_factory=list)
    heartbeats: list[HeartbeatRecord] = field(default_factory=list)
    acks: list[AckRecord] = field(default_factory=list)
    enter_count: int = 0
    heartbeat_count: int = 0
    ack_count: int = 0
    pending_acks: dict[int, str] = field(default_factory=dict)
    """log_id -> internal_ext of frames sent with need_ack and not acked yet."""
    frames_sent: int = 0
    messages_sent: int = 0
    silent: bool = False
    """Set by the ``2026-silent-socket`` fault: the server sends nothing more on this socket."""
    withheld_frames: int = 0
    """Frames (pushes, heartbeat replies) not sent because the session went silent."""
    unexpected_frames: list[str] = field(default_factory=list)
    """Client frames the simulator could not make sense of (payload types or decode errors)."""
    unexpected_count: int = 0
    resumed_from: int | None = None
    closed_at: float | None = None
    close_code: int | None = None
    close_reason: str = ""
    closed_by: str = ""
    """'client', 'server', 'transport' (the TCP connection dropped) once closed."""

    @property
    def open(self) -> bool:
        return self.closed_at is None

    @property
    def unacked(self) -> dict[int, str]:
        return dict(self.pending_acks)
