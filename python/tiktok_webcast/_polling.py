"""HTTP polling of ``/webcast/im/fetch/`` (webcast.md §4): the path of last resort, with the cursor kept between
fetches, the server's ``fetch_interval`` clamped, and empty answers counted as a failing path."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from tiktok_webcast import protocol
from tiktok_webcast._api import TikTokApi
from tiktok_webcast._bounds import clamp_seconds
from tiktok_webcast._failures import EmptyFetchError
from tiktok_webcast._reconnect import Resume
from tiktok_webcast.exceptions import CapacityError, DecodeError, TikTokHTTPError

FETCH_INTERVAL_MIN = 1.0
FETCH_INTERVAL_MAX = 30.0
"""Bounds on the wait between polls that ``fetch_interval`` may ask for (1,000 ms in every known answer)."""
EMPTY_FETCHES_BEFORE_FAILING = 3
"""Empty answers in a row after which polling counts as failed (TikTok answers guests an empty 200 in 2026)."""


def fetch_delay(fetch_interval_ms: int) -> float:
    """Seconds to wait before the next poll, from the answer's ``fetch_interval`` (milliseconds)."""
    return clamp_seconds(
        fetch_interval_ms / 1000,
        lower=FETCH_INTERVAL_MIN,
        upper=FETCH_INTERVAL_MAX,
        what="fetch_interval from im/fetch",
    )


async def poll(
    api: TikTokApi,
    room_id: int,
    resume: Resume,
    *,
    deadline: float,
    on_connected: Callable[[], None],
    on_empty: Callable[[], None],
    on_result: Callable[[bytes], Awaitable[None]],
) -> None:
    """Polls until an error (or ``on_result`` ends it); ``on_result`` gets the body of each answer that carries
    something. ``on_connected`` is called at the first answer that carries a cursor; each empty answer is reported
    to ``on_empty``, and enough of them in a row raise :class:`EmptyFetchError`."""
    connected = False
    empty = 0
    while True:
        with anyio.fail_after(deadline):
            body = await api.im_fetch(room_id, resume.cursor or "0", resume.internal_ext or "0")
        try:
            response = protocol.decode_fetch_response(body) if body else None
        except (DecodeError, CapacityError) as error:
            raise TikTokHTTPError(f"im/fetch answered an undecodable body: {error}") from error
        if response is None or (not response.cursor and not response.events):
            on_empty()
            empty += 1
            if empty >= EMPTY_FETCHES_BEFORE_FAILING:
                raise EmptyFetchError(f"im/fetch answered empty {empty} times in a row", status=200)
            await anyio.sleep(FETCH_INTERVAL_MIN)
            continue
        empty = 0
        if not connected:
            connected = True
            on_connected()
        resume.remember(response.cursor, response.internal_ext)
        await on_result(body)
        await anyio.sleep(fetch_delay(response.fetch_interval))
