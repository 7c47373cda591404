"""The command line: argparse, the global options, and how a command runs (on trio, with Ctrl-C handled)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

import anyio
import anyio.abc

from tiktok_webcast import BaseUrls, TikTok, __version__
from tiktok_webcast.cli._errors import EXIT_INTERRUPTED, EXIT_OK, UsageError
from tiktok_webcast.cli._render import Style, colour_wanted
from tiktok_webcast.cli._status import WarningLines

ENV_URLS = "TIKTOK_WEBCAST_URLS"
ENV_SIGNER_KEY = "TIKTOK_SIGNER_API_KEY"
ENV_SESSION = "TIKTOK_SESSION_ID"
CONNECT_MODES = ("auto", "signer_free", "signed", "polling")


@dataclass
class Context:
    """What every command gets: its arguments, where to write, and how to build a client."""

    args: argparse.Namespace
    out: TextIO
    err: TextIO
    style: Style
    err_style: Style
    base_urls: BaseUrls | None = None
    """From ``--base-url``/``--urls``, else ``None`` (the client then reads ``TIKTOK_WEBCAST_URLS``)."""
    secrets: dict[str, str] = field(default_factory=dict, repr=False)
    warnings: WarningLines | None = None
    """The handler showing the library's warnings (without ``-v``), so a status line can keep below them."""

    @property
    def urls_configured(self) -> bool:
        return self.base_urls is not None or bool(os.environ.get(ENV_URLS, "").strip())

    @property
    def session_id(self) -> str | None:
        return self.secrets.get("session_id")

    def client(self, base_urls: BaseUrls | None = None) -> TikTok:
        a = self.args
        return TikTok(
            base_urls=base_urls or self.base_urls,
            signer_url=a.signer_url,
            signer_api_key=self.secrets.get("signer_api_key"),
            session_id=self.secrets.get("session_id"),
            proxy=a.proxy,
            ws_trace=a.trace,
            connect_mode=a.connect_mode,
            experimental_events=bool(getattr(a, "unknown", False)),
            log_requests=a.verbose >= 2,
            extra_debug=a.verbose >= 3,
        )

    def note(self, text: str) -> None:
        """A status line on stderr (never mixed into the events on stdout)."""
        print(text, file=self.err, flush=True)


Handler = Callable[[Context], Awaitable[int]]


@dataclass(frozen=True)
class Command:
    """A subcommand: an async handler run on trio, or a synchronous one (``simulate`` runs its own loop)."""

    handler: Handler | None = None
    sync_handler: Callable[[Context], int] | None = None
    interrupted_exit: int = EXIT_INTERRUPTED
    """The exit code after Ctrl-C: 0 for commands that run until stopped (watch, record)."""


def add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The options of every command. They may come before or after the command: the copy each subcommand
    carries has no defaults, so it only overrides what was given."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("connection")
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=default(None),
        help="every TikTok host at this base URL (a simulator)",
    )
    group.add_argument(
        "--urls",
        metavar="JSON",
        default=default(None),
        help=f'base URLs as JSON {{"web": ..., "webcast": ..., "ws": ..., "signer": ...}}; '
        f"default: ${ENV_URLS}, else the real hosts",
    )
    group.add_argument("--signer-url", metavar="URL", default=default(None), help="an EulerStream-compatible signer")
    group.add_argument(
        "--signer-api-key",
        metavar="KEY",
        default=default(None),
        help=f"its API key (default: ${ENV_SIGNER_KEY})",
    )
    group.add_argument(
        "--session-id",
        metavar="ID",
        default=default(None),
        help=f"a logged-in sessionid cookie, for 18+ rooms (default: ${ENV_SESSION})",
    )
    group.add_argument("--proxy", metavar="URL", default=default(None), help="an HTTP(S) proxy for everything")
    group.add_argument("--trace", metavar="FILE", default=default(None), help="write every websocket frame here")
    group.add_argument(
        "--connect-mode",
        choices=CONNECT_MODES,
        default=default("auto"),
        help="how to connect (default: auto)",
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="log more (-v info, -vv every request, -vvv every frame)",
    )
    output.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default=default("auto"),
        help="colours (default: auto)",
    )


def build_parser() -> argparse.ArgumentParser:
    from tiktok_webcast.cli import _fleet, _info, _record, _serve, _simulate, _watch

    parser = argparse.ArgumentParser(
        prog="tiktok-webcast",
        description="Watch, inspect and record TikTok LIVE streams. `tiktok-webcast watch` with no user "
        "plays the bundled simulator's demo stream: no account and no network needed.",
        epilog="Exit codes: 0 ok, 1 error, 2 usage, 3 user not found, 4 user offline, 130 interrupted. "
        "See docs/cli.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_global_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    add_global_options(common, defaults=False)

    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _watch.add_commands(commands, common)
    _info.add_commands(commands, common)
    _record.add_commands(commands, common)
    _simulate.add_commands(commands)
    _serve.add_commands(commands, common)
    _fleet.add_commands(commands, common)
    return parser


@contextmanager
def cli_logging(verbose: int, stream: TextIO, style: Style) -> Iterator[WarningLines | None]:
    """Without ``-v``: the library's warnings as styled lines with a hint (yielded). With ``-v``: log lines with
    the time and the logger, for diagnosis. The library's logger is given back as it was afterwards: a program that
    calls ``main()`` keeps its own logging, and nothing writes to this run's stream once it is closed."""
    root = logging.getLogger("tiktok_webcast")
    handlers, level, propagate = root.handlers[:], root.level, root.propagate
    root.propagate = False
    try:
        if verbose == 0:
            warnings = WarningLines(stream, style)
            root.handlers[:] = [warnings]
            root.setLevel(logging.WARNING)
            yield warnings
        else:
            handler = logging.StreamHandler(stream)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
            root.handlers[:] = [handler]
            root.setLevel(logging.INFO if verbose == 1 else logging.DEBUG)
            yield None
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        root.propagate = propagate


def make_context(args: argparse.Namespace, out: TextIO, err: TextIO, warnings: WarningLines | None = None) -> Context:
    if args.base_url and args.urls:
        raise UsageError("give --base-url or --urls, not both")
    base_urls: BaseUrls | None = None
    try:
        if args.base_url:
            base_urls = BaseUrls.from_url(args.base_url)
        elif args.urls:
            base_urls = BaseUrls.from_json(args.urls)
    except ValueError as error:
        raise UsageError(f"--urls is not a JSON object of base URLs: {error}") from None
    secrets = {}
    key = args.signer_api_key or os.environ.get(ENV_SIGNER_KEY)
    if key:
        secrets["signer_api_key"] = key
    session = args.session_id or os.environ.get(ENV_SESSION)
    if session:
        secrets["session_id"] = session
    return Context(
        args=args,
        out=out,
        err=err,
        style=Style(colour_wanted(out, args.color)),
        err_style=Style(colour_wanted(err, args.color)),
        base_urls=base_urls,
        secrets=secrets,
        warnings=warnings,
    )


async def run_interruptible(command: Command, context: Context) -> int:
    """Runs the command; SIGINT/SIGTERM cancel it (its cleanup still runs) and give ``interrupted_exit``."""
    interrupted = False
    failure: Exception | None = None
    code = EXIT_OK
    body = anyio.CancelScope()

    async def stop_on_signal(*, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        nonlocal interrupted
        try:
            receiver = anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM)
        except (NotImplementedError, ValueError):  # not the main thread, or a platform without it
            task_status.started()
            return
        # Only the first signal is ours: leaving the receiver restores the default, so a second Ctrl-C
        # during a slow cleanup interrupts for real.
        with receiver as signals:
            task_status.started()
            async for _ in signals:
                interrupted = True
                body.cancel()
                return

    async with anyio.create_task_group() as tasks:
        # Started (the receiver installed) before the command runs: a command that says it is ready can be
        # interrupted at once.
        await tasks.start(stop_on_signal)
        with body:
            try:
                assert command.handler is not None
                code = await command.handler(context)
            except Exception as error:  # re-raised below, outside the task group
                failure = error
        tasks.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return command.interrupted_exit if interrupted else code


def run_command(command: Command, context: Context) -> int:
    """Runs a command on trio (the reference backend; asyncio when trio is not installed)."""
    if command.sync_handler is not None:
        return command.sync_handler(context)
    try:
        import trio  # noqa: F401
    except ImportError:  # pragma: no cover - trio is a dependency of the CLI
        backend = "asyncio"
    else:
        backend = "trio"
    return anyio.run(run_interruptible, command, context, backend=backend)


def stream_is_utf8_safe(stream: TextIO) -> None:
    """Never crash on a character the terminal cannot show (a nickname with emoji on a cp1252 console)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")


def get_command(args: argparse.Namespace) -> Command:
    command = args.run
    assert isinstance(command, Command)
    return command


def print_usage_error(parser: argparse.ArgumentParser, message: str) -> None:
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
