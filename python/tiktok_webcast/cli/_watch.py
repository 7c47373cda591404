"""``watch``: a live room's events as they happen; ``replay``: the events recorded in a trace file."""

from __future__ import annotations

import argparse
import json
from contextlib import AsyncExitStack, nullcontext
from typing import Any

import anyio

from tiktok_webcast import BaseUrls, Live, LiveState, TikTok, event_to_dict, protocol
from tiktok_webcast._api import normalize_username
from tiktok_webcast._core import GiftEvent, UnknownEvent
from tiktok_webcast.cli._app import Command, Context
from tiktok_webcast.cli._args import positive_number
from tiktok_webcast.cli._errors import EXIT_OK, UsageError, room_lookup
from tiktok_webcast.cli._json import dumps
from tiktok_webcast.cli._render import EventFormatter, plural, spinning
from tiktok_webcast.cli._status import StatusLine
from tiktok_webcast.exceptions import CapacityError, DecodeError
from tiktok_webcast.streaks import GiftStreak, GiftStreakTracker
from tiktok_webcast.trace import HttpRecord, WsRecord, read_trace

FETCH_PATHS = ("/webcast/im/fetch/", "/webcast/fetch")


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    watch_parser: argparse.ArgumentParser = commands.add_parser(
        "watch",
        parents=[common],
        help="watch a live stream's events (no USER: the bundled simulator's demo stream)",
        description="Prints each event of a live stream as it happens, one line each, until the stream ends "
        "or Ctrl-C. With no USER and no base URL configured, starts the bundled simulator and watches its "
        "demo creator: no account and no network needed.",
    )
    watch_parser.add_argument("user", nargs="?", help="a username, @username or profile URL")
    watch_parser.add_argument("--room", type=int, metavar="ROOM_ID", help="watch a room by id instead of a user")
    _add_output_options(watch_parser)
    watch_parser.set_defaults(run=Command(watch, interrupted_exit=EXIT_OK))

    replay_parser: argparse.ArgumentParser = commands.add_parser(
        "replay",
        parents=[common],
        help="print the events recorded in a trace file (--trace)",
        description="Decodes the frames a trace file recorded (written with --trace) and prints their events "
        "like watch does, offline. --realtime keeps the recorded timing.",
    )
    replay_parser.add_argument("trace", metavar="TRACE", help="a trace file written with --trace")
    replay_parser.add_argument(
        "--realtime", action="store_true", help="wait between events as long as the recording did"
    )
    replay_parser.add_argument(
        "--speed", type=positive_number, default=1.0, metavar="X", help="with --realtime, play X times faster"
    )
    _add_output_options(replay_parser)
    replay_parser.set_defaults(run=Command(replay, interrupted_exit=EXIT_OK))


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per event (event_to_dict; each id also as a string, in <name>_str)",
    )
    parser.add_argument(
        "--streaks", action="store_true", help="show a gift streak once, when it finishes, with its total"
    )
    parser.add_argument("--unknown", action="store_true", help="also show message types that have no schema")


class EventPrinter:
    """Writes events to stdout as coloured lines or JSON, folding gift streaks when asked."""

    def __init__(self, context: Context, status: StatusLine | None = None) -> None:
        self.out = context.out
        self.status = status
        self.json = bool(context.args.json)
        self.show_unknown = bool(context.args.unknown)
        self.formatter = EventFormatter(context.style)
        self.tracker = GiftStreakTracker() if context.args.streaks else None
        self.shown = 0

    def show(self, event: Any) -> None:
        if isinstance(event, UnknownEvent) and not self.show_unknown:
            return
        if self.tracker is not None:
            finished = self.tracker.feed(event) if isinstance(event, GiftEvent) else self.tracker.expire()
            for streak in finished:
                self._write_streak(streak)
            if isinstance(event, GiftEvent):
                return
        self._write(dumps(event_to_dict(event)) if self.json else self.formatter.event(event))

    def _write_streak(self, streak: GiftStreak) -> None:
        if self.json:
            data = {
                "class": "GiftStreak",
                "count": streak.count,
                "diamonds": streak.diamonds,
                "expired": streak.expired,
                "gift": event_to_dict(streak.gift),
            }
            self._write(dumps(data))
        else:
            self._write(self.formatter.streak(streak))

    def _write(self, line: str) -> None:
        self.shown += 1
        with self.status.above() if self.status is not None else nullcontext():
            print(line, file=self.out, flush=True)


async def watch(context: Context) -> int:
    args = context.args
    if args.user and args.room is not None:
        raise UsageError("give a USER or --room, not both")
    if not args.user and args.room is None:
        if context.urls_configured:
            raise UsageError("watch needs a USER (or --room) when a base URL is configured")
        return await watch_demo(context)
    async with context.client() as tiktok:
        return await watch_live(context, tiktok, args.user, args.room)


async def watch_demo(context: Context) -> int:
    """The first command of the README: the bundled simulator's demo creator, in this process."""
    from tiktok_webcast.simulator import Simulator, load_scenario

    scenario = load_scenario("demo")
    creator = next(c for c in scenario.all_creators() if c.live and not c.adult)
    context.note(
        context.err_style(
            f"No user given: watching @{creator.username} on the bundled simulator (a demo stream: no "
            "account, no network). Watch someone real with: tiktok-webcast watch USERNAME",
            "dim",
        )
    )
    async with Simulator(scenario) as simulator:
        urls = BaseUrls.from_json(json.dumps(simulator.urls.as_dict()))
        async with context.client(urls) as tiktok:
            return await watch_live(context, tiktok, creator.username, None)


async def watch_live(context: Context, tiktok: TikTok, user: str | None, room_id: int | None) -> int:
    """Prints the room's events; on a terminal, a spinner until the first one, then the status line below them."""
    target = f"@{normalize_username(user)}" if user else f"room {room_id}"
    animate = context.err.isatty()
    # With -v, log records scroll on stderr: a status line would be torn by them.
    status = StatusLine(context.err, context.err_style, enabled=animate and context.warnings is not None)
    printer = EventPrinter(context, status)
    if context.warnings is not None:
        context.warnings.status = status
    live: Live | None = None
    try:
        async with spinning(context.err, f"connecting to {target}…", context.err_style, enabled=animate) as spinner:
            tracking = tiktok.track_user(user) if user else tiktok.track_room(room_id or 0)
            async with AsyncExitStack() as stack:
                with room_lookup(room_id):
                    live = await stack.enter_async_context(tracking)
                tasks = await stack.enter_async_context(anyio.create_task_group())
                spinner.text = f"connecting to {target} (room {live.room_id})…"
                async for event in live.events:
                    if status.live is None:
                        spinner.stop()
                        context.note(_banner(context, live, target))
                        status.watch(live)
                        tasks.start_soon(status.run)
                    status.saw(event)
                    printer.show(event)
                tasks.cancel_scope.cancel()
    finally:
        status.clear()
        if context.warnings is not None:
            context.warnings.status = None
        if live is not None:
            context.note(_summary(context, live))
    return EXIT_OK


def _banner(context: Context, live: Live, target: str) -> str:
    s = context.err_style
    info = live.info
    parts = [s("●", "red", "bold") + " " + s(target, "bold")]
    if info is not None:
        if info.title:
            parts.append(f"“{info.title}”")
        parts.append(plural(info.viewers, "viewer"))
    if live.path is not None:
        parts.append(s(f"via {live.path.value}", "dim"))
    return "  ".join(parts)


def _summary(context: Context, live: Live) -> str:
    stats = live.stats
    why = {LiveState.ENDED: "the stream ended"}.get(live.state, "stopped")
    extra = f", {plural(stats.reconnects, 'reconnect')}" if stats.reconnects else ""
    return context.err_style(f"{why}: {plural(stats.events, 'event')}{extra}", "dim")


async def replay(context: Context) -> int:
    args = context.args
    trace = read_trace(args.trace)
    printer = EventPrinter(context)
    meta = trace.header.meta
    described = ", ".join(f"{key} {meta[key]}" for key in ("username", "room_id") if meta.get(key))
    context.note(
        context.err_style(
            f"trace of {trace.header.created or 'unknown date'}{': ' if described else ''}{described}", "dim"
        )
    )
    seen: set[int] = set()
    undecodable = 0
    started = anyio.current_time()
    for record in trace.records:
        events = _record_events(record)
        if events is None:
            undecodable += 1
            continue
        if args.realtime and events:
            await anyio.sleep_until(started + record.t / args.speed)
        for event in events:
            msg_id = getattr(event, "msg_id", 0)
            if msg_id and msg_id in seen:
                continue  # a reconnect's replayed history
            seen.add(msg_id)
            printer.show(event)
    note = f"{plural(printer.shown, 'event')} from {plural(len(trace.records), 'record')}"
    if undecodable:
        note += f"; {undecodable} frames did not decode"
    context.note(context.err_style(note, "dim"))
    return EXIT_OK


def _record_events(record: WsRecord | HttpRecord) -> list[Any] | None:
    """The events in one trace record; ``None`` if it should have had some but does not decode."""
    try:
        if isinstance(record, WsRecord):
            if record.dir != "in" or record.opcode != "binary":
                return []
            frame = protocol.decode_push_frame(record.data)
            return list(frame.events) if frame.payload_type == "msg" else []
        if record.body and record.status == 200 and any(path in record.url for path in FETCH_PATHS):
            return list(protocol.decode_fetch_response(record.body).events)
    except (DecodeError, CapacityError):  # a frame over the decode budget is as undecodable as a malformed one
        return None
    return []
