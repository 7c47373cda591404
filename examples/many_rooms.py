"""Watch several live rooms at once, in one task group, and count each room's events until every stream ends.

    python examples/many_rooms.py USERNAME [USERNAME...]

Every room gets its own task; one client (one HTTP connection pool) serves them all. Lines are prefixed
with the room's host. ``TIKTOK_WEBCAST_URLS`` points the client at a simulator (see print_chat.py).
"""

from __future__ import annotations

import sys
from collections import Counter

import trio

from tiktok_webcast import ChatEvent, GiftEvent, TikTok, UserNotFoundError, UserOfflineError


async def watch_room(tiktok: TikTok, username: str, counts: Counter[str]) -> None:
    try:
        async with tiktok.track_user(username) as live:
            print(f"[@{username}] connected to room {live.room_id}", flush=True)
            async for event in live.events:
                counts[username] += 1
                if isinstance(event, ChatEvent):
                    print(f"[@{username}] chat: {event.comment}", flush=True)
                elif isinstance(event, GiftEvent) and event.streak_finished:
                    print(f"[@{username}] gift: {event.name} x{event.repeat_count}", flush=True)
    except UserNotFoundError:
        print(f"[@{username}] does not exist", flush=True)
        return
    except UserOfflineError:
        print(f"[@{username}] is not live", flush=True)
        return
    print(f"[@{username}] the stream ended after {counts[username]} events", flush=True)


async def many_rooms(usernames: list[str]) -> None:
    counts: Counter[str] = Counter()
    async with TikTok() as tiktok, trio.open_nursery() as nursery:
        for username in usernames:
            nursery.start_soon(watch_room, tiktok, username, counts)
    print("totals: " + ", ".join(f"@{name} {counts[name]}" for name in usernames))


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} USERNAME [USERNAME...]")
    trio.run(many_rooms, sys.argv[1:])


if __name__ == "__main__":
    main()
