"""``python -m tiktok_webcast.simulator``: serve a scenario until Ctrl+C.

Prints the base URLs once ready (``--json``: one JSON line). :func:`serve` is the async entry point for embedding
(the ``tiktok-webcast simulate`` command uses it); :func:`main` parses arguments and runs it on trio when available,
else asyncio.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import anyio

from tiktok_webcast.exceptions import WebcastError
from tiktok_webcast.simulator.app import HOSTS, Simulator
from tiktok_webcast.simulator.controlcli import control_main
from tiktok_webcast.simulator.loader import MAX_SPEED, load_scenario, parse_fault
from tiktok_webcast.simulator.pack import BREAKAGES
from tiktok_webcast.simulator.scenario import BUILTIN_SCENARIOS, Replay, Scenario, SimulatorError
from tiktok_webcast.trace import read_trace

__all__ = ["build_parser", "main", "serve"]


def describe(sim: Simulator) -> str:
    """The human-readable banner: URLs, creators, what the signer expects."""
    urls = sim.urls
    scenario = sim.scenario
    lines = [f"TikTok LIVE simulator: scenario {scenario.name!r} at speed {scenario.speed:g}"]
    for name, label in (
        ("web", "www.tiktok.com"),
        ("webcast", "webcast.tiktok.com"),
        ("ws", "webcast-ws.tiktok.com"),
        ("signer", "signer (EulerStream API)"),
        ("media", "pull CDN (FLV/HLS)"),
    ):
        lines.append(f"  {name:<8} {getattr(urls, name):<28} {label}")
    if sim.ca_pem_path is not None:
        lines.append(f"  TLS CA   {sim.ca_pem_path}")
    if not sim.media_available:
        lines.append("  note: ffmpeg not found, so the media host answers 503 (everything else works)")
    creators = scenario.all_creators()
    shown = creators[:8]
    for creator in shown:
        state = "live" if sim.is_live(creator.username) else "offline"
        room = f"room {sim.room_id(creator.username)}" if state == "live" else ""
        lines.append(f"  @{creator.username:<24} {state:<8} {room}")
    if len(creators) > len(shown):
        lines.append(f"  ... and {len(creators) - len(shown)} more creators")
    if scenario.replay is not None:
        lines.append(f"  @{scenario.replay.username:<24} replaying {Path(scenario.replay.trace).name}")
    keys = len(scenario.signer.keys)
    anonymous = "allowed" if scenario.signer.anonymous else "refused"
    lines.append(f"  signer: {keys} API key(s) configured, anonymous use {anonymous}")
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


async def serve(
    scenario: Scenario | str | Path = "demo",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: bool = False,
    speed: float | None = None,
    json_output: bool = False,
    ffmpeg: str | bool = True,
    out: TextIO | None = None,
    on_ready: Callable[[Simulator], None] | None = None,
    single_port: bool = False,
) -> None:
    """Serves until cancelled; prints the base URLs (or one JSON line) to ``out`` once ready."""
    stream = out if out is not None else sys.stdout
    async with Simulator(
        scenario, host=host, port=port, tls=tls, speed=speed, ffmpeg=ffmpeg, single_port=single_port
    ) as sim:
        if json_output:
            info: dict[str, object] = dict(sim.urls.as_dict())
            info["ca"] = str(sim.ca_pem_path) if sim.ca_pem_path else None
            info["media_available"] = sim.media_available
            stream.write(json.dumps(info) + "\n")
        else:
            stream.write(describe(sim) + "\n")
        stream.flush()
        if on_ready is not None:
            on_ready(sim)
        await anyio.sleep_forever()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m tiktok_webcast.simulator",
        description="A local TikTok LIVE service: www, webcast REST, push websocket, signer and stream CDN. "
        "`control ...` steers a running one (see `control --help`).",
    )
    parser.add_argument(
        "--scenario",
        default="demo",
        help=f"a bundled scenario ({', '.join(BUILTIN_SCENARIOS)}) or a TOML file (default: demo)",
    )
    parser.add_argument("--replay", metavar="TRACE", help="serve a recorded trace as the room @replay")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="first of five consecutive ports: web, webcast, ws, signer, media (default: free ports)",
    )
    parser.add_argument(
        "--single-port",
        action="store_true",
        help="every host on one port (--port), routed by path: one base URL (--base-url) reaches them all",
    )
    parser.add_argument("--tls", action="store_true", help="serve https/wss with a throwaway CA (needs trustme)")
    parser.add_argument("--speed", type=float, help="run the scenario's script this many times faster")
    parser.add_argument(
        "--optimistic",
        action="store_true",
        help="kinder than TikTok: guests get im/fetch messages and the feed, gift/list needs no signature",
    )
    parser.add_argument(
        "--break",
        dest="breakages",
        action="append",
        default=[],
        metavar="NAME",
        help=f"turn a fault-pack switch on from the start (repeatable): {', '.join(BREAKAGES)}",
    )
    parser.add_argument("--no-media", action="store_true", help="do not use ffmpeg (stream URLs answer 503)")
    parser.add_argument("--json", action="store_true", help="print one JSON line with the base URLs, nothing else")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests, sessions and faults to stderr")
    return parser


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line and exit status 2."""

    def error(self, message: str) -> Any:
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


async def _stop_on_sigterm(scope: anyio.CancelScope) -> None:
    """SIGTERM/SIGHUP stop the simulator cleanly (ffmpeg children included), like Ctrl+C."""
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGHUP) as signals:
        async for _ in signals:
            scope.cancel()
            return


def _scenario(args: argparse.Namespace) -> Scenario:
    """The scenario the arguments describe; :class:`WebcastError` (one line) for anything wrong."""
    if args.speed is not None and not (math.isfinite(args.speed) and 0 < args.speed <= MAX_SPEED):
        raise SimulatorError(f"--speed: must be > 0 and <= {MAX_SPEED:g}, got {args.speed!r}")
    last = 65535 if args.single_port else 65535 - len(HOSTS) + 1
    if not 0 <= args.port <= last:
        raise SimulatorError(f"--port: must be between 0 and {last}, got {args.port}")
    scenario = load_scenario(args.scenario)
    if args.replay:
        trace = str(Path(args.replay).resolve())
        try:
            read_trace(trace)  # a bad trace is an error now, not a traceback once serving
        except (ValueError, RecursionError, OSError) as exc:
            raise SimulatorError(f"--replay: cannot read {args.replay}: {exc}") from None
        scenario = dataclasses.replace(scenario, replay=Replay(trace=trace)).validate()
    if args.optimistic:
        scenario = dataclasses.replace(scenario, optimistic=True)
    unknown = [name for name in args.breakages if name not in BREAKAGES]
    if unknown:
        raise SimulatorError(f"--break: no fault-pack entry {unknown[0]!r} (one of: {', '.join(BREAKAGES)})")
    if args.breakages:
        extra = tuple(parse_fault({"kind": "breakage", "name": name}) for name in args.breakages)
        scenario = dataclasses.replace(scenario, faults=scenario.faults + extra).validate()
    return scenario


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException | None:
    """The first ordinary error inside a (nested) exception group, for a one-line message."""
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            inner = _first_error(exc)
            if inner is not None:
                return inner
        elif isinstance(exc, WebcastError | OSError):
            return exc
    return None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["control"]:
        return control_main(arguments[1:])
    try:
        args = build_parser().parse_args(arguments)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # A background job of a script inherits SIGINT ignored; `kill -INT` must still stop the simulator.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    simulator_logger = logging.getLogger("tiktok_webcast.simulator")
    simulator_logger.addHandler(handler)
    simulator_logger.setLevel(logging.INFO if args.verbose else logging.WARNING)
    try:
        scenario = _scenario(args)
    except WebcastError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        import trio  # noqa: F401

        backend = "trio"
    except ImportError:
        backend = "asyncio"

    async def run() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(_stop_on_sigterm, tg.cancel_scope)
            await serve(
                scenario,
                host=args.host,
                port=args.port,
                tls=args.tls,
                speed=args.speed,
                json_output=args.json,
                ffmpeg=not args.no_media,
                single_port=args.single_port,
            )
            tg.cancel_scope.cancel()

    try:
        anyio.run(run, backend=backend)
    except KeyboardInterrupt:
        return 0
    except (WebcastError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BaseExceptionGroup as group:
        # Some anyio/trio versions deliver Ctrl+C wrapped in a group; ordinary errors arrive wrapped too.
        if group.split(KeyboardInterrupt)[0] is not None:
            return 0
        error = _first_error(group)
        if error is None:
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
