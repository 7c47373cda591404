"""Print the chat of a TikTok LIVE stream, one comment per line, until the stream ends.

    python examples/print_chat.py USERNAME

To try it without TikTok, run the simulator (``tiktok-webcast simulate --json``) and point the client at
it with ``TIKTOK_WEBCAST_URLS='<the JSON line it printed>'``; its demo creator is live all the time.
"""

from __future__ import annotations

import sys

import trio

from tiktok_webcast import ChatEvent, TikTok


async def print_chat(username: str) -> None:
    # TikTok() reads the base URLs from TIKTOK_WEBCAST_URLS (BaseUrls.from_env()), else uses the real hosts.
    async with TikTok() as tiktok, tiktok.track_user(username) as live:
        print(f"watching @{username} (room {live.room_id})", flush=True)
        async for event in live.events:
            if isinstance(event, ChatEvent):
                name = event.user.nickname if event.user else "someone"
                print(f"{name}: {event.comment}", flush=True)
    print("the stream ended")


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} USERNAME")
    trio.run(print_chat, sys.argv[1])


if __name__ == "__main__":
    main()
