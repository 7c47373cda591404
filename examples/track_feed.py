"""Discover live rooms in TikTok's recommendation feed, then watch the busiest one for a while.

    python examples/track_feed.py [PAGES] [EVENTS]

Fetches PAGES pages of the feed (default 2), lists the rooms, then prints the first EVENTS events
(default 20) of the room with the most viewers. ``TIKTOK_WEBCAST_URLS`` points the client at a simulator
(see print_chat.py).
"""

from __future__ import annotations

import sys

import trio

from tiktok_webcast import RoomInfo, TikTok


async def track_feed(pages: int, events: int) -> None:
    async with TikTok() as tiktok:
        rooms: list[RoomInfo] = []
        async for page in tiktok.feed(pages=pages):
            for room in page.rooms:
                host = f"@{room.owner.username}" if room.owner else "?"
                print(f"{room.viewers:>8,} viewers  {host:<20} {room.title}")
                rooms.append(room)
        if not rooms:
            print("the feed is empty")
            return
        busiest = max(rooms, key=lambda room: room.viewers)
        print(f"watching room {busiest.room_id} ({busiest.title})", flush=True)
        async with tiktok.track_room(busiest.room_id) as live:
            seen = 0
            async for event in live.events:
                print(f"  {type(event).__name__}", flush=True)
                seen += 1
                if seen >= events:
                    break
        print(f"done after {seen} events")


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    trio.run(track_feed, pages, events)


if __name__ == "__main__":
    main()
