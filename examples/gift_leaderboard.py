"""Keep a leaderboard of the viewers who send the most diamonds, counting each gift streak once.

    python examples/gift_leaderboard.py USERNAME

A streakable gift (a Rose sent 10 times in a row) arrives as many messages with a running count;
``finished_gifts`` turns them into one ``GiftStreak`` per finished streak, with its total. Each streak is
printed as it finishes, and the board once the stream ends. ``TIKTOK_WEBCAST_URLS`` points the client at a
simulator (see print_chat.py).
"""

from __future__ import annotations

import sys
from collections import Counter

import trio

from tiktok_webcast import TikTok
from tiktok_webcast.streaks import finished_gifts

TOP = 5


def diamonds_word(count: int) -> str:
    return "diamond" if count == 1 else "diamonds"


def print_board(diamonds: Counter[str]) -> None:
    for rank, (name, total) in enumerate(diamonds.most_common(TOP), start=1):
        print(f"  {rank}. {name:<24} {total:>8,} {diamonds_word(total)}")


async def leaderboard(username: str) -> None:
    diamonds: Counter[str] = Counter()
    async with TikTok() as tiktok, tiktok.track_user(username) as live:
        async for streak in finished_gifts(live.events):
            name = f"@{streak.user.username}" if streak.user else "someone"
            diamonds[name] += streak.diamonds
            print(
                f"{name} sent {streak.name} x{streak.count} ({streak.diamonds} {diamonds_word(streak.diamonds)})",
                flush=True,
            )
    print("the stream ended; final leaderboard:")
    print_board(diamonds)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} USERNAME")
    trio.run(leaderboard, sys.argv[1])


if __name__ == "__main__":
    main()
