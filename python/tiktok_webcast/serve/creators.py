"""Following a creator for as long as the server runs: connect when they go live, reconnect (the client does),
and after the stream ends or a failure wait and look again.

The client's ``track_user`` raises :class:`UserOfflineError` when the creator is not live; this loop polls at
``offline_poll`` seconds until they are, so the server connects on its own when a stream starts.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

import anyio

from tiktok_webcast._client import TikTok
from tiktok_webcast._core import ControlEvent, UnknownEvent
from tiktok_webcast.exceptions import UserNotFoundError, UserOfflineError, WebcastError
from tiktok_webcast.serve.feed import CreatorFeed

__all__ = ["Polling", "follow_creator"]

logger = logging.getLogger("tiktok_webcast.serve")

STREAM_ENDED = 3


@dataclass(frozen=True, slots=True)
class Polling:
    """How often to look again: while offline, after a not-found answer, and after failures (with backoff)."""

    offline: float = 30.0
    not_found: float = 300.0
    failure_base: float = 5.0
    failure_max: float = 300.0

    def after_failure(self, failures: int) -> float:
        delay = min(self.failure_max, self.failure_base * 2 ** min(failures - 1, 16))
        return float(delay * random.uniform(0.8, 1.2))


async def follow_creator(tiktok: TikTok, username: str, feed: CreatorFeed, polling: Polling) -> None:
    """Runs until cancelled."""
    failures = 0
    while True:
        feed.set_status("connecting")
        try:
            async with tiktok.track_user(username) as live:
                failures = 0
                if live.info is not None:
                    feed.set_room(live.info)
                feed.set_status("live", room_id=str(live.room_id))
                ended_by_message = False
                async for event in live.events:
                    if isinstance(event, UnknownEvent):
                        continue
                    if isinstance(event, ControlEvent) and event.action == STREAM_ENDED:
                        ended_by_message = True
                    feed.handle(event)
                if not ended_by_message:
                    # Found from the room status while disconnected: consumers still get their streamEnd.
                    feed.handle(ControlEvent(action=STREAM_ENDED))
            feed.stream_ended()
            feed.set_status("ended")
            delay = polling.offline
        except UserOfflineError:
            feed.set_status("offline")
            delay = polling.offline
        except UserNotFoundError:
            feed.set_status("not_found")
            delay = polling.not_found
        except WebcastError as error:
            failures += 1
            # The class name only: an error's text is the library's, and a payload must never carry a secret.
            feed.set_status("error", error=type(error).__name__)
            logger.warning("%s: %s", username, error)
            delay = polling.after_failure(failures)
        except Exception as error:  # a bug must not stop the server serving every other creator
            failures += 1
            feed.set_status("error", error=type(error).__name__)
            logger.exception("%s: unexpected error while following", username)
            delay = polling.after_failure(failures)
        feed.tick()
        await anyio.sleep(delay)
