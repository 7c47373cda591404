"""``fleet``: the watch list, workers, status and events of a fleet on NATS JetStream (docs/fleet.md).

nats-py runs on asyncio, so these commands run there rather than on trio.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from tiktok_webcast.cli._app import Command, Context, run_interruptible
from tiktok_webcast.cli._args import positive_int, positive_number
from tiktok_webcast.cli._errors import EXIT_ERROR, EXIT_OK, UsageError

ENV_NATS = "TIKTOK_WEBCAST_NATS"
DEFAULT_NATS = "nats://127.0.0.1:4222"


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "fleet",
        help="watch many creators with a fleet of workers on NATS JetStream",
        description="A watch list, workers that share it through leases, and the events they publish.",
    )
    parser.add_argument("--nats", metavar="URL", help=f"the NATS server (default: ${ENV_NATS}, else {DEFAULT_NATS})")
    parser.add_argument("--prefix", default="tiktok", help="names of the buckets, stream and subjects (tiktok)")
    parser.add_argument("--lease-ttl", type=positive_number, default=15.0, metavar="SECONDS", help="lease TTL (15)")
    actions = parser.add_subparsers(dest="fleet_command", metavar="ACTION", required=True)

    def action(name: str, handler: Callable[[Context], Awaitable[int]], help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(name, help=help_text, parents=[common])
        sub.set_defaults(run=Command(sync_handler=_on_asyncio(handler), interrupted_exit=EXIT_OK))
        return sub

    action("add", _add, "watch these creators").add_argument("usernames", nargs="+", metavar="USER")
    action("remove", _remove, "stop watching these creators").add_argument("usernames", nargs="+", metavar="USER")
    action("list", _list, "the watch list")
    action("status", _status, "who holds which creator, and why creators wait").add_argument(
        "--json", action="store_true", help="one JSON object"
    )
    worker = action("worker", _worker, "claim creators from the watch list and publish their events")
    worker.add_argument("--max-rooms", type=positive_int, default=20, help="creators at most (20)")
    worker.add_argument(
        "--handshakes-per-minute", type=positive_int, default=30, help="connection attempts a minute at most (30)"
    )
    worker.add_argument(
        "--max-connecting", type=positive_int, default=10, help="connection attempts in progress at once (10)"
    )
    worker.add_argument(
        "--offline-poll", type=positive_number, default=30.0, help="seconds between checks of an offline one"
    )
    worker.add_argument("--id", dest="worker_id", help="this worker's name (default: host-pid)")
    events = action("events", _events, "print the fleet's events from a durable consumer")
    events.add_argument("--durable", default="tiktok-webcast-cli", help="the consumer's name (resumes where it was)")
    events.add_argument("--json", action="store_true", help="JSON lines (ids as strings)")


def _on_asyncio(handler: Callable[[Context], Awaitable[int]]) -> Callable[[Context], int]:
    def run(context: Context) -> int:
        try:
            import nats  # noqa: F401
        except ImportError:
            raise UsageError("the fleet needs nats-py: pip install 'tiktok-webcast[fleet]'") from None
        return anyio.run(run_interruptible, Command(handler=handler, interrupted_exit=EXIT_OK), context)

    return run


def _fleet(context: Context) -> Any:
    from tiktok_webcast.fleet import Fleet

    a = context.args
    return Fleet(a.nats or os.environ.get(ENV_NATS) or DEFAULT_NATS, prefix=a.prefix, lease_ttl=a.lease_ttl)


async def _add(context: Context) -> int:
    async with _fleet(context) as fleet:
        for name in context.args.usernames:
            context.out.write(f"watching @{await fleet.add(name)}\n")
    return EXIT_OK


async def _remove(context: Context) -> int:
    code = EXIT_OK
    async with _fleet(context) as fleet:
        for name in context.args.usernames:
            if await fleet.remove(name):
                context.out.write(f"stopped watching @{name.lstrip('@')}\n")
            else:
                context.note(f"tiktok-webcast: @{name.lstrip('@')} was not on the watch list")
                code = EXIT_ERROR
    return code


async def _list(context: Context) -> int:
    async with _fleet(context) as fleet:
        for name in await fleet.watched():
            context.out.write(f"{name}\n")
    return EXIT_OK


async def _status(context: Context) -> int:
    async with _fleet(context) as fleet:
        status = await fleet.status()
    if context.args.json:
        data = {
            "watched": status.watched,
            "unclaimed": status.unclaimed,
            "holders": status.holders,
            "malformed": status.malformed,
            "workers": status.workers,
        }
        context.out.write(json.dumps(data, sort_keys=True) + "\n")
        return EXIT_OK
    out = context.out
    out.write(f"{len(status.watched)} creators watched, {len(status.holders)} claimed, {len(status.workers)} workers\n")
    for worker_id, worker in sorted(status.workers.items()):
        rooms = worker.get("rooms", {})
        waiting = f"; waiting: {worker['waiting']}" if worker.get("waiting") else ""
        out.write(f"worker {worker_id}: {len(rooms)}/{worker.get('max_rooms')} rooms{_balance(worker)}{waiting}\n")
        for name, room in sorted(rooms.items()):
            out.write(f"  @{name}: {room.get('state')} ({room.get('events', 0)} events)\n")
    if status.unclaimed:
        out.write(f"unclaimed ({len(status.unclaimed)}): {', '.join(status.unclaimed[:20])}\n")
    for key, why in sorted(status.malformed.items()):
        out.write(f"malformed watch-list entry {key!r}: {why}\n")
    return EXIT_OK


def _balance(worker: dict[str, Any]) -> str:
    """The worker's view of the balance: its fair share, and the creators it offers or is handing over."""
    if worker.get("fair_share") is None:
        return ""
    parts = [f"fair share {worker['fair_share']}"]
    if worker.get("offered"):
        parts.append(f"offering {worker['offered']}")
    if worker.get("handing_over"):
        parts.append(f"handing over {worker['handing_over']}")
    return f" ({', '.join(parts)})"


async def _worker(context: Context) -> int:
    from tiktok_webcast.fleet import WorkerBudget

    a = context.args
    budget = WorkerBudget(
        max_rooms=a.max_rooms, handshakes_per_minute=a.handshakes_per_minute, max_connecting=a.max_connecting
    )
    options: dict[str, Any] = {"budget": budget, "offline_poll": a.offline_poll, "client_factory": context.client}
    if a.worker_id:
        options["worker_id"] = a.worker_id
    async with _fleet(context) as fleet:
        worker = fleet.worker(**options)
        context.note(f"fleet worker {worker.worker_id}: up to {a.max_rooms} rooms; Ctrl-C stops it cleanly")
        await worker.run()
    return EXIT_OK


async def _events(context: Context) -> int:
    from tiktok_webcast._convert import event_to_dict

    async with _fleet(context) as fleet:
        async for item in fleet.events(durable=context.args.durable):
            if context.args.json:
                line = {"username": item.username, "room_id": str(item.room_id), "event": event_to_dict(item.event)}
                context.out.write(json.dumps(line, ensure_ascii=False) + "\n")
            else:
                context.out.write(f"@{item.username} {type(item.event).__name__}\n")
            context.out.flush()
    return EXIT_OK
