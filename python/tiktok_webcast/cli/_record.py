"""``record``: a live stream into a video file, with ffmpeg, showing its duration and size as it grows."""

from __future__ import annotations

import argparse
import datetime as _dt
from pathlib import Path
from typing import Any

import anyio

from tiktok_webcast._api import normalize_username
from tiktok_webcast._download import CONTAINERS, Recording, record_stream
from tiktok_webcast.cli._app import Command, Context
from tiktok_webcast.cli._args import positive_number
from tiktok_webcast.cli._errors import EXIT_OK, OutputExistsError, UsageError
from tiktok_webcast.cli._render import clock, size
from tiktok_webcast.exceptions import UserOfflineError

TTY_INTERVAL = 0.5
LOG_INTERVAL = 5.0


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "record",
        parents=[common],
        help="record a live stream into a video file (needs ffmpeg)",
        description="Copies a live stream into FILE with ffmpeg (no re-encoding) until the stream ends, "
        "--duration seconds were recorded, or Ctrl-C (which finishes the file properly). The container "
        f"follows FILE's suffix: {', '.join(CONTAINERS)}.",
    )
    parser.add_argument("user", metavar="USER", help="a username, @username or profile URL")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write (default: USER-<date>T<time>.mkv in this directory); never over an existing file "
        "unless --force",
    )
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.add_argument("--quality", metavar="Q", help="origin, uhd, hd, sd, ld, ao... (default: the best)")
    parser.add_argument("--duration", type=positive_number, metavar="S", help="stop after S seconds")
    parser.add_argument("--ffmpeg", default="ffmpeg", metavar="PATH", help="the ffmpeg to run (default: ffmpeg)")
    parser.set_defaults(run=Command(record, interrupted_exit=EXIT_OK))


def default_output(username: str, now: _dt.datetime | None = None) -> Path:
    """``<username>-<local time>.mkv``, made unique with ``-2``, ``-3``... (the Go library's naming)."""
    stamp = (now or _dt.datetime.now()).strftime("%Y%m%dT%H%M%S")
    path = Path(f"{username}-{stamp}.mkv")
    counter = 2
    while path.exists():
        path = Path(f"{username}-{stamp}-{counter}.mkv")
        counter += 1
    return path


async def record(context: Context) -> int:
    args = context.args
    if args.output and Path(args.output).suffix.lower() not in CONTAINERS:
        raise UsageError(f"--output must end in one of {', '.join(CONTAINERS)}")
    if args.output and not args.force and await anyio.Path(args.output).exists():
        raise OutputExistsError(args.output)
    async with context.client() as tiktok:
        user = await tiktok.get_user_info(args.user)
        username = user.username or normalize_username(args.user)
        if not user.is_live:
            raise UserOfflineError(username, status=user.room_status or None)
        room = await tiktok.get_room_info(user.room_id)
        cookie = tiktok.session_cookie()
    output = Path(args.output) if args.output else default_output(username)
    recording: Recording | None = None
    try:
        async with record_stream(
            room,
            output,
            quality=args.quality,
            duration=args.duration,
            proxy=args.proxy,
            ffmpeg=args.ffmpeg,
            headers={"Cookie": cookie} if cookie else None,
        ) as recording:
            quality = f" ({recording.quality})" if recording.quality else ""
            stop = f"for {clock(args.duration)}" if args.duration else "until the stream ends; Ctrl-C stops"
            context.note(f"recording @{username}{quality} into {output} {stop}")
            await _show_progress(context, recording)
    finally:
        if recording is not None:
            _clear_progress(context)
            if recording.path.exists() and recording.path.stat().st_size:
                written = recording.path.stat().st_size
                print(f"saved {recording.path}: {clock(recording.seconds)}, {size(written)}", file=context.out)
    return EXIT_OK


async def _show_progress(context: Context, recording: Recording) -> None:
    tty = context.err.isatty()
    s = context.err_style
    next_log = LOG_INTERVAL
    async for progress in recording.updates(TTY_INTERVAL if tty else 1.0):
        status = f"{clock(progress.seconds)}  {size(progress.bytes_written)}"
        if tty:
            speed = f"  {progress.speed:.2f}x" if progress.speed else ""
            context.err.write(f"\r\x1b[K{s('● REC', 'red', 'bold')} {status}{s(speed, 'dim')}")
            context.err.flush()
        elif progress.seconds >= next_log:
            next_log = progress.seconds + LOG_INTERVAL
            context.note(f"recorded {status}")


def _clear_progress(context: Context) -> None:
    if context.err.isatty():
        context.err.write("\r\x1b[K")
        context.err.flush()
