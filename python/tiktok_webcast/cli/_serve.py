"""``serve``: the local event server (TikFinity-format websocket, our JSON stream, SSE, webhooks, overlays)."""

from __future__ import annotations

import argparse
import contextlib
import os
from typing import Any

import anyio

from tiktok_webcast._redact import redact
from tiktok_webcast.cli._app import Command, Context, run_command, run_interruptible
from tiktok_webcast.cli._errors import EXIT_OK, UsageError

ENV_TOKEN = "TIKTOK_WEBCAST_SERVE_TOKEN"
ENV_WEBHOOK_SECRET = "TIKTOK_WEBCAST_WEBHOOK_SECRET"
OVERLAYS = ("alerts", "chat", "goal", "gifters", "likes", "viewers")


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "serve",
        parents=[common],
        help="serve creators' events locally: TikFinity-format websocket, JSON/SSE, webhooks, OBS overlays",
        description="Follows each USER (connecting whenever they go live) and serves their events on one port: "
        "TikFinity's websocket format at ws://HOST:PORT/ (so tools made for TikFinity work unchanged), our JSON "
        "stream at /events (websocket) and /events/sse, signed webhooks, a JSON-lines log, and overlay pages "
        "for OBS at /overlays/. Open http://HOST:PORT/ for the overlay URLs, test buttons and rehearsal. "
        "See docs/serve.md.",
    )
    parser.add_argument("users", nargs="*", metavar="USER", help="usernames to follow (none: test events only)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=21213, help="port (default: 21213, TikFinity's)")
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        help=f"require this token from every client (default: ${ENV_TOKEN}); needed when --host is not loopback",
    )
    parser.add_argument("--log", metavar="FILE", help="append every message to FILE as JSON lines")
    parser.add_argument(
        "--webhook", action="append", default=[], metavar="URL", help="POST every message to URL (repeatable)"
    )
    parser.add_argument(
        "--webhook-secret", metavar="SECRET", help=f"HMAC-SHA256 key for webhooks (default: ${ENV_WEBHOOK_SECRET})"
    )
    parser.add_argument(
        "--webhook-types", metavar="TYPES", help="comma-separated types webhooks get (default: all), e.g. gift,follow"
    )
    parser.add_argument("--rehearse-trace", metavar="TRACE", help="a trace file the rehearsal button replays")
    parser.add_argument("--queue", type=int, default=1024, metavar="N", help="messages held per slow client")
    parser.add_argument(
        "--offline-poll", type=float, default=30.0, metavar="SECONDS", help="how often to check an offline user"
    )
    parser.add_argument(
        "--fleet",
        metavar="NATS_URL",
        help="take the events from a fleet of workers on NATS JetStream (see docs/fleet.md) instead of following "
        "the users here; without USER, every creator the fleet publishes",
    )
    parser.add_argument(
        "--fleet-watch", action="store_true", help="with --fleet: add the users to the fleet's watch list"
    )
    parser.add_argument("--fleet-prefix", default="tiktok", metavar="PREFIX", help="with --fleet: its prefix (tiktok)")
    parser.add_argument(
        "--fleet-durable",
        default="tiktok-webcast-serve",
        metavar="NAME",
        help="with --fleet: the durable consumer's name; a restarted server goes on where it stopped",
    )
    parser.set_defaults(run=Command(sync_handler=_run, interrupted_exit=EXIT_OK))


def _run(context: Context) -> int:
    """Runs on trio like every command, except with a fleet: nats-py runs on asyncio."""
    command = Command(serve, interrupted_exit=EXIT_OK)
    if context.args.fleet is None:
        return run_command(command, context)
    return anyio.run(run_interruptible, command, context, backend="asyncio")


def _config(context: Context) -> Any:
    from tiktok_webcast.serve import FleetSource, Polling, ServeConfig, Webhook

    args = context.args
    secret = args.webhook_secret or os.environ.get(ENV_WEBHOOK_SECRET)
    if args.webhook and not secret:
        raise UsageError(f"--webhook needs --webhook-secret or ${ENV_WEBHOOK_SECRET} to sign with")
    if args.offline_poll <= 0:
        raise UsageError("--offline-poll must be positive")
    webhooks = tuple(Webhook(url, secret or "", types=args.webhook_types) for url in args.webhook)
    if args.fleet_watch and not (args.fleet and args.users):
        raise UsageError("--fleet-watch adds the USERs to the watch list of the --fleet")
    fleet = None
    if args.fleet is not None:
        fleet = FleetSource(args.fleet, prefix=args.fleet_prefix, durable=args.fleet_durable, watch=args.fleet_watch)
    return ServeConfig(
        host=args.host,
        port=args.port,
        token=args.token or os.environ.get(ENV_TOKEN) or None,
        client_queue=args.queue,
        log_path=args.log,
        webhooks=webhooks,
        polling=Polling(offline=args.offline_poll),
        fleet=fleet,
    )


async def serve(context: Context) -> int:
    try:
        from tiktok_webcast.serve import EventServer
    except ImportError as error:
        raise UsageError(f"serve needs the [serve] extra: pip install 'tiktok-webcast[serve]' ({error})") from None
    config = _config(context)
    users = [user.strip() for user in context.args.users]
    async with contextlib.AsyncExitStack() as stack:
        # A fleet's workers follow the creators: no client of our own then.
        client = None if config.fleet is not None else await stack.enter_async_context(context.client())
        server = EventServer(users, config=config, client=client, trace=context.args.rehearse_trace)
        async with server:
            base = server.http_url
            token = "?token=YOUR_TOKEN" if config.token else ""  # the token itself is never printed
            if config.fleet is not None:
                following = ", ".join(server.creators) or "every creator"
                context.note(context.err_style(f"{following} from the fleet at {redact(config.fleet.url)}", "dim"))
            else:
                following = ", ".join(server.creators) or "nobody (test events and rehearsal only)"
                context.note(context.err_style(f"following {following}", "dim"))
            context.note(f"TikFinity-format websocket: {server.url}")
            context.note(f"our JSON stream: {server.url}events  ·  SSE: {base}/events/sse")
            context.note(f"overlays, test buttons and rehearsal: {base}/{token}")
            for name in OVERLAYS:
                context.note(context.err_style(f"  {name}: {base}/overlays/{name}.html{token}", "dim"))
            await server.serve_forever()
    return EXIT_OK
