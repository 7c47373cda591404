"""Record a live stream into a video file with ffmpeg, printing its length and size as it grows.

    python examples/record_stream.py USERNAME OUTPUT.mkv [SECONDS]

Records for SECONDS (default 10), or until the stream ends or Ctrl-C. The container follows the suffix
(.mkv, .mp4, .flv, .ts); the stream is copied, not re-encoded. Needs ``ffmpeg`` on the PATH.
``TIKTOK_WEBCAST_URLS`` points the client at a simulator (see print_chat.py).
"""

from __future__ import annotations

import sys

import trio

from tiktok_webcast import TikTok, record_stream


async def record(username: str, output: str, seconds: float) -> None:
    async with TikTok() as tiktok:
        user = await tiktok.get_user_info(username)
        room = await tiktok.get_room_info(user.room_id)
    async with record_stream(room, output, duration=seconds) as recording:
        print(f"recording @{username} ({recording.quality}) into {output}", flush=True)
        async for progress in recording.updates(1.0):
            print(f"  {progress.seconds:5.1f} s  {progress.bytes_written:>10,} bytes", flush=True)
        result = await recording.wait()
    print(f"saved {result.path}: {result.seconds:.1f} s, {result.bytes_written:,} bytes")


def main() -> None:
    if len(sys.argv) not in (3, 4):
        sys.exit(f"usage: {sys.argv[0]} USERNAME OUTPUT.mkv [SECONDS]")
    seconds = float(sys.argv[3]) if len(sys.argv) == 4 else 10.0
    trio.run(record, sys.argv[1], sys.argv[2], seconds)


if __name__ == "__main__":
    main()
