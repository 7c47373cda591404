"""Is a creator live? An honest answer: ``live``, ``offline`` or ``unknown``, with the reason and every source
consulted (issue 9 item 3).

TikTok's liveness endpoints lie in both directions (breakages-2025-2026.md): ``/api-live/user/room/`` has answered
``user_not_found`` for creators who were live (2026-05-27), and ``/webcast/room/check_alive/`` ``alive: true`` for
any room id (2026-07-15). So no single source decides alone when another disagrees:

* every source gives a reading (live, offline, or unknown with why); ``user_not_found`` is *unknown*, never
  offline, and the live page is asked for the room id instead;
* readings are weighed: frames on the socket 3 (first-hand), room info, api-live and the live page 2 each,
  check_alive 1; the heavier side wins, a tie is ``unknown`` ("sources disagree");
* check_alive only ever corroborates: when it is the only source saying live, its vote does not count.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import anyio

from tiktok_webcast.exceptions import AgeRestrictedError, UserNotFoundError, WebcastError
from tiktok_webcast.models import LIVE_STATUS, RoomInfo, UserInfo

if TYPE_CHECKING:
    from tiktok_webcast._api import TikTokApi

T = TypeVar("T")

ENDED_STATUS = 4
"""A room's ``status`` once the stream ended (3 is paused)."""


class LiveStatus(enum.Enum):
    LIVE = "live"
    OFFLINE = "offline"
    UNKNOWN = "unknown"
    """The sources could not tell, or disagree; ``Liveness.reason`` says which."""


class LivenessSource(enum.Enum):
    API_LIVE = "api_live"
    """``/api-live/user/room/``: the user's room id and status."""
    LIVE_PAGE = "live_page"
    """``/@<user>/live``: the same, from the page's ``SIGI_STATE`` (asked when api-live gives no room id)."""
    ROOM_INFO = "room_info"
    """``/webcast/room/info/``: the room's status (2 live, 4 ended)."""
    CHECK_ALIVE = "check_alive"
    """``/webcast/room/check_alive/``: corroboration only."""
    SOCKET = "socket"
    """Frames on the open connection, or the stream-end message."""


WEIGHTS = {
    LivenessSource.SOCKET: 3,
    LivenessSource.ROOM_INFO: 2,
    LivenessSource.API_LIVE: 2,
    LivenessSource.LIVE_PAGE: 2,
    LivenessSource.CHECK_ALIVE: 1,
}


@dataclass(frozen=True)
class LivenessReading:
    """What one source said."""

    source: LivenessSource
    says: LiveStatus
    detail: str

    def __str__(self) -> str:
        return f"{self.source.value}: {self.says.value} ({self.detail})"


@dataclass(frozen=True)
class Liveness:
    """Whether a creator is live, why we think so, and what was asked."""

    status: LiveStatus
    reason: str
    readings: tuple[LivenessReading, ...]
    room_id: int | None = None
    """The room the readings are about (the live one, or the last one)."""
    username: str | None = None
    checked_at: float = 0.0
    """Unix time."""

    @property
    def is_live(self) -> bool:
        return self.status is LiveStatus.LIVE

    def __str__(self) -> str:
        return f"{self.status.value}: {self.reason}"


def decide(readings: list[LivenessReading], *, room_id: int | None = None, username: str | None = None) -> Liveness:
    """Weighs ``readings`` into one :class:`Liveness` (the rules are in this module's docstring)."""

    def result(status: LiveStatus, reason: str) -> Liveness:
        return Liveness(status, reason, tuple(readings), room_id or None, username, time.time())

    live = [r for r in readings if r.says is LiveStatus.LIVE]
    offline = [r for r in readings if r.says is LiveStatus.OFFLINE]
    discounted = ""
    if live and all(r.source is LivenessSource.CHECK_ALIVE for r in live):
        if not offline:
            return result(
                LiveStatus.UNKNOWN,
                "only check_alive says live, and it has answered alive for any room id (2026-07-15); "
                + _unknowns(readings),
            )
        discounted = ", although check_alive says otherwise (it only corroborates)"
        live = []
    if not live and not offline:
        return result(LiveStatus.UNKNOWN, "no source could tell: " + _unknowns(readings))
    live_weight = sum(WEIGHTS[r.source] for r in live)
    offline_weight = sum(WEIGHTS[r.source] for r in offline)
    if live_weight == offline_weight:
        return result(LiveStatus.UNKNOWN, f"sources disagree: {_names(live)} say live, {_names(offline)} offline")
    winner, loser, status = (
        (live, offline, LiveStatus.LIVE) if live_weight > offline_weight else (offline, live, LiveStatus.OFFLINE)
    )
    reason = f"{status.value} per {_names(winner)}{discounted}"
    if loser:
        reason += f", although {_names(loser)} {'says' if len(loser) == 1 else 'say'} otherwise"
    return result(status, reason)


def _names(readings: list[LivenessReading]) -> str:
    return " and ".join(r.source.value for r in readings)


def _unknowns(readings: list[LivenessReading]) -> str:
    return "; ".join(str(r) for r in readings if r.says is LiveStatus.UNKNOWN) or "nothing was asked"


def room_reading(info: RoomInfo, *, age: float | None = None) -> LivenessReading:
    """What a room's status says (``age``: seconds since it was fetched)."""
    when = f", {age:.0f} s ago" if age is not None else ""
    if info.status == LIVE_STATUS:
        return LivenessReading(LivenessSource.ROOM_INFO, LiveStatus.LIVE, f"room {info.room_id} status 2{when}")
    if info.status == ENDED_STATUS:
        return LivenessReading(LivenessSource.ROOM_INFO, LiveStatus.OFFLINE, f"room {info.room_id} ended{when}")
    return LivenessReading(
        LivenessSource.ROOM_INFO, LiveStatus.UNKNOWN, f"room {info.room_id} status {info.status}{when}"
    )


def _user_reading(source: LivenessSource, user: UserInfo) -> LivenessReading:
    if user.is_live:
        return LivenessReading(source, LiveStatus.LIVE, f"room {user.room_id} status 2")
    if user.room_id == 0:
        return LivenessReading(source, LiveStatus.OFFLINE, "no room")
    if user.room_status == ENDED_STATUS:
        return LivenessReading(source, LiveStatus.OFFLINE, f"room {user.room_id} status 4")
    return LivenessReading(source, LiveStatus.UNKNOWN, f"room {user.room_id} status {user.room_status}")


class LivenessCheck:
    """One consultation of the HTTP sources, each call under ``deadline`` seconds."""

    def __init__(self, api: TikTokApi, *, deadline: float) -> None:
        self._api = api
        self._deadline = deadline
        self.readings: list[LivenessReading] = []
        self.room_info: RoomInfo | None = None

    async def _ask(self, source: LivenessSource, call: Callable[[], Awaitable[T]]) -> T | None:
        """``call()``, or None after recording an unknown reading for an error or a missed deadline."""
        with anyio.move_on_after(self._deadline):
            try:
                return await call()
            except UserNotFoundError:
                detail = "user_not_found (19881007), which TikTok has answered for creators who were live (2026-05-27)"
            except AgeRestrictedError as error:
                detail = f"room {error.room_id} is 18+ and needs a session"
            except WebcastError as error:
                detail = f"{type(error).__name__}: {error}"
            self.readings.append(LivenessReading(source, LiveStatus.UNKNOWN, detail))
            return None
        self.readings.append(LivenessReading(source, LiveStatus.UNKNOWN, f"no answer within {self._deadline:g} s"))
        return None

    async def run(self, username: str | None, room_id: int | None) -> Liveness:
        api = self._api
        if username:
            user = await self._ask(LivenessSource.API_LIVE, lambda: api.user_room(username))
            if user is not None:
                self.readings.append(_user_reading(LivenessSource.API_LIVE, user))
                room_id = room_id or user.room_id or None
            if not room_id:
                page = await self._ask(LivenessSource.LIVE_PAGE, lambda: api.live_page(username))
                if page is not None:
                    self.readings.append(_user_reading(LivenessSource.LIVE_PAGE, page))
                    room_id = page.room_id or None
                elif not any(r.source is LivenessSource.LIVE_PAGE for r in self.readings):
                    # webcast.md §2.3: no LiveRoom means no such user, or one who never went live.
                    detail = "the page has no LiveRoom"
                    self.readings.append(LivenessReading(LivenessSource.LIVE_PAGE, LiveStatus.OFFLINE, detail))
        if room_id:
            known = room_id
            info = await self._ask(LivenessSource.ROOM_INFO, lambda: api.room_info(known))
            if info is not None:
                self.room_info = info
                self.readings.append(room_reading(info))
            alive = await self._ask(LivenessSource.CHECK_ALIVE, lambda: api.check_alive([known]))
            if alive is not None:
                says = alive.get(known)
                status = LiveStatus.UNKNOWN if says is None else LiveStatus.LIVE if says else LiveStatus.OFFLINE
                detail = "room missing from the answer" if says is None else f"alive: {str(says).lower()}"
                self.readings.append(LivenessReading(LivenessSource.CHECK_ALIVE, status, detail))
        return decide(self.readings, room_id=room_id, username=username)
